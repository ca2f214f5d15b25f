#ifndef CHISO_COMMON_SERVER_SERVER_H_
#define CHISO_COMMON_SERVER_SERVER_H_

// Starts a chiso gRPC server the same way for every service: health
// (grpc.health.v1) and reflection always on, the interceptor chain of
// interceptors.h, a Prometheus exposer on its own port, and a graceful
// shutdown (health turns NOT_SERVING, a drain period lets load balancers
// notice, then in-flight RPCs get a deadline to finish). The gRPC port is
// secured as transport.h says (TLS, mutual TLS with a client CA, or
// plaintext when asked for); with TLS, health is also served alone on a
// plaintext probe port (kubelet's gRPC probes speak no TLS).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/server/grpc_metrics.h"
#include "common/server/transport.h"
#include "grpcpp/channel.h"
#include "grpcpp/server.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace chiso {

struct ServerOptions {
  // Name used in logs, e.g. "plan".
  std::string service_name;
  // Address to listen on; port 0 picks a free port (tests read it back).
  // Empty: in-process only (no listening port).
  std::string listen_address = "0.0.0.0:50051";
  // Prometheus exposer address ("host:port"); port 0 picks a free port;
  // empty: no exposer.
  std::string metrics_address = "0.0.0.0:9101";
  // How long health reports NOT_SERVING before Shutdown() begins.
  absl::Duration drain_grace = absl::Seconds(5);
  // How long in-flight RPCs may run once shutdown begins.
  absl::Duration shutdown_deadline = absl::Seconds(10);
  // How often the dependency check runs.
  absl::Duration health_interval = absl::Seconds(5);
  // Largest request accepted, in bytes.
  int max_receive_message_bytes = 4 << 20;
  // How the gRPC port is secured; unset: from the flags (--plaintext,
  // --tls_cert_file, … of transport.h). Not used without a listening port.
  std::optional<TransportSecurity> transport;
  // The plaintext address serving only grpc.health.v1 when the gRPC port
  // has TLS; port 0 picks a free port; empty: none; unset: --probe_listen.
  std::optional<std::string> probe_address;
};

// A service to serve, with its full name ("chiso.plan.v1.PlanService") under
// which the health service reports it.
struct ServiceBinding {
  std::string full_name;
  grpc::Service* service;  // not owned
};

// The health name a liveness probe asks for: SERVING from start until the
// process stops, whatever its dependencies say. Readiness uses "" (or the
// service's name), which follows the dependency check; a liveness probe on
// that would restart every replica while the database is away.
inline constexpr char kLivenessHealthName[] = "chiso.liveness";

class ProbeHealthService;

class Server {
 public:
  // Checks the service's dependencies (database, other services); the
  // service is SERVING only while it returns OK.
  using HealthCheck = std::function<absl::Status()>;

  // Builds and starts the server with `services` (must outlive the server). Metrics are registered
  // on `registry` (shared with the service's domain metrics). Errors: Unavailable when a port
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, const std::vector<ServiceBinding>& services,
      std::shared_ptr<prometheus::Registry> registry, HealthCheck health_check);

  ~Server();

  // The bound gRPC port (0 when in-process only).
  int port() const { return port_; }
  // The bound metrics port (0 when there is no exposer).
  int metrics_port() const { return metrics_port_; }
  // The bound probe port (0 when there is none: plaintext, or no address).
  int probe_port() const { return probe_port_; }
  // A channel to this server that bypasses the network (tests, sidecars).
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Runs the health check now and publishes the result.
  void CheckHealth();
  // Reports NOT_SERVING, waits the drain grace, then shuts down with the
  // shutdown deadline. Safe to call more than once and from any thread.
  void Shutdown();
  // Blocks until the server has shut down.
  void Wait();

 private:
  Server() = default;
  void SetServing(bool serving);
  void HealthLoop();

  ServerOptions options_;
  std::vector<std::string> service_names_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<GrpcMetrics> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<grpc::Server> server_;
  // Serves only health, in plaintext, when the gRPC port has TLS.
  std::unique_ptr<ProbeHealthService> probe_health_;
  std::unique_ptr<grpc::Server> probe_server_;
  HealthCheck health_check_;
  int port_ = 0;
  int metrics_port_ = 0;
  int probe_port_ = 0;

  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification stop_health_;
  std::thread health_thread_;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts
// afterwards. Call first thing in main, before any thread exists.
void BlockShutdownSignals();

// Waits for SIGINT or SIGTERM (blocked by BlockShutdownSignals) and logs it.
// Returns the signal number. For mains that order their own shutdown.
int WaitForSignal();

// WaitForSignal, then shuts `server` down gracefully. Returns the signal.
int WaitForShutdownSignal(Server& server);

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_SERVER_H_
