#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log/log.h"
#include "common/storage/database.h"

namespace chiso::storage {
namespace {

constexpr absl::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

}  // namespace

Migration PortableMigration(int version, absl::string_view name, absl::string_view schema) {
  return Migration{version, std::string(name),
                   absl::StrReplaceAll(schema, {{"{blob}", "BLOB"}, {"{int64}", "INTEGER"}}),
                   absl::StrReplaceAll(schema, {{"{blob}", "BYTEA"}, {"{int64}", "BIGINT"}})};
}

absl::StatusOr<int> SchemaVersion(Database& db) {
  int version = 0;
  absl::Status s = db.Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> exists =
        tx.Query(db.dialect() == Dialect::kPostgres
                     ? "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END"
                     : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                       "'schema_migrations'");
    if (!exists.ok()) return exists.status();
    if (exists->empty() || (*exists)[0].Int(0) == 0) return absl::OkStatus();
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!rows.ok()) return rows.status();
    version = static_cast<int>((*rows)[0].Int(0));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return version;
}

absl::Status Migrate(Database& db, const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations: expected version ", i + 1, ", got ", migrations[i].version));
    }
  }
  absl::Status created = db.Transact([](Tx& tx) { return tx.ExecScript(kCreateTable); });
  if (!created.ok()) return created;
  absl::StatusOr<int> current = SchemaVersion(db);
  if (!current.ok()) return current.status();
  const int latest = static_cast<int>(migrations.size());
  if (*current > latest) {
    return absl::FailedPreconditionError(absl::StrCat("database schema version ", *current,
                                                      " is newer than this binary knows (", latest,
                                                      "): run a newer release"));
  }
  for (int v = *current + 1; v <= latest; ++v) {
    const Migration& m = migrations[v - 1];
    absl::string_view sql =
        db.dialect() == Dialect::kPostgres && !m.postgres.empty() ? m.postgres : m.sqlite;
    absl::Status s = db.Transact([&](Tx& tx) -> absl::Status {
      // Another process may have applied it since the version was read.
      absl::StatusOr<std::vector<Row>> done =
          tx.Query("SELECT 1 FROM schema_migrations WHERE version = $1", {static_cast<int64_t>(v)});
      if (!done.ok()) return done.status();
      if (!done->empty()) return absl::OkStatus();
      // A migration may rewrite a large table: no statement timeout.
      if (db.dialect() == Dialect::kPostgres) {
        if (absl::Status e = tx.ExecScript("SET LOCAL statement_timeout = 0"); !e.ok()) return e;
      }
      if (absl::Status e = tx.ExecScript(sql); !e.ok()) return e;
      return tx
          .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {static_cast<int64_t>(v), std::string(m.name),
                 absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone())})
          .status();
    });
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("migration ", v, " (", m.name, "): ", s.message()));
    }
    log::Info("schema migrated", {{"version", v}, {"name", m.name}});
  }
  return absl::OkStatus();
}

}  // namespace chiso::storage
