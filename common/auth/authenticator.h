#ifndef CHISO_COMMON_AUTH_AUTHENTICATOR_H_
#define CHISO_COMMON_AUTH_AUTHENTICATOR_H_

// Turns the value of an "authorization" header into a Principal:
//
//   Bearer <jwt>       verified by the JwtVerifier (jwt.h)
//   Bearer chiso_...   looked up in the ApiKeyStore (api_keys.h)
//
// The scheme is case-insensitive ("bearer" works), separated from the
// credential by one or more spaces; the credential has no whitespace. A
// credential starting with "chiso_" is an API key, one shaped like a JWS
// (eyJ... with two dots) is a JWT, anything else is malformed. Every failure
// is UNAUTHENTICATED with a reason that never contains the credential.

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/api_keys.h"
#include "common/auth/jwt.h"
#include "common/auth/principal.h"

namespace chiso::auth {

class Authenticator {
 public:
  // Either may be null: that kind of credential is then refused.
  Authenticator(std::shared_ptr<const JwtVerifier> jwt,
                std::shared_ptr<const ApiKeyStore> api_keys);

  // Thread-safe.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization_header_value) const;

  // Replaces the JWT verifier (new keys or issuer) for the calls that start
  // afterwards; calls under way finish with the old one.
  void ReplaceJwtVerifier(std::shared_ptr<const JwtVerifier> jwt);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const JwtVerifier> jwt_ ABSL_GUARDED_BY(mu_);
  const std::shared_ptr<const ApiKeyStore> api_keys_;
};

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_AUTHENTICATOR_H_
