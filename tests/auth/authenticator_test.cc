#include "common/auth/authenticator.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/auth/test_keys.h"

namespace chiso::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "authenticator-test-secret-0123456789abcdef";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::shared_ptr<const JwtVerifier> MakeVerifier(const std::string& issuer) {
  JwtVerifierOptions options;
  options.issuer = issuer;
  options.audience = "chiso";
  options.keys = {{JwtAlgorithm::kHs256, "k1", kSecret}};
  options.clock = [] { return kNow; };
  return std::shared_ptr<const JwtVerifier>(JwtVerifier::Create(options).value());
}

std::string Token(const std::string& issuer) {
  Principal p;
  p.id = "people/tran-thi-b";
  p.unit = "units/ubnd-huyen";
  p.roles = {Role::kReporter};
  return SignJwt({JwtAlgorithm::kHs256, "k1", kSecret},
                 ClaimsFor(p, issuer, "chiso", kNow, absl::Hours(1)))
      .value();
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = GenerateApiKey("bot").value();
    const std::string path = testing_keys::TempPath("keys.yaml");
    testing_keys::WriteFile(
        path, absl::StrCat("keys:\n  - id: bot\n    sha256: ", key_.sha256,
                           "\n    principal: {id: jobs/bot, kind: service, roles: [system]}\n"));
    store_ = std::shared_ptr<const ApiKeyStore>(ApiKeyStore::Open(path).value());
  }

  void ExpectRejected(const Authenticator& auth, const std::string& header,
                      const std::string& reason) {
    absl::StatusOr<Principal> p = auth.Authenticate(header);
    ASSERT_FALSE(p.ok()) << header;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(reason));
    if (header.size() > 16) {
      EXPECT_THAT(std::string(p.status().message()), Not(HasSubstr(header.substr(7))));
    }
  }

  NewApiKey key_;
  std::shared_ptr<const ApiKeyStore> store_;
};

TEST_F(AuthenticatorTest, AcceptsBearerJwtAndBearerApiKey) {
  Authenticator auth(MakeVerifier("idp"), store_);
  absl::StatusOr<Principal> person = auth.Authenticate(absl::StrCat("Bearer ", Token("idp")));
  ASSERT_TRUE(person.ok()) << person.status();
  EXPECT_EQ(person->id, "people/tran-thi-b");
  EXPECT_EQ(person->credential, "jwt:k1");
  EXPECT_EQ(person->roles, std::set<Role>{Role::kReporter});

  absl::StatusOr<Principal> bot = auth.Authenticate(absl::StrCat("bearer  ", key_.key));
  ASSERT_TRUE(bot.ok()) << bot.status();
  EXPECT_EQ(bot->id, "jobs/bot");
  EXPECT_EQ(bot->kind, Principal::Kind::kService);
  EXPECT_EQ(bot->credential, "api-key:bot");
}

TEST_F(AuthenticatorTest, RejectsMissingAndMalformedHeaders) {
  Authenticator auth(MakeVerifier("idp"), store_);
  ExpectRejected(auth, "", "missing bearer credential");
  ExpectRejected(auth, "Bearer", "unsupported authorization scheme");
  ExpectRejected(auth, "Bearer   ", "missing bearer credential");
  ExpectRejected(auth, absl::StrCat("Basic ", key_.key), "unsupported authorization scheme");
  ExpectRejected(auth, absl::StrCat("Bearer", key_.key), "unsupported authorization scheme");
  ExpectRejected(auth, "Bearer some-opaque-token-value", "neither a JWT nor a chiso_ API key");
  ExpectRejected(auth, absl::StrCat("Bearer ", key_.key, " extra"), "whitespace");
  ExpectRejected(auth, absl::StrCat("Bearer ", Token("other-idp")), "wrong issuer");
  std::string wrong = key_.key;
  wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
  ExpectRejected(auth, absl::StrCat("Bearer ", wrong), "wrong secret");
}

TEST_F(AuthenticatorTest, RefusesCredentialKindsNotConfigured) {
  Authenticator jwt_only(MakeVerifier("idp"), nullptr);
  ExpectRejected(jwt_only, absl::StrCat("Bearer ", key_.key), "API keys are not accepted");
  EXPECT_TRUE(jwt_only.Authenticate(absl::StrCat("Bearer ", Token("idp"))).ok());
  Authenticator keys_only(nullptr, store_);
  ExpectRejected(keys_only, absl::StrCat("Bearer ", Token("idp")), "JWTs are not accepted");
  EXPECT_TRUE(keys_only.Authenticate(absl::StrCat("Bearer ", key_.key)).ok());
}

TEST_F(AuthenticatorTest, ReplaceJwtVerifierTakesEffectForNextCalls) {
  Authenticator auth(MakeVerifier("idp"), store_);
  ASSERT_TRUE(auth.Authenticate(absl::StrCat("Bearer ", Token("idp"))).ok());
  auth.ReplaceJwtVerifier(MakeVerifier("idp-2"));
  ExpectRejected(auth, absl::StrCat("Bearer ", Token("idp")), "wrong issuer");
  EXPECT_TRUE(auth.Authenticate(absl::StrCat("Bearer ", Token("idp-2"))).ok());
}

}  // namespace
}  // namespace chiso::auth
