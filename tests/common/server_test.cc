#include "common/server/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/log/log.h"
#include "common/server/service_main.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

ABSL_FLAG(int, test_knob, 3, "A flag of the test's own, set from CHISO_TEST_KNOB");
ABSL_FLAG(std::string, test_address, "127.0.0.1:1", "A text flag of the test's own");

namespace chiso {
namespace {

using chiso::plan::v1::GetPlanRequest;
using chiso::plan::v1::Plan;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

// A service whose GetPlan finds only "plans/known".
class FakePlanService : public chiso::plan::v1::PlanService::Service {
 public:
  grpc::Status GetPlan(grpc::ServerContext*, const GetPlanRequest* request, Plan* plan) override {
    if (request->name() == "plans/slow") {
      absl::SleepFor(absl::Milliseconds(400));
      plan->set_name(request->name());
      return grpc::Status::OK;
    }
    if (request->name() != "plans/known") return {grpc::StatusCode::NOT_FOUND, "plans/x not found"};
    plan->set_name(request->name());
    return grpc::Status::OK;
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&log_);
    registry_ = std::make_shared<prometheus::Registry>();
    ServerOptions options;
    options.service_name = "test";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "127.0.0.1:0";
    options.drain_grace = absl::ZeroDuration();
    options.health_interval = absl::Hours(1);
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
        options, {{"chiso.plan.v1.PlanService", &service_}}, registry_, [this]() -> absl::Status {
          return healthy_ ? absl::OkStatus() : absl::UnavailableError("database down");
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    server_.reset();
    log::SetOutput(nullptr);
  }

  grpc::Status GetPlan(const std::string& name, grpc::ClientContext* ctx) {
    auto stub = chiso::plan::v1::PlanService::NewStub(channel_);
    GetPlanRequest req;
    req.set_name(name);
    Plan out;
    return stub->GetPlan(ctx, req, &out);
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext ctx;
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.status();
  }

  std::string Metrics() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
  }

  std::ostringstream log_;
  std::atomic<bool> healthy_{true};
  FakePlanService service_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerTest, BindsFreePorts) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_GT(server_->metrics_port(), 0);
}

TEST_F(ServerTest, CountsCallsWithTheGoGrpcPrometheusNamesAndLabels) {
  grpc::ClientContext a, b;
  ASSERT_TRUE(GetPlan("plans/known", &a).ok());
  ASSERT_EQ(GetPlan("plans/other", &b).error_code(), grpc::StatusCode::NOT_FOUND);
  const std::string m = Metrics();
  const std::string labels =
      "grpc_method=\"GetPlan\",grpc_service=\"chiso.plan.v1.PlanService\",grpc_type=\"unary\"";
  EXPECT_THAT(m, HasSubstr(absl::StrCat("grpc_server_started_total{", labels, "} 2")));
  EXPECT_THAT(m, HasSubstr(absl::StrCat("grpc_server_msg_received_total{", labels, "} 2")));
  EXPECT_THAT(m, HasSubstr(absl::StrCat("grpc_server_msg_sent_total{", labels, "} 1")));
  EXPECT_THAT(m, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," + labels + "} 1"));
  EXPECT_THAT(m, HasSubstr("grpc_server_handled_total{grpc_code=\"NotFound\"," + labels + "} 1"));
  EXPECT_THAT(m, HasSubstr(absl::StrCat("grpc_server_handling_seconds_count{", labels, "} 2")));
  EXPECT_THAT(m, HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.005\"}"));
}

TEST_F(ServerTest, EchoesTheCallersRequestId) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "req-123");
  ASSERT_TRUE(GetPlan("plans/known", &ctx).ok());
  auto md = ctx.GetServerInitialMetadata();
  auto it = md.find("x-request-id");
  ASSERT_NE(it, md.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "req-123");
  EXPECT_THAT(log_.str(), HasSubstr("\"request_id\":\"req-123\""));
}

TEST_F(ServerTest, MakesARequestIdWhenNoneIsGiven) {
  grpc::ClientContext ctx;
  ASSERT_TRUE(GetPlan("plans/known", &ctx).ok());
  auto md = ctx.GetServerInitialMetadata();
  auto it = md.find("x-request-id");
  ASSERT_NE(it, md.end());
  EXPECT_EQ(it->second.size(), 26u);
}

TEST_F(ServerTest, LogsEachCallAsOneJsonLine) {
  grpc::ClientContext ctx;
  ASSERT_EQ(GetPlan("plans/other", &ctx).error_code(), grpc::StatusCode::NOT_FOUND);
  const std::string logs = log_.str();
  EXPECT_THAT(logs, HasSubstr("\"method\":\"/chiso.plan.v1.PlanService/GetPlan\""));
  EXPECT_THAT(logs, HasSubstr("\"code\":\"NotFound\""));
  EXPECT_THAT(logs, HasSubstr("\"error\":\"plans/x not found\""));
}

TEST_F(ServerTest, HealthFollowsTheDependencyCheck) {
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("chiso.plan.v1.PlanService"), HealthCheckResponse::SERVING);
  healthy_ = false;
  server_->CheckHealth();
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health("chiso.plan.v1.PlanService"), HealthCheckResponse::NOT_SERVING);
  // Liveness does not follow the dependencies: restarting would not help.
  EXPECT_EQ(Health(kLivenessHealthName), HealthCheckResponse::SERVING);
  healthy_ = true;
  server_->CheckHealth();
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
}

TEST_F(ServerTest, ServesMetricsOverHttp) {
  grpc::ClientContext ctx;
  ASSERT_TRUE(GetPlan("plans/known", &ctx).ok());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->metrics_port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string req = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(::write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string body;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) body.append(buf, n);
  ::close(fd);
  EXPECT_THAT(body, HasSubstr("200 OK"));
  EXPECT_THAT(body,
              HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetPlan\""));
}

TEST_F(ServerTest, ServesReflectionSoAnyClientCanDiscoverTheServices) {
  // ServerReflectionRequest{list_services: ""} is field 7, an empty string.
  // Debian ships no reflection .proto, so the test speaks the wire format.
  grpc::GenericStub stub(channel_);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  void* tag;
  bool ok;
  auto call =
      stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  const std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(in.Dump(&slices).ok());
  std::string response;
  for (const grpc::Slice& s : slices)
    response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(response, HasSubstr("chiso.plan.v1.PlanService"));
  EXPECT_THAT(response, HasSubstr("grpc.health.v1.Health"));
  call->WritesDone(reinterpret_cast<void*>(4));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

// Shutdown: health turns NOT_SERVING at once and stays so for the drain
// grace while calls are still served; a call in flight when the server stops
// taking new ones still completes.
TEST(ServerShutdown, DrainsThenFinishesCallsInFlight) {
  std::ostringstream sink;
  log::SetOutput(&sink);
  FakePlanService service;
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.drain_grace = absl::Milliseconds(600);
  options.health_interval = absl::Hours(1);
  auto server = *Server::Start(options, {{"chiso.plan.v1.PlanService", &service}},
                               std::make_shared<prometheus::Registry>(), nullptr);
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server->port()),
                                     grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto plans = chiso::plan::v1::PlanService::NewStub(channel);
  auto check = [&] {
    grpc::ClientContext ctx;
    HealthCheckResponse resp;
    grpc::Status s = health->Check(&ctx, HealthCheckRequest(), &resp);
    return s.ok() ? resp.status() : HealthCheckResponse::UNKNOWN;
  };
  ASSERT_EQ(check(), HealthCheckResponse::SERVING);

  std::thread stopper([&] { server->Shutdown(); });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(check(), HealthCheckResponse::NOT_SERVING) << "health must turn first";
  // Still serving calls during the drain; this one outlasts the grace.
  grpc::ClientContext ctx;
  GetPlanRequest req;
  req.set_name("plans/slow");
  Plan out;
  EXPECT_TRUE(plans->GetPlan(&ctx, req, &out).ok());
  EXPECT_EQ(out.name(), "plans/slow");
  stopper.join();
  server->Wait();
  log::SetOutput(nullptr);
}

TEST(ServerStart, ReportsAPortInUse) {
  std::ostringstream sink;
  log::SetOutput(&sink);
  auto registry = std::make_shared<prometheus::Registry>();
  FakePlanService service;
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.drain_grace = absl::ZeroDuration();
  auto first = Server::Start(options, {{"chiso.plan.v1.PlanService", &service}}, registry, nullptr);
  ASSERT_TRUE(first.ok());
  FakePlanService service2;
  options.listen_address = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = Server::Start(options, {{"chiso.plan.v1.PlanService", &service2}},
                              std::make_shared<prometheus::Registry>(), nullptr);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  log::SetOutput(nullptr);
}

}  // namespace
}  // namespace chiso

namespace chiso {
namespace {

TEST(ServiceMain, EveryFlagOfOursIsSetFromItsEnvironmentVariable) {
  EXPECT_EQ(FlagEnvironmentVariable("drain_grace"), "CHISO_DRAIN_GRACE");
  absl::SetFlag(&FLAGS_test_knob, 3);
  ::setenv("CHISO_TEST_KNOB", "7", 1);
  ASSERT_TRUE(ApplyFlagEnvironment().ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_knob), 7);
  ::setenv("CHISO_TEST_KNOB", "seven", 1);
  absl::Status s = ApplyFlagEnvironment();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("CHISO_TEST_KNOB=\"seven\""));
  EXPECT_EQ(absl::GetFlag(FLAGS_test_knob), 7) << "a bad value changes nothing";
  ::unsetenv("CHISO_TEST_KNOB");
  // Set but empty: a text flag becomes empty (that is how "off" is said),
  // a number keeps its value.
  ::setenv("CHISO_TEST_ADDRESS", "", 1);
  ::setenv("CHISO_TEST_KNOB", "", 1);
  ASSERT_TRUE(ApplyFlagEnvironment().ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_address), "");
  EXPECT_EQ(absl::GetFlag(FLAGS_test_knob), 7);
  ::unsetenv("CHISO_TEST_ADDRESS");
  ::unsetenv("CHISO_TEST_KNOB");
  // absl's own flags are not ours: CHISO_FLAGFILE means nothing.
  ::setenv("CHISO_FLAGFILE", "/nonexistent", 1);
  EXPECT_TRUE(ApplyFlagEnvironment().ok());
  ::unsetenv("CHISO_FLAGFILE");
}

TEST(ServiceMain, ApplyLogLevelAcceptsTheFourLevelsOnly) {
  EXPECT_TRUE(ApplyLogLevel("warning").ok());
  absl::Status s = ApplyLogLevel("loud");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--log_level"));
  EXPECT_TRUE(ApplyLogLevel("info").ok());
}

TEST(ServiceMain, OpenServiceDatabaseCreatesTheDirectoryAndMigrates) {
  std::ostringstream sink;
  log::SetOutput(&sink);
  const std::string dir = absl::StrCat(::testing::TempDir(), "/chiso-main-", ::getpid(), "/a/b");
  const std::vector<storage::Migration> migrations = {
      {1, "create t", "CREATE TABLE t (x INTEGER);", ""}};
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      OpenServiceDatabase(dir, "svc.db", "", migrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*storage::SchemaVersion(**db), 1);
  EXPECT_THAT(sink.str(), HasSubstr("svc.db"));
  // A data directory that cannot exist (under a regular file) is Unavailable.
  EXPECT_EQ(OpenServiceDatabase(dir + "/svc.db/x", "svc.db", "", migrations).status().code(),
            absl::StatusCode::kUnavailable);
  log::SetOutput(nullptr);
}

TEST(ServiceMain, OpenServiceDatabaseFollowsTheUrlAndNamesTheFlagInErrors) {
  std::ostringstream sink;
  log::SetOutput(&sink);
  const std::string dir = absl::StrCat(::testing::TempDir(), "/chiso-url-", ::getpid());
  const std::vector<storage::Migration> migrations = {
      {1, "create t", "CREATE TABLE t (x INTEGER);", ""}};
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      OpenServiceDatabase(dir, "svc.db", absl::StrCat("sqlite:", dir, "-other.db"), migrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE(std::filesystem::exists(dir + "-other.db"));
  EXPECT_FALSE(std::filesystem::exists(dir)) << "no data directory is made for a URL";
  absl::Status bad =
      OpenServiceDatabase(dir, "svc.db", "mongodb://u:hunter2@h/db", migrations).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("--database_url"));
  EXPECT_THAT(std::string(bad.message()), ::testing::Not(HasSubstr("hunter2")));
  absl::Status down =
      OpenServiceDatabase(dir, "svc.db",
                          "postgresql://chiso:hunter2@127.0.0.1:1/x?connect_timeout=2", migrations)
          .status();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(down.message()), ::testing::Not(HasSubstr("hunter2")));
  std::filesystem::remove(dir + "-other.db");
  log::SetOutput(nullptr);
}

}  // namespace
}  // namespace chiso
