#ifndef CHISO_COMMON_CIVIL_PROTO_TIME_H_
#define CHISO_COMMON_CIVIL_PROTO_TIME_H_

// Conversion of instants to the google.protobuf.Timestamp the contracts use
// (header only: callers already link protobuf through their generated code).

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace chiso::civil {

// Returns `t` as a Timestamp (UTC, nanosecond precision).
inline google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

}  // namespace chiso::civil

#endif  // CHISO_COMMON_CIVIL_PROTO_TIME_H_
