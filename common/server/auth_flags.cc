#include "common/server/auth_flags.h"

#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/api_keys.h"
#include "common/auth/file_version.h"
#include "common/auth/jwt.h"
#include "common/log/log.h"

ABSL_FLAG(std::string, auth, "required",
          "required: every RPC but health needs a bearer credential; off: callers are "
          "anonymous (local development only) (env CHISO_AUTH)");
ABSL_FLAG(std::string, api_keys_file, "",
          "YAML file of API key hashes, reloaded when it changes (env CHISO_API_KEYS_FILE)");
ABSL_FLAG(std::string, jwt_issuer, "", "The issuer (iss) JWTs must carry (env CHISO_JWT_ISSUER)");
ABSL_FLAG(std::string, jwt_audience, "",
          "The audience (aud) JWTs must carry (env CHISO_JWT_AUDIENCE)");
ABSL_FLAG(std::string, jwt_hs256_secret_files, "",
          "Comma-separated files of HS256 secrets; a key's kid is its file name without the "
          "extension (env CHISO_JWT_HS256_SECRET_FILES)");
ABSL_FLAG(std::string, jwt_rs256_public_key_files, "",
          "Comma-separated PEM files of RS256 public keys; a key's kid is its file name without "
          "the extension (env CHISO_JWT_RS256_PUBLIC_KEY_FILES)");

namespace chiso {
namespace {

constexpr absl::Duration kReloadInterval = absl::Seconds(10);

struct KeyFile {
  auth::JwtAlgorithm alg;
  std::string path;
  std::string flag;
};

std::vector<KeyFile> JwtKeyFiles() {
  std::vector<KeyFile> files;
  const std::pair<auth::JwtAlgorithm, std::string> flags[] = {
      {auth::JwtAlgorithm::kHs256, "jwt_hs256_secret_files"},
      {auth::JwtAlgorithm::kRs256, "jwt_rs256_public_key_files"}};
  for (const auto& [alg, flag] : flags) {
    const std::string value = alg == auth::JwtAlgorithm::kHs256
                                  ? absl::GetFlag(FLAGS_jwt_hs256_secret_files)
                                  : absl::GetFlag(FLAGS_jwt_rs256_public_key_files);
    for (absl::string_view path : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      files.push_back({alg, std::string(absl::StripAsciiWhitespace(path)), flag});
    }
  }
  return files;
}

// The kid of a key file: its name without directories and extension.
std::string KidOf(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  const size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

absl::StatusOr<std::shared_ptr<const auth::JwtVerifier>> LoadVerifier(
    const std::vector<KeyFile>& files) {
  auth::JwtVerifierOptions options;
  options.issuer = absl::GetFlag(FLAGS_jwt_issuer);
  options.audience = absl::GetFlag(FLAGS_jwt_audience);
  if (options.issuer.empty() || options.audience.empty()) {
    return absl::InvalidArgumentError(
        "--jwt_issuer and --jwt_audience are required with JWT key files");
  }
  for (const KeyFile& file : files) {
    absl::StatusOr<std::string> material = auth::ReadJwtKeyFile(file.alg, file.path);
    if (!material.ok()) {
      return absl::Status(material.status().code(),
                          absl::StrCat("--", file.flag, ": ", material.status().message()));
    }
    options.keys.push_back({file.alg, KidOf(file.path), *std::move(material)});
  }
  absl::StatusOr<std::unique_ptr<auth::JwtVerifier>> verifier =
      auth::JwtVerifier::Create(std::move(options));
  if (!verifier.ok()) return verifier.status();
  return std::shared_ptr<const auth::JwtVerifier>(*std::move(verifier));
}

// The versions of the key files (nullopt for one that is gone).
std::vector<std::optional<auth::FileVersion>> Stamp(const std::vector<KeyFile>& files) {
  std::vector<std::optional<auth::FileVersion>> stamp;
  for (const KeyFile& file : files) stamp.push_back(auth::FileVersionOf(file.path));
  return stamp;
}

// Reloads the key files every kReloadInterval for the life of the process.
// Never destroyed: the thread may still run while the process exits.
class Reloader {
 public:
  Reloader(std::shared_ptr<auth::Authenticator> authenticator,
           std::shared_ptr<auth::ApiKeyStore> api_keys, std::vector<KeyFile> jwt_files)
      : authenticator_(std::move(authenticator)),
        api_keys_(std::move(api_keys)),
        jwt_files_(std::move(jwt_files)),
        jwt_stamp_(Stamp(jwt_files_)) {}

  void Start() {
    std::thread([this] {
      for (;;) {
        absl::SleepFor(kReloadInterval);
        Check();
      }
    }).detach();
  }

 private:
  void Check() {
    if (api_keys_ != nullptr) {
      absl::StatusOr<bool> reloaded = api_keys_->ReloadIfChanged();
      if (!reloaded.ok()) {
        log::Warning("api keys not reloaded; the previous keys stay in use",
                     {{"file", api_keys_->path()}, {"error", reloaded.status().message()}});
      } else if (*reloaded) {
        log::Info("api keys reloaded",
                  {{"file", api_keys_->path()}, {"keys", static_cast<int64_t>(api_keys_->size())}});
      }
    }
    if (jwt_files_.empty()) return;
    const std::vector<std::optional<auth::FileVersion>> stamp = Stamp(jwt_files_);
    if (stamp == jwt_stamp_) return;
    // A key file that is gone is a revoked key: the verifier keeps the
    // others, and with none left no JWT is accepted. A file that is there
    // but wrong keeps the keys in use.
    std::vector<KeyFile> present;
    for (size_t i = 0; i < jwt_files_.size(); ++i) {
      const KeyFile& file = jwt_files_[i];
      if (stamp[i].has_value()) {
        present.push_back(file);
      } else {
        log::Warning("jwt key file gone; its key is no longer accepted",
                     {{"flag", file.flag}, {"file", file.path}});
      }
    }
    if (present.empty()) {
      jwt_stamp_ = stamp;
      authenticator_->ReplaceJwtVerifier(nullptr);
      return;
    }
    absl::StatusOr<std::shared_ptr<const auth::JwtVerifier>> verifier = LoadVerifier(present);
    if (!verifier.ok()) {
      log::Warning("jwt keys not reloaded; the previous keys stay in use",
                   {{"error", verifier.status().message()}});
      return;
    }
    jwt_stamp_ = stamp;
    authenticator_->ReplaceJwtVerifier(*std::move(verifier));
    log::Info("jwt keys reloaded", {{"keys", static_cast<int64_t>(present.size())}});
  }

  const std::shared_ptr<auth::Authenticator> authenticator_;
  const std::shared_ptr<auth::ApiKeyStore> api_keys_;
  const std::vector<KeyFile> jwt_files_;
  std::vector<std::optional<auth::FileVersion>> jwt_stamp_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const auth::Authenticator>> AuthenticatorFromFlags() {
  const std::string mode = absl::GetFlag(FLAGS_auth);
  const std::string api_keys_file = absl::GetFlag(FLAGS_api_keys_file);
  const std::vector<KeyFile> jwt_files = JwtKeyFiles();
  if (mode == "off") {
    log::Warning("authentication is off: every caller is anonymous and may do everything",
                 {{"flag", "--auth=off"}});
    return std::shared_ptr<const auth::Authenticator>();
  }
  if (mode != "required") {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth: \"", mode, "\" is neither \"required\" nor \"off\""));
  }
  if (api_keys_file.empty() && jwt_files.empty()) {
    return absl::InvalidArgumentError(
        "--auth=required needs --api_keys_file or JWT keys (--jwt_hs256_secret_files, "
        "--jwt_rs256_public_key_files); --auth=off runs without authentication (local "
        "development only)");
  }
  std::shared_ptr<auth::ApiKeyStore> api_keys;
  if (!api_keys_file.empty()) {
    absl::StatusOr<std::unique_ptr<auth::ApiKeyStore>> store =
        auth::ApiKeyStore::Open(api_keys_file);
    if (!store.ok()) {
      return absl::Status(store.status().code(),
                          absl::StrCat("--api_keys_file: ", store.status().message()));
    }
    api_keys = *std::move(store);
  }
  std::shared_ptr<const auth::JwtVerifier> jwt;
  if (!jwt_files.empty()) {
    absl::StatusOr<std::shared_ptr<const auth::JwtVerifier>> verifier = LoadVerifier(jwt_files);
    if (!verifier.ok()) return verifier.status();
    jwt = *std::move(verifier);
  }
  auto authenticator = std::make_shared<auth::Authenticator>(jwt, api_keys);
  // Kept reachable for the life of the process (the thread never ends).
  static absl::Mutex reloaders_mu(absl::kConstInit);
  static std::vector<Reloader*>* reloaders = new std::vector<Reloader*>();
  Reloader* reloader = new Reloader(authenticator, api_keys, jwt_files);
  {
    absl::MutexLock lock(&reloaders_mu);
    reloaders->push_back(reloader);
  }
  reloader->Start();
  return std::shared_ptr<const auth::Authenticator>(authenticator);
}

}  // namespace chiso
