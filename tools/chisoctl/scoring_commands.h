#ifndef CHISO_TOOLS_CHISOCTL_SCORING_COMMANDS_H_
#define CHISO_TOOLS_CHISOCTL_SCORING_COMMANDS_H_

// The commands of the scoring service (chiso.scoring.v1):
//
//   chisoctl framework list|get|create|delete …   versions of index frameworks
//   chisoctl results import|list …                results per unit and year
//   chisoctl ranking FRAMEWORK YEAR …             a peer group ranked, with its median
//   chisoctl trend SUBJECT FRAMEWORK …            one subject over the years
//   chisoctl scorecard PLAN …                     a plan's targets met or not, and who acts
//
// They call the service at --scoring-addr (else $CHISO_SCORING_ADDR, else
// localhost:50053) and share chisoctl's global flags, output (tables or
// --json) and exit codes. Decimals are printed as the service returns them.
// Every argument is checked before a call. See docs/CHISOCTL.md.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {

// The address of the scoring service: `addr_flag` when given, else
// `env_addr` (the value of CHISO_SCORING_ADDR) when not empty, else
// "localhost:50053".
std::string ScoringServiceAddress(const std::optional<std::string>& addr_flag,
                                  const std::string& env_addr);

// True for the areas RunScoringCommand runs: "framework", "results",
// "ranking", "trend" and "scorecard".
bool IsScoringArea(absl::string_view area);

// Runs a scoring command. `args[area_at]` is one of the scoring areas;
// `parsed` holds the global flags met before it. The address comes from
// --scoring-addr, else the process's CHISO_SCORING_ADDR. Returns the exit
// code.
int RunScoringCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
                      const Environment& env, std::ostream& out, std::ostream& err);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_SCORING_COMMANDS_H_
