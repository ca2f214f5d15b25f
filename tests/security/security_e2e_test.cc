// The four services as operators run them: TLS with mutual TLS between every
// caller and server, authentication required (API keys for the operator and
// the services, JWTs for people), and the unit tree pushed from the
// assignment service to the plan service over that same secured channel.
// What the security model promises, checked from outside the processes.
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/common/v1/unit_directory.grpc.pb.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "common/auth/jwt.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/access/test_identities.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"
#include "tests/support/test_certificates.h"

namespace chiso {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace nv1 = chiso::notification::v1;
namespace pv1 = chiso::plan::v1;
namespace sv1 = chiso::scoring::v1;
namespace gpb = google::protobuf;
using test_support::ServiceProcess;
using test_support::TestCertificates;

constexpr char kIssuer[] = "https://sso.example.gov.vn";
constexpr char kAudience[] = "chiso";
constexpr char kSecret[] = "security-e2e-secret-0123456789abcdef0123";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& ca, const std::string& cert,
                                              const std::string& key) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFile(ca);
  if (!cert.empty()) {
    options.pem_cert_chain = ReadFile(cert);
    options.pem_private_key = ReadFile(key);
  }
  return grpc::SslCredentials(options);
}

class SecurityE2eTest : public ::testing::Test {
 protected:
  // Started by the first test (not SetUpTestSuite: a failure there would
  // only skip the tests, and a skipped test does not fail the run).
  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  struct Suite {
    Suite() {
      char tmpl[] = "/tmp/chiso-e2e-security-XXXXXX";
      dir = mkdtemp(tmpl);
      certs = std::make_unique<TestCertificates>(dir);
      ok = certs->MakeCa("ca").ok() && certs->MakeCa("rogue-ca").ok() &&
           certs->Issue("ca", "plan", "chiso-plan").ok() &&
           certs->Issue("ca", "assignment", "chiso-assignment").ok() &&
           certs->Issue("ca", "scoring", "chiso-scoring").ok() &&
           certs->Issue("ca", "notification", "chiso-notification").ok() &&
           certs->Issue("ca", "hsdt", "hsdt").ok() &&
           certs->Issue("rogue-ca", "intruder", "hsdt").ok();
      if (!ok) {
        ADD_FAILURE() << "cannot make test certificates (openssl)";
        return;
      }
      std::ofstream(dir + "/jwt.key") << kSecret;
      auth::Principal admin;
      admin.id = "people/quan-tri";
      admin.unit = "units/root";
      admin.roles = {auth::Role::kAdministrator};
      admin_key = ids.Add(admin);
      std::ofstream(dir + "/assignment.credential")
          << ids.Service("services/assignment", {"read", "units.sync"}) << "\n";
      std::ofstream(dir + "/scoring.credential")
          << ids.Service("services/scoring", {"read"}) << "\n";

      if (absl::Status s = redis.Start(); !s.ok()) {
        ADD_FAILURE() << "redis-server: " << s;
        ok = false;
        return;
      }
      credentials = Tls(certs->Pem("ca"), certs->Pem("hsdt"), certs->Key("hsdt"));
      plan = Start("plan", CHISO_PLAN_BIN, {});
      if (!ok) return;
      assignment = Start(
          "assignment", CHISO_ASSIGNMENT_BIN,
          {absl::StrCat("--plan_addr=localhost:", plan->port), "--unit_tree_push_interval=1s"});
      if (!ok) return;
      scoring = Start("scoring", CHISO_SCORING_BIN,
                      {absl::StrCat("--plan_addr=localhost:", plan->port),
                       absl::StrCat("--assignment_addr=localhost:", assignment->port)});
      if (!ok) return;
      notification = Start("notification", CHISO_NOTIFICATION_BIN, {});
    }
    ~Suite() {
      for (ServiceProcess* s : {notification.get(), scoring.get(), assignment.get(), plan.get()}) {
        if (s != nullptr) (void)s->process.Stop();
      }
      if (!dir.empty()) (void)system(absl::StrCat("rm -rf '", dir, "'").c_str());
    }

    std::unique_ptr<ServiceProcess> Start(const std::string& name, const std::string& binary,
                                          std::vector<std::string> extra) {
      auto service = test_support::MakeService(name, binary, dir);
      service->security_flags = {
          absl::StrCat("--tls_cert_file=", certs->Pem(name)),
          absl::StrCat("--tls_key_file=", certs->Key(name)),
          absl::StrCat("--tls_ca_file=", certs->Pem("ca")),
          absl::StrCat("--tls_client_ca_file=", certs->Pem("ca")),
          "--auth=required",
          absl::StrCat("--api_keys_file=", ids.keys_file()),
          absl::StrCat("--jwt_issuer=", kIssuer),
          absl::StrCat("--jwt_audience=", kAudience),
          absl::StrCat("--jwt_hs256_secret_files=", dir, "/jwt.key"),
      };
      if (name == "assignment" || name == "scoring") {
        service->security_flags.push_back(
            absl::StrCat("--call_credential_file=", dir, "/", name, ".credential"));
      }
      service->credentials = credentials;
      if (name != "scoring") extra.push_back(absl::StrCat("--redis=127.0.0.1:", redis.port()));
      if (!test_support::StartService(*service, dir, extra)) ok = false;
      return service;
    }

    std::string dir;
    bool ok = true;
    test_support::RedisServer redis;
    std::unique_ptr<TestCertificates> certs;
    testing::TestIdentities ids;
    std::string admin_key;
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    std::unique_ptr<ServiceProcess> plan, assignment, scoring, notification;
  };

  void SetUp() override {
    if (suite_ == nullptr) suite_ = new Suite();
    ASSERT_TRUE(suite_->ok) << "the suite did not start";
  }

  static std::shared_ptr<grpc::Channel> Channel(const ServiceProcess& s) {
    return test_support::ServiceChannel(s.port, suite_->credentials);
  }

  // A person's JWT, as the province's single sign-on would issue it.
  static std::string PersonToken(const std::string& id, const std::string& unit,
                                 std::set<auth::Role> roles, absl::Duration ttl = absl::Hours(1),
                                 const std::string& audience = kAudience) {
    auth::Principal p;
    p.id = id;
    p.unit = unit;
    p.roles = std::move(roles);
    return auth::SignJwt({auth::JwtAlgorithm::kHs256, "jwt", kSecret},
                         auth::ClaimsFor(p, kIssuer, audience, absl::Now(), ttl))
        .value();
  }

  static void As(grpc::ClientContext* ctx, const std::string& credential) {
    testing::TestIdentities::Authorize(ctx, credential);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  }

  template <typename F>
  static bool Eventually(F done, absl::Duration limit = absl::Seconds(30)) {
    const absl::Time deadline = absl::Now() + limit;
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return done();
  }

  static Suite* suite_;
};

SecurityE2eTest::Suite* SecurityE2eTest::suite_ = nullptr;

// Every method of every service, called without a credential over a good
// mutual-TLS connection, answers UNAUTHENTICATED.
TEST_F(SecurityE2eTest, EveryRpcRefusesAnAnonymousCaller) {
  // Linked in, so the generated pool knows its service.
  ASSERT_NE(cv1::ReplaceUnitTreeRequest::descriptor(), nullptr);
  const gpb::DescriptorPool* pool = gpb::DescriptorPool::generated_pool();
  const std::vector<std::pair<std::string, const ServiceProcess*>> services = {
      {"chiso.plan.v1.PlanService", suite_->plan.get()},
      {"chiso.common.v1.UnitDirectory", suite_->plan.get()},
      {"chiso.assignment.v1.AssignmentService", suite_->assignment.get()},
      {"chiso.scoring.v1.ScoringService", suite_->scoring.get()},
      {"chiso.notification.v1.NotificationService", suite_->notification.get()}};
  int checked = 0;
  for (const auto& [name, process] : services) {
    const gpb::ServiceDescriptor* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    grpc::GenericStub stub(Channel(*process));
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string path = absl::StrCat("/", name, "/", service->method(i)->name());
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
      grpc::CompletionQueue cq;
      grpc::ByteBuffer request;  // an empty message
      grpc::Slice empty("");
      request = grpc::ByteBuffer(&empty, 1);
      std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
          stub.PrepareCall(&ctx, path, &cq);
      void* tag;
      bool ok;
      call->StartCall(reinterpret_cast<void*>(1));
      cq.Next(&tag, &ok);
      call->Write(request, reinterpret_cast<void*>(2));
      cq.Next(&tag, &ok);
      call->WritesDone(reinterpret_cast<void*>(3));
      cq.Next(&tag, &ok);
      grpc::ByteBuffer response;
      call->Read(&response, reinterpret_cast<void*>(4));
      const bool got_message = cq.Next(&tag, &ok) && ok;
      grpc::Status status;
      call->Finish(&status, reinterpret_cast<void*>(5));
      cq.Next(&tag, &ok);
      cq.Shutdown();
      while (cq.Next(&tag, &ok)) {
      }
      EXPECT_FALSE(got_message) << path << " answered an anonymous caller";
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << path << ": " << status.error_code() << " " << status.error_message();
      ++checked;
    }
  }
  EXPECT_GE(checked, 60);
}

TEST_F(SecurityE2eTest, HealthNeedsNoCredential) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::GenericStub stub(Channel(*suite_->scoring));
  grpc::ByteBuffer request, response;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(SecurityE2eTest, MutualTlsRefusesAnUnknownClientCertificate) {
  auto call = [](std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = pv1::PlanService::NewStub(
        test_support::ServiceChannel(suite_->plan->port, std::move(credentials)));
    grpc::ClientContext ctx;
    As(&ctx, suite_->admin_key);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    pv1::ListPlansResponse out;
    return stub->ListPlans(&ctx, pv1::ListPlansRequest(), &out);
  };
  // Same CN, another CA: refused in the handshake, whatever the token.
  grpc::Status rogue = call(Tls(suite_->certs->Pem("ca"), suite_->certs->Pem("intruder"),
                                suite_->certs->Key("intruder")));
  EXPECT_EQ(rogue.error_code(), grpc::StatusCode::UNAVAILABLE) << rogue.error_message();
  grpc::Status none = call(Tls(suite_->certs->Pem("ca"), "", ""));
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAVAILABLE) << none.error_message();
  grpc::Status plaintext = call(grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();
  EXPECT_TRUE(call(suite_->credentials).ok());
}

TEST_F(SecurityE2eTest, ExpiredTamperedAndForeignTokensAreRefused) {
  auto stub = pv1::PlanService::NewStub(Channel(*suite_->plan));
  auto list = [&](const std::string& token) {
    grpc::ClientContext ctx;
    As(&ctx, token);
    pv1::ListPlansResponse out;
    return stub->ListPlans(&ctx, pv1::ListPlansRequest(), &out);
  };
  const std::string good = PersonToken("people/a", "units/root", {auth::Role::kViewer});
  ASSERT_TRUE(list(good).ok()) << list(good).error_message();

  // Expired beyond the 60 s leeway.
  auth::Principal p;
  p.id = "people/a";
  p.unit = "units/root";
  p.roles = {auth::Role::kViewer};
  const std::string expired =
      auth::SignJwt(
          {auth::JwtAlgorithm::kHs256, "jwt", kSecret},
          auth::ClaimsFor(p, kIssuer, kAudience, absl::Now() - absl::Hours(2), absl::Hours(1)))
          .value();
  std::string tampered = good;
  const size_t payload = tampered.find('.') + 5;
  tampered[payload] = tampered[payload] == 'A' ? 'B' : 'A';
  const std::string wrong_audience =
      PersonToken("people/a", "units/root", {auth::Role::kViewer}, absl::Hours(1), "elsewhere");
  const std::string other_secret =
      auth::SignJwt({auth::JwtAlgorithm::kHs256, "jwt", "another-secret-0123456789abcdefghijkl"},
                    auth::ClaimsFor(p, kIssuer, kAudience, absl::Now(), absl::Hours(1)))
          .value();
  for (const auto& [what, token] :
       std::vector<std::pair<std::string, std::string>>{{"expired", expired},
                                                        {"tampered", tampered},
                                                        {"wrong audience", wrong_audience},
                                                        {"another key", other_secret},
                                                        {"garbage", "not-a-token"}}) {
    grpc::Status s = list(token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << what << ": " << s.error_message();
    EXPECT_EQ(s.error_message().find(token), std::string::npos) << what;
  }
}

// Two divisions under one district: what a reporter of one may see and do.
TEST_F(SecurityE2eTest, AReporterOfOneDivisionStaysInIt) {
  auto units = av1::AssignmentService::NewStub(Channel(*suite_->assignment));
  auto plans = pv1::PlanService::NewStub(Channel(*suite_->plan));
  const std::string admin = suite_->admin_key;

  auto create_unit = [&](const std::string& code, const std::string& name, av1::UnitKind kind,
                         const std::string& parent) {
    grpc::ClientContext ctx;
    As(&ctx, admin);
    av1::CreateUnitRequest req;
    req.mutable_unit()->set_code(code);
    req.mutable_unit()->set_display_name(name);
    req.mutable_unit()->set_kind(kind);
    req.mutable_unit()->set_parent(parent);
    av1::Unit out;
    grpc::Status s = units->CreateUnit(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.name();
  };
  const std::string district =
      create_unit("SEC", "UBND huyện Sơn Điền", av1::UNIT_KIND_DISTRICT_COMMITTEE, "");
  const std::string finance =
      create_unit("SEC-TCKH", "Phòng Tài chính - Kế hoạch", av1::UNIT_KIND_DIVISION, district);
  const std::string justice =
      create_unit("SEC-TP", "Phòng Tư pháp", av1::UNIT_KIND_DIVISION, district);

  auto issued_plan = [&](const std::string& number, const std::string& issuer) {
    grpc::ClientContext ctx;
    As(&ctx, admin);
    pv1::CreatePlanRequest create;
    pv1::Plan* plan = create.mutable_plan();
    plan->set_number(number);
    plan->set_title("Cải thiện chỉ số DDCI năm 2024");
    plan->mutable_issuer()->set_display_name("UBND huyện Sơn Điền");
    plan->mutable_issuer()->set_unit(issuer);
    plan->mutable_issued_on()->set_year(2024);
    plan->mutable_issued_on()->set_month(3);
    plan->mutable_issued_on()->set_day(1);
    plan->mutable_period()->set_start_year(2024);
    plan->mutable_period()->set_end_year(2024);
    auto* o = plan->add_objectives();
    o->set_framework("DDCI");
    o->set_component("TIME_COSTS");
    o->mutable_target()->set_year(2024);
    o->mutable_target()->set_comparator(cv1::COMPARATOR_AT_LEAST);
    o->mutable_target()->mutable_value()->set_value("8.50");
    pv1::Plan created;
    grpc::Status s = plans->CreatePlan(&ctx, create, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext ctx2;
    As(&ctx2, admin);
    pv1::IssuePlanRequest issue;
    issue.set_name(created.name());
    pv1::Plan out;
    s = plans->IssuePlan(&ctx2, issue, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  };
  const std::string finance_plan = issued_plan("21/KH-TCKH", finance);
  const std::string justice_plan = issued_plan("22/KH-TP", justice);

  auto create_task = [&](const std::string& plan, const std::string& lead) {
    grpc::ClientContext ctx;
    As(&ctx, admin);
    av1::CreateTaskRequest req;
    av1::Task* t = req.mutable_task();
    t->set_plan(plan);
    t->set_objective_id("o1");
    t->set_title("Rút ngắn thời gian giải quyết hồ sơ");
    t->mutable_lead_unit()->set_unit(lead);
    t->set_supervisor_post("Phó Chủ tịch UBND huyện");
    t->mutable_schedule()->set_phrase("hoàn thành trước ngày 30/11/2024");
    av1::Task out;
    grpc::Status s = units->CreateTask(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.name();
  };
  const std::string finance_task = create_task(finance_plan, finance);
  const std::string justice_task = create_task(justice_plan, justice);

  const std::string reporter = PersonToken("people/ke-toan", finance, {auth::Role::kReporter});
  auto report = [&](const std::string& task, const std::string& unit) {
    grpc::ClientContext ctx;
    As(&ctx, reporter);
    av1::ReportProgressRequest req;
    req.set_task(task);
    req.mutable_progress_report()->set_reporting_unit(unit);
    req.mutable_progress_report()->set_percent_complete(40);
    req.mutable_progress_report()->set_note("Đã rà soát quy trình");
    av1::ReportProgressResponse out;
    return units->ReportProgress(&ctx, req, &out);
  };
  EXPECT_TRUE(report(finance_task, finance).ok()) << report(finance_task, finance).error_message();
  grpc::Status other = report(justice_task, justice);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND) << other.error_message();

  // The plan service learns the units from the assignment service's push;
  // until then it shows the reporter nothing. Once it has them: the
  // division's own plan, never the other one.
  auto get_plan = [&](const std::string& name) {
    grpc::ClientContext ctx;
    As(&ctx, reporter);
    pv1::GetPlanRequest req;
    req.set_name(name);
    pv1::Plan out;
    return plans->GetPlan(&ctx, req, &out);
  };
  EXPECT_TRUE(Eventually([&] { return get_plan(finance_plan).ok(); }))
      << "the unit tree never reached the plan service";
  grpc::Status hidden = get_plan(justice_plan);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  // Exactly as a plan that does not exist.
  grpc::Status missing = get_plan("plans/01hzzzzzzzzzzzzzzzzzzzzzzz");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext ctx;
    As(&ctx, reporter);
    pv1::ListPlansResponse out;
    ASSERT_TRUE(plans->ListPlans(&ctx, pv1::ListPlansRequest(), &out).ok());
    std::set<std::string> seen;
    for (const auto& p : out.plans()) seen.insert(p.name());
    EXPECT_TRUE(seen.count(finance_plan));
    EXPECT_FALSE(seen.count(justice_plan));
  }
  {
    grpc::ClientContext ctx;
    As(&ctx, reporter);
    av1::ListTasksResponse out;
    ASSERT_TRUE(units->ListTasks(&ctx, av1::ListTasksRequest(), &out).ok());
    std::set<std::string> seen;
    for (const auto& t : out.tasks()) seen.insert(t.name());
    EXPECT_TRUE(seen.count(finance_task));
    EXPECT_FALSE(seen.count(justice_task));
  }

  // Every change above left its audit event, naming who, through which
  // certificate, and the unit tree arrived as the assignment service.
  auto events = [&](const std::string& rpc) {
    grpc::ClientContext ctx;
    As(&ctx, admin);
    cv1::ListAuditEventsRequest req;
    req.set_rpc(rpc);
    req.set_page_size(1000);
    cv1::ListAuditEventsResponse out;
    grpc::Status s = plans->ListAuditEvents(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  const cv1::ListAuditEventsResponse created = events("CreatePlan");
  int ours = 0;
  for (const auto& e : created.events()) {
    if (e.resource() != finance_plan && e.resource() != justice_plan) continue;
    ++ours;
    EXPECT_EQ(e.principal(), "people/quan-tri");
    EXPECT_EQ(e.client_certificate(), "hsdt");
    EXPECT_EQ(e.before_sha256(), "");
    EXPECT_EQ(e.after_sha256().size(), 64u);
  }
  EXPECT_EQ(ours, 2);
  const cv1::ListAuditEventsResponse pushes = events("ReplaceUnitTree");
  ASSERT_GE(pushes.events_size(), 1);
  EXPECT_EQ(pushes.events(0).principal(), "services/assignment");
  EXPECT_EQ(pushes.events(0).client_certificate(), "chiso-assignment");
}

TEST_F(SecurityE2eTest, APlannerCannotTouchFrameworks) {
  auto scoring = sv1::ScoringService::NewStub(Channel(*suite_->scoring));
  const std::string planner = PersonToken("people/ke-hoach", "units/root", {auth::Role::kPlanner});
  grpc::ClientContext ctx;
  As(&ctx, planner);
  sv1::CreateFrameworkRequest req;
  req.mutable_framework()->set_code("DDCI");
  sv1::Framework out;
  grpc::Status s = scoring->CreateFramework(&ctx, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("\"administer\""), std::string::npos) << s.error_message();
  // Reading them is fine.
  grpc::ClientContext ctx2;
  As(&ctx2, planner);
  sv1::ListFrameworksResponse frameworks;
  EXPECT_TRUE(scoring->ListFrameworks(&ctx2, sv1::ListFrameworksRequest(), &frameworks).ok());
}

}  // namespace
}  // namespace chiso
