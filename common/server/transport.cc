#include "common/server/transport.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/file_version.h"
#include "common/log/log.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

ABSL_FLAG(bool, plaintext, false,
          "Serve and call other services without TLS (local development only); without it a "
          "service needs --tls_cert_file and --tls_key_file (env CHISO_PLAINTEXT)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain the server presents; also the client certificate of calls to "
          "other services (env CHISO_TLS_CERT_FILE)");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of --tls_cert_file (env CHISO_TLS_KEY_FILE)");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA bundle trusted on calls to other services (env CHISO_TLS_CA_FILE)");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle that client certificates must be signed by: set, every client must "
          "present one (mutual TLS) (env CHISO_TLS_CLIENT_CA_FILE)");
ABSL_FLAG(std::string, probe_listen, "0.0.0.0:8081",
          "Plaintext address serving only grpc.health.v1 when TLS is on, for Kubernetes probes; "
          "empty: none (env CHISO_PROBE_LISTEN)");
ABSL_FLAG(std::string, call_credential_file, "",
          "File holding the bearer credential (API key or JWT) this service presents on its calls "
          "to other services; re-read when it changes (env CHISO_CALL_CREDENTIAL_FILE)");

namespace chiso {
namespace {

absl::Status FileError(absl::string_view flag, const std::string& path, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(flag, " ", path, ": ", what));
}

absl::StatusOr<std::string> ReadWholeFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(flag, path, "cannot be read");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return FileError(flag, path, "cannot be read");
  return content.str();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of a PEM file.
absl::StatusOr<std::unique_ptr<X509, X509Free>> FirstCertificate(absl::string_view flag,
                                                                 const std::string& path) {
  absl::StatusOr<std::string> pem = ReadWholeFile(flag, path);
  if (!pem.ok()) return pem.status();
  auto bio = MemoryBio(*pem);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) return FileError(flag, path, "holds no PEM certificate");
  return cert;
}

// Cert and key are readable PEM and belong together.
absl::Status CheckIdentity(const TransportSecurity& security) {
  if (security.cert_file.empty() != security.key_file.empty()) {
    return absl::FailedPreconditionError(security.cert_file.empty()
                                             ? "--tls_key_file is set without --tls_cert_file"
                                             : "--tls_cert_file is set without --tls_key_file");
  }
  if (security.cert_file.empty()) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<X509, X509Free>> cert =
      FirstCertificate("--tls_cert_file", security.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key_pem = ReadWholeFile("--tls_key_file", security.key_file);
  if (!key_pem.ok()) return key_pem.status();
  auto bio = MemoryBio(*key_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) return FileError("--tls_key_file", security.key_file, "holds no PEM key");
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    ERR_clear_error();
    return FileError("--tls_key_file", security.key_file,
                     absl::StrCat("is not the key of --tls_cert_file ", security.cert_file));
  }
  return absl::OkStatus();
}

absl::Status CheckCa(absl::string_view flag, const std::string& path) {
  absl::StatusOr<std::unique_ptr<X509, X509Free>> cert = FirstCertificate(flag, path);
  return cert.ok() ? absl::OkStatus() : cert.status();
}

unsigned int RefreshSeconds(const TransportSecurity& security) {
  return static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(security.refresh_interval)));
}

}  // namespace

TransportSecurity TransportSecurityFromFlags() {
  TransportSecurity security;
  security.plaintext = absl::GetFlag(FLAGS_plaintext);
  security.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  security.key_file = absl::GetFlag(FLAGS_tls_key_file);
  security.ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  security.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  return security;
}

std::string ProbeListenFromFlags() { return absl::GetFlag(FLAGS_probe_listen); }

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TransportSecurity& security) {
  if (security.plaintext) return grpc::InsecureServerCredentials();
  if (security.cert_file.empty() && security.key_file.empty()) {
    return absl::FailedPreconditionError(
        "no transport security: give --tls_cert_file and --tls_key_file (TLS), or --plaintext "
        "for local development (docs/SECURITY.md)");
  }
  if (absl::Status s = CheckIdentity(security); !s.ok()) return s;
  if (!security.client_ca_file.empty()) {
    if (absl::Status s = CheckCa("--tls_client_ca_file", security.client_ca_file); !s.ok()) {
      return s;
    }
  }
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      security.key_file, security.cert_file, security.client_ca_file, RefreshSeconds(security));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (security.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) {
    return absl::FailedPreconditionError("--tls_cert_file: gRPC refused the TLS settings");
  }
  return credentials;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TransportSecurity& security) {
  if (security.plaintext) return grpc::InsecureChannelCredentials();
  if (security.ca_file.empty()) {
    return absl::FailedPreconditionError(
        "--tls_ca_file: needed to call over TLS (or --plaintext for local development)");
  }
  if (absl::Status s = CheckCa("--tls_ca_file", security.ca_file); !s.ok()) return s;
  if (absl::Status s = CheckIdentity(security); !s.ok()) return s;
  const bool identity = !security.cert_file.empty();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      identity ? security.key_file : "", identity ? security.cert_file : "", security.ca_file,
      RefreshSeconds(security));
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  if (identity) options.watch_identity_key_cert_pairs();
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::experimental::TlsCredentials(options);
  if (credentials == nullptr) {
    return absl::FailedPreconditionError("--tls_ca_file: gRPC refused the TLS settings");
  }
  return credentials;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceChannel(const std::string& address) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(TransportSecurityFromFlags());
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateChannel(address, *credentials);
}

namespace {

struct CachedCredential {
  std::string path;
  auth::FileVersion version;
  std::string value;
};

absl::Mutex credential_mu(absl::kConstInit);
CachedCredential* cached_credential ABSL_GUARDED_BY(credential_mu) = nullptr;

}  // namespace

absl::StatusOr<std::string> ReadCredentialFile(const std::string& path) {
  absl::MutexLock lock(&credential_mu);
  if (cached_credential == nullptr) cached_credential = new CachedCredential();
  CachedCredential& cache = *cached_credential;
  if (cache.path != path) cache = CachedCredential{path, auth::FileVersion(), ""};
  const std::optional<auth::FileVersion> version = auth::FileVersionOf(path);
  if (!version.has_value()) {
    if (!cache.value.empty()) return cache.value;
    return FileError("--call_credential_file", path, "cannot be read");
  }
  if (*version == cache.version && !cache.value.empty()) return cache.value;
  absl::StatusOr<std::string> content = ReadWholeFile("--call_credential_file", path);
  if (!content.ok()) {
    if (!cache.value.empty()) return cache.value;
    return content.status();
  }
  const std::string value(absl::StripAsciiWhitespace(*content));
  if (value.empty()) {
    if (!cache.value.empty()) return cache.value;
    return FileError("--call_credential_file", path, "is empty");
  }
  cache.version = *version;
  cache.value = value;
  return cache.value;
}

void AttachServiceCredential(grpc::ClientContext* context) {
  const std::string path = absl::GetFlag(FLAGS_call_credential_file);
  if (path.empty()) return;
  absl::StatusOr<std::string> credential = ReadCredentialFile(path);
  if (!credential.ok()) {
    log::Warning("no service credential for an outgoing call",
                 {{"error", credential.status().ToString()}});
    return;
  }
  context->AddMetadata("authorization", absl::StrCat("Bearer ", *credential));
}

}  // namespace chiso
