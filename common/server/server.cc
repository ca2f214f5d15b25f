#include "common/server/server.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/interceptors.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
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
  if (!options.listen_address.empty()) {
    builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(),
                             &server->port_);
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

  if (!options.metrics_address.empty()) {
    try {
      server->exposer_ = std::make_unique<prometheus::Exposer>(options.metrics_address);
    } catch (const std::exception& e) {
      server->server_->Shutdown();
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
  server->CheckHealth();
  server->health_thread_ = std::thread([s = server.get()] { s->HealthLoop(); });
  log::Info("server started", {{"service", options.service_name},
                               {"grpc_port", server->port_},
                               {"metrics_port", server->metrics_port_}});
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
  log::Info("server stopped", {{"service", options_.service_name}});
}

void Server::Wait() { server_->Wait(); }

}  // namespace chiso
