#ifndef CHISO_COMMON_AUTH_BASE64URL_H_
#define CHISO_COMMON_AUTH_BASE64URL_H_

// Base64url without padding (RFC 4648 section 5, as JWS compact serialization
// uses it, RFC 7515 section 2). Decoding is strict: no "=", no whitespace, no
// character outside A-Z a-z 0-9 - _, and the unused low bits of the last
// character must be zero, so every byte string has exactly one encoding.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace chiso::auth {

std::string Base64UrlEncode(absl::string_view bytes);
// std::nullopt if `text` is not the canonical unpadded encoding of anything.
std::optional<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_BASE64URL_H_
