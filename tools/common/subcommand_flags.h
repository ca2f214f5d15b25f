#ifndef CHISO_TOOLS_COMMON_SUBCOMMAND_FLAGS_H_
#define CHISO_TOOLS_COMMON_SUBCOMMAND_FLAGS_H_

// The flags of one subcommand of a small tool (chiso-db backup …, chiso-token
// jwt …), parsed the same way by every tool.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace chiso::tools {

struct SubcommandFlags {
  std::set<std::string> required;  // --name value, must be given
  std::set<std::string> optional;  // --name value, may be given
  std::set<std::string> switches;  // --name alone ("true"), or --name=true|false
};

// Parses args[1..] ("--name=value", "--name value", "--switch") into `flags`.
// Errors: InvalidArgument naming the argument: not a flag, unknown, given
// twice, missing or empty value, a value for a switch, a required one absent.
absl::Status ParseSubcommandFlags(const SubcommandFlags& spec, const std::vector<std::string>& args,
                                  std::map<std::string, std::string>* flags);

}  // namespace chiso::tools

#endif  // CHISO_TOOLS_COMMON_SUBCOMMAND_FLAGS_H_
