#ifndef CHISO_COMMON_SERVER_INTERCEPTORS_H_
#define CHISO_COMMON_SERVER_INTERCEPTORS_H_

// The one interceptor chain every chiso server runs: for each RPC it
//  - takes the caller's "x-request-id" metadata or makes one, and returns it in
//    the response's initial metadata;
//  - counts the RPC in the gRPC metrics (GrpcMetrics);
//  - writes one JSON log line when the RPC ends (method, code, duration,
//    request id, peer; the status message for errors);
//  - answers a request gRPC could not deserialize with INVALID_ARGUMENT
//    instead of gRPC's bare INTERNAL.

#include <memory>
#include <string>

#include "common/auth/access.h"
#include "common/server/grpc_metrics.h"
#include "grpcpp/support/server_interceptor.h"

namespace chiso {

// Metadata key of the request id (handlers read it through auth::RequestIdOf).
using auth::kRequestIdHeader;

class ObservabilityInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` must outlive the server.
  explicit ObservabilityInterceptorFactory(GrpcMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  GrpcMetrics* metrics_;
};

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_INTERCEPTORS_H_
