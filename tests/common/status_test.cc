#include "common/status/grpc_status.h"
#include "gtest/gtest.h"

namespace chiso {
namespace {

struct Pair {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

class StatusMappingTest : public ::testing::TestWithParam<Pair> {};

TEST_P(StatusMappingTest, MapsCodeBothWaysAndKeepsMessage) {
  const Pair p = GetParam();
  const absl::Status in(p.absl_code, "plan.number: malformed");
  const grpc::Status out = ToGrpcStatus(in);
  EXPECT_EQ(out.error_code(), p.grpc_code);
  EXPECT_EQ(out.error_message(), "plan.number: malformed");
  const absl::Status back = FromGrpcStatus(out);
  EXPECT_EQ(back.code(), p.absl_code);
  EXPECT_EQ(back.message(), "plan.number: malformed");
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, StatusMappingTest,
    ::testing::Values(
        Pair{absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
        Pair{absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
        Pair{absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
        Pair{absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
        Pair{absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
        Pair{absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
        Pair{absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
        Pair{absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
        Pair{absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
        Pair{absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
        Pair{absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
        Pair{absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
        Pair{absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
        Pair{absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
        Pair{absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
        Pair{absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED}));

TEST(StatusMapping, OkIsOkWithoutMessage) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace chiso
