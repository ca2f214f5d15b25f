#include "common/server/interceptors.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "grpcpp/server_context.h"

namespace chiso {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

absl::string_view TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

IdGenerator& RequestIds() {
  static IdGenerator* ids = new IdGenerator();
  return *ids;
}

class ObservabilityInterceptor : public grpc::experimental::Interceptor {
 public:
  ObservabilityInterceptor(ServerRpcInfo* info, GrpcMetrics* metrics)
      : info_(info),
        metrics_(metrics),
        labels_(GrpcMetrics::Labels(TypeName(info->type()), info->method())),
        start_(absl::Now()) {
    metrics_->Started(labels_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kRequestIdHeader);
      if (it != md->end()) {
        absl::string_view given(it->second.data(), it->second.size());
        if (auth::IsPrintableToken(given, 128)) request_id_ = std::string(given);
      }
      if (request_id_.empty()) {
        request_id_ = RequestIds().Next();
        // Handlers read the request id from the client metadata (audit
        // records name it): add the one made here. request_id_ lives as long
        // as the call, so the map may point into it.
        md->emplace(kRequestIdHeader, request_id_);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = RequestIds().Next();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      metrics_->MessageReceived(labels_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      metrics_->MessageSent(labels_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL && status.error_message().empty()) {
        // gRPC answers a request it cannot deserialize with a bare INTERNAL
        // (chiso's own INTERNAL errors always carry a message). The caller
        // sent bad bytes: say so.
        status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "request: not a valid protobuf message for this method (a string "
                              "field that is not UTF-8, or corrupt bytes)");
        methods->ModifySendStatus(status);
      }
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      metrics_->Handled(labels_, status.error_code(), seconds);
      const std::string peer = info_->server_context()->peer();
      if (status.ok()) {
        log::Info("rpc", {{"method", info_->method()},
                          {"code", GrpcMetrics::CodeName(status.error_code())},
                          {"duration_ms", seconds * 1000},
                          {"request_id", request_id_},
                          {"peer", peer}});
      } else {
        const bool server_fault = status.error_code() == grpc::StatusCode::INTERNAL ||
                                  status.error_code() == grpc::StatusCode::UNKNOWN ||
                                  status.error_code() == grpc::StatusCode::DATA_LOSS;
        log::Log(server_fault ? log::Level::kError : log::Level::kInfo, "rpc",
                 {{"method", info_->method()},
                  {"code", GrpcMetrics::CodeName(status.error_code())},
                  {"error", status.error_message()},
                  {"duration_ms", seconds * 1000},
                  {"request_id", request_id_},
                  {"peer", peer}});
      }
    }
    methods->Proceed();
  }

 private:
  ServerRpcInfo* info_;
  GrpcMetrics* metrics_;
  GrpcMetrics::MethodLabels labels_;
  absl::Time start_;
  std::string request_id_;
};

}  // namespace

grpc::experimental::Interceptor* ObservabilityInterceptorFactory::CreateServerInterceptor(
    ServerRpcInfo* info) {
  return new ObservabilityInterceptor(info, metrics_);
}

}  // namespace chiso
