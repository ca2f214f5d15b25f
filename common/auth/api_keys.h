#ifndef CHISO_COMMON_AUTH_API_KEYS_H_
#define CHISO_COMMON_AUTH_API_KEYS_H_

// API keys: long-lived bearer credentials for other systems and jobs, listed
// in a YAML file that can be reloaded while the server runs.
//
// A key is self-identifying: "chiso_<key id>_<secret>", the key id 1-64
// characters of [A-Za-z0-9-] (no "_"), the secret at least 22 characters of
// base64url (chiso-token makes 43: 32 bytes from RAND_bytes). The file holds
// only the SHA-256 of the whole key string, never the key:
//
//   keys:
//     - id: reporting-bot                 # the key id in the key
//       sha256: 9f86d081...               # 64 hex digits: sha256("chiso_reporting-bot_...")
//       principal:
//         id: systems/reporting-bot       # Principal.id
//         kind: system                    # person | system | service
//         unit: units/so-noi-vu           # required unless kind is service
//         roles: [system]                 # administrator planner reporter viewer system
//         scopes: [plans.read, tasks.report]
//       expires: 2027-06-30T00:00:00Z     # optional, RFC 3339
//
// Unknown fields, a repeated key id and a principal that fails
// ValidatePrincipal make the whole file invalid. `keys: []` (no key) is valid.
//
// Lookup is by key id; the SHA-256 of the presented key is compared with the
// stored one by CRYPTO_memcmp. Key ids are not secret (they appear in errors
// and as Principal.credential "api-key:<id>"); secrets never appear anywhere.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/file_version.h"
#include "common/auth/principal.h"

namespace chiso::auth {

inline constexpr char kApiKeyPrefix[] = "chiso_";

struct ParsedApiKey {
  std::string key_id;
  std::string secret;
};

// The parts of a "chiso_<key id>_<secret>" key; nullopt if it is not one.
std::optional<ParsedApiKey> ParseApiKey(absl::string_view key);
// True if `credential` starts with "chiso_" (it is meant as an API key).
bool LooksLikeApiKey(absl::string_view credential);
// INVALID_ARGUMENT unless `key_id` is 1-64 characters of [A-Za-z0-9-].
absl::Status ValidateApiKeyId(absl::string_view key_id);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

struct NewApiKey {
  std::string key;     // give to the caller once
  std::string sha256;  // put in the keys file
};
// A new key "chiso_<key_id>_<43 chars>" from 32 bytes of RAND_bytes.
absl::StatusOr<NewApiKey> GenerateApiKey(absl::string_view key_id);

// The keys-file entry (a YAML sequence item starting at column 0, to append
// under "keys:") for a key.
std::string ApiKeyEntryYaml(absl::string_view key_id, absl::string_view sha256,
                            const Principal& principal, std::optional<absl::Time> expires);

class ApiKeyStore {
 public:
  // Reads `path`; INVALID_ARGUMENT / NOT_FOUND if it cannot be used.
  // `clock` (for "expires") defaults to absl::Now.
  static absl::StatusOr<std::unique_ptr<ApiKeyStore>> Open(
      std::string path, std::function<absl::Time()> clock = nullptr);

  // The principal of `key` (the whole "chiso_..." string); UNAUTHENTICATED
  // for a malformed key, an unknown key id, a wrong secret, an expired key.
  // Thread-safe; never waits for a reload to parse a file.
  absl::StatusOr<Principal> Authenticate(absl::string_view key) const;

  // Re-reads the file and, if it is valid, replaces every key at once. On an
  // error the keys in use stay and the error is returned.
  absl::Status Reload();
  // Reload() if the file's modification time, size or inode changed since it
  // was last read; returns whether it reloaded. For a periodic check. A file
  // that is gone revokes every key (NOT_FOUND the first time); one that does
  // not parse leaves the keys in use and returns the error.
  absl::StatusOr<bool> ReloadIfChanged();

  // How many keys are in use.
  size_t size() const;
  const std::string& path() const { return path_; }

 private:
  struct Entry {
    std::string digest;  // the 32 bytes of SHA-256 of the key
    Principal principal;
    std::optional<absl::Time> expires;
  };
  using KeySet = std::map<std::string, Entry, std::less<>>;
  ApiKeyStore(std::string path, std::function<absl::Time()> clock);
  absl::Status ReloadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  std::shared_ptr<const KeySet> Current() const;

  const std::string path_;
  const std::function<absl::Time()> clock_;
  absl::Mutex reload_mu_;  // one reload at a time
  FileVersion stamp_ ABSL_GUARDED_BY(reload_mu_);
  mutable absl::Mutex mu_;  // held only to copy or swap the pointer
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_API_KEYS_H_
