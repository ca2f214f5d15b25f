#ifndef CHISO_COMMON_SERVER_AUTH_FLAGS_H_
#define CHISO_COMMON_SERVER_AUTH_FLAGS_H_

// Authentication settings shared by every service (env CHISO_<NAME>):
//
//   --auth=required|off            required (default): every RPC but health
//                                  needs a bearer credential; off: callers
//                                  are anonymous (local development only)
//   --api_keys_file                YAML of API key hashes (common/auth/api_keys.h)
//   --jwt_issuer, --jwt_audience   what JWTs must carry
//   --jwt_hs256_secret_files       comma-separated files, one HS256 secret each
//   --jwt_rs256_public_key_files   comma-separated PEM public keys
//
// A key's kid is its file name without the extension. The files are checked
// for changes every 10 seconds and reloaded, so keys rotate without restart.
// Deleting a file revokes its keys; a file that no longer parses leaves the
// keys in use (and a warning in the log).

#include <memory>

#include "absl/status/statusor.h"
#include "common/auth/authenticator.h"

namespace chiso {

// The authenticator the flags describe, or null with --auth=off. Starts the
// background reload of the key files (for the life of the process).
// Errors: INVALID_ARGUMENT for --auth=required without any API key file or
// JWT key, or a bad value; those of the key files (naming the flag).
absl::StatusOr<std::shared_ptr<const auth::Authenticator>> AuthenticatorFromFlags();

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_AUTH_FLAGS_H_
