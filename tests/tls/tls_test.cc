// Transport security of chiso's servers and clients (common/server/
// transport.h): a real server on a free port with certificates made by the
// test; TLS, mutual TLS and the subject a client certificate names, the
// plaintext probe port, certificate rotation without restart, the service
// credential of outgoing calls, and a service that refuses to start
// without transport security.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/server/transport.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_certificates.h"

ABSL_DECLARE_FLAG(std::string, tls_ca_file);
ABSL_DECLARE_FLAG(std::string, tls_cert_file);
ABSL_DECLARE_FLAG(std::string, tls_key_file);
ABSL_DECLARE_FLAG(bool, plaintext);
ABSL_DECLARE_FLAG(std::string, call_credential_file);

namespace chiso {
namespace {

namespace pb = chiso::plan::v1;
using test_support::TestCertificates;

// GetPlan answers with the caller's certificate common name as the plan's
// name ("" without one) and its authorization header as the title.
class WhoAmIService final : public pb::PlanService::Service {
 public:
  grpc::Status GetPlan(grpc::ServerContext* context, const pb::GetPlanRequest*,
                       pb::Plan* plan) override {
    std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
    if (auth != nullptr) {
      for (const grpc::string_ref& cn : auth->FindPropertyValues("x509_common_name")) {
        plan->set_name(std::string(cn.data(), cn.size()));
      }
    }
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end()) {
      plan->set_title(std::string(it->second.data(), it->second.size()));
    }
    return grpc::Status::OK;
  }
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&log_);
    char tmpl[] = "/tmp/chiso-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    certs_ = std::make_unique<TestCertificates>(dir_);
    ASSERT_TRUE(certs_->MakeCa("ca").ok());
    ASSERT_TRUE(certs_->MakeCa("other-ca").ok());
    ASSERT_TRUE(certs_->Issue("ca", "server", "server-a").ok());
    ASSERT_TRUE(certs_->Issue("ca", "client", "reporting-system").ok());
    ASSERT_TRUE(certs_->Issue("other-ca", "stranger", "reporting-system").ok());
  }

  void TearDown() override {
    server_.reset();
    log::SetOutput(nullptr);
    if (!dir_.empty()) (void)std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  TransportSecurity ServerSecurity(bool mutual) {
    TransportSecurity security;
    security.cert_file = certs_->Pem("server");
    security.key_file = certs_->Key("server");
    if (mutual) security.client_ca_file = certs_->Pem("ca");
    security.refresh_interval = absl::Seconds(1);
    return security;
  }

  absl::Status StartServer(const TransportSecurity& security, std::string probe = "") {
    ServerOptions options;
    options.service_name = "tls-test";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    options.health_interval = absl::Hours(1);
    options.transport = security;
    options.probe_address = probe;
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(options, {{pb::PlanService::service_full_name(), &service_}},
                      std::make_shared<prometheus::Registry>(), nullptr);
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    return absl::OkStatus();
  }

  // A client trusting `ca`, presenting `client` ("" for no certificate).
  std::shared_ptr<grpc::ChannelCredentials> Client(const std::string& ca,
                                                   const std::string& client) {
    TransportSecurity security;
    security.ca_file = certs_->Pem(ca);
    if (!client.empty()) {
      security.cert_file = certs_->Pem(client);
      security.key_file = certs_->Key(client);
    }
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeChannelCredentials(security);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return credentials.ok() ? *credentials : nullptr;
  }

  // A new connection each time (no subchannel shared with earlier channels).
  std::shared_ptr<grpc::Channel> Dial(int port, std::shared_ptr<grpc::ChannelCredentials> creds) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(absl::StrCat("localhost:", port), creds, args);
  }

  // GetPlan through `channel`; `plan` gets the answer, `server_cn` the
  // common name of the server's certificate.
  grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel, pb::Plan* plan,
                    std::string* server_cn = nullptr) {
    auto stub = pb::PlanService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    pb::GetPlanRequest request;
    request.set_name("plans/x");
    grpc::Status status = stub->GetPlan(&context, request, plan);
    if (server_cn != nullptr && context.auth_context() != nullptr) {
      for (const grpc::string_ref& cn :
           context.auth_context()->FindPropertyValues("x509_common_name")) {
        *server_cn = std::string(cn.data(), cn.size());
      }
    }
    return status;
  }

  std::ostringstream log_;
  std::string dir_;
  std::unique_ptr<TestCertificates> certs_;
  WhoAmIService service_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsTest, AClientTrustingTheCaIsServed) {
  ASSERT_TRUE(StartServer(ServerSecurity(/*mutual=*/false)).ok());
  pb::Plan plan;
  std::string server_cn;
  grpc::Status status = Call(Dial(server_->port(), Client("ca", "")), &plan, &server_cn);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(server_cn, "server-a");
  EXPECT_EQ(plan.name(), "");  // no client certificate asked for
}

TEST_F(TlsTest, APlaintextClientIsNotServed) {
  ASSERT_TRUE(StartServer(ServerSecurity(false)).ok());
  pb::Plan plan;
  grpc::Status status = Call(Dial(server_->port(), grpc::InsecureChannelCredentials()), &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsTest, AClientTrustingAnotherCaRefusesTheServer) {
  ASSERT_TRUE(StartServer(ServerSecurity(false)).ok());
  pb::Plan plan;
  grpc::Status status = Call(Dial(server_->port(), Client("other-ca", "")), &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  ASSERT_TRUE(StartServer(ServerSecurity(/*mutual=*/true)).ok());
  pb::Plan plan;
  grpc::Status status = Call(Dial(server_->port(), Client("ca", "")), &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsTest, MutualTlsRefusesACertificateOfAnUnknownCa) {
  ASSERT_TRUE(StartServer(ServerSecurity(true)).ok());
  pb::Plan plan;
  grpc::Status status = Call(Dial(server_->port(), Client("ca", "stranger")), &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsTest, MutualTlsServesAGoodCertificateAndNamesItsSubject) {
  ASSERT_TRUE(StartServer(ServerSecurity(true)).ok());
  pb::Plan plan;
  grpc::Status status = Call(Dial(server_->port(), Client("ca", "client")), &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(plan.name(), "reporting-system");
}

// Health on the probe port without TLS; nothing else there.
TEST_F(TlsTest, TheProbePortAnswersHealthInPlaintextAndNothingElse) {
  ASSERT_TRUE(StartServer(ServerSecurity(true), "127.0.0.1:0").ok());
  ASSERT_NE(server_->probe_port(), 0);
  ASSERT_NE(server_->probe_port(), server_->port());
  auto probe = Dial(server_->probe_port(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(probe);
  for (const std::string name : {"", "chiso.liveness", "chiso.plan.v1.PlanService"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(name);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << name << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << name;
  }
  pb::Plan plan;
  EXPECT_EQ(Call(probe, &plan).error_code(), grpc::StatusCode::UNIMPLEMENTED);

  // Reflection is served on the gRPC port, not on the probe port.
  auto reflect = [](const std::shared_ptr<grpc::Channel>& channel) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::ByteBuffer request, response;
    grpc::Slice empty("");
    request = grpc::ByteBuffer(&empty, 1);
    absl::Notification done;
    grpc::Status result;
    stub.UnaryCall(&context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                   grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                     result = s;
                     done.Notify();
                   });
    done.WaitForNotification();
    return result.error_code();
  };
  EXPECT_EQ(reflect(probe), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(reflect(Dial(server_->port(), Client("ca", "client"))),
            grpc::StatusCode::UNIMPLEMENTED);

  // The probe follows the server's health: NOT_SERVING once it drains.
  server_->Shutdown();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status after = health->Check(&context, {}, &response);
  EXPECT_TRUE(!after.ok() ||
              response.status() == grpc::health::v1::HealthCheckResponse::NOT_SERVING);
}

TEST_F(TlsTest, PlaintextServersHaveNoProbePort) {
  TransportSecurity plaintext;
  plaintext.plaintext = true;
  ASSERT_TRUE(StartServer(plaintext, "127.0.0.1:0").ok());
  EXPECT_EQ(server_->probe_port(), 0);
  pb::Plan plan;
  EXPECT_TRUE(Call(Dial(server_->port(), grpc::InsecureChannelCredentials()), &plan).ok());
}

TEST_F(TlsTest, ReplacedCertificateFilesAreServedWithoutRestart) {
  ASSERT_TRUE(StartServer(ServerSecurity(true)).ok());
  pb::Plan plan;
  std::string server_cn;
  ASSERT_TRUE(Call(Dial(server_->port(), Client("ca", "client")), &plan, &server_cn).ok());
  ASSERT_EQ(server_cn, "server-a");

  ASSERT_TRUE(certs_->Issue("ca", "server", "server-b").ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    server_cn.clear();
    grpc::Status status = Call(Dial(server_->port(), Client("ca", "client")), &plan, &server_cn);
    ASSERT_TRUE(status.ok()) << status.error_message();
    if (server_cn == "server-b") break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(server_cn, "server-b") << "the new certificate was not picked up";
}

TEST_F(TlsTest, AServerWithoutTlsFilesOrPlaintextRefusesToStart) {
  absl::Status status = StartServer(TransportSecurity());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "--tls_cert_file")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "--plaintext")) << status;

  TransportSecurity half = ServerSecurity(false);
  half.key_file.clear();
  status = StartServer(half);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "--tls_key_file")) << status;

  TransportSecurity mismatched = ServerSecurity(false);
  mismatched.key_file = certs_->Key("client");
  status = StartServer(mismatched);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "is not the key")) << status;
}

// ServiceChannel follows the flags: TLS with --tls_ca_file, presenting this
// process's certificate; AttachServiceCredential adds the credential file's
// content, read again when it changes.
TEST_F(TlsTest, ServiceChannelsPresentTheServiceCertificateAndCredential) {
  ASSERT_TRUE(StartServer(ServerSecurity(true)).ok());
  // Test binaries default to --plaintext (tests/support/test_main.cc).
  absl::SetFlag(&FLAGS_plaintext, false);
  absl::SetFlag(&FLAGS_tls_ca_file, certs_->Pem("ca"));
  absl::SetFlag(&FLAGS_tls_cert_file, certs_->Pem("client"));
  absl::SetFlag(&FLAGS_tls_key_file, certs_->Key("client"));
  const std::string credential = dir_ + "/credential";
  { std::ofstream(credential) << "  chiso_assignment_first-secret\n"; }
  absl::SetFlag(&FLAGS_call_credential_file, credential);

  auto call = [&](pb::Plan* plan) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        ServiceChannel(absl::StrCat("localhost:", server_->port()));
    EXPECT_TRUE(channel.ok()) << channel.status();
    if (!channel.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "no channel");
    auto stub = pb::PlanService::NewStub(*channel);
    grpc::ClientContext context;
    AttachServiceCredential(&context);
    return stub->GetPlan(&context, pb::GetPlanRequest(), plan);
  };
  pb::Plan plan;
  grpc::Status status = call(&plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(plan.name(), "reporting-system");
  EXPECT_EQ(plan.title(), "Bearer chiso_assignment_first-secret");

  { std::ofstream(credential) << "chiso_assignment_the-rotated-secret\n"; }
  ASSERT_TRUE(call(&plan).ok());
  EXPECT_EQ(plan.title(), "Bearer chiso_assignment_the-rotated-secret");

  // Without a CA, a TLS channel cannot be made: the flag is named.
  absl::SetFlag(&FLAGS_tls_ca_file, "");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> none = ServiceChannel("localhost:1");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(none.status().message(), "--tls_ca_file")) << none.status();

  absl::SetFlag(&FLAGS_tls_cert_file, "");
  absl::SetFlag(&FLAGS_tls_key_file, "");
  absl::SetFlag(&FLAGS_call_credential_file, "");
  absl::SetFlag(&FLAGS_plaintext, true);
}

#ifdef CHISO_PLAN_BIN
// A service binary given neither TLS files nor --plaintext exits at once,
// naming the flags.
TEST_F(TlsTest, AServiceRefusesToStartWithoutTransportSecurity) {
  const std::string log = dir_ + "/plan.log";
  test_support::ChildProcess plan;
  ASSERT_TRUE(
      plan.Start({CHISO_PLAN_BIN, absl::StrCat("--listen=127.0.0.1:", test_support::FreePort()),
                  "--metrics_listen=", "--probe_listen=", "--auth=off",
                  absl::StrCat("--data_dir=", dir_), "--drain_grace=0s"},
                 log)
          .ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (plan.Running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_FALSE(plan.Running()) << "chiso-plan started without TLS or --plaintext";
  EXPECT_EQ(plan.exit_code(), 1);
  const std::string tail = test_support::TailOf(log);
  EXPECT_TRUE(absl::StrContains(tail, "--tls_cert_file")) << tail;
  EXPECT_TRUE(absl::StrContains(tail, "--plaintext")) << tail;
}
#endif

}  // namespace
}  // namespace chiso
