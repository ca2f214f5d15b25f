#ifndef CHISO_TOOLS_CHISOCTL_ASSIGNMENT_COMMANDS_H_
#define CHISO_TOOLS_CHISOCTL_ASSIGNMENT_COMMANDS_H_

// The commands of the assignment service (chiso.assignment.v1):
//
//   chisoctl unit create|get|list|update|end|merge|resolve|import|summary …
//   chisoctl person create|get|list …
//   chisoctl task create|list|show|report|complete|cancel …
//   chisoctl plan progress PLAN
//
// They call the service at --assignment-addr (else $CHISO_ASSIGNMENT_ADDR,
// else localhost:50052) and share chisoctl's global flags, output (tables
// or --json) and exit codes. See docs/CHISOCTL.md.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/common/v1/types.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {

// The address of the assignment service: `addr_flag` when given, else
// `env.assignment_addr` when set, else "localhost:50052".
std::string AssignmentServiceAddress(const std::optional<std::string>& addr_flag,
                                     const Environment& env);

// Runs an assignment command. `args[area_at]` is "unit", "person", "task"
// or "plan" (then the verb is "progress"); `parsed` holds the global flags
// met before it. Returns the exit code.
int RunAssignmentCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
                         const Environment& env, std::ostream& out, std::ostream& err);

// Pieces of cli.cc that the assignment commands share (defined there).
namespace shared {
int ReportFailure(const grpc::Status& status, absl::string_view what, const std::string& addr,
                  absl::Duration timeout, std::ostream& err);
absl::StatusOr<chiso::common::v1::Date> ParseDateFlag(absl::string_view flag,
                                                      absl::string_view text);
absl::StatusOr<int> ParseIntFlag(absl::string_view flag, absl::string_view text, int min);
absl::StatusOr<absl::Duration> ParseTimeout(absl::string_view text);
std::vector<FlagSpec> GlobalFlags();
// Prints `message` as protobuf JSON (snake_case, every field); kExitOk or
// kExitError.
int PrintJson(const google::protobuf::Message& message, std::ostream& out, std::ostream& err);
}  // namespace shared

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_ASSIGNMENT_COMMANDS_H_
