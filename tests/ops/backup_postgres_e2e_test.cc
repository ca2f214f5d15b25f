// Backup and restore of the plan service's PostgreSQL database end to end:
// the service runs on one database of the test server, pg_dump -Fc copies it
// while it runs, pg_restore loads the dump into a second database, and the
// service started on the second finds what was written before the dump (and
// not what came after). The way docs/BACKUP.md tells operators to do it.
#include <glob.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/ops/run_tool.h"
#include "tests/plan/plan_fixtures.h"
#include "tests/support/child_process.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace chiso {
namespace {

namespace pv1 = chiso::plan::v1;
using test_support::Describe;
using test_support::MakeService;
using test_support::RunTool;
using test_support::ServiceChannel;
using test_support::ServiceProcess;
using test_support::ToolResult;

// A minimal valid draft plan titled `title`.
pv1::Plan Draft(const std::string& title) {
  pv1::Plan plan = plan::testing::MinimalDraft();
  plan.set_title(title);
  return plan;
}

// The newest PostgreSQL client tool `name` (as postgres_fixture.sh finds the
// server), or "" when none is installed.
std::string PgTool(const std::string& name) {
  const char* bindir = std::getenv("CHISO_PG_BINDIR");
  if (bindir != nullptr && *bindir != '\0') {
    const std::string path = absl::StrCat(bindir, "/", name);
    return access(path.c_str(), X_OK) == 0 ? path : "";
  }
  glob_t g;
  std::string found;
  if (glob(absl::StrCat("/usr/lib/postgresql/*/bin/", name).c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      if (access(g.gl_pathv[i], X_OK) == 0) found = g.gl_pathv[i];
    }
  }
  globfree(&g);
  return found;
}

// Runs one statement on `url`; "" on success, else the error.
std::string Sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_COMMAND_OK) error = PQresultErrorMessage(res);
    PQclear(res);
  }
  PQfinish(conn);
  return error;
}

class PostgresBackupEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_dump_ = PgTool("pg_dump");
    pg_restore_ = PgTool("pg_restore");
    if (pg_dump_.empty() || pg_restore_.empty()) {
      GTEST_SKIP() << "pg_dump/pg_restore not found under /usr/lib/postgresql/*/bin "
                      "(install postgresql-client)";
    }
    absl::StatusOr<std::string> fresh = test_support::FreshPostgresUrl();
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    // The fixture's superuser URL, postgresql://chiso@127.0.0.1:PORT/postgres,
    // without the schema options FreshPostgresUrl adds.
    server_ = fresh->substr(0, fresh->find('?'));
    const size_t slash = server_.rfind('/');
    ASSERT_NE(slash, std::string::npos);
    for (const char* suffix : {"a", "b"}) {
      const std::string name = absl::StrCat("chiso_ops_", getpid(), "_", suffix);
      ASSERT_EQ(Sql(server_, absl::StrCat("CREATE DATABASE ", name)), "");
      databases_.push_back(name);
      urls_.push_back(absl::StrCat(server_.substr(0, slash + 1), name));
    }
    char tmpl[] = "/tmp/chiso-e2e-pgbackup-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    stub_.reset();
    if (service_ != nullptr) (void)service_->process.Stop();
    for (const std::string& name : databases_) {
      (void)Sql(server_, absl::StrCat("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)"));
    }
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  bool Start(const std::string& url) {
    service_ = MakeService("plan", CHISO_PLAN_BIN, dir_);
    if (!test_support::StartService(*service_, dir_,
                                    {"--redis=", absl::StrCat("--database_url=", url)})) {
      return false;
    }
    stub_ = pv1::PlanService::NewStub(ServiceChannel(service_->port));
    return true;
  }

  void Stop() {
    stub_.reset();
    (void)service_->process.Stop();  // exit code not asserted (sanitizers)
    service_.reset();
  }

  grpc::Status CreatePlan(const std::string& title, std::string* name) {
    grpc::ClientContext ctx;
    pv1::CreatePlanRequest req;
    *req.mutable_plan() = Draft(title);
    pv1::Plan out;
    grpc::Status s = stub_->CreatePlan(&ctx, req, &out);
    *name = out.name();
    return s;
  }

  grpc::Status GetPlan(const std::string& name, pv1::Plan* out) {
    grpc::ClientContext ctx;
    pv1::GetPlanRequest req;
    req.set_name(name);
    return stub_->GetPlan(&ctx, req, out);
  }

  ToolResult Run(const std::vector<std::string>& argv) {
    ToolResult r = RunTool(argv);
    last_ = Describe(argv, r);
    return r;
  }

  std::string pg_dump_;
  std::string pg_restore_;
  std::string server_;
  std::vector<std::string> databases_;
  std::vector<std::string> urls_;
  std::string dir_;
  std::string last_;
  std::unique_ptr<ServiceProcess> service_;
  std::unique_ptr<pv1::PlanService::Stub> stub_;
};

TEST_F(PostgresBackupEndToEndTest, PgDumpWhileRunningThenPgRestoreIntoAnotherDatabase) {
  ASSERT_TRUE(Start(urls_[0]));
  std::string before;
  ASSERT_TRUE(CreatePlan("Kế hoạch trước sao lưu", &before).ok());

  // Online: the service keeps running during the dump.
  const std::string dump = dir_ + "/plan.dump";
  ToolResult r = Run({pg_dump_, "--format=custom", "--file=" + dump, "--dbname=" + urls_[0]});
  ASSERT_EQ(r.exit_code, 0) << last_;

  std::string after;
  ASSERT_TRUE(CreatePlan("Kế hoạch sau sao lưu", &after).ok());
  Stop();

  r = Run({CHISO_DB_BIN, "version", "--database", urls_[0]});
  ASSERT_EQ(r.exit_code, 0) << last_;
  int version = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(r.output), &version)) << last_;
  EXPECT_GT(version, 0);
  // An empty database reads as version 0, and stays without the table.
  r = Run({CHISO_DB_BIN, "version", "--database", urls_[1]});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_EQ(r.output, "0\n") << last_;

  // chiso-db names the commands for PostgreSQL instead of running them.
  r = Run({CHISO_DB_BIN, "restore", "--from", dump, "--database", urls_[1]});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_TRUE(absl::StrContains(r.output, "pg_restore --no-owner")) << last_;

  r = Run({pg_restore_, "--no-owner", "--exit-on-error", "--single-transaction",
           "--dbname=" + urls_[1], dump});
  ASSERT_EQ(r.exit_code, 0) << last_;
  r = Run({CHISO_DB_BIN, "version", "--database", urls_[1]});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_EQ(r.output, absl::StrCat(version, "\n")) << last_;

  ASSERT_TRUE(Start(urls_[1]));
  pv1::Plan plan;
  ASSERT_TRUE(GetPlan(before, &plan).ok()) << "the plan written before the dump is missing";
  EXPECT_EQ(plan.title(), "Kế hoạch trước sao lưu");
  EXPECT_EQ(GetPlan(after, &plan).error_code(), grpc::StatusCode::NOT_FOUND)
      << "the plan written after the dump is there";
  std::string again;
  EXPECT_TRUE(CreatePlan("Kế hoạch sau khôi phục", &again).ok());
}

}  // namespace
}  // namespace chiso
