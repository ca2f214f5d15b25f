#include <sqlite3.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/database.h"
#include "common/storage/open_transactions.h"

namespace chiso::storage {
namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const std::string msg = absl::StrCat(what, ": ", sqlite3_errmsg(db));
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(msg);
      }
      return absl::FailedPreconditionError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(msg);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    default:
      return absl::InternalError(msg);
  }
}

class SqliteDatabase;
class SqliteTx;

constexpr size_t kMaxCachedStatements = 256;

using OpenTx = internal::Open<SqliteTx>;
using internal::OpenTxScope;

class SqliteTx : public Tx {
 public:
  explicit SqliteTx(SqliteDatabase* db) : db_(db) {}
  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                         const std::vector<Value>& params) override;
  absl::StatusOr<int64_t> Exec(absl::string_view sql, const std::vector<Value>& params) override;
  absl::Status ExecScript(absl::string_view sql) override;

 private:
  SqliteDatabase* db_;
};

class SqliteDatabase : public Database {
 public:
  explicit SqliteDatabase(SqlitePtr db) : db_(std::move(db)) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  absl::Status Transact(const std::function<absl::Status(Tx&)>& fn) override {
    if (std::optional<OpenTx> outer = internal::FindOpen<SqliteTx>(this)) {
      if (!outer->write) {
        return absl::FailedPreconditionError("write inside a read transaction");
      }
      return Nested(outer->tx, /*write=*/true, fn);
    }
    return Run("BEGIN IMMEDIATE", /*write=*/true, fn);
  }

  absl::Status Read(const std::function<absl::Status(Tx&)>& fn) override {
    if (std::optional<OpenTx> outer = internal::FindOpen<SqliteTx>(this)) {
      if (!outer->write) return RunJoined(outer->tx, fn);
      return Nested(outer->tx, /*write=*/false, fn);
    }
    // query_only makes a write inside a read transaction an error, as it is
    // on PostgreSQL, instead of silently taking the write lock.
    return Run("PRAGMA query_only = 1; BEGIN DEFERRED", /*write=*/false, fn,
               "PRAGMA query_only = 0");
  }

  absl::Status Ping() override {
    return Read([](Tx& tx) { return tx.Query("SELECT 1").status(); });
  }

  // Runs one statement; rows are appended to `rows` when non-null.
  absl::StatusOr<int64_t> Execute(absl::string_view sql, const std::vector<Value>& params,
                                  std::vector<Row>* rows) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Some errors (a full disk, an I/O error) make SQLite roll back the whole
    // transaction; a statement run after that would commit on its own.
    if (sqlite3_get_autocommit(db_.get()) != 0) {
      return absl::UnavailableError("the database rolled back the transaction");
    }
    StmtPtr uncached;
    absl::StatusOr<sqlite3_stmt*> prepared = Prepare(sql, &uncached);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* stmt = *prepared;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (absl::Status s = Bind(stmt, sql, params); !s.ok()) return s;
    const int columns = sqlite3_column_count(stmt);
    while (true) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        absl::Status s = SqliteError(db_.get(), sqlite3_extended_errcode(db_.get()), "query");
        sqlite3_reset(stmt);
        return s;
      }
      if (rows == nullptr) continue;
      std::vector<Value> values;
      values.reserve(columns);
      for (int c = 0; c < columns; ++c) values.push_back(Column(stmt, c));
      rows->emplace_back(std::move(values));
    }
    const int64_t changes = sqlite3_changes64(db_.get());
    sqlite3_reset(stmt);
    return changes;
  }

  absl::Status Script(absl::string_view sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    char* err = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "error";
      sqlite3_free(err);
      return SqliteError(db_.get(), rc, absl::StrCat("script: ", msg));
    }
    return absl::OkStatus();
  }

  absl::Mutex mu_;

 private:
  // Runs `fn` between `begin` and COMMIT (ROLLBACK when it fails), then
  // `after` (if any) whatever happened.
  absl::Status Run(const char* begin, bool write, const std::function<absl::Status(Tx&)>& fn,
                   const char* after = nullptr) {
    absl::MutexLock lock(&mu_);
    absl::Status status = RunLocked(begin, write, fn);
    if (after != nullptr) sqlite3_exec(db_.get(), after, nullptr, nullptr, nullptr);
    return status;
  }

  absl::Status RunLocked(const char* begin, bool write, const std::function<absl::Status(Tx&)>& fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (int rc = sqlite3_exec(db_.get(), begin, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return SqliteError(db_.get(), rc, "begin");
    }
    SqliteTx tx(this);
    absl::Status status;
    {
      OpenTxScope open(this, &tx, write);
      status = fn(tx);
    }
    if (status.ok()) {
      const int rc = sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return status;
      status = SqliteError(db_.get(), rc, "commit");
    }
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  // Runs `fn` on the read transaction `tx` this thread has open (a read
  // inside a read): nothing to begin or end.
  absl::Status RunJoined(SqliteTx* tx, const std::function<absl::Status(Tx&)>& fn) {
    OpenTxScope open(this, tx, /*write=*/false);
    return fn(*tx);
  }

  // Runs `fn` inside the write transaction `tx` this thread has open,
  // after a savepoint: its changes join the outer transaction when it
  // returns OK and are rolled back to the savepoint otherwise. A read
  // (`write` false) runs with writes refused and is always rolled back to
  // its savepoint, which undoes nothing. mu_ is held: by this thread, for
  // the outer transaction (which the analysis cannot see).
  absl::Status Nested(SqliteTx* tx, bool write,
                      const std::function<absl::Status(Tx&)>& fn) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.AssertHeld();
    if (sqlite3_get_autocommit(db_.get()) != 0) {
      return absl::UnavailableError("the database rolled back the transaction");
    }
    const std::string name = absl::StrCat("chiso_nest_", ++nest_depth_);
    absl::Status status =
        Script(absl::StrCat("SAVEPOINT ", name, write ? "" : "; PRAGMA query_only = 1"));
    if (status.ok()) {
      OpenTxScope open(this, tx, write);
      status = fn(*tx);
    }
    if (!write) sqlite3_exec(db_.get(), "PRAGMA query_only = 0", nullptr, nullptr, nullptr);
    --nest_depth_;
    // Some errors (a full disk, an I/O error) make SQLite roll back the
    // whole transaction: then nothing is left to release or commit.
    if (sqlite3_get_autocommit(db_.get()) != 0) {
      if (status.ok()) {
        status = absl::UnavailableError("the database rolled back the transaction");
      }
      return status;
    }
    absl::Status end = Script(status.ok() && write ? absl::StrCat("RELEASE SAVEPOINT ", name)
                                                   : absl::StrCat("ROLLBACK TO SAVEPOINT ", name,
                                                                  "; RELEASE SAVEPOINT ", name));
    if (status.ok()) status = end;
    return status;
  }

  // Returns the prepared statement for `sql`. Statements are cached up to
  // kMaxCachedStatements; past that the statement is owned by `*uncached`
  // (so SQL built from request data cannot grow memory without bound).
  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql, StmtPtr* uncached)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second.get();
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, absl::StrCat("prepare \"", sql, "\""));
    StmtPtr owned(stmt);
    if (tail != nullptr &&
        absl::string_view(tail).find_first_not_of(" \t\r\n;") != absl::string_view::npos) {
      return absl::InternalError(absl::StrCat("prepare: more than one statement in \"", sql, "\""));
    }
    sqlite3_stmt* raw = owned.get();
    if (statements_.size() >= kMaxCachedStatements) {
      *uncached = std::move(owned);
    } else {
      statements_.emplace(std::string(sql), std::move(owned));
    }
    return raw;
  }

  // Binds $1…$n by name: SQLite numbers named parameters by first appearance,
  // so "$2 … $1" must not be bound by position.
  absl::Status Bind(sqlite3_stmt* stmt, absl::string_view sql, const std::vector<Value>& params) {
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return absl::InternalError(
          absl::StrCat("bind: \"", sql, "\" takes ", expected, " parameters, got ", params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string name = absl::StrCat("$", i + 1);
      const int index = sqlite3_bind_parameter_index(stmt, name.c_str());
      if (index == 0) {
        return absl::InternalError(absl::StrCat("bind: \"", sql, "\" has no parameter ", name));
      }
      int rc = SQLITE_OK;
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, index, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else if (const auto* b = std::get_if<Blob>(&v)) {
        rc = sqlite3_bind_blob64(stmt, index, b->bytes.data(), b->bytes.size(), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "bind");
    }
    return absl::OkStatus();
  }

  static Value Column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return sqlite3_column_int64(stmt, c);
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, c);
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return std::string(p, sqlite3_column_bytes(stmt, c));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
        return Blob{std::string(p == nullptr ? "" : std::string(p, sqlite3_column_bytes(stmt, c)))};
      }
      default:
        return nullptr;
    }
  }

  // Statements must be finalized before the connection closes: declared after
  // db_ so they are destroyed first.
  SqlitePtr db_;
  absl::flat_hash_map<std::string, StmtPtr> statements_ ABSL_GUARDED_BY(mu_);
  // Savepoints of nested transactions open, for their names.
  int nest_depth_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::StatusOr<std::vector<Row>> SqliteTx::Query(absl::string_view sql,
                                                 const std::vector<Value>& params) {
  std::vector<Row> rows;
  db_->mu_.AssertHeld();
  absl::StatusOr<int64_t> n = db_->Execute(sql, params, &rows);
  if (!n.ok()) return n.status();
  return rows;
}

absl::StatusOr<int64_t> SqliteTx::Exec(absl::string_view sql, const std::vector<Value>& params) {
  db_->mu_.AssertHeld();
  return db_->Execute(sql, params, nullptr);
}

absl::Status SqliteTx::ExecScript(absl::string_view sql) {
  db_->mu_.AssertHeld();
  return db_->Script(sql);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(
        absl::StrCat("sqlite: cannot open ", options.path, ": ",
                     raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    rc = sqlite3_exec(db.get(), pragma, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db.get(), rc, absl::StrCat("sqlite: ", pragma));
  }
  return std::unique_ptr<Database>(new SqliteDatabase(std::move(db)));
}

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  return OpenSqlite(options);
}

}  // namespace chiso::storage
