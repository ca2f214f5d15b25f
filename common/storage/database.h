#ifndef CHISO_COMMON_STORAGE_DATABASE_H_
#define CHISO_COMMON_STORAGE_DATABASE_H_

// The narrow storage interface every service store is written against.
//
// Queries use PostgreSQL-style positional placeholders ($1, $2, …) on every
// backend, so a store's SQL is written once. Work happens inside
// Database::Transact: the callback's changes commit together when it returns
// OK and roll back otherwise.
//
// Transactions nest on one thread: a Transact or Read called (on the same
// Database) from inside another's callback joins the open transaction
// instead of beginning one, so a caller can wrap several store calls, each
// its own Transact, in one transaction (common/audit does).
//
//   outer \ inner   Transact                       Read
//   Transact        a savepoint: the inner          runs on the outer
//                   changes join the outer on OK,   transaction (sees its
//                   are rolled back on an error     uncommitted writes);
//                   and the outer goes on           writing fails
//   Read            FailedPrecondition ("write      joins the outer read
//                   inside a read transaction")
//
// Nothing commits before the outermost Transact returns OK: its error rolls
// back every inner change. Other threads are not affected: their calls begin
// transactions of their own and wait for the write lock as usual (so a
// callback must never wait for another thread's transaction on the same
// database: that one waits for it).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chiso::storage {

// Binary data, kept apart from text so each backend binds the right type.
struct Blob {
  std::string bytes;
};

// A parameter or a column value.
using Value = std::variant<std::nullptr_t, int64_t, double, std::string, Blob>;

// One result row. Accessors return a default (0, "") for NULL.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
  int64_t Int(size_t i) const;
  double Double(size_t i) const;
  // Text or blob contents.
  std::string Text(size_t i) const;
  const Value& value(size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

// A transaction in progress. Valid only inside the Transact callback.
class Tx {
 public:
  virtual ~Tx() = default;
  // Runs a statement that returns rows.
  virtual absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                                 const std::vector<Value>& params = {}) = 0;
  // Runs a statement and returns the number of rows it changed.
  virtual absl::StatusOr<int64_t> Exec(absl::string_view sql,
                                       const std::vector<Value>& params = {}) = 0;
  // Runs several statements without parameters (migrations).
  virtual absl::Status ExecScript(absl::string_view sql) = 0;
};

enum class Dialect { kSqlite, kPostgres };

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Runs `fn` in a write transaction. Commits when `fn` returns OK, rolls
  // back and returns its status otherwise. Called from inside another
  // transaction's `fn` on this thread, it nests (see the top of this file):
  // `fn` runs after a savepoint of the outer transaction, rolled back to
  // when `fn` fails, and nothing commits before the outermost returns OK;
  // inside a Read it fails with FailedPrecondition. Errors from the database
  // map to: AlreadyExists (unique constraint), FailedPrecondition (a foreign
  // key or check constraint; the message says which), Unavailable (busy,
  // locked, I/O), ResourceExhausted (disk full), DataLoss (corruption),
  // Internal (anything else, e.g. an SQL error).
  virtual absl::Status Transact(const std::function<absl::Status(Tx&)>& fn) = 0;
  // Runs `fn` in a read transaction: a consistent snapshot that takes no
  // write lock. Writing inside it fails. Same errors as Transact. Called from
  // inside a transaction's `fn` on this thread, it runs on that transaction
  // (inside a Transact it sees the uncommitted writes; writing still fails).
  virtual absl::Status Read(const std::function<absl::Status(Tx&)>& fn) = 0;
  // Checks that the database answers (health checks).
  virtual absl::Status Ping() = 0;
};

struct SqliteOptions {
  // Database file; ":memory:" for a private in-memory database (tests).
  std::string path;
  // How long to wait for a lock held by another process.
  int busy_timeout_ms = 5000;
};

// Opens (creating if needed) an SQLite database in WAL mode with foreign keys
// on and full synchronous writes. Errors: Unavailable if it cannot be opened.
absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options);
// The same with default options for the file at `path`.
absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const std::string& path);

struct PostgresOptions {
  // A libpq connection URI: postgresql://user:password@host:port/database
  // with any libpq parameters (sslmode, connect_timeout, options, …).
  std::string url;
  // Connections kept open; a transaction waits for a free one.
  int pool_size = 8;
  // How long a write transaction waits for the database's write lock before
  // it fails with Unavailable.
  absl::Duration lock_timeout = absl::Seconds(10);
  // How long a call waits for a free connection before Unavailable.
  absl::Duration acquire_timeout = absl::Seconds(10);
  // The server ends a statement running longer than this (migrations are
  // exempt), and a session idle inside a transaction longer than this, which
  // releases the write lock a frozen or cut-off replica would hold forever.
  absl::Duration statement_timeout = absl::Seconds(60);
  absl::Duration idle_in_transaction_timeout = absl::Seconds(60);
};

// Connects to PostgreSQL. Write transactions are serialized per database (an
// advisory lock), as SQLite serializes them, so the stores' read-then-write
// transactions stay correct with any number of service replicas; reads run
// concurrently on a consistent snapshot. Errors: Unavailable when the server
// cannot be reached or refuses the login, InvalidArgument for bad options.
absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const PostgresOptions& options);

// Opens the database a --database_url names:
//   ""                     the embedded SQLite file `default_sqlite_path`
//   "sqlite:PATH"          an SQLite file
//   "postgresql://…", "postgres://…"   PostgreSQL (OpenPostgres)
// Errors: InvalidArgument for any other form; those of the backend.
absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(absl::string_view url,
                                                       const std::string& default_sqlite_path);

// `url` with the connection defaults OpenPostgres adds where the URL does not
// set them: connect_timeout=10 and TCP keepalives (30 s idle, 3 probes 10 s
// apart), so a vanished server fails calls in seconds instead of hanging them.
std::string WithConnectionDefaults(absl::string_view url);

// `url` with any password replaced by "***", for logs and error messages.
std::string RedactedUrl(absl::string_view url);

// One schema change, with its SQL per dialect.
struct Migration {
  int version;       // 1, 2, 3, … without gaps
  std::string name;  // what it does, e.g. "create plans"
  std::string sqlite;
  std::string postgres;  // empty: same as sqlite
};

// A migration written once for both dialects. `schema` names the types that
// differ as {blob} (BLOB in SQLite, BYTEA in PostgreSQL) and {int64}
// (INTEGER, BIGINT); everything else must be SQL both accept.
Migration PortableMigration(int version, absl::string_view name, absl::string_view schema);

// Brings the schema to the last of `migrations`, applying each missing one in
// its own transaction and recording it in schema_migrations. Errors:
// FailedPrecondition when the database has a version this binary does not
// know (it was written by a newer release), InvalidArgument for a bad list.
absl::Status Migrate(Database& db, const std::vector<Migration>& migrations);

// The schema version recorded in the database, 0 for a new one. Reads only:
// it creates nothing, so it serves tools that inspect a database too.
absl::StatusOr<int> SchemaVersion(Database& db);

}  // namespace chiso::storage

#endif  // CHISO_COMMON_STORAGE_DATABASE_H_
