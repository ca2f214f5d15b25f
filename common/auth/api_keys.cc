#include "common/auth/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/auth/base64url.h"
#include "yaml-cpp/yaml.h"

namespace chiso::auth {
namespace {

constexpr size_t kMinSecret = 22;  // 132 bits of base64url
constexpr size_t kMaxSecret = 256;
constexpr int64_t kMaxFileSize = 16 << 20;

absl::Status Unauthenticated(absl::string_view reason) {
  return absl::UnauthenticatedError(reason);
}

std::string Sha256(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) return "";
  return std::string(reinterpret_cast<char*>(out), len);
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::Status Invalid(absl::string_view path, absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", where, ": ", what));
}

absl::Status CheckFields(const YAML::Node& map, const std::set<std::string>& allowed,
                         absl::string_view path, absl::string_view where) {
  for (const auto& item : map) {
    const std::string name = item.first.as<std::string>();
    if (allowed.count(name) == 0) {
      return Invalid(path, where, absl::StrCat("unknown field \"", name, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node, absl::string_view path,
                                                    absl::string_view where) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) return Invalid(path, where, "not a list");
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return Invalid(path, where, "holds something that is not a string");
    out.push_back(item.as<std::string>());
  }
  return out;
}

std::string Scalar(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : std::string();
}

}  // namespace

absl::Status ValidateApiKeyId(absl::string_view key_id) {
  if (key_id.empty() || key_id.size() > 64) {
    return absl::InvalidArgumentError("key id: 1-64 characters of [A-Za-z0-9-]");
  }
  for (char c : key_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return absl::InvalidArgumentError("key id: 1-64 characters of [A-Za-z0-9-]");
    }
  }
  return absl::OkStatus();
}

bool LooksLikeApiKey(absl::string_view credential) {
  return absl::StartsWith(credential, kApiKeyPrefix);
}

std::optional<ParsedApiKey> ParseApiKey(absl::string_view key) {
  if (!absl::ConsumePrefix(&key, kApiKeyPrefix)) return std::nullopt;
  const size_t sep = key.find('_');
  if (sep == absl::string_view::npos) return std::nullopt;
  ParsedApiKey parsed{std::string(key.substr(0, sep)), std::string(key.substr(sep + 1))};
  if (!ValidateApiKeyId(parsed.key_id).ok()) return std::nullopt;
  if (parsed.secret.size() < kMinSecret || parsed.secret.size() > kMaxSecret) return std::nullopt;
  for (char c : parsed.secret) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return std::nullopt;
    }
  }
  return parsed;
}

std::string Sha256Hex(absl::string_view data) { return absl::BytesToHexString(Sha256(data)); }

absl::StatusOr<NewApiKey> GenerateApiKey(absl::string_view key_id) {
  if (absl::Status s = ValidateApiKeyId(key_id); !s.ok()) return s;
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  NewApiKey out;
  out.key = absl::StrCat(
      kApiKeyPrefix, key_id, "_",
      Base64UrlEncode(absl::string_view(reinterpret_cast<char*>(random), sizeof(random))));
  OPENSSL_cleanse(random, sizeof(random));
  out.sha256 = Sha256Hex(out.key);
  return out;
}

std::string ApiKeyEntryYaml(absl::string_view key_id, absl::string_view sha256,
                            const Principal& principal, std::optional<absl::Time> expires) {
  YAML::Emitter e;
  e << YAML::BeginSeq << YAML::BeginMap;
  e << YAML::Key << "id" << YAML::Value << std::string(key_id);
  e << YAML::Key << "sha256" << YAML::Value << std::string(sha256);
  e << YAML::Key << "principal" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "id" << YAML::Value << principal.id;
  e << YAML::Key << "kind" << YAML::Value << std::string(KindName(principal.kind));
  if (!principal.unit.empty()) e << YAML::Key << "unit" << YAML::Value << principal.unit;
  e << YAML::Key << "roles" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (Role role : principal.roles) e << std::string(RoleName(role));
  e << YAML::EndSeq;
  e << YAML::Key << "scopes" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& scope : principal.scopes) e << scope;
  e << YAML::EndSeq;
  e << YAML::EndMap;
  if (expires.has_value()) e << YAML::Key << "expires" << YAML::Value << Rfc3339(*expires);
  e << YAML::EndMap << YAML::EndSeq;
  return absl::StrCat(e.c_str(), "\n");
}

ApiKeyStore::ApiKeyStore(std::string path, std::function<absl::Time()> clock)
    : path_(std::move(path)), clock_(std::move(clock)) {}

absl::StatusOr<std::unique_ptr<ApiKeyStore>> ApiKeyStore::Open(std::string path,
                                                               std::function<absl::Time()> clock) {
  if (!clock) clock = [] { return absl::Now(); };
  std::unique_ptr<ApiKeyStore> store(new ApiKeyStore(std::move(path), std::move(clock)));
  if (absl::Status s = store->Reload(); !s.ok()) return s;
  return store;
}

std::shared_ptr<const ApiKeyStore::KeySet> ApiKeyStore::Current() const {
  absl::MutexLock lock(&mu_);
  return keys_;
}

size_t ApiKeyStore::size() const {
  std::shared_ptr<const KeySet> keys = Current();
  return keys == nullptr ? 0 : keys->size();
}

absl::Status ApiKeyStore::Reload() {
  absl::MutexLock lock(&reload_mu_);
  return ReloadLocked();
}

absl::StatusOr<bool> ApiKeyStore::ReloadIfChanged() {
  absl::MutexLock lock(&reload_mu_);
  const std::optional<FileVersion> now = FileVersionOf(path_);
  if (!now.has_value()) {
    // Deleting the file revokes every key (fail closed); a file that exists
    // but does not parse keeps the keys in use (below).
    const bool had_keys = size() > 0;
    {
      absl::MutexLock lock(&mu_);
      keys_ = std::make_shared<const KeySet>();
    }
    stamp_ = FileVersion();
    if (had_keys) {
      return absl::NotFoundError(
          absl::StrCat(path_, ": the API keys file is gone; no API key is accepted"));
    }
    return false;
  }
  if (*now == stamp_) return false;
  if (absl::Status s = ReloadLocked(); !s.ok()) return s;
  return true;
}

absl::Status ApiKeyStore::ReloadLocked() {
  // The stamp is taken before reading: a change while reading is seen by
  // the next ReloadIfChanged.
  const std::optional<FileVersion> version = FileVersionOf(path_);
  if (!version.has_value()) {
    return absl::NotFoundError(absl::StrCat(path_, ": cannot read the API keys file"));
  }
  const FileVersion stamp = *version;
  if (stamp.size > kMaxFileSize) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": larger than 16 MiB"));
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path_, ": cannot read the API keys file"));
  std::stringstream buffer;
  buffer << in.rdbuf();

  auto keys = std::make_shared<KeySet>();
  try {
    const YAML::Node root = YAML::Load(buffer.str());
    if (!root.IsMap()) return Invalid(path_, "file", "not a YAML mapping with \"keys:\"");
    if (absl::Status s = CheckFields(root, {"keys"}, path_, "file"); !s.ok()) return s;
    const YAML::Node list = root["keys"];
    if (!list || !(list.IsSequence() || list.IsNull())) {
      return Invalid(path_, "keys", "a list is required (keys: [] for none)");
    }
    size_t index = 0;
    for (const YAML::Node& item : list) {
      ++index;
      std::string where = absl::StrCat("keys[", index, "]");
      if (!item.IsMap()) return Invalid(path_, where, "not a mapping");
      if (absl::Status s =
              CheckFields(item, {"id", "sha256", "principal", "expires"}, path_, where);
          !s.ok()) {
        return s;
      }
      const std::string key_id = Scalar(item["id"]);
      if (absl::Status s = ValidateApiKeyId(key_id); !s.ok()) {
        return Invalid(path_, where, s.message());
      }
      where = absl::StrCat("key \"", key_id, "\"");
      if (keys->count(key_id) > 0) return Invalid(path_, where, "key id used twice");
      Entry entry;
      const std::string sha = Scalar(item["sha256"]);
      if (sha.size() != 64 || !IsHex(sha)) {
        return Invalid(path_, where, "sha256: 64 hex digits required");
      }
      entry.digest = absl::HexStringToBytes(absl::AsciiStrToLower(sha));
      const YAML::Node p = item["principal"];
      if (!p || !p.IsMap()) return Invalid(path_, where, "principal: a mapping is required");
      if (absl::Status s = CheckFields(p, {"id", "kind", "unit", "roles", "scopes"}, path_,
                                       where + ": principal");
          !s.ok()) {
        return s;
      }
      entry.principal.id = Scalar(p["id"]);
      if (p["kind"]) {
        absl::StatusOr<Principal::Kind> kind = ParseKind(Scalar(p["kind"]));
        if (!kind.ok()) return Invalid(path_, where, kind.status().message());
        entry.principal.kind = *kind;
      } else {
        return Invalid(path_, where, "principal: kind is required");
      }
      entry.principal.unit = Scalar(p["unit"]);
      absl::StatusOr<std::vector<std::string>> roles =
          StringList(p["roles"], path_, where + ": roles");
      if (!roles.ok()) return roles.status();
      for (const std::string& name : *roles) {
        absl::StatusOr<Role> role = ParseRole(name);
        if (!role.ok()) return Invalid(path_, where, role.status().message());
        entry.principal.roles.insert(*role);
      }
      absl::StatusOr<std::vector<std::string>> scopes =
          StringList(p["scopes"], path_, where + ": scopes");
      if (!scopes.ok()) return scopes.status();
      entry.principal.scopes.insert(scopes->begin(), scopes->end());
      entry.principal.credential = absl::StrCat("api-key:", key_id);
      if (absl::Status s = ValidatePrincipal(entry.principal); !s.ok()) {
        return Invalid(path_, where, s.message());
      }
      if (item["expires"]) {
        absl::Time t;
        std::string err;
        if (!absl::ParseTime(absl::RFC3339_full, Scalar(item["expires"]), &t, &err)) {
          return Invalid(path_, where, "expires: not an RFC 3339 time (2027-06-30T00:00:00Z)");
        }
        entry.expires = t;
      }
      keys->emplace(key_id, std::move(entry));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": not valid YAML: ", e.what()));
  }
  {
    absl::MutexLock lock(&mu_);
    keys_ = std::move(keys);
  }
  stamp_ = stamp;
  return absl::OkStatus();
}

absl::StatusOr<Principal> ApiKeyStore::Authenticate(absl::string_view key) const {
  const std::optional<ParsedApiKey> parsed = ParseApiKey(key);
  if (!parsed) return Unauthenticated("malformed API key (chiso_<key id>_<secret>)");
  const std::shared_ptr<const KeySet> keys = Current();
  if (keys == nullptr) return Unauthenticated("no API keys are configured");
  auto it = keys->find(parsed->key_id);
  if (it == keys->end()) {
    return Unauthenticated(absl::StrCat("unknown API key id \"", parsed->key_id, "\""));
  }
  const Entry& entry = it->second;
  const std::string digest = Sha256(key);
  if (digest.size() != entry.digest.size() ||
      CRYPTO_memcmp(digest.data(), entry.digest.data(), digest.size()) != 0) {
    return Unauthenticated(absl::StrCat("wrong secret for API key \"", parsed->key_id, "\""));
  }
  if (entry.expires.has_value() && clock_() >= *entry.expires) {
    return Unauthenticated(
        absl::StrCat("API key \"", parsed->key_id, "\" expired at ", Rfc3339(*entry.expires)));
  }
  return entry.principal;
}

}  // namespace chiso::auth
