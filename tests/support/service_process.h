#ifndef CHISO_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define CHISO_TESTS_SUPPORT_SERVICE_PROCESS_H_

// A service binary run as a child process by an end-to-end test: started on
// a free port with its own data directory, and waited for until its gRPC
// health check answers SERVING.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/child_process.h"

namespace chiso::test_support {

struct ServiceProcess {
  std::string name;
  std::string binary;
  int port = 0;
  ChildProcess process;
  std::string log;
  // How the service is secured, passed before the test's own flags. By
  // default plaintext without authentication; a test of TLS or auth
  // replaces them (e.g. --tls_cert_file=…, --api_keys_file=…).
  std::vector<std::string> security_flags = {"--plaintext", "--auth=off"};
  // What StartService dials the health check with; null: plaintext (set it
  // when security_flags turn TLS on).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// A service `name` of `binary` on a free port, logging to `<dir>/<name>.log`.
std::unique_ptr<ServiceProcess> MakeService(const std::string& name, const std::string& binary,
                                            const std::string& dir);

// A channel to the service that retries a refused connection after 100 ms
// (at most 500 ms), so a test that
// dials before the child listens does not sit in gRPC's default backoff
// (1 s growing to 2 min).
std::shared_ptr<grpc::Channel> ServiceChannel(int port);
// The same with `credentials` (null: plaintext).
std::shared_ptr<grpc::Channel> ServiceChannel(
    int port, std::shared_ptr<grpc::ChannelCredentials> credentials);

// Starts the service with --listen, --metrics_listen= (off), --probe_listen=
// (off), --data_dir=`dir`, --drain_grace=0s and its security_flags, then
// `extra`, and waits up to `limit` for SERVING (dialling with its
// credentials).
// On failure adds a test failure quoting the end of its log and returns false.
bool StartService(ServiceProcess& service, const std::string& dir,
                  const std::vector<std::string>& extra, absl::Duration limit = absl::Seconds(60));

// Creates a unit through the assignment service and returns its name
// ("units/{id}"); adds a test failure and returns "" when the call fails.
std::string CreateUnit(chiso::assignment::v1::AssignmentService::Stub& stub,
                       const std::string& code, const std::string& name,
                       chiso::assignment::v1::UnitKind kind, const std::string& parent);

}  // namespace chiso::test_support

#endif  // CHISO_TESTS_SUPPORT_SERVICE_PROCESS_H_
