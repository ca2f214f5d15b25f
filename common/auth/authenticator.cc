#include "common/auth/authenticator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace chiso::auth {

Authenticator::Authenticator(std::shared_ptr<const JwtVerifier> jwt,
                             std::shared_ptr<const ApiKeyStore> api_keys)
    : jwt_(std::move(jwt)), api_keys_(std::move(api_keys)) {}

void Authenticator::ReplaceJwtVerifier(std::shared_ptr<const JwtVerifier> jwt) {
  absl::MutexLock lock(&mu_);
  jwt_ = std::move(jwt);
}

absl::StatusOr<Principal> Authenticator::Authenticate(absl::string_view value) const {
  if (value.empty()) return absl::UnauthenticatedError("missing bearer credential");
  constexpr absl::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme) ||
      value[kScheme.size()] != ' ') {
    return absl::UnauthenticatedError(
        "unsupported authorization scheme (expected \"Bearer <token>\")");
  }
  absl::string_view credential = value.substr(kScheme.size());
  while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  if (credential.empty()) return absl::UnauthenticatedError("missing bearer credential");
  for (char c : credential) {
    if (c < 0x21 || c > 0x7E) {
      return absl::UnauthenticatedError(
          "malformed bearer credential (whitespace or control "
          "characters)");
    }
  }
  if (LooksLikeApiKey(credential)) {
    if (api_keys_ == nullptr) return absl::UnauthenticatedError("API keys are not accepted");
    return api_keys_->Authenticate(credential);
  }
  if (LooksLikeJwt(credential)) {
    std::shared_ptr<const JwtVerifier> jwt;
    {
      absl::MutexLock lock(&mu_);
      jwt = jwt_;
    }
    if (jwt == nullptr) return absl::UnauthenticatedError("JWTs are not accepted");
    return jwt->Verify(credential);
  }
  return absl::UnauthenticatedError(
      "malformed bearer credential (neither a JWT nor a chiso_ API key)");
}

}  // namespace chiso::auth
