#include "common/server/grpc_metrics.h"

namespace chiso {
namespace {

prometheus::Labels Base(const GrpcMetrics::MethodLabels& m) {
  return {{"grpc_type", m.type}, {"grpc_service", m.service}, {"grpc_method", m.method}};
}

}  // namespace

GrpcMetrics::GrpcMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      received_(prometheus::BuildCounter()
                    .Name("grpc_server_msg_received_total")
                    .Help("Total number of RPC stream messages received on the server.")
                    .Register(registry)),
      sent_(prometheus::BuildCounter()
                .Name("grpc_server_msg_sent_total")
                .Help("Total number of gRPC stream messages sent by the server.")
                .Register(registry)),
      handled_(
          prometheus::BuildCounter()
              .Name("grpc_server_handled_total")
              .Help(
                  "Total number of RPCs completed on the server, regardless of success or failure.")
              .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Histogram of response latency (seconds) of gRPC that had been "
                                  "application-level handled by the server.")
                            .Register(registry)) {}

GrpcMetrics::MethodLabels GrpcMetrics::Labels(absl::string_view type,
                                              absl::string_view full_method) {
  MethodLabels m;
  m.type = std::string(type);
  absl::string_view rest = full_method;
  if (!rest.empty() && rest[0] == '/') rest.remove_prefix(1);
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) {
    m.service = "unknown";
    m.method = std::string(rest);
  } else {
    m.service = std::string(rest.substr(0, slash));
    m.method = std::string(rest.substr(slash + 1));
  }
  return m;
}

void GrpcMetrics::Started(const MethodLabels& m) { started_.Add(Base(m)).Increment(); }
void GrpcMetrics::MessageReceived(const MethodLabels& m) { received_.Add(Base(m)).Increment(); }
void GrpcMetrics::MessageSent(const MethodLabels& m) { sent_.Add(Base(m)).Increment(); }

void GrpcMetrics::Handled(const MethodLabels& m, grpc::StatusCode code, double seconds) {
  prometheus::Labels labels = Base(m);
  handling_seconds_
      .Add(labels, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1, 2.5, 5, 10})
      .Observe(seconds);
  labels.emplace("grpc_code", std::string(CodeName(code)));
  handled_.Add(labels).Increment();
}

absl::string_view GrpcMetrics::CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

}  // namespace chiso
