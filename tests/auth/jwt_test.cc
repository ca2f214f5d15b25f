#include "common/auth/jwt.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/auth/base64url.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/auth/test_keys.h"

namespace chiso::auth {
namespace {

using google::protobuf::Struct;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://idp.chiso.test";
constexpr char kAudience[] = "chiso";
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-hs256-test";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);  // 2027-01-15

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new testing_keys::RsaPem(testing_keys::MakeRsaKey());
    other_rsa_ = new testing_keys::RsaPem(testing_keys::MakeRsaKey());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete other_rsa_;
  }

  static JwtVerifierOptions Options() {
    JwtVerifierOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.keys = {{JwtAlgorithm::kHs256, "hs-1", kSecret},
                    {JwtAlgorithm::kRs256, "rs-1", rsa_->public_pem}};
    options.clock = [] { return kNow; };
    return options;
  }

  static std::unique_ptr<JwtVerifier> Verifier(JwtVerifierOptions options = Options()) {
    auto verifier = JwtVerifier::Create(std::move(options));
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    return verifier.ok() ? *std::move(verifier) : nullptr;
  }

  static Struct Claims() {
    Principal p;
    p.id = "people/nguyen-van-a";
    p.kind = Principal::Kind::kPerson;
    p.unit = "units/so-noi-vu";
    p.roles = {Role::kPlanner, Role::kViewer};
    return ClaimsFor(p, kIssuer, kAudience, kNow - absl::Minutes(5), absl::Hours(1));
  }

  static std::string Hs(const Struct& claims, const std::string& kid = "hs-1") {
    auto token = SignJwt({JwtAlgorithm::kHs256, kid, kSecret}, claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }
  static std::string Rs(const Struct& claims, const std::string& kid = "rs-1") {
    auto token = SignJwt({JwtAlgorithm::kRs256, kid, rsa_->private_pem}, claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  // Expects UNAUTHENTICATED with `reason` in the message, which must not
  // contain the token or any of its parts.
  static void ExpectRejected(const std::string& token, const std::string& reason,
                             const JwtVerifier* verifier = nullptr) {
    std::unique_ptr<JwtVerifier> own;
    if (verifier == nullptr) {
      own = Verifier();
      verifier = own.get();
    }
    absl::StatusOr<Principal> p = verifier->Verify(token);
    ASSERT_FALSE(p.ok()) << "accepted: " << p->id;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(reason));
    for (absl::string_view part : absl::StrSplit(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_THAT(std::string(p.status().message()), Not(HasSubstr(std::string(part))));
      }
    }
  }

  static void Set(Struct* s, const std::string& name, double v) {
    (*s->mutable_fields())[name].set_number_value(v);
  }
  static void Set(Struct* s, const std::string& name, const std::string& v) {
    (*s->mutable_fields())[name].set_string_value(v);
  }
  static void Remove(Struct* s, const std::string& name) { s->mutable_fields()->erase(name); }

  static testing_keys::RsaPem* rsa_;
  static testing_keys::RsaPem* other_rsa_;
};

testing_keys::RsaPem* JwtTest::rsa_ = nullptr;
testing_keys::RsaPem* JwtTest::other_rsa_ = nullptr;

TEST_F(JwtTest, AcceptsHs256AndMapsClaimsToPrincipal) {
  absl::StatusOr<Principal> p = Verifier()->Verify(Hs(Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "people/nguyen-van-a");
  EXPECT_EQ(p->kind, Principal::Kind::kPerson);
  EXPECT_EQ(p->unit, "units/so-noi-vu");
  EXPECT_EQ(p->roles, (std::set<Role>{Role::kPlanner, Role::kViewer}));
  EXPECT_TRUE(p->scopes.empty());
  EXPECT_EQ(p->credential, "jwt:hs-1");
}

TEST_F(JwtTest, AcceptsRs256) {
  absl::StatusOr<Principal> p = Verifier()->Verify(Rs(Claims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "people/nguyen-van-a");
  EXPECT_EQ(p->credential, "jwt:rs-1");
}

TEST_F(JwtTest, WithoutKidTriesTheKeysOfTheAlgorithm) {
  absl::StatusOr<Principal> p = Verifier()->Verify(Rs(Claims(), ""));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->credential, absl::StrCat("jwt:", kIssuer));
  EXPECT_TRUE(Verifier()->Verify(Hs(Claims(), "")).ok());
}

TEST_F(JwtTest, SystemPrincipalCarriesScopes) {
  Struct claims = Claims();
  Set(&claims, "sub", std::string("systems/hsdt"));
  Set(&claims, "kind", std::string("system"));
  Set(&claims, "scope", std::string("plans.read  tasks.report"));
  (*claims.mutable_fields())["roles"].mutable_list_value()->Clear();
  (*claims.mutable_fields())["roles"].mutable_list_value()->add_values()->set_string_value(
      "system");
  absl::StatusOr<Principal> p = Verifier()->Verify(Hs(claims));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, Principal::Kind::kSystem);
  EXPECT_EQ(p->roles, std::set<Role>{Role::kSystem});
  EXPECT_EQ(p->scopes, (std::set<std::string>{"plans.read", "tasks.report"}));
}

TEST_F(JwtTest, AudienceArrayMustContainTheAudience) {
  Struct claims = Claims();
  auto* aud = (*claims.mutable_fields())["aud"].mutable_list_value();
  aud->add_values()->set_string_value("other-app");
  aud->add_values()->set_string_value(kAudience);
  EXPECT_TRUE(Verifier()->Verify(Hs(claims)).ok());

  Struct without = Claims();
  auto* aud2 = (*without.mutable_fields())["aud"].mutable_list_value();
  aud2->add_values()->set_string_value("other-app");
  ExpectRejected(Hs(without), "wrong audience");
}

TEST_F(JwtTest, RejectsExpiredBeyondLeeway) {
  Struct claims = Claims();
  Set(&claims, "exp", static_cast<double>(absl::ToUnixSeconds(kNow) - 61));
  ExpectRejected(Hs(claims), "token expired at 2027-01-15T07:58:59Z");
  // Within the 60 s leeway.
  Set(&claims, "exp", static_cast<double>(absl::ToUnixSeconds(kNow) - 30));
  EXPECT_TRUE(Verifier()->Verify(Hs(claims)).ok());
  // Leeway zero: expired at once.
  JwtVerifierOptions strict = Options();
  strict.leeway = absl::ZeroDuration();
  ExpectRejected(Hs(claims), "token expired", Verifier(strict).get());
}

TEST_F(JwtTest, RejectsNotYetValidAndIssuedInTheFuture) {
  Struct claims = Claims();
  Set(&claims, "nbf", static_cast<double>(absl::ToUnixSeconds(kNow) + 120));
  ExpectRejected(Hs(claims), "token not valid before");
  Set(&claims, "nbf", static_cast<double>(absl::ToUnixSeconds(kNow) + 30));
  EXPECT_TRUE(Verifier()->Verify(Hs(claims)).ok());

  Struct future = Claims();
  Set(&future, "iat", static_cast<double>(absl::ToUnixSeconds(kNow) + 600));
  ExpectRejected(Hs(future), "issued in the future");
}

TEST_F(JwtTest, RejectsWrongIssuerAndAudience) {
  Struct claims = Claims();
  Set(&claims, "iss", std::string("https://evil.test"));
  ExpectRejected(Hs(claims), "wrong issuer");
  claims = Claims();
  Set(&claims, "aud", std::string("chiso-staging"));
  ExpectRejected(Hs(claims), "wrong audience");
}

TEST_F(JwtTest, RejectsTamperedPayload) {
  for (const std::string& token : {Hs(Claims()), Rs(Claims())}) {
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    Struct elevated = Claims();
    (*elevated.mutable_fields())["roles"].mutable_list_value()->add_values()->set_string_value(
        "administrator");
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(elevated, &json).ok());
    parts[1] = Base64UrlEncode(json);
    ExpectRejected(absl::StrCat(parts[0], ".", parts[1], ".", parts[2]), "bad signature");
  }
}

TEST_F(JwtTest, RejectsTamperedSignature) {
  for (const std::string& token : {Hs(Claims()), Rs(Claims())}) {
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    parts[2][0] = parts[2][0] == 'A' ? 'B' : 'A';
    ExpectRejected(absl::StrCat(parts[0], ".", parts[1], ".", parts[2]), "bad signature");
  }
}

TEST_F(JwtTest, RejectsRs256SignedByAnotherKey) {
  auto token = SignJwt({JwtAlgorithm::kRs256, "rs-1", other_rsa_->private_pem}, Claims());
  ASSERT_TRUE(token.ok());
  ExpectRejected(*token, "bad signature");
}

TEST_F(JwtTest, RejectsAlgNone) {
  std::string payload;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(Claims(), &payload).ok());
  const std::string unsigned_token = absl::StrCat(Base64UrlEncode(R"({"alg":"none","typ":"JWT"})"),
                                                  ".", Base64UrlEncode(payload), ".");
  ExpectRejected(unsigned_token, "unsigned token");
  // With something in the signature place, "none" itself is refused.
  ExpectRejected(absl::StrCat(unsigned_token, "c2lnbmF0dXJl"),
                 "algorithm \"none\" is not accepted");
  // Other algorithms, even correctly signed ones, are refused.
  for (const char* alg : {"HS512", "RS384", "ES256", "PS256", "hs256"}) {
    auto token = SignJws(absl::StrCat(R"({"alg":")", alg, R"(","kid":"hs-1"})"), payload,
                         JwtAlgorithm::kHs256, kSecret);
    ASSERT_TRUE(token.ok());
    ExpectRejected(*token, "is not accepted (HS256 or RS256)");
  }
}

TEST_F(JwtTest, RejectsRsaPublicKeyUsedAsHmacSecret) {
  // The classic confusion: the attacker knows the RS256 public key and signs
  // an HS256 token with its PEM text as the HMAC secret.
  JwtVerifierOptions rs_only = Options();
  rs_only.keys = {{JwtAlgorithm::kRs256, "rs-1", rsa_->public_pem}};
  std::unique_ptr<JwtVerifier> verifier = Verifier(rs_only);
  auto with_kid = SignJwt({JwtAlgorithm::kHs256, "rs-1", rsa_->public_pem}, Claims());
  ASSERT_TRUE(with_kid.ok());
  ExpectRejected(*with_kid, "algorithm HS256 does not match key \"rs-1\" (RS256)", verifier.get());
  auto without_kid = SignJwt({JwtAlgorithm::kHs256, "", rsa_->public_pem}, Claims());
  ASSERT_TRUE(without_kid.ok());
  ExpectRejected(*without_kid, "no HS256 key is configured", verifier.get());
  // And a PEM cannot be configured as an HS256 secret.
  JwtVerifierOptions confused = Options();
  confused.keys = {{JwtAlgorithm::kHs256, "rs-1", rsa_->public_pem}};
  auto created = JwtVerifier::Create(confused);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(std::string(created.status().message()), HasSubstr("PEM"));
}

TEST_F(JwtTest, RejectsUnknownKid) {
  ExpectRejected(Hs(Claims(), "hs-2"), "unknown key id \"hs-2\"");
}

TEST_F(JwtTest, RejectsOversizedToken) {
  Struct claims = Claims();
  Set(&claims, "padding", std::string(9000, 'x'));
  const std::string token = Hs(claims);
  ASSERT_GT(token.size(), 8192u);
  ExpectRejected(token, "token too large");
  JwtVerifierOptions small = Options();
  small.max_token_size = 100;
  ExpectRejected(Hs(Claims()), "token too large", Verifier(small).get());
}

TEST_F(JwtTest, RejectsMalformedTokens) {
  const std::string good = Hs(Claims());
  std::vector<std::string> parts = absl::StrSplit(good, '.');
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1]), "not three dot-separated parts");
  ExpectRejected(absl::StrCat(good, ".x"), "not three dot-separated parts");
  ExpectRejected(absl::StrCat(parts[0], "=.", parts[1], ".", parts[2]),
                 "header is not base64url");  // padding is not tolerated
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "="),
                 "signature is not base64url");
  ExpectRejected(absl::StrCat("eyJ+", ".", parts[1], ".", parts[2]), "header is not base64url");
  ExpectRejected(absl::StrCat(Base64UrlEncode("{not json"), ".", parts[1], ".", parts[2]),
                 "header is not a JSON object");
  ExpectRejected(absl::StrCat(Base64UrlEncode("[1,2]"), ".", parts[1], ".", parts[2]),
                 "header is not a JSON object");
  ExpectRejected(absl::StrCat(Base64UrlEncode(R"({"typ":"JWT"})"), ".", parts[1], ".", parts[2]),
                 "header has no \"alg\"");
  // Correctly signed, but the payload is not JSON / not an object.
  for (const char* payload : {"{\"sub\":", "[\"a\"]", "42"}) {
    auto token = SignJws(R"({"alg":"HS256","kid":"hs-1"})", payload, JwtAlgorithm::kHs256, kSecret);
    ASSERT_TRUE(token.ok());
    ExpectRejected(*token, "payload is not a JSON object");
  }
  // crit extensions are not understood, so refused.
  auto crit = SignJws(R"({"alg":"HS256","kid":"hs-1","crit":["b64"]})", "{}", JwtAlgorithm::kHs256,
                      kSecret);
  ASSERT_TRUE(crit.ok());
  ExpectRejected(*crit, "crit");
}

TEST_F(JwtTest, RequiresSubAndExp) {
  Struct claims = Claims();
  Remove(&claims, "sub");
  ExpectRejected(Hs(claims), "missing subject (\"sub\")");
  claims = Claims();
  Remove(&claims, "exp");
  ExpectRejected(Hs(claims), "missing expiry (\"exp\")");
  claims = Claims();
  Set(&claims, "exp", std::string("1800003600"));
  ExpectRejected(Hs(claims), "\"exp\" is not a valid NumericDate");
  claims = Claims();
  Remove(&claims, "iss");
  ExpectRejected(Hs(claims), "missing issuer");
}

TEST_F(JwtTest, RejectsInvalidPrincipalClaims) {
  Struct claims = Claims();
  (*claims.mutable_fields())["roles"].mutable_list_value()->add_values()->set_string_value("root");
  ExpectRejected(Hs(claims), "unknown role \"root\"");

  claims = Claims();
  Set(&claims, "kind", std::string("robot"));
  ExpectRejected(Hs(claims), "unknown principal kind");

  claims = Claims();  // a person may not hold the system role
  (*claims.mutable_fields())["roles"].mutable_list_value()->add_values()->set_string_value(
      "system");
  ExpectRejected(Hs(claims), "role \"system\"");

  claims = Claims();  // a person needs a unit
  Remove(&claims, "unit");
  ExpectRejected(Hs(claims), "unit: required");

  claims = Claims();
  Set(&claims, "unit", std::string("so-noi-vu"));
  ExpectRejected(Hs(claims), "units/<id>");

  // A service sees every unit: no identity provider may mint one.
  claims = Claims();
  Remove(&claims, "unit");
  Set(&claims, "kind", std::string("service"));
  ExpectRejected(Hs(claims), "service principals use API keys");
}

TEST_F(JwtTest, RefusesBadConfiguration) {
  JwtVerifierOptions o = Options();
  o.issuer.clear();
  EXPECT_FALSE(JwtVerifier::Create(o).ok());
  o = Options();
  o.audience.clear();
  EXPECT_FALSE(JwtVerifier::Create(o).ok());
  o = Options();
  o.keys.clear();
  EXPECT_FALSE(JwtVerifier::Create(o).ok());
  o = Options();
  o.keys = {{JwtAlgorithm::kHs256, "short", "too-short-secret"}};
  EXPECT_THAT(std::string(JwtVerifier::Create(o).status().message()), HasSubstr("32 bytes"));
  o = Options();
  o.keys = {{JwtAlgorithm::kRs256, "rs", "not a pem"}};
  EXPECT_THAT(std::string(JwtVerifier::Create(o).status().message()), HasSubstr("PEM public key"));
  o = Options();
  o.keys = {{JwtAlgorithm::kRs256, "rs", rsa_->private_pem}};  // a private key is not a public one
  EXPECT_FALSE(JwtVerifier::Create(o).ok());
  o = Options();
  o.keys.push_back({JwtAlgorithm::kHs256, "hs-1", std::string(kSecret) + "-2"});
  EXPECT_THAT(std::string(JwtVerifier::Create(o).status().message()), HasSubstr("kid used twice"));
  o = Options();
  o.keys = {{JwtAlgorithm::kRs256, "small", testing_keys::MakeRsaKey(1024).public_pem}};
  EXPECT_THAT(std::string(JwtVerifier::Create(o).status().message()), HasSubstr("at least 2048"));
}

TEST_F(JwtTest, RotationAcceptsEveryConfiguredKey) {
  JwtVerifierOptions o = Options();
  o.keys.push_back({JwtAlgorithm::kRs256, "rs-2", other_rsa_->public_pem});
  std::unique_ptr<JwtVerifier> verifier = Verifier(o);
  EXPECT_TRUE(verifier->Verify(Rs(Claims(), "rs-1")).ok());
  auto next = SignJwt({JwtAlgorithm::kRs256, "rs-2", other_rsa_->private_pem}, Claims());
  ASSERT_TRUE(next.ok());
  absl::StatusOr<Principal> p = verifier->Verify(*next);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->credential, "jwt:rs-2");
  // Without a kid, both RS256 keys are tried.
  auto no_kid = SignJwt({JwtAlgorithm::kRs256, "", other_rsa_->private_pem}, Claims());
  ASSERT_TRUE(no_kid.ok());
  EXPECT_TRUE(verifier->Verify(*no_kid).ok());
}

TEST(Base64UrlTest, RoundTripsAndDecodesStrictly) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("Zm9v"), "foo");
  EXPECT_FALSE(Base64UrlDecode("Zm8=").has_value());   // padding
  EXPECT_FALSE(Base64UrlDecode("Zm9v+").has_value());  // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm 9v").has_value());  // whitespace
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").has_value());  // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zm9").has_value());    // "fo" is "Zm8"
  EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
  EXPECT_FALSE(Base64UrlDecode("Zm9=").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());  // non-zero unused bits ("Zg" is canonical)
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
}

TEST(PrincipalTest, ParsesAndFormatsRolesAndKinds) {
  for (Role role :
       {Role::kAdministrator, Role::kPlanner, Role::kReporter, Role::kViewer, Role::kSystem}) {
    EXPECT_EQ(ParseRole(RoleName(role)).value(), role);
  }
  EXPECT_FALSE(ParseRole("Planner").ok());
  EXPECT_FALSE(ParseRole("").ok());
  EXPECT_EQ(ParseKind("service").value(), Principal::Kind::kService);
  EXPECT_FALSE(ParseKind("human").ok());
  EXPECT_EQ(FormatRoles({Role::kViewer, Role::kAdministrator}), "administrator,viewer");
}

}  // namespace
}  // namespace chiso::auth
