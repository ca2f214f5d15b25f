#include "common/server/auth_flags.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/access/test_identities.h"

ABSL_DECLARE_FLAG(std::string, auth);
ABSL_DECLARE_FLAG(std::string, api_keys_file);
ABSL_DECLARE_FLAG(std::string, jwt_issuer);
ABSL_DECLARE_FLAG(std::string, jwt_audience);
ABSL_DECLARE_FLAG(std::string, jwt_hs256_secret_files);
ABSL_DECLARE_FLAG(std::string, jwt_rs256_public_key_files);

namespace chiso {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  char dir[] = "/tmp/chiso-auth-flags-XXXXXX";
  return mkdtemp(dir);
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp") << text;
  ASSERT_EQ(rename((path + ".tmp").c_str(), path.c_str()), 0);
}

class AuthFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::SetFlag(&FLAGS_auth, "required");
    absl::SetFlag(&FLAGS_api_keys_file, "");
    absl::SetFlag(&FLAGS_jwt_issuer, "");
    absl::SetFlag(&FLAGS_jwt_audience, "");
    absl::SetFlag(&FLAGS_jwt_hs256_secret_files, "");
    absl::SetFlag(&FLAGS_jwt_rs256_public_key_files, "");
    dir_ = TempDir();
  }
  void TearDown() override { (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }
  std::string dir_;
};

TEST_F(AuthFlagsTest, OffMeansNoAuthenticator) {
  absl::SetFlag(&FLAGS_auth, "off");
  auto authenticator = AuthenticatorFromFlags();
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_EQ(*authenticator, nullptr);
}

TEST_F(AuthFlagsTest, RequiredWithoutAnyKeyRefusesToStart) {
  auto authenticator = AuthenticatorFromFlags();
  EXPECT_EQ(authenticator.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(authenticator.status().message()), HasSubstr("--api_keys_file"));
  absl::SetFlag(&FLAGS_auth, "maybe");
  EXPECT_THAT(std::string(AuthenticatorFromFlags().status().message()),
              HasSubstr("neither \"required\" nor \"off\""));
}

TEST_F(AuthFlagsTest, AnUnreadableKeyFileNamesTheFlag) {
  absl::SetFlag(&FLAGS_api_keys_file, dir_ + "/missing.yaml");
  EXPECT_THAT(std::string(AuthenticatorFromFlags().status().message()),
              HasSubstr("--api_keys_file"));
  absl::SetFlag(&FLAGS_api_keys_file, "");
  absl::SetFlag(&FLAGS_jwt_hs256_secret_files, dir_ + "/k1.key");
  Write(dir_ + "/k1.key", "0123456789abcdef0123456789abcdef\n");
  EXPECT_THAT(std::string(AuthenticatorFromFlags().status().message()),
              HasSubstr("--jwt_issuer and --jwt_audience"));
  absl::SetFlag(&FLAGS_jwt_issuer, "iss");
  absl::SetFlag(&FLAGS_jwt_audience, "chiso");
  Write(dir_ + "/k1.key", "short\n");
  EXPECT_THAT(std::string(AuthenticatorFromFlags().status().message()),
              HasSubstr("--jwt_hs256_secret_files"));
}

auth::Principal Viewer() {
  auth::Principal p;
  p.id = "people/a";
  p.unit = "units/a";
  p.roles = {auth::Role::kViewer};
  return p;
}

TEST_F(AuthFlagsTest, JwtKeysAreNamedByTheirFiles) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  Write(dir_ + "/2026-q4.key", secret + "\n");
  absl::SetFlag(&FLAGS_jwt_hs256_secret_files, dir_ + "/2026-q4.key");
  absl::SetFlag(&FLAGS_jwt_issuer, "https://sso.example.gov.vn");
  absl::SetFlag(&FLAGS_jwt_audience, "chiso");
  auto authenticator = AuthenticatorFromFlags();
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  const std::string token = auth::SignJwt({auth::JwtAlgorithm::kHs256, "2026-q4", secret},
                                          auth::ClaimsFor(Viewer(), "https://sso.example.gov.vn",
                                                          "chiso", absl::Now(), absl::Hours(1)))
                                .value();
  auto principal = (*authenticator)->Authenticate("Bearer " + token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->credential, "jwt:2026-q4");
  const std::string other_audience =
      auth::SignJwt({auth::JwtAlgorithm::kHs256, "2026-q4", secret},
                    auth::ClaimsFor(Viewer(), "https://sso.example.gov.vn", "elsewhere",
                                    absl::Now(), absl::Hours(1)))
          .value();
  EXPECT_EQ((*authenticator)->Authenticate("Bearer " + other_audience).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// The key files are checked every 10 s: a key added to the file works
// without a restart, a rotated JWT key replaces the old one, and deleting a
// file revokes its keys.
TEST_F(AuthFlagsTest, KeyFilesAreReloadedWhileRunning) {
  const std::string keys = dir_ + "/api_keys.yaml";
  Write(keys, "keys: []\n");
  const std::string secret_a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  const std::string secret_b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  Write(dir_ + "/current.key", secret_a);
  absl::SetFlag(&FLAGS_api_keys_file, keys);
  absl::SetFlag(&FLAGS_jwt_hs256_secret_files, dir_ + "/current.key");
  absl::SetFlag(&FLAGS_jwt_issuer, "iss");
  absl::SetFlag(&FLAGS_jwt_audience, "chiso");
  auto authenticator = AuthenticatorFromFlags();
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();

  auto token = [&](const std::string& secret) {
    return "Bearer " +
           auth::SignJwt({auth::JwtAlgorithm::kHs256, "", secret},
                         auth::ClaimsFor(Viewer(), "iss", "chiso", absl::Now(), absl::Hours(1)))
               .value();
  };
  auth::NewApiKey key = auth::GenerateApiKey("late").value();
  ASSERT_FALSE((*authenticator)->Authenticate("Bearer " + key.key).ok());
  ASSERT_TRUE((*authenticator)->Authenticate(token(secret_a)).ok());

  Write(keys, "keys:\n" + auth::ApiKeyEntryYaml("late", key.sha256, Viewer(), std::nullopt));
  Write(dir_ + "/current.key", secret_b);
  const absl::Time deadline = absl::Now() + absl::Seconds(40);
  bool api_key_ok = false;
  bool rotated = false;
  while (absl::Now() < deadline && !(api_key_ok && rotated)) {
    api_key_ok = (*authenticator)->Authenticate("Bearer " + key.key).ok();
    rotated = (*authenticator)->Authenticate(token(secret_b)).ok() &&
              !(*authenticator)->Authenticate(token(secret_a)).ok();
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(api_key_ok) << "the API key added to the file was not picked up";
  EXPECT_TRUE(rotated) << "the rotated JWT secret was not picked up";

  // Deleting the files revokes what they held.
  ASSERT_EQ(unlink(keys.c_str()), 0);
  ASSERT_EQ(unlink((dir_ + "/current.key").c_str()), 0);
  const absl::Time revoke_deadline = absl::Now() + absl::Seconds(40);
  bool revoked = false;
  while (absl::Now() < revoke_deadline && !revoked) {
    revoked = !(*authenticator)->Authenticate("Bearer " + key.key).ok() &&
              !(*authenticator)->Authenticate(token(secret_b)).ok();
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(revoked) << "keys of deleted files were still accepted";
}

}  // namespace
}  // namespace chiso
