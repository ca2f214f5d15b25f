#ifndef CHISO_TOOLS_CHISOCTL_AUDIT_COMMANDS_H_
#define CHISO_TOOLS_CHISOCTL_AUDIT_COMMANDS_H_

// The audit trail of every service (chiso.common.v1, docs/SECURITY.md
// "Audit"):
//
//   chisoctl audit list --service plan|assignment|scoring|notification
//       [--principal P] [--resource R] [--rpc M] [--request-id ID]
//       [--since TIME] [--until TIME] [--limit N]
//
// calls ListAuditEvents of the service named by --service at that service's
// address flag (--addr, --assignment-addr, --scoring-addr or
// --notification-addr, with their environment variables and defaults), and
// shares chisoctl's global flags, output (a table, or --json) and exit codes.
// Times are shown in business time (Asia/Ho_Chi_Minh). See docs/CHISOCTL.md.

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {

// True for the area RunAuditCommand runs: "audit".
bool IsAuditArea(absl::string_view area);

// Runs an audit command. `args[area_at]` is "audit"; `parsed` holds the
// global flags met before it. Returns the exit code.
int RunAuditCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
                    const Environment& env, std::ostream& out, std::ostream& err);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_AUDIT_COMMANDS_H_
