#include "tools/chisoctl/connection.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"

namespace chiso::chisoctl {
namespace {

absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  if (in) content << in.rdbuf();
  if (!in || in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  }
  if (content.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, " is empty"));
  }
  return content.str();
}

// Adds "authorization: Bearer <token>" to every call of the channel.
class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string value) : value_(std::move(value)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", value_});
    }
    methods->Proceed();
  }

 private:
  std::string value_;
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(std::string value) : value_(std::move(value)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(value_);
  }

 private:
  std::string value_;
};

}  // namespace

std::vector<FlagSpec> SecurityFlags() {
  return {
      {"plaintext", false}, {"tls-ca-file"}, {"tls-cert-file"}, {"tls-key-file"}, {"token-file"}};
}

Security ResolveSecurity(const ParsedArgs& parsed, const Environment& env) {
  Security security;
  security.plaintext = parsed.Has("plaintext") ? parsed.GetBool("plaintext") : env.plaintext;
  auto pick = [&parsed](const char* flag, const std::string& fallback) {
    return parsed.Has(flag) ? parsed.Get(flag) : fallback;
  };
  security.ca_file = pick("tls-ca-file", env.tls_ca_file);
  security.cert_file = pick("tls-cert-file", env.tls_cert_file);
  security.key_file = pick("tls-key-file", env.tls_key_file);
  security.token_file = pick("token-file", env.token_file);
  return security;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const std::string& address,
                                                    const Security& security) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (security.plaintext) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    if (!security.ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadFlagFile("--tls-ca-file", security.ca_file);
      if (!ca.ok()) return ca.status();
      options.pem_root_certs = *ca;
    }
    if (security.cert_file.empty() != security.key_file.empty()) {
      return absl::InvalidArgumentError(security.cert_file.empty()
                                            ? "--tls-key-file is set without --tls-cert-file"
                                            : "--tls-cert-file is set without --tls-key-file");
    }
    if (!security.cert_file.empty()) {
      absl::StatusOr<std::string> cert = ReadFlagFile("--tls-cert-file", security.cert_file);
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFlagFile("--tls-key-file", security.key_file);
      if (!key.ok()) return key.status();
      options.pem_cert_chain = *cert;
      options.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(options);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  if (!security.token_file.empty()) {
    absl::StatusOr<std::string> token = ReadFlagFile("--token-file", security.token_file);
    if (!token.ok()) return token.status();
    const std::string trimmed(absl::StripAsciiWhitespace(*token));
    if (trimmed.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token-file: ", security.token_file, " is empty"));
    }
    interceptors.push_back(
        std::make_unique<BearerInterceptorFactory>(absl::StrCat("Bearer ", trimmed)));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials, grpc::ChannelArguments(), std::move(interceptors));
}

}  // namespace chiso::chisoctl
