// Every service stops cleanly on SIGTERM: exit status 0, after answering
// calls and with its channels to the others open. Under the sanitizer build
// of `make test` this also says LeakSanitizer found nothing at exit beyond
// the library allocations tests/lsan.supp names and explains.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"

namespace chiso {
namespace {

using test_support::MakeService;
using test_support::ServiceProcess;

class CleanExitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The children inherit it, also when ctest runs this test directly.
    ::setenv("LSAN_OPTIONS", "suppressions=" CHISO_LSAN_SUPPRESSIONS, 1);
    CHISO_START_REDIS_OR_SKIP(redis_);
    char tmpl[] = "/tmp/chiso-e2e-exit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  // A health check over a fresh channel: the service answers.
  static bool Serving(const ServiceProcess& s) {
    auto stub = grpc::health::v1::Health::NewStub(test_support::ServiceChannel(s.port));
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    return stub->Check(&ctx, req, &resp).ok();
  }

  test_support::RedisServer redis_;
  std::string dir_;
};

TEST_F(CleanExitTest, EveryServiceExitsWithStatusZeroOnSigterm) {
  const std::string redis = absl::StrCat("--redis=127.0.0.1:", redis_.port());
  auto plan = MakeService("plan", CHISO_PLAN_BIN, dir_);
  auto assignment = MakeService("assignment", CHISO_ASSIGNMENT_BIN, dir_);
  auto scoring = MakeService("scoring", CHISO_SCORING_BIN, dir_);
  auto notification = MakeService("notification", CHISO_NOTIFICATION_BIN, dir_);
  ASSERT_TRUE(test_support::StartService(*plan, dir_, {redis}));
  // dns: names, as in a cluster, so the channels resolve through c-ares.
  const std::string plan_addr = absl::StrCat("--plan_addr=localhost:", plan->port);
  ASSERT_TRUE(test_support::StartService(*assignment, dir_, {redis, plan_addr}));
  ASSERT_TRUE(test_support::StartService(
      *scoring, dir_, {plan_addr, absl::StrCat("--assignment_addr=localhost:", assignment->port)}));
  ASSERT_TRUE(test_support::StartService(*notification, dir_, {redis}));
  for (ServiceProcess* s : {plan.get(), assignment.get(), scoring.get(), notification.get()}) {
    EXPECT_TRUE(Serving(*s)) << s->name;
  }
  // Dependents first, as a rolling shutdown would.
  for (ServiceProcess* s : {scoring.get(), notification.get(), assignment.get(), plan.get()}) {
    ASSERT_TRUE(s->process.Stop().ok()) << s->name;
    EXPECT_EQ(s->process.exit_code(), 0)
        << s->name << " exited " << s->process.exit_code() << "; end of its log:\n"
        << test_support::TailOf(s->log, 40);
  }
}

}  // namespace
}  // namespace chiso
