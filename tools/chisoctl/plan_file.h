#ifndef CHISO_TOOLS_CHISOCTL_PLAN_FILE_H_
#define CHISO_TOOLS_CHISOCTL_PLAN_FILE_H_

// Reading a chiso.plan.v1.Plan (or any other message: LoadMessageFile) from a
// JSON or YAML file.
//
// JSON follows the protobuf JSON mapping of Plan: field names in snake_case
// ("issued_on") or lowerCamelCase ("issuedOn"), enums by name
// ("COMPARATOR_ABOVE"), integers as numbers or strings, Decimal as
// {"value": "7.80"}. YAML has the same structure; its scalars are read as
// strings (so 7.80 keeps its trailing zero and 2019 is accepted by integer
// fields), except plain true/false (booleans) and null/~/empty (null).
//
// Two shorthands are accepted in both formats:
//   - an enum value without its type prefix, in any case, with "-" or "_":
//     "ABOVE", "above", "at-least" for COMPARATOR_AT_LEAST, "score" for
//     MEASURE_SCORE, "monthly" for FREQUENCY_MONTHLY;
//   - a Decimal written as a bare string: `value: "7.80"` for
//     `value: {value: "7.80"}`.
// A JSON number where text is expected (a Decimal's value) is refused,
// because 7.80 would arrive as 7.8; write it in quotes.
//
// Every error is InvalidArgument with a message that starts with the source
// name and, where known, the line: "plan.yaml: line 4, column 3: …".

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "google/protobuf/message.h"

namespace chiso::chisoctl {

enum class PlanFileFormat {
  kJson,
  kYaml,
  // Unknown (standard input): JSON when the text parses as JSON or starts
  // with "{" (so broken JSON is reported as such), YAML otherwise.
  kAuto,
};

// A plan read from a file.
struct LoadedPlan {
  chiso::plan::v1::Plan plan;
  // The top-level fields the file sets, as Plan field names in snake_case
  // ("title", "issued_on"), in field-number order; fields whose value is
  // null are included (they clear the field in an update).
  std::vector<std::string> fields;
};

// Returns the format implied by `path`: ".json" is JSON, ".yaml" and ".yml"
// YAML (any case), "-" (standard input) kAuto. Fails with InvalidArgument
// for any other name.
absl::StatusOr<PlanFileFormat> FormatFromPath(absl::string_view path);

// Parses `text` in `format`. `source` names the text in error messages
// (a file name, or "<stdin>").
absl::StatusOr<LoadedPlan> ParsePlanText(absl::string_view text, PlanFileFormat format,
                                         absl::string_view source);

// Reads and parses `path`, or `standard_input` when `path` is "-". Fails with
// InvalidArgument when the name has no known extension, the file cannot be
// read, or the text does not parse.
absl::StatusOr<LoadedPlan> LoadPlanFile(const std::string& path, std::istream& standard_input);

// The same loader for any message type (units, tasks, …): parses `text` in
// `format` into `message` (cleared first by the JSON parser) with the rules
// above, and stores in `fields` the top-level fields the text sets.
absl::Status ParseMessageText(absl::string_view text, PlanFileFormat format,
                              absl::string_view source, google::protobuf::Message* message,
                              std::vector<std::string>* fields);

// Reads `path` (or `standard_input` for "-") and parses it as ParseMessageText
// does, the format following the extension as for LoadPlanFile.
absl::Status LoadMessageFile(const std::string& path, std::istream& standard_input,
                             google::protobuf::Message* message, std::vector<std::string>* fields);

// Largest file the loaders read: larger than any plan the server accepts
// (4 MiB), small enough that a hostile file cannot exhaust memory or the stack.
inline constexpr size_t kMaxInputBytes = 4 << 20;

// Reads the whole of `path`, or `standard_input` when `path` is "-", up to
// `max_bytes`. Fails with InvalidArgument when it cannot be read or is larger.
absl::StatusOr<std::string> ReadInputText(const std::string& path, std::istream& standard_input,
                                          size_t max_bytes = kMaxInputBytes);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_PLAN_FILE_H_
