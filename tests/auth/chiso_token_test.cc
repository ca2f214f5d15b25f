// chiso-token: exit codes in-process, and the built binary issuing a JWT
// and an API key that JwtVerifier and ApiKeyStore accept.

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/api_keys.h"
#include "common/auth/jwt.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/auth/test_keys.h"
#include "tools/chiso-token/cli.h"

namespace chiso::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_keys::TempPath;
using testing_keys::WriteFile;

constexpr char kSecret[] = "chiso-token-test-secret-0123456789abcdef";

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built chiso-token binary.
RunResult RunBinary(const std::vector<std::string>& args) {
  std::string command = CHISO_TOKEN_BIN;
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  const std::string err_path = TempPath("stderr");
  absl::StrAppend(&command, " 2>'", err_path, "'");
  RunResult run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream s;
  s << err.rdbuf();
  run.err = s.str();
  return run;
}

RunResult RunInProcess(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  RunResult run;
  run.exit_code = chisotoken::RunChisoToken(args, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

std::unique_ptr<JwtVerifier> Verifier(JwtKey key, absl::Time now) {
  JwtVerifierOptions options;
  options.issuer = "https://sso.chiso.test";
  options.audience = "chiso";
  options.keys = {std::move(key)};
  options.clock = [now] { return now; };
  options.leeway = absl::ZeroDuration();
  return JwtVerifier::Create(options).value();
}

TEST(ChisoTokenTest, BinaryIssuesHs256TokenTheVerifierAccepts) {
  const std::string secret_file = TempPath("secret");
  WriteFile(secret_file, absl::StrCat(kSecret, "\n"));  // the newline is not part of it
  const absl::Time before = absl::Now();
  RunResult run = RunBinary({"jwt",
                             "--alg",
                             "HS256",
                             "--secret-file",
                             secret_file,
                             "--kid",
                             "hs-2026",
                             "--iss",
                             "https://sso.chiso.test",
                             "--aud",
                             "chiso",
                             "--sub",
                             "people/le-van-c",
                             "--kind",
                             "person",
                             "--unit",
                             "units/so-ke-hoach",
                             "--roles",
                             "planner,viewer",
                             "--ttl",
                             "8h"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string token(absl::StripTrailingAsciiWhitespace(run.out));
  EXPECT_EQ(run.out, token + "\n");

  std::unique_ptr<JwtVerifier> verifier =
      Verifier({JwtAlgorithm::kHs256, "hs-2026", kSecret}, before + absl::Hours(7));
  absl::StatusOr<Principal> p = verifier->Verify(token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "people/le-van-c");
  EXPECT_EQ(p->kind, Principal::Kind::kPerson);
  EXPECT_EQ(p->unit, "units/so-ke-hoach");
  EXPECT_EQ(p->roles, (std::set<Role>{Role::kPlanner, Role::kViewer}));
  EXPECT_EQ(p->credential, "jwt:hs-2026");
  // The ttl is 8h: past it, the token is expired.
  EXPECT_THAT(std::string(Verifier({JwtAlgorithm::kHs256, "hs-2026", kSecret},
                                   before + absl::Hours(8) + absl::Minutes(1))
                              ->Verify(token)
                              .status()
                              .message()),
              HasSubstr("token expired"));
  // Another secret does not verify it.
  EXPECT_FALSE(Verifier({JwtAlgorithm::kHs256, "hs-2026", std::string(kSecret) + "x"}, before)
                   ->Verify(token)
                   .ok());
}

TEST(ChisoTokenTest, BinaryIssuesRs256Token) {
  const testing_keys::RsaPem rsa = testing_keys::MakeRsaKey();
  const std::string key_file = TempPath("private.pem");
  WriteFile(key_file, rsa.private_pem);
  RunResult run = RunBinary({"jwt",     "--alg=RS256", "--private-key", key_file,
                             "--kid",   "rs-2026",     "--iss",         "https://sso.chiso.test",
                             "--aud",   "chiso",       "--sub",         "systems/hsdt",
                             "--kind",  "system",      "--unit",        "units/ubnd-tinh",
                             "--roles", "system",      "--scopes",      "plans.read tasks.report"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  absl::StatusOr<Principal> p =
      Verifier({JwtAlgorithm::kRs256, "rs-2026", rsa.public_pem}, absl::Now())
          ->Verify(absl::StripTrailingAsciiWhitespace(run.out));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, Principal::Kind::kSystem);
  EXPECT_EQ(p->scopes, (std::set<std::string>{"plans.read", "tasks.report"}));
}

TEST(ChisoTokenTest, BinaryIssuesApiKeyAndEntryTheStoreAccepts) {
  RunResult run = RunBinary({"api-key", "--id", "hsdt-sync", "--sub", "systems/hsdt", "--kind",
                             "system", "--unit", "units/ubnd-tinh", "--roles", "system", "--scopes",
                             "plans.read,tasks.report", "--expires", "2099-01-01T00:00:00Z"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> lines = absl::StrSplit(run.out, absl::MaxSplits('\n', 1));
  ASSERT_EQ(lines.size(), 2u);
  const std::string key = lines[0];
  EXPECT_THAT(key, ::testing::StartsWith("chiso_hsdt-sync_"));
  EXPECT_THAT(lines[1], Not(HasSubstr(key)));
  EXPECT_THAT(lines[1], HasSubstr(Sha256Hex(key)));

  const std::string keys_file = TempPath("keys.yaml");
  WriteFile(keys_file, absl::StrCat("keys:\n", lines[1]));
  auto store = ApiKeyStore::Open(keys_file);
  ASSERT_TRUE(store.ok()) << store.status() << "\n" << lines[1];
  absl::StatusOr<Principal> p = (*store)->Authenticate(key);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "systems/hsdt");
  EXPECT_EQ(p->unit, "units/ubnd-tinh");
  EXPECT_EQ(p->roles, std::set<Role>{Role::kSystem});
  EXPECT_EQ(p->scopes, (std::set<std::string>{"plans.read", "tasks.report"}));
  EXPECT_EQ(p->credential, "api-key:hsdt-sync");

  // Two runs give two different keys.
  RunResult again =
      RunBinary({"api-key", "--id", "hsdt-sync", "--kind", "service", "--roles", "system"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.substr(0, again.out.find('\n')), key);
}

TEST(ChisoTokenTest, ExitCodes) {
  const std::string secret_file = TempPath("secret");
  WriteFile(secret_file, kSecret);
  const std::vector<std::string> jwt = {
      "jwt",   "--alg", "HS256", "--secret-file", secret_file, "--iss",  "i",
      "--aud", "a",     "--sub", "people/x",      "--unit",    "units/u"};
  EXPECT_EQ(RunInProcess(jwt).exit_code, 0);
  EXPECT_EQ(RunInProcess({"--help"}).exit_code, 0);
  EXPECT_EQ(RunInProcess({}).exit_code, 2);
  EXPECT_EQ(RunInProcess({"sign"}).exit_code, 2);
  EXPECT_EQ(RunInProcess({"jwt", "--alg", "HS256"}).exit_code, 2);  // missing flags
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = jwt;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunInProcess(args);
  };
  EXPECT_EQ(with({"--roles", "planner,root"}).exit_code, 2);
  EXPECT_EQ(with({"--kind", "robot"}).exit_code, 2);
  EXPECT_EQ(with({"--ttl", "forever"}).exit_code, 2);
  EXPECT_EQ(with({"--ttl", "9000h"}).exit_code, 2);
  EXPECT_EQ(with({"--private-key", "x.pem"}).exit_code, 2);  // RS256's flag with HS256
  EXPECT_EQ(with({"--bogus", "1"}).exit_code, 2);
  std::vector<std::string> alg_none = jwt;
  alg_none[2] = "none";
  EXPECT_EQ(RunInProcess(alg_none).exit_code, 2);
  std::vector<std::string> missing_file = jwt;
  missing_file[4] = TempPath("does-not-exist");
  EXPECT_EQ(RunInProcess(missing_file).exit_code, 1);
  const std::string short_secret = TempPath("short");
  WriteFile(short_secret, "short\n");
  std::vector<std::string> short_args = jwt;
  short_args[4] = short_secret;
  RunResult short_run = RunInProcess(short_args);
  EXPECT_EQ(short_run.exit_code, 1);
  EXPECT_THAT(short_run.err, HasSubstr("shorter than 32 bytes"));
  EXPECT_EQ(RunInProcess({"api-key", "--id", "bad_id"}).exit_code, 2);
  EXPECT_EQ(RunInProcess({"api-key", "--id", "ok", "--expires", "soon"}).exit_code, 2);
  EXPECT_EQ(RunBinary({"api-key"}).exit_code, 2);
  // No default kind: forgetting it must not make an unrestricted service.
  RunResult no_kind =
      RunInProcess({"api-key", "--id", "hsdt", "--unit", "units/u1", "--roles", "viewer"});
  EXPECT_EQ(no_kind.exit_code, 2);
  EXPECT_NE(no_kind.err.find("--kind is required"), std::string::npos) << no_kind.err;
  // A service has no unit and no human role.
  EXPECT_EQ(
      RunInProcess({"api-key", "--id", "svc", "--kind", "service", "--unit", "units/u1"}).exit_code,
      2);
  EXPECT_EQ(
      RunInProcess({"api-key", "--id", "svc", "--kind", "service", "--roles", "viewer"}).exit_code,
      2);
  EXPECT_EQ(RunBinary({"jwt", "--alg", "RS256", "--private-key", secret_file, "--iss", "i", "--aud",
                       "a", "--sub", "s", "--unit", "units/u"})
                .exit_code,
            1);  // not a PEM private key
}

}  // namespace
}  // namespace chiso::auth
