// The PostgreSQL backend of storage::Database, over libpq.
//
// Write transactions are serialized per database, as SQLite serializes them:
// each begins by taking one transaction-scoped advisory lock. Stores were
// written for that model (read, decide, write inside one Transact), so two
// replicas of a service can never interleave a read-modify-write and lose an
// update, and no callback ever needs to be retried. Writers run at READ
// COMMITTED, so every statement after the lock sees everything committed
// before it. Read transactions take no lock: REPEATABLE READ, READ ONLY, one
// consistent snapshot, as SQLite's WAL readers have.

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/log/log.h"
#include "common/storage/database.h"
#include "common/storage/open_transactions.h"

namespace chiso::storage {
namespace {

// Type OIDs from PostgreSQL's pg_type.h (stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// The advisory lock every write transaction takes: one per database, so
// different services sharing a server do not wait for each other. Any
// constant works; this one reads "chiso" in ASCII.
constexpr int64_t kWriteLockKey = 0x636869736f;

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// Maps an SQLSTATE to the codes database.h promises. `connection_lost`
// decides for errors libpq raises itself, which carry no SQLSTATE.
absl::Status PostgresError(absl::string_view what, const char* sqlstate, absl::string_view message,
                           bool connection_lost) {
  const std::string state = sqlstate != nullptr ? sqlstate : "";
  message = absl::StripTrailingAsciiWhitespace(message);
  // Data the server refuses to store: invalid UTF-8 in text, a number out
  // of range. It came from a request, so it is the caller's; the message
  // names the problem, not the SQL.
  if (absl::StartsWith(state, "22")) {
    return absl::InvalidArgumentError(
        absl::StrCat("a value cannot be stored: ", message.substr(0, message.find('\n'))));
  }
  std::string msg = absl::StrCat(what, ": ", message);
  if (!state.empty()) absl::StrAppend(&msg, " (SQLSTATE ", state, ")");
  if (state.empty()) {
    return connection_lost ? absl::UnavailableError(msg) : absl::InternalError(msg);
  }
  if (state == "23505") return absl::AlreadyExistsError(msg);
  // Wrong parameter count and the like: a bug in the SQL, not the network.
  if (state == "08P01") return absl::InternalError(msg);
  if (absl::StartsWith(state, "23")) return absl::FailedPreconditionError(msg);
  if (absl::StartsWith(state, "53")) return absl::ResourceExhaustedError(msg);
  if (state == "XX001" || state == "XX002") return absl::DataLossError(msg);
  // Connection loss, shutdown, lock or statement timeouts, serialization
  // failures: trying again later may work.
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57") ||
      absl::StartsWith(state, "40") || state == "55P03" || absl::StartsWith(state, "58")) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

absl::Status ResultError(PGconn* conn, const PGresult* res, absl::string_view what) {
  const bool lost = PQstatus(conn) != CONNECTION_OK;
  if (res == nullptr) return PostgresError(what, nullptr, PQerrorMessage(conn), lost);
  return PostgresError(what, PQresultErrorField(res, PG_DIAG_SQLSTATE), PQresultErrorMessage(res),
                       lost);
}

Value Column(const PGresult* res, int row, int c) {
  if (PQgetisnull(res, row, c)) return nullptr;
  const char* p = PQgetvalue(res, row, c);
  const int len = PQgetlength(res, row, c);
  absl::string_view text(p, static_cast<size_t>(len));
  switch (PQftype(res, c)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t n = 0;
      if (absl::SimpleAtoi(text, &n)) return n;
      return std::string(text);
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double d = 0;
      if (absl::SimpleAtod(text, &d)) return d;
      return std::string(text);
    }
    case kBoolOid:
      return int64_t{text == "t" ? 1 : 0};
    case kByteaOid: {
      // Text format: "\x" then two hex digits per byte (bytea_output = hex,
      // the default since 9.0 and set on every connection).
      if (absl::StartsWith(text, "\\x")) {
        return Blob{absl::HexStringToBytes(text.substr(2))};
      }
      return Blob{std::string(text)};
    }
    default:
      return std::string(text);
  }
}

class PostgresDatabase;
class PostgresTx;

using OpenTx = internal::Open<PostgresTx>;
using internal::OpenTxScope;

class PostgresTx : public Tx {
 public:
  explicit PostgresTx(PGconn* conn) : conn_(conn) {}

  // Runs `fn` inside this (write) transaction after a savepoint of its own:
  // its changes join the transaction when it returns OK and are rolled back
  // to the savepoint otherwise, leaving the transaction usable. A read
  // (`write` false) runs with writes refused (transaction_read_only, which
  // rolling back to the savepoint turns off again) and is always rolled back
  // to its savepoint, which undoes nothing.
  //
  // Releasing a savepoint releases every savepoint made after it, so the
  // statement savepoint still open (Run) is released first, and statements
  // inside `fn` make theirs after the nested one.
  absl::Status Nested(const Database* db, bool write, const std::function<absl::Status(Tx&)>& fn) {
    const std::string name = absl::StrCat("chiso_nest_", ++nest_depth_);
    std::string begin = absl::StrCat(savepoint_open_ ? "RELEASE SAVEPOINT chiso_statement; " : "",
                                     "SAVEPOINT ", name);
    if (!write) absl::StrAppend(&begin, "; SET LOCAL transaction_read_only = on");
    savepoint_open_ = false;
    absl::Status status = Savepoint(begin.c_str());
    if (status.ok()) {
      OpenTxScope open(db, this, write);
      status = fn(*this);
    }
    // The statement savepoints made inside `fn` go with the nested one.
    savepoint_open_ = false;
    --nest_depth_;
    const std::string end = status.ok() && write ? absl::StrCat("RELEASE SAVEPOINT ", name)
                                                 : absl::StrCat("ROLLBACK TO SAVEPOINT ", name,
                                                                "; RELEASE SAVEPOINT ", name);
    absl::Status ended = Savepoint(end.c_str());
    if (status.ok()) status = ended;
    return status;
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                         const std::vector<Value>& params) override {
    absl::StatusOr<ResultPtr> res = Run(sql, params);
    if (!res.ok()) return res.status();
    const PGresult* r = res->get();
    std::vector<Row> rows;
    const int n = PQntuples(r);
    const int columns = PQnfields(r);
    rows.reserve(n);
    for (int i = 0; i < n; ++i) {
      std::vector<Value> values;
      values.reserve(columns);
      for (int c = 0; c < columns; ++c) values.push_back(Column(r, i, c));
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  absl::StatusOr<int64_t> Exec(absl::string_view sql, const std::vector<Value>& params) override {
    absl::StatusOr<ResultPtr> res = Run(sql, params);
    if (!res.ok()) return res.status();
    int64_t changed = 0;
    const char* tuples = PQcmdTuples(res->get());
    if (tuples != nullptr && *tuples != '\0' && !absl::SimpleAtoi(tuples, &changed)) changed = 0;
    return changed;
  }

  absl::Status ExecScript(absl::string_view sql) override {
    const std::string text(sql);
    ResultPtr res(PQexec(conn_, text.c_str()));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
      return ResultError(conn_, res.get(), "script");
    }
    return absl::OkStatus();
  }

 private:
  // Runs one statement. A failed statement leaves the transaction usable, as
  // on SQLite: stores look up who holds a unique number after an insert
  // fails. PostgreSQL aborts the whole transaction on an error, so every
  // statement runs after a savepoint, rolled back to when it fails. The
  // previous statement's savepoint is released in the same round trip.
  absl::StatusOr<ResultPtr> Run(absl::string_view sql, const std::vector<Value>& params) {
    if (absl::Status s = Savepoint(savepoint_open_ ? "RELEASE SAVEPOINT chiso_statement; "
                                                     "SAVEPOINT chiso_statement"
                                                   : "SAVEPOINT chiso_statement");
        !s.ok()) {
      return s;
    }
    savepoint_open_ = true;
    absl::StatusOr<ResultPtr> res = RunStatement(sql, params);
    if (!res.ok()) {
      if (absl::Status s = Savepoint("ROLLBACK TO SAVEPOINT chiso_statement"); !s.ok()) return s;
    }
    return res;
  }

  absl::Status Savepoint(const char* sql) {
    ResultPtr res(PQexec(conn_, sql));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return ResultError(conn_, res.get(), "savepoint");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ResultPtr> RunStatement(absl::string_view sql, const std::vector<Value>& params) {
    const size_t n = params.size();
    std::vector<Oid> types(n, 0);
    std::vector<std::string> texts(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        continue;  // NULL; its type is inferred from where it is used
      } else if (const auto* k = std::get_if<int64_t>(&v)) {
        types[i] = kInt8Oid;
        texts[i] = absl::StrCat(*k);
      } else if (const auto* d = std::get_if<double>(&v)) {
        types[i] = kFloat8Oid;
        // Round-trips every double exactly.
        texts[i] = absl::StrFormat("%.17g", *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        // libpq passes text as a C string: a NUL would cut it short and
        // store less than was sent. PostgreSQL text cannot hold one anyway.
        if (s->find('\0') != std::string::npos) {
          return absl::InvalidArgumentError("a value cannot be stored: text contains a NUL byte");
        }
        // Untyped: the server gives it the type of where it is used, as
        // SQLite's column affinity does ("n IN ($1)" with n an integer).
        texts[i] = *s;
      } else if (const auto* b = std::get_if<Blob>(&v)) {
        types[i] = kByteaOid;
        texts[i] = b->bytes;
        formats[i] = 1;  // binary: the bytes as they are
      }
      values[i] = texts[i].c_str();
      lengths[i] = static_cast<int>(texts[i].size());
    }
    const std::string text(sql);
    ResultPtr res(PQexecParams(conn_, text.c_str(), static_cast<int>(n), types.data(),
                               values.data(), lengths.data(), formats.data(), 0));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return ResultError(conn_, res.get(), absl::StrCat("query \"", sql, "\""));
    }
    return res;
  }

  PGconn* conn_;
  bool savepoint_open_ = false;
  // Nested transactions open (Nested), for their savepoints' names.
  int nest_depth_ = 0;
};

class PostgresDatabase : public Database {
 public:
  explicit PostgresDatabase(PostgresOptions options) : options_(std::move(options)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  absl::Status Transact(const std::function<absl::Status(Tx&)>& fn) override {
    if (std::optional<OpenTx> outer = internal::FindOpen<PostgresTx>(this)) {
      if (!outer->write) {
        return absl::FailedPreconditionError("write inside a read transaction");
      }
      return outer->tx->Nested(this, /*write=*/true, fn);
    }
    return Run(/*write=*/true, fn);
  }

  absl::Status Read(const std::function<absl::Status(Tx&)>& fn) override {
    if (std::optional<OpenTx> outer = internal::FindOpen<PostgresTx>(this)) {
      if (outer->write) return outer->tx->Nested(this, /*write=*/false, fn);
      PostgresTx* tx = outer->tx;
      OpenTxScope open(this, tx, /*write=*/false);
      return fn(*tx);
    }
    return Run(/*write=*/false, fn);
  }

  absl::Status Ping() override {
    return Read([](Tx& tx) { return tx.Query("SELECT 1").status(); });
  }

  // Opens the first connection, so a bad URL or an unreachable server is an
  // error at start rather than at the first request.
  absl::Status Connect() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++open_;
    }
    absl::StatusOr<ConnPtr> conn = NewConnection();
    if (!conn.ok()) {
      Drop();
      return conn.status();
    }
    WarnAboutCollation(conn->get());
    Release(*std::move(conn));
    return absl::OkStatus();
  }

 private:
  absl::Status Run(bool write, const std::function<absl::Status(Tx&)>& fn) {
    const char* begin = write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                              : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    ConnPtr conn;
    absl::Status status;
    // A pooled connection that died while idle (a server restart, a
    // failover) is noticed only when used. BEGIN is the first use and
    // nothing has run yet, so one fresh connection may try again.
    for (int attempt = 0; attempt < 2; ++attempt) {
      absl::StatusOr<ConnPtr> acquired = Acquire();
      if (!acquired.ok()) return acquired.status();
      conn = *std::move(acquired);
      status = Simple(conn.get(), begin, "begin");
      if (status.ok() || PQstatus(conn.get()) == CONNECTION_OK) break;
      conn.reset();
      Drop();
    }
    if (conn == nullptr) return status;
    PGconn* c = conn.get();
    if (status.ok() && write) {
      status = Simple(c, absl::StrCat("SELECT pg_advisory_xact_lock(", kWriteLockKey, ")"),
                      "write lock");
    }
    if (status.ok()) {
      PostgresTx tx(c);
      OpenTxScope open(this, &tx, write);
      status = fn(tx);
      if (status.ok()) {
        status = Commit(c);
        if (status.ok()) {
          Release(std::move(conn));
          return status;
        }
      }
    }
    // ROLLBACK also ends a transaction the server already aborted. A
    // connection that cannot even do that is dropped, not pooled.
    if (PQstatus(c) == CONNECTION_OK && Simple(c, "ROLLBACK", "rollback").ok() &&
        PQtransactionStatus(c) == PQTRANS_IDLE) {
      Release(std::move(conn));
    } else {
      conn.reset();
      Drop();
    }
    return status;
  }

  // COMMIT of a transaction the server had aborted "succeeds" with the tag
  // ROLLBACK: nothing was written, and the caller must hear so. A connection
  // lost during COMMIT leaves the outcome unknown: Unavailable says so.
  static absl::Status Commit(PGconn* c) {
    ResultPtr res(PQexec(c, "COMMIT"));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      absl::Status s = ResultError(c, res.get(), "commit");
      if (absl::IsUnavailable(s)) {
        return absl::UnavailableError(
            absl::StrCat(s.message(),
                         " (the connection was lost during COMMIT: the change may or may not "
                         "have been saved)"));
      }
      return s;
    }
    if (absl::string_view(PQcmdStatus(res.get())) != "COMMIT") {
      return absl::InternalError(
          "commit: the transaction had failed and was rolled back; nothing was saved");
    }
    return absl::OkStatus();
  }

  // Pages are cut and ordered by text keys compared byte by byte, as SQLite
  // compares them; a language collation orders them differently.
  void WarnAboutCollation(PGconn* c) {
    ResultPtr res(
        PQexec(c, "SELECT datcollate FROM pg_database WHERE datname = current_database()"));
    if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1) return;
    const std::string collate = PQgetvalue(res.get(), 0, 0);
    if (collate == "C" || collate == "POSIX" || absl::StartsWith(collate, "C.")) return;
    log::Warning("database collation is not C: lists may be ordered and paged unlike on SQLite",
                 {{"collation", collate}, {"database", RedactedUrl(options_.url)}});
  }

  static absl::Status Simple(PGconn* c, const std::string& sql, absl::string_view what) {
    ResultPtr res(PQexec(c, sql.c_str()));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ResultError(c, res.get(), what);
    return absl::OkStatus();
  }

  absl::StatusOr<ConnPtr> NewConnection() {
    ConnPtr conn(PQconnectdb(options_.url.c_str()));
    if (conn == nullptr) return absl::ResourceExhaustedError("postgresql: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return absl::UnavailableError(
          absl::StrCat("postgresql: cannot connect to ", RedactedUrl(options_.url), ": ",
                       absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn.get()))));
    }
    // UTF-8 text, hex bytea, UTC, and bounded waits: a write that cannot get
    // the lock in time answers Unavailable instead of hanging the RPC; the
    // server ends runaway statements and sessions that sit idle inside a
    // transaction (a frozen replica would otherwise hold the write lock), and
    // probes its side of the socket so a vanished client is noticed.
    const std::string setup = absl::StrCat(
        "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; SET TIME ZONE 'UTC'; ",
        "SET lock_timeout = ", absl::ToInt64Milliseconds(options_.lock_timeout), "; ",
        "SET statement_timeout = ", absl::ToInt64Milliseconds(options_.statement_timeout), "; ",
        "SET idle_in_transaction_session_timeout = ",
        absl::ToInt64Milliseconds(options_.idle_in_transaction_timeout), "; ",
        "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; ",
        "SET tcp_keepalives_count = 3; SET client_min_messages = 'warning'");
    if (absl::Status s = Simple(conn.get(), setup, "postgresql: session setup"); !s.ok()) return s;
    return conn;
  }

  absl::StatusOr<ConnPtr> Acquire() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.acquire_timeout),
                        [&] { return !idle_.empty() || open_ < options_.pool_size; })) {
        return absl::UnavailableError(absl::StrCat("postgresql: all ", options_.pool_size,
                                                   " connections stayed busy for ",
                                                   absl::FormatDuration(options_.acquire_timeout)));
      }
      if (!idle_.empty()) {
        ConnPtr conn = std::move(idle_.back());
        idle_.pop_back();
        if (PQstatus(conn.get()) == CONNECTION_OK) return conn;
        // Broken while idle (server restart): open a fresh one in its place.
      } else {
        ++open_;
      }
    }
    absl::StatusOr<ConnPtr> conn = NewConnection();
    if (!conn.ok()) Drop();
    return conn;
  }

  void Release(ConnPtr&& conn) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(conn));
    cv_.notify_one();
  }

  // Forgets a connection that was handed out (and is closed by its owner).
  void Drop() {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }

  const PostgresOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ConnPtr> idle_;  // guarded by mu_
  int open_ = 0;               // connections open, idle or in use; guarded by mu_
};

}  // namespace

std::string RedactedUrl(absl::string_view url) {
  std::string out(url);
  // scheme://user:password@host/… → scheme://user:***@host/…
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = out.find_first_of("/?", start);
    const size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // …?password=secret&… → …?password=***&…
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const size_t value = p + 9;
    const size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

std::string WithConnectionDefaults(absl::string_view url) {
  std::string out(url);
  // Without these a call can hang for minutes on a server that vanished:
  // libpq waits for a connection forever by default, and the kernel notices
  // a dead peer only after two hours of silence.
  for (const char* param : {"connect_timeout=10", "keepalives_idle=30", "keepalives_interval=10",
                            "keepalives_count=3"}) {
    const absl::string_view key =
        absl::string_view(param).substr(0, std::strchr(param, '=') - param);
    if (absl::StrContains(out, absl::StrCat(key, "="))) continue;  // the operator's own value
    absl::StrAppend(&out, absl::StrContains(out, "?") ? "&" : "?", param);
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const PostgresOptions& options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("postgresql: pool_size must be at least 1");
  }
  PostgresOptions effective = options;
  effective.url = WithConnectionDefaults(options.url);
  auto db = std::make_unique<PostgresDatabase>(effective);
  if (absl::Status s = db->Connect(); !s.ok()) return s;
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace chiso::storage
