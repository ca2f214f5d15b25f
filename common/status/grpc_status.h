#ifndef CHISO_COMMON_STATUS_GRPC_STATUS_H_
#define CHISO_COMMON_STATUS_GRPC_STATUS_H_

// Conversion between absl::Status (domain code) and grpc::Status (the edge).
// Every code maps to the code of the same meaning; the message is kept.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"

namespace chiso {

// Returns the grpc::Status with the same code and message as `status`.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Returns the absl::Status with the same code and message as `status`.
absl::Status FromGrpcStatus(const grpc::Status& status);

// For gRPC handlers: moves the value of `result` into `response` and returns
// OK, or returns its error converted by ToGrpcStatus.
template <typename T>
grpc::Status ReplyWith(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace chiso

#endif  // CHISO_COMMON_STATUS_GRPC_STATUS_H_
