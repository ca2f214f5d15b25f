#ifndef CHISO_TOOLS_CHISOCTL_CONNECTION_H_
#define CHISO_TOOLS_CHISOCTL_CONNECTION_H_

// How chisoctl reaches a service: TLS (trusting a CA file, presenting a
// client certificate for mutual TLS) unless plaintext is asked for, and a
// bearer token on every call. Each setting is a global flag, else an
// environment variable (read by Environment::FromProcess), else a file of
// the local suite's secrets directory when it exists:
//
//   --plaintext        CHISO_PLAINTEXT=1    no TLS (a suite run with --plaintext)
//   --tls-ca-file      CHISO_TLS_CA_FILE    <secrets>/ca.pem
//   --tls-cert-file    CHISO_TLS_CERT_FILE  <secrets>/chisoctl.pem
//   --tls-key-file     CHISO_TLS_KEY_FILE   <secrets>/chisoctl.key
//   --token-file       CHISO_TOKEN_FILE     <secrets>/chisoctl.token
//
// <secrets> is $CHISO_SECRETS_DIR, else var/secrets under the current
// directory (what `make run` writes). Without a CA file the system's roots
// are trusted. The token (a JWT or an API key) is sent as
// "authorization: Bearer <token>".

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {

// The security of chisoctl's calls.
struct Security {
  bool plaintext = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string token_file;
};

// The global flags of the connection (added to every command's flags).
std::vector<FlagSpec> SecurityFlags();

// `parsed` (the flags above) over `env`.
Security ResolveSecurity(const ParsedArgs& parsed, const Environment& env);

// A channel to `address` secured as `security` says, sending its token on
// every call. Errors: InvalidArgument naming the flag when a file cannot be
// read, is empty, or a certificate is given without its key (or the key
// without the certificate).
absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const std::string& address,
                                                    const Security& security);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_CONNECTION_H_
