// chisoctl's connection (tools/chisoctl/connection.h): TLS trusting a CA,
// a client certificate for mutual TLS, the bearer token on every call,
// plaintext only when asked for, and the defaults a suite started by
// `make run` leaves in its secrets directory.

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/chisoctl/run_cli.h"
#include "tests/support/test_certificates.h"

namespace chiso::chisoctl {
namespace {

namespace pb = chiso::plan::v1;
using ::testing::HasSubstr;

// GetPlan answers every name, with the caller's certificate common name as
// the title and remembers the authorization header.
class EchoPlans final : public pb::PlanService::Service {
 public:
  grpc::Status GetPlan(grpc::ServerContext* context, const pb::GetPlanRequest* request,
                       pb::Plan* plan) override {
    plan->set_name(request->name());
    for (const grpc::string_ref& cn :
         context->auth_context()->FindPropertyValues("x509_common_name")) {
      plan->set_title(std::string(cn.data(), cn.size()));
    }
    auto it = context->client_metadata().find("authorization");
    absl::MutexLock lock(&mu_);
    authorization_ = it == context->client_metadata().end()
                         ? ""
                         : std::string(it->second.data(), it->second.size());
    return grpc::Status::OK;
  }
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&log_);
    char tmpl[] = "/tmp/chiso-ctl-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    certs_ = std::make_unique<test_support::TestCertificates>(dir_);
    ASSERT_TRUE(certs_->MakeCa("ca").ok());
    ASSERT_TRUE(certs_->MakeCa("other-ca").ok());
    ASSERT_TRUE(certs_->Issue("ca", "server", "chiso-plan").ok());
    ASSERT_TRUE(certs_->Issue("ca", "chisoctl", "chisoctl").ok());
    { std::ofstream(dir_ + "/chisoctl.token") << "chiso_operator_secret-of-the-operator\n"; }

    ServerOptions options;
    options.service_name = "plan";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    TransportSecurity security;
    security.cert_file = certs_->Pem("server");
    security.key_file = certs_->Key("server");
    security.client_ca_file = certs_->Pem("ca");
    options.transport = security;
    options.probe_address = "";
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(options, {{pb::PlanService::service_full_name(), &service_}},
                      std::make_shared<prometheus::Registry>(), nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    addr_ = absl::StrCat("localhost:", server_->port());
  }

  void TearDown() override {
    server_.reset();
    log::SetOutput(nullptr);
    if (!dir_.empty()) (void)std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  Environment Secure() {
    Environment env;
    env.plan_addr = addr_;
    env.tls_ca_file = certs_->Pem("ca");
    env.tls_cert_file = certs_->Pem("chisoctl");
    env.tls_key_file = certs_->Key("chisoctl");
    env.token_file = dir_ + "/chisoctl.token";
    return env;
  }

  std::ostringstream log_;
  std::string dir_;
  std::unique_ptr<test_support::TestCertificates> certs_;
  EchoPlans service_;
  std::unique_ptr<Server> server_;
  std::string addr_;
};

TEST_F(ConnectionTest, CallsOverMutualTlsWithTheToken) {
  Result r = RunCli({"--json", "plan", "get", "plans/p1"}, Secure());
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"title\": \"chisoctl\""));
  EXPECT_EQ(service_.authorization(), "Bearer chiso_operator_secret-of-the-operator");
}

TEST_F(ConnectionTest, FlagsWinOverTheEnvironment) {
  Environment env = Secure();
  env.tls_ca_file = certs_->Pem("other-ca");
  env.token_file = dir_ + "/missing";
  { std::ofstream(dir_ + "/other.token") << "chiso_other_from-the-flag"; }
  Result r = RunCli({"--tls-ca-file", certs_->Pem("ca"), "--token-file", dir_ + "/other.token",
                     "plan", "get", "plans/p1"},
                    env);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(service_.authorization(), "Bearer chiso_other_from-the-flag");
}

TEST_F(ConnectionTest, WithoutAClientCertificateTheServerCannotBeReached) {
  Environment env = Secure();
  env.tls_cert_file.clear();
  env.tls_key_file.clear();
  Result r = RunCli({"plan", "get", "plans/p1", "--timeout=3s"}, env);
  EXPECT_EQ(r.code, kExitUnreachable) << r.err;
}

TEST_F(ConnectionTest, AServerOfAnotherCaIsNotTrusted) {
  Environment env = Secure();
  env.tls_ca_file = certs_->Pem("other-ca");
  Result r = RunCli({"plan", "get", "plans/p1", "--timeout=3s"}, env);
  EXPECT_EQ(r.code, kExitUnreachable) << r.err;
}

TEST_F(ConnectionTest, PlaintextIsOnlyUsedWhenAskedForAndFailsAgainstTls) {
  Environment env = Secure();
  Result r = RunCli({"--plaintext", "plan", "get", "plans/p1", "--timeout=3s"}, env);
  EXPECT_EQ(r.code, kExitUnreachable) << r.err;
}

TEST_F(ConnectionTest, UnreadableFilesAreUsageErrorsNamingTheFlag) {
  Environment env = Secure();
  env.token_file = dir_ + "/missing.token";
  Result r = RunCli({"plan", "get", "plans/p1"}, env);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--token-file"));

  env = Secure();
  env.tls_key_file.clear();
  r = RunCli({"health"}, env);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--tls-cert-file is set without --tls-key-file"));
}

// FromProcess: the variables, else the files of $CHISO_SECRETS_DIR.
TEST_F(ConnectionTest, TheProcessEnvironmentDefaultsToTheSecretsDirectory) {
  ASSERT_EQ(rename(certs_->Pem("ca").c_str(), (dir_ + "/ca.pem").c_str()), 0);
  setenv("CHISO_SECRETS_DIR", dir_.c_str(), 1);
  unsetenv("CHISO_TLS_CA_FILE");
  unsetenv("CHISO_TLS_CERT_FILE");
  unsetenv("CHISO_TLS_KEY_FILE");
  unsetenv("CHISO_TOKEN_FILE");
  setenv("CHISO_PLAINTEXT", "0", 1);
  Environment env = Environment::FromProcess();
  EXPECT_FALSE(env.plaintext);
  EXPECT_EQ(env.tls_ca_file, dir_ + "/ca.pem");
  EXPECT_EQ(env.tls_cert_file, dir_ + "/chisoctl.pem");
  EXPECT_EQ(env.tls_key_file, dir_ + "/chisoctl.key");
  EXPECT_EQ(env.token_file, dir_ + "/chisoctl.token");
  env.plan_addr = addr_;
  Result r = RunCli({"plan", "get", "plans/p1"}, env);
  EXPECT_EQ(r.code, kExitOk) << r.err;

  setenv("CHISO_TOKEN_FILE", "/elsewhere/token", 1);
  setenv("CHISO_PLAINTEXT", "1", 1);
  env = Environment::FromProcess();
  EXPECT_TRUE(env.plaintext);
  EXPECT_EQ(env.token_file, "/elsewhere/token");
  unsetenv("CHISO_SECRETS_DIR");
  unsetenv("CHISO_TOKEN_FILE");
  unsetenv("CHISO_PLAINTEXT");
}

}  // namespace
}  // namespace chiso::chisoctl
