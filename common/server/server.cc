#include "common/server/server.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/interceptors.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace chiso {
namespace {

// Routes protobuf's own messages (e.g. "String field … contains invalid UTF-8")
// into the JSON log, so stderr stays one JSON object per line.
void ProtobufLogHandler(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  const log::Level ours = level >= google::protobuf::LOGLEVEL_ERROR     ? log::Level::kError
                          : level == google::protobuf::LOGLEVEL_WARNING ? log::Level::kWarning
                                                                        : log::Level::kInfo;
  log::Log(ours, message, {{"source", "protobuf"}, {"file", filename}, {"line", line}});
}

}  // namespace

// grpc.health.v1.Health/Check of the probe port, answering from the statuses
// the server publishes (the same as its own health service's). Watch is not
// offered: probes only Check.
class ProbeHealthService final : public grpc::health::v1::Health::Service {
 public:
  void Set(const std::string& name, bool serving) {
    absl::MutexLock lock(&mu_);
    statuses_[name] = serving;
  }

  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    absl::MutexLock lock(&mu_);
    auto it = statuses_.find(request->service());
    if (it == statuses_.end()) return {grpc::StatusCode::NOT_FOUND, "unknown service"};
    response->set_status(it->second ? grpc::health::v1::HealthCheckResponse::SERVING
                                    : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, bool> statuses_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Drops the builder plugins registered process-wide (reflection), so the
// probe server answers health and nothing else.
class NoPlugins : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, const std::vector<ServiceBinding>& services,
    std::shared_ptr<prometheus::Registry> registry, HealthCheck health_check) {
  std::unique_ptr<Server> server(new Server());
  server->options_ = options;
  server->registry_ = std::move(registry);
  server->health_check_ = std::move(health_check);
  server->metrics_ = std::make_unique<GrpcMetrics>(*server->registry_);

  google::protobuf::SetLogHandler(&ProtobufLogHandler);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  bool tls = false;
  bool mutual_tls = false;
  std::string probe_address;
  if (!options.listen_address.empty()) {
    const TransportSecurity security =
        options.transport.has_value() ? *options.transport : TransportSecurityFromFlags();
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(security);
    if (!credentials.ok()) {
      return absl::Status(credentials.status().code(),
                          absl::StrCat(options.service_name, ": ", credentials.status().message()));
    }
    builder.AddListeningPort(options.listen_address, *credentials, &server->port_);
    tls = !security.plaintext;
    if (tls) {
      probe_address =
          options.probe_address.has_value() ? *options.probe_address : ProbeListenFromFlags();
    }
    mutual_tls = tls && !security.client_ca_file.empty();
  }
  // Without this a second server could bind the same port and share its
  // traffic; a port in use must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  for (const ServiceBinding& binding : services) {
    builder.RegisterService(binding.service);
    server->service_names_.push_back(binding.full_name);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> chain;
  chain.push_back(std::make_unique<ObservabilityInterceptorFactory>(server->metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(chain));

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || (!options.listen_address.empty() && server->port_ == 0)) {
    return absl::UnavailableError(
        absl::StrCat(options.service_name, ": cannot listen on ", options.listen_address));
  }

  if (!probe_address.empty()) {
    grpc::ServerBuilder probe;
    probe.AddListeningPort(probe_address, grpc::InsecureServerCredentials(), &server->probe_port_);
    probe.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    probe.SetOption(std::make_unique<NoPlugins>());
    server->probe_health_ = std::make_unique<ProbeHealthService>();
    probe.RegisterService(server->probe_health_.get());
    server->probe_server_ = probe.BuildAndStart();
    if (server->probe_server_ == nullptr || server->probe_port_ == 0) {
      server->server_->Shutdown();
      return absl::UnavailableError(absl::StrCat(options.service_name,
                                                 ": cannot serve health probes on ", probe_address,
                                                 " (--probe_listen)"));
    }
  }

  if (!options.metrics_address.empty()) {
    try {
      server->exposer_ = std::make_unique<prometheus::Exposer>(options.metrics_address);
    } catch (const std::exception& e) {
      server->server_->Shutdown();
      if (server->probe_server_ != nullptr) server->probe_server_->Shutdown();
      return absl::UnavailableError(absl::StrCat(options.service_name, ": cannot serve metrics on ",
                                                 options.metrics_address, ": ", e.what()));
    }
    server->exposer_->RegisterCollectable(server->registry_);
    std::vector<int> ports = server->exposer_->GetListeningPorts();
    server->metrics_port_ = ports.empty() ? 0 : ports.front();
  }

  // The default health service answers for "" (the whole server) and for
  // each registered service by its full name; all follow the check.
  // kLivenessHealthName only says the process is up.
  server->server_->GetHealthCheckService()->SetServingStatus(kLivenessHealthName, true);
  if (server->probe_health_ != nullptr) server->probe_health_->Set(kLivenessHealthName, true);
  server->CheckHealth();
  server->health_thread_ = std::thread([s = server.get()] { s->HealthLoop(); });
  log::Info("server started", {{"service", options.service_name},
                               {"grpc_port", server->port_},
                               {"metrics_port", server->metrics_port_},
                               {"probe_port", server->probe_port_},
                               {"tls", tls},
                               {"mutual_tls", mutual_tls}});
  return server;
}

Server::~Server() {
  if (server_ == nullptr) return;  // failed to start
  Shutdown();
  Wait();
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void Server::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
  if (probe_health_ != nullptr) {
    probe_health_->Set("", serving);
    for (const std::string& name : service_names_) probe_health_->Set(name, serving);
  }
}

void Server::CheckHealth() {
  {
    absl::MutexLock lock(&mu_);
    if (draining_) return;
  }
  absl::Status status = health_check_ ? health_check_() : absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (draining_) return;
  if (!status.ok()) {
    log::Warning("health check failed",
                 {{"service", options_.service_name}, {"error", status.ToString()}});
  }
  SetServing(status.ok());
}

void Server::HealthLoop() {
  while (!stop_health_.WaitForNotificationWithTimeout(options_.health_interval)) {
    CheckHealth();
  }
}

void Server::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (draining_) return;
    draining_ = true;
    SetServing(false);
  }
  log::Info("draining", {{"service", options_.service_name},
                         {"grace_ms", absl::ToInt64Milliseconds(options_.drain_grace)}});
  absl::SleepFor(options_.drain_grace);
  stop_health_.Notify();
  if (health_thread_.joinable()) health_thread_.join();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.shutdown_deadline));
  if (probe_server_ != nullptr) probe_server_->Shutdown(std::chrono::system_clock::now());
  log::Info("server stopped", {{"service", options_.service_name}});
}

void Server::Wait() {
  server_->Wait();
  if (probe_server_ != nullptr) probe_server_->Wait();
}

}  // namespace chiso
