#ifndef CHISO_COMMON_AUTH_JWT_H_
#define CHISO_COMMON_AUTH_JWT_H_

// Verification of signed JWTs (RFC 7519, JWS compact serialization) into a
// Principal, and signing for chiso-token and tests. docs/SECURITY.md lists the
// claims.
//
// What Verify accepts, and nothing else:
//  - at most `max_token_size` bytes (8 KiB), three non-empty base64url parts
//    WITHOUT padding (strict: no "=", no whitespace, canonical last char);
//  - header a JSON object whose "alg" is exactly "HS256" or "RS256" ("none"
//    and every other algorithm are refused), no "crit";
//  - "kid" present: the configured key with that kid, whose type must match
//    "alg" (an RS256 key is never used as an HMAC secret); "kid" absent: every
//    configured key of the type "alg" names is tried;
//  - signature: HMAC-SHA256 compared with CRYPTO_memcmp, or RSASSA-PKCS1-v1_5
//    SHA-256 by EVP_DigestVerify; checked before any claim is looked at;
//  - claims: "iss" equal to the issuer, "aud" (a string or an array of
//    strings) containing the audience, "exp" required, "nbf" and "iat"
//    optional, all three within `leeway` of the clock, "sub" required;
//    "kind" ("person" when absent), "unit", "roles" (array of role names),
//    "scope" (space-separated) as in Principal; the principal must pass
//    ValidatePrincipal.
// Every failure is UNAUTHENTICATED with the reason; the token itself is never
// part of a message.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "google/protobuf/struct.pb.h"

namespace chiso::auth {

enum class JwtAlgorithm { kHs256, kRs256 };

// "HS256" / "RS256".
absl::string_view JwtAlgorithmName(JwtAlgorithm alg);
absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(absl::string_view name);

// A key the verifier accepts.
struct JwtKey {
  JwtAlgorithm alg = JwtAlgorithm::kHs256;
  std::string kid;  // optional; unique among the keys when set
  // HS256: the shared secret itself (at least 32 bytes; a PEM text is
  // refused). RS256: the public key, PEM "BEGIN PUBLIC KEY", RSA >= 2048 bits.
  std::string material;
};

struct JwtVerifierOptions {
  std::string issuer;    // required: "iss" must equal it
  std::string audience;  // required: "aud" must contain it
  std::vector<JwtKey> keys;
  std::function<absl::Time()> clock;  // absl::Now when empty
  absl::Duration leeway = absl::Seconds(60);
  size_t max_token_size = 8192;
};

class JwtVerifier {
 public:
  // INVALID_ARGUMENT for a bad configuration (no issuer, audience or key, a
  // short or PEM-looking HMAC secret, an unreadable or small RSA key, a
  // repeated kid).
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(JwtVerifierOptions options);
  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // Thread-safe.
  absl::StatusOr<Principal> Verify(absl::string_view token) const;

 private:
  struct LoadedKey;
  explicit JwtVerifier(JwtVerifierOptions options);

  JwtVerifierOptions options_;
  std::vector<std::unique_ptr<LoadedKey>> keys_;
};

// True if `credential` has the shape of a JWS compact token (two dots, the
// first part starting like a base64url JSON object). Says nothing about
// validity.
bool LooksLikeJwt(absl::string_view credential);

// Reads a key file as chiso-token and the services do: HS256, the file's
// bytes without a trailing newline (LF or CRLF), at least 32 bytes; RS256, the
// PEM text as it is. Errors: NOT_FOUND (cannot read the file),
// INVALID_ARGUMENT (a short secret), both naming the path.
absl::StatusOr<std::string> ReadJwtKeyFile(JwtAlgorithm alg, const std::string& path);

// A key to sign with. HS256: the shared secret; RS256: the private key PEM.
struct JwtSigningKey {
  JwtAlgorithm alg = JwtAlgorithm::kHs256;
  std::string kid;  // put in the header when not empty
  std::string material;
};

// Signs `claims` with a header {"alg", "typ": "JWT", "kid"?}.
absl::StatusOr<std::string> SignJwt(const JwtSigningKey& key,
                                    const google::protobuf::Struct& claims);

// Low level, for tests: base64url(header_json).base64url(payload_json).sig
// with `alg`'s signature by `material`, whatever the JSON says.
absl::StatusOr<std::string> SignJws(absl::string_view header_json, absl::string_view payload_json,
                                    JwtAlgorithm alg, absl::string_view material);

// The claims of a token for `principal`: iss, aud, sub, kind, unit (when set),
// roles, scope (when any), iat = issued_at, exp = issued_at + ttl.
google::protobuf::Struct ClaimsFor(const Principal& principal, absl::string_view issuer,
                                   absl::string_view audience, absl::Time issued_at,
                                   absl::Duration ttl);

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_JWT_H_
