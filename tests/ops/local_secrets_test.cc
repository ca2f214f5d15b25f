// The secrets of a local suite (scripts/secrets.sh, what `make run` runs):
// made once with the right modes, certificates for their names signed by
// the local CA, and a plan service started as scripts/run.sh starts it
// (TLS, mutual TLS, API keys) answering the operator's key and refusing a
// call without one.

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/ops/run_tool.h"
#include "tests/support/child_process.h"
#include "tests/support/service_process.h"

namespace chiso {
namespace {

using test_support::RunTool;
using test_support::ToolResult;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

int Mode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

class LocalSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/chiso-secrets-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    secrets_ = dir_ + "/secrets";
    setenv("CHISO_TOKEN_BIN", CHISO_TOKEN_BIN, 1);
  }
  void TearDown() override {
    if (plan_ != nullptr) (void)plan_->process.Stop();
    if (!dir_.empty()) (void)std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  ToolResult MakeSecrets() {
    return RunTool({"/bin/bash", absl::StrCat(CHISO_SOURCE_DIR, "/scripts/secrets.sh"), secrets_});
  }

  std::string File(const std::string& name) const { return secrets_ + "/" + name; }

  std::string dir_;
  std::string secrets_;
  std::unique_ptr<test_support::ServiceProcess> plan_;
};

TEST_F(LocalSecretsTest, MadeOnceWithPrivateModes) {
  ToolResult first = MakeSecrets();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(Mode(secrets_), 0700);
  for (const char* name :
       {"ca.key", "plan.key", "assignment.key", "scoring.key", "notification.key", "chisoctl.key",
        "chisoctl.token", "assignment.token", "scoring.token", "api_keys.yaml"}) {
    EXPECT_EQ(Mode(File(name)), 0600) << name;
  }
  const std::string operator_token = ReadFile(File("chisoctl.token"));
  EXPECT_TRUE(absl::StartsWith(operator_token, "chiso_operator_")) << operator_token;
  const std::string keys = ReadFile(File("api_keys.yaml"));
  for (const char* expected : {"id: systems/chisoctl", "[administrator]", "id: services/assignment",
                               "[read, units.sync]", "id: services/scoring"}) {
    EXPECT_TRUE(absl::StrContains(keys, expected)) << expected << " in\n" << keys;
  }

  // Each certificate: signed by the CA, named as its service, for localhost.
  for (const auto& [name, cn] :
       std::vector<std::pair<std::string, std::string>>{{"plan", "chiso-plan"},
                                                        {"assignment", "chiso-assignment"},
                                                        {"scoring", "chiso-scoring"},
                                                        {"notification", "chiso-notification"},
                                                        {"chisoctl", "chisoctl"}}) {
    ToolResult verify = RunTool({"/usr/bin/openssl", "verify", "-CAfile", File("ca.pem"),
                                 "-purpose", "sslclient", File(name + ".pem")});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    ToolResult text =
        RunTool({"/usr/bin/openssl", "x509", "-noout", "-text", "-in", File(name + ".pem")});
    EXPECT_TRUE(absl::StrContains(text.output, "CN = " + cn)) << text.output;
    EXPECT_TRUE(absl::StrContains(text.output, "DNS:localhost, IP Address:127.0.0.1"))
        << text.output;
    EXPECT_TRUE(absl::StrContains(text.output,
                                  "TLS Web Server Authentication, TLS Web Client "
                                  "Authentication"))
        << text.output;
  }

  // Again: nothing is made, nothing changes.
  ToolResult second = MakeSecrets();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_FALSE(absl::StrContains(second.output, "made in")) << second.output;
  EXPECT_EQ(ReadFile(File("chisoctl.token")), operator_token);
  EXPECT_EQ(ReadFile(File("api_keys.yaml")), keys);
}

TEST_F(LocalSecretsTest, APlanServiceStartedAsMakeRunDoesIsSecured) {
  ToolResult made = MakeSecrets();
  ASSERT_EQ(made.exit_code, 0) << made.output;
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(File("ca.pem"));
  tls.pem_cert_chain = ReadFile(File("chisoctl.pem"));
  tls.pem_private_key = ReadFile(File("chisoctl.key"));

  plan_ = test_support::MakeService("plan", CHISO_PLAN_BIN, dir_);
  // The flags scripts/run.sh passes.
  plan_->security_flags = {absl::StrCat("--tls_cert_file=", File("plan.pem")),
                           absl::StrCat("--tls_key_file=", File("plan.key")),
                           absl::StrCat("--tls_ca_file=", File("ca.pem")),
                           absl::StrCat("--tls_client_ca_file=", File("ca.pem")),
                           "--auth=required",
                           absl::StrCat("--api_keys_file=", File("api_keys.yaml"))};
  plan_->credentials = grpc::SslCredentials(tls);
  ASSERT_TRUE(test_support::StartService(*plan_, dir_, {}));

  auto list = [&](const std::string& token, std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = chiso::plan::v1::PlanService::NewStub(
        test_support::ServiceChannel(plan_->port, std::move(creds)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    chiso::plan::v1::ListPlansResponse response;
    return stub->ListPlans(&context, chiso::plan::v1::ListPlansRequest(), &response);
  };
  const std::string token(absl::StripAsciiWhitespace(ReadFile(File("chisoctl.token"))));
  grpc::Status status = list(token, grpc::SslCredentials(tls));
  EXPECT_TRUE(status.ok()) << status.error_message();
  status = list("", grpc::SslCredentials(tls));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  status = list(token, grpc::InsecureChannelCredentials());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  grpc::SslCredentialsOptions no_certificate = tls;
  no_certificate.pem_cert_chain.clear();
  no_certificate.pem_private_key.clear();
  status = list(token, grpc::SslCredentials(no_certificate));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

}  // namespace
}  // namespace chiso
