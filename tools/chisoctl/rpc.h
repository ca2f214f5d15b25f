#ifndef CHISO_TOOLS_CHISOCTL_RPC_H_
#define CHISO_TOOLS_CHISOCTL_RPC_H_

// The one way chisoctl calls a service: a unary RPC bounded by --timeout.

#include <chrono>

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace chiso::chisoctl {

// Calls `method` of `stub` with a deadline `timeout` from now.
template <typename Stub, typename Request, typename Response>
grpc::Status CallWithDeadline(Stub& stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                           Response*),
                              absl::Duration timeout, const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
  return (stub.*method)(&context, request, response);
}

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_RPC_H_
