#ifndef CHISO_COMMON_SERVER_GRPC_METRICS_H_
#define CHISO_COMMON_SERVER_GRPC_METRICS_H_

// The gRPC server metrics dashboards expect, named and labelled as
// go-grpc-prometheus names them:
//   grpc_server_started_total, grpc_server_msg_received_total,
//   grpc_server_msg_sent_total          {grpc_type, grpc_service, grpc_method}
//   grpc_server_handled_total           {…, grpc_code}
//   grpc_server_handling_seconds        histogram {grpc_type, grpc_service, grpc_method}

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace chiso {

class GrpcMetrics {
 public:
  // Registers the families on `registry`, which must outlive this object.
  explicit GrpcMetrics(prometheus::Registry& registry);

  // Labels of one method: `type` is "unary", "client_stream",
  // "server_stream" or "bidi_stream"; `full_method` is "/pkg.Service/Method".
  struct MethodLabels {
    std::string type;
    std::string service;
    std::string method;
  };
  static MethodLabels Labels(absl::string_view type, absl::string_view full_method);

  void Started(const MethodLabels& m);
  void MessageReceived(const MethodLabels& m);
  void MessageSent(const MethodLabels& m);
  void Handled(const MethodLabels& m, grpc::StatusCode code, double seconds);

  // The name of a status code as go-grpc-prometheus writes it ("OK",
  // "InvalidArgument", "NotFound", …).
  static absl::string_view CodeName(grpc::StatusCode code);

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
};

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_GRPC_METRICS_H_
