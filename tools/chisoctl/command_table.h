// Help and usage errors for a table of "chisoctl <area> <verb>" commands,
// shared by the command sets of each service. `C` is any command type with
// string fields area, verb, synopsis and help.
#ifndef CHISO_TOOLS_CHISOCTL_COMMAND_TABLE_H_
#define CHISO_TOOLS_CHISOCTL_COMMAND_TABLE_H_

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl::command_table {

// The verbs of `area`, comma-separated, in table order.
template <typename C>
std::string AreaVerbs(const std::vector<C>& commands, absl::string_view area) {
  std::vector<std::string> verbs;
  for (const C& command : commands) {
    if (command.area == area) verbs.push_back(command.verb);
  }
  return absl::StrJoin(verbs, ", ");
}

// "chisoctl <area> --help": the synopsis of each of its commands.
template <typename C>
void PrintAreaHelp(const std::vector<C>& commands, absl::string_view area, std::ostream& out) {
  out << "Usage: chisoctl [global flags] " << area << " <command> [ARGS] [flags]\n\nCommands:\n";
  for (const C& command : commands) {
    if (command.area != area) continue;
    out << "  " << area << " " << command.verb << " " << command.synopsis << "\n";
  }
  out << "\nRun \"chisoctl " << area
      << " <command> --help\" for the flags of one command. Global flags: see chisoctl --help.\n";
}

// "chisoctl <area> <verb> --help"; `addr_flag` is the flag naming the
// service's address, e.g. "--assignment-addr".
template <typename C>
void PrintCommandHelp(const C& command, absl::string_view addr_flag, std::ostream& out) {
  out << "Usage: chisoctl [global flags] " << command.area << " " << command.verb << " "
      << command.synopsis << "\n\n"
      << command.help << "\nGlobal flags: " << addr_flag
      << "=HOST:PORT, --json, --timeout=DURATION (see chisoctl --help).\n";
}

// Prints the message and where to find the usage; returns kExitUsage.
template <typename C>
int UsageError(std::ostream& err, absl::string_view message, const C* command,
               absl::string_view area = "") {
  err << "chisoctl: " << message << "\n";
  if (command != nullptr) {
    err << "Run \"chisoctl " << command->area << " " << command->verb << " --help\" for usage.\n";
  } else if (!area.empty()) {
    err << "Run \"chisoctl " << area << " --help\" for usage.\n";
  } else {
    err << "Run \"chisoctl --help\" for usage.\n";
  }
  return kExitUsage;
}

// Letters, digits, "-" and "_": what the ids of resource names are made of.
inline bool IsIdText(absl::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_';
  });
}

// "<collection>/ID" for "<collection>/ID" or "ID"; empty when `text` is not
// such a name.
inline std::string AsName(absl::string_view collection, absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const std::string prefix = absl::StrCat(collection, "/");
  absl::string_view id = text;
  absl::ConsumePrefix(&id, prefix);
  return IsIdText(id) ? absl::StrCat(prefix, id) : "";
}

}  // namespace chiso::chisoctl::command_table

#endif  // CHISO_TOOLS_CHISOCTL_COMMAND_TABLE_H_
