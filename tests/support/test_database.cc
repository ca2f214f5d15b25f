#include "tests/support/test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace chiso::test_support {
namespace {

// A server this process started because no ctest fixture was running.
class PrivateServer {
 public:
  ~PrivateServer() {
    if (!state_.empty()) {
      std::string cmd = absl::StrCat("bash '", CHISO_PG_FIXTURE, "' stop '", state_, "'");
      (void)std::system(cmd.c_str());
    }
  }
  absl::StatusOr<std::string> Start() {
    state_ = absl::StrCat(::testing::TempDir(), "chiso-pg-", getpid());
    std::string cmd = absl::StrCat("bash '", CHISO_PG_FIXTURE, "' start '", state_, "'");
    if (std::system(cmd.c_str()) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot start a PostgreSQL server: ", cmd));
    }
    return absl::StrCat(state_, "/url");
  }

 private:
  std::string state_;
};

absl::StatusOr<std::string> ReadUrl(const std::string& file) {
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    return absl::UnavailableError(absl::StrCat("no PostgreSQL URL in ", file));
  }
  return std::string(absl::StripAsciiWhitespace(url));
}

absl::StatusOr<std::string> ServerUrl() {
  static std::mutex mu;
  static absl::StatusOr<std::string>* url = nullptr;
  static PrivateServer* server = nullptr;
  std::lock_guard<std::mutex> lock(mu);
  if (url != nullptr) return *url;
  const char* file = std::getenv("CHISO_TEST_POSTGRES_FILE");
  if (file != nullptr && *file != '\0') {
    url = new absl::StatusOr<std::string>(ReadUrl(file));
  } else {
    // Destroyed at exit, which stops the server.
    static PrivateServer private_server;
    server = &private_server;
    absl::StatusOr<std::string> state = server->Start();
    url = new absl::StatusOr<std::string>(state.ok() ? ReadUrl(*state) : state.status());
  }
  return *url;
}

}  // namespace

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "postgres";
}

void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "sqlite" : "postgres");
}

absl::StatusOr<std::string> FreshPostgresUrl() {
  absl::StatusOr<std::string> base = ServerUrl();
  if (!base.ok()) return base.status();
  static std::atomic<int> counter{0};
  const std::string schema = absl::StrCat("t", getpid(), "_", counter.fetch_add(1));
  PGconn* conn = PQconnectdb(base->c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("test PostgreSQL at ", *base, ": ", error));
  }
  PGresult* res = PQexec(conn, absl::StrCat("CREATE SCHEMA ", schema).c_str());
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  std::string error = ok ? "" : PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (!ok) return absl::UnavailableError(absl::StrCat("CREATE SCHEMA ", schema, ": ", error));
  // options=-c search_path=<schema>, percent-encoded for the URI.
  return absl::StrCat(*base, "?options=-c%20search_path%3D", schema);
}

std::unique_ptr<storage::Database> OpenTestDatabase(Backend backend) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db;
  if (backend == Backend::kSqlite) {
    db = storage::OpenSqlite(":memory:");
  } else {
    absl::StatusOr<std::string> url = FreshPostgresUrl();
    if (!url.ok()) {
      ADD_FAILURE() << url.status();
      return nullptr;
    }
    storage::PostgresOptions options;
    options.url = *url;
    options.pool_size = 4;
    db = storage::OpenPostgres(options);
  }
  if (!db.ok()) {
    ADD_FAILURE() << db.status();
    return nullptr;
  }
  return *std::move(db);
}

}  // namespace chiso::test_support
