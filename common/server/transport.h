#ifndef CHISO_COMMON_SERVER_TRANSPORT_H_
#define CHISO_COMMON_SERVER_TRANSPORT_H_

// How chiso's processes talk: TLS on every gRPC server and client, mutual TLS
// when a client CA is configured, plaintext only when asked for
// (--plaintext, local development). Flags, shared by every service (env
// CHISO_<NAME>):
//
//   --plaintext              serve and call without TLS
//   --tls_cert_file          this process's certificate chain (PEM); served,
//   --tls_key_file           and presented as client certificate on calls
//   --tls_ca_file            CA bundle that outgoing calls trust
//   --tls_client_ca_file     when set, clients must present a certificate
//                            signed by it (mutual TLS); its subject's common
//                            name names the calling system
//   --probe_listen           plaintext address serving only grpc.health.v1,
//                            for Kubernetes probes, when TLS is on
//   --call_credential_file   the bearer credential (API key or JWT) this
//                            service presents on its calls to other services;
//                            re-read when the file changes
//
// Certificate files are re-read when they change, so rotation needs no
// restart (docs/SECURITY.md).

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace chiso {

// How a server or a client secures its connections.
struct TransportSecurity {
  // No TLS at all (local development).
  bool plaintext = false;
  // PEM files: this process's certificate chain and private key (served by a
  // server, presented as client certificate by a client when both are set),
  // the CA bundle a client trusts, and the CA bundle a server verifies client
  // certificates with (set: mutual TLS, a client without a certificate it
  // signed is refused).
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  std::string client_ca_file;
  // How often the files are checked for changes (at least one second).
  absl::Duration refresh_interval = absl::Seconds(10);
};

// The flags above as a TransportSecurity. A program that never parsed a
// command line (a test embedding a server, say) and sets none of them gets
// plaintext; a service binary gets exactly what its flags say.
TransportSecurity TransportSecurityFromFlags();

// --probe_listen.
std::string ProbeListenFromFlags();

// The credentials of a listening port. Errors: FAILED_PRECONDITION naming
// the flag when neither TLS files nor plaintext are given, when only one of
// certificate and key is, or when a file is unreadable, is not PEM, or the
// key does not belong to the certificate.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TransportSecurity& security);

// The credentials of a channel: TLS trusting `ca_file` (required), with the
// client certificate when cert and key are set; or plaintext. Errors as
// MakeServerCredentials.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TransportSecurity& security);

// A channel to another chiso service at `address` ("host:port"), secured as
// the flags say. Errors: FAILED_PRECONDITION when TLS is on but a file it
// needs is missing or unreadable (the message names the flag).
absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceChannel(const std::string& address);

// Adds this service's own credential (--call_credential_file) to an
// outgoing call as "authorization: Bearer …"; adds nothing when the flag is
// empty. The file is read again when its modification time or size changes
// (surrounding whitespace is dropped); while it cannot be read, the last
// credential read is used.
void AttachServiceCredential(grpc::ClientContext* context);

// The credential in `path`, as AttachServiceCredential reads it: cached, and
// read again when the file's modification time or size changes. Errors:
// FAILED_PRECONDITION when the file cannot be read (and nothing was read
// before) or is empty.
absl::StatusOr<std::string> ReadCredentialFile(const std::string& path);

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_TRANSPORT_H_
