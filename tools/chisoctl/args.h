#ifndef CHISO_TOOLS_CHISOCTL_ARGS_H_
#define CHISO_TOOLS_CHISOCTL_ARGS_H_

// A tiny command-line parser for chisoctl's subcommands. Abseil flags are
// process-global and know nothing of subcommands, so each command declares
// the flags it accepts here and parses its own arguments.
//
// Accepted forms: "--name=value", "--name value", "-x value" for a flag with
// a one-letter alias, "--switch" and "--switch=true|false" for booleans.
// "--" ends the flags; every later argument is positional.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace chiso::chisoctl {

// One flag a command accepts.
struct FlagSpec {
  // Name without dashes, e.g. "addr" for "--addr".
  std::string name;
  // True when the flag takes a value; false for a boolean switch.
  bool takes_value = true;
  // One-letter alias without the dash ('f' for "-f"), or '\0'.
  char short_name = '\0';
};

// The flags and positional arguments found by ParseArgs.
class ParsedArgs {
 public:
  // True when the flag was given at least once.
  bool Has(absl::string_view name) const;
  // The value of the last occurrence, or "" when the flag was not given.
  std::string Get(absl::string_view name) const;
  // Every value in the order given; comma lists are not split here.
  std::vector<std::string> GetAll(absl::string_view name) const;
  // For a switch: true when given as "--name" or "--name=true".
  bool GetBool(absl::string_view name) const;

  // Arguments that are not flags, in order.
  std::vector<std::string> positional;

 private:
  friend absl::Status ParseArgs(const std::vector<std::string>&, size_t,
                                const std::vector<FlagSpec>&, bool, ParsedArgs*, size_t*);
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses `args[begin..]` against `specs`, adding to `out` (so flags parsed in
// an earlier call are kept and later occurrences win). When
// `stop_at_positional` is true, parsing stops before the first positional
// argument and `*next` receives its index (args.size() when there is none);
// otherwise every argument is consumed.
//
// Fails with InvalidArgument naming the argument when a flag is unknown, a
// value is missing, a switch gets a value other than true/false, or a value
// flag is written as a switch.
absl::Status ParseArgs(const std::vector<std::string>& args, size_t begin,
                       const std::vector<FlagSpec>& specs, bool stop_at_positional, ParsedArgs* out,
                       size_t* next);

// Parses an enum value of `type` as a user writes it: the full name
// ("UNIT_KIND_DEPARTMENT") or the name without `prefix` ("department"), in
// any case, with "-" or "_" ("due-soon"). The zero (UNSPECIFIED) value is
// refused. Errors are InvalidArgument "--<flag>: …" listing the accepted
// short names.
absl::StatusOr<int> ParseEnumValue(const google::protobuf::EnumDescriptor* type,
                                   absl::string_view prefix, absl::string_view flag,
                                   absl::string_view text);

// Every value of `values` split at commas, each parsed by ParseEnumValue.
absl::StatusOr<std::vector<int>> ParseEnumList(const google::protobuf::EnumDescriptor* type,
                                               absl::string_view prefix, absl::string_view flag,
                                               const std::vector<std::string>& values);

// The short name of `value`: lower case without `prefix`, "_" as "-"
// ("due-soon"); "" for the zero value.
std::string EnumShortName(const google::protobuf::EnumDescriptor* type, absl::string_view prefix,
                          int value);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_ARGS_H_
