#include "tools/chiso-db/cli.h"

#include <map>
#include <memory>
#include <set>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/storage/backup.h"
#include "common/storage/database.h"
#include "tools/common/subcommand_flags.h"

namespace chiso::chisodb {
namespace {

constexpr char kUsage[] = R"(chiso-db: backup and restore of a chiso service's database.

Usage:
  chiso-db backup  --database FILE --to FILE [--overwrite]
      Online backup of an SQLite database: safe while the service runs and
      writes. Writes one self-contained, integrity-checked file atomically;
      refuses an existing FILE unless --overwrite.
  chiso-db restore --from FILE --database FILE
      Puts a backup in place of the database of a STOPPED service (refused
      while anything has the database open). The replaced database is kept
      as FILE.before-restore.
  chiso-db verify  --from FILE
      Checks a backup (integrity, schema version) without changing it.
  chiso-db version --database FILE|postgresql://...
      Prints the schema version (read only; 0 for an empty database).

  Given --database postgresql://..., backup and restore print the pg_dump
  and pg_restore commands to run (PostgreSQL's own tools back it up) and
  exit 1, as nothing was copied.

Exit status: 0 ok, 1 error, 2 usage error. See docs/BACKUP.md.
)";

bool IsPostgresUrl(const std::string& s) {
  return absl::StartsWith(s, "postgresql://") || absl::StartsWith(s, "postgres://");
}

// "sqlite:PATH" (the --database_url form) means PATH.
std::string SqlitePath(const std::string& s) {
  return absl::StartsWith(s, "sqlite:") ? s.substr(7) : s;
}

std::string Quote(const std::string& s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

// `url` without its password; `*had_password` says whether it had one.
std::string WithoutPassword(const std::string& url, bool* had_password) {
  std::string out = url;
  *had_password = false;
  // A password=… query parameter.
  for (size_t q = out.find('?'); q != std::string::npos;) {
    const size_t end = out.find('&', q + 1);
    if (absl::StartsWith(absl::string_view(out).substr(q + 1), "password=")) {
      out.erase(q + 1, end == std::string::npos ? std::string::npos : end - q);
      *had_password = true;
      if (q + 1 == out.size()) {  // nothing after the "?" or "&"
        out.erase(q);
        break;
      }
      continue;
    }
    q = end;
  }
  const size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  const size_t start = scheme + 3;
  const size_t end = out.find_first_of("/?", start);
  const size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
  if (at == std::string::npos || at < start) return out;
  const size_t colon = out.find(':', start);
  if (colon != std::string::npos && colon < at) {
    out.erase(colon, at - colon);
    *had_password = true;
  }
  return out;
}

int Usage(std::ostream& err, const std::string& message) {
  err << "chiso-db: " << message << "\nRun \"chiso-db --help\" for usage.\n";
  return kExitUsage;
}

int Fail(std::ostream& err, const absl::Status& status) {
  err << "chiso-db: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
      << "\n";
  return kExitError;
}

using Command = tools::SubcommandFlags;

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"backup", {{"database", "to"}, {}, {"overwrite"}}},
      {"restore", {{"from", "database"}, {}, {}}},
      {"verify", {{"from"}, {}, {}}},
      {"version", {{"database"}, {}, {}}},
  };
  return *commands;
}

// PostgreSQL is backed up with pg_dump and restored with pg_restore.
int PrintPostgresCommand(const std::string& verb, const std::string& url, const std::string& file,
                         std::ostream& out, std::ostream& err) {
  bool had_password = false;
  const std::string bare = WithoutPassword(url, &had_password);
  const std::string env = had_password ? "PGPASSWORD=\"$PASSWORD\" " : "";
  if (verb == "backup") {
    out << env << "pg_dump --format=custom --file=" << Quote(file) << " --dbname=" << Quote(bare)
        << "\n";
  } else {
    out << env << "pg_restore --no-owner --clean --if-exists --single-transaction --exit-on-error"
        << " --dbname=" << Quote(bare) << " " << Quote(file) << "\n";
  }
  err << "chiso-db: " << verb
      << " of PostgreSQL is done with PostgreSQL's own tools; run the command above"
      << (had_password ? " (with the password of the URL in PASSWORD)" : "")
      << (verb == "restore" ? " with the service stopped" : "")
      << ". Nothing was copied. See docs/BACKUP.md.\n";
  return kExitError;
}

int Version(const std::string& database, std::ostream& out, std::ostream& err) {
  if (IsPostgresUrl(database)) {
    storage::PostgresOptions options;
    options.url = database;
    options.pool_size = 1;
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenPostgres(options);
    if (!db.ok()) return Fail(err, db.status());
    absl::StatusOr<int> version = storage::SchemaVersion(**db);
    if (!version.ok()) return Fail(err, version.status());
    out << *version << "\n";
    return kExitOk;
  }
  absl::StatusOr<int> version = storage::SqliteFileSchemaVersion(SqlitePath(database));
  if (!version.ok()) return Fail(err, version.status());
  out << *version << "\n";
  return kExitOk;
}

}  // namespace

int RunChisoDb(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return kExitOk;
  }
  auto it = Commands().find(args[0]);
  if (it == Commands().end()) return Usage(err, absl::StrCat("unknown command \"", args[0], "\""));
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return kExitOk;
    }
  }
  std::map<std::string, std::string> flags;
  if (absl::Status s = tools::ParseSubcommandFlags(it->second, args, &flags); !s.ok()) {
    return Usage(err, absl::StrCat(args[0], ": ", s.message()));
  }
  const std::string& verb = args[0];

  if (verb == "version") return Version(flags["database"], out, err);

  if (verb == "verify") {
    absl::StatusOr<storage::SqliteCopyInfo> info = storage::VerifySqliteBackup(flags["from"]);
    if (!info.ok()) return Fail(err, info.status());
    out << "ok: " << flags["from"] << ": " << info->pages << " pages, " << info->bytes
        << " bytes, schema version " << info->schema_version << "\n";
    return kExitOk;
  }

  if (verb == "backup") {
    const std::string& database = flags["database"];
    if (IsPostgresUrl(database)) return PrintPostgresCommand(verb, database, flags["to"], out, err);
    storage::SqliteBackupOptions options;
    options.overwrite = flags["overwrite"] == "true";
    absl::StatusOr<storage::SqliteCopyInfo> info =
        storage::BackupSqlite(SqlitePath(database), flags["to"], options);
    if (!info.ok()) return Fail(err, info.status());
    out << "backed up " << SqlitePath(database) << " to " << flags["to"] << ": " << info->pages
        << " pages, " << info->bytes << " bytes, schema version " << info->schema_version
        << ", integrity ok\n";
    return kExitOk;
  }

  // restore
  const std::string& database = flags["database"];
  if (IsPostgresUrl(database)) return PrintPostgresCommand(verb, database, flags["from"], out, err);
  absl::StatusOr<storage::SqliteRestoreInfo> info =
      storage::RestoreSqlite(flags["from"], SqlitePath(database));
  if (!info.ok()) return Fail(err, info.status());
  out << "restored " << flags["from"] << " to " << SqlitePath(database) << ": "
      << info->restored.pages << " pages, schema version " << info->restored.schema_version << "\n";
  if (!info->previous_path.empty()) {
    out << "the replaced database is kept as " << info->previous_path << "\n";
  }
  out << "start the service; it migrates the schema forward if the backup is older\n";
  return kExitOk;
}

}  // namespace chiso::chisodb
