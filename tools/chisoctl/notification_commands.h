#ifndef CHISO_TOOLS_CHISOCTL_NOTIFICATION_COMMANDS_H_
#define CHISO_TOOLS_CHISOCTL_NOTIFICATION_COMMANDS_H_

// The commands of the notification service (chiso.notification.v1):
//
//   chisoctl inbox list|read …             reminders in the inboxes of units and people
//   chisoctl queue stats|pending|dead|retry …  the reminder queue, for operators and planners
//   chisoctl webhook create|get|list|pause|resume|delete …
//
// They call the service at --notification-addr (else $CHISO_NOTIFICATION_ADDR,
// else localhost:50054) and share chisoctl's global flags, output (tables
// or --json) and exit codes. Times are shown in business time
// (Asia/Ho_Chi_Minh) as DD/MM/YYYY HH:MM. Webhook secrets are read from a
// file (--secret-file), never from the command line. See docs/CHISOCTL.md.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {

// The address of the notification service: `addr_flag` when given, else
// `env_addr` (the value of CHISO_NOTIFICATION_ADDR) when not empty, else
// "localhost:50054".
std::string NotificationServiceAddress(const std::optional<std::string>& addr_flag,
                                       const std::string& env_addr);

// True for the areas RunNotificationCommand runs: "inbox", "queue" and
// "webhook".
bool IsNotificationArea(absl::string_view area);

// Runs a notification command. `args[area_at]` is "inbox", "queue" or
// "webhook"; `parsed` holds the global flags met before it. The address
// comes from --notification-addr, else the process's CHISO_NOTIFICATION_ADDR.
// Returns the exit code.
int RunNotificationCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
                           const Environment& env, std::ostream& out, std::ostream& err);

// Parses a point in time as chisoctl's notification commands take it:
//   "now"; "+DURATION" from `now` ("+30m", "+2h");
//   a date, DD/MM/YYYY or YYYY-MM-DD: 00:00 of that day in Vietnam;
//   a date and a time, "30/04/2024 08:00": business time (UTC+7);
//   RFC 3339 with its offset, "2024-04-30T08:00:00+07:00".
// Errors are InvalidArgument "--<flag>: …".
absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view flag, absl::string_view text,
                                        absl::Time now);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_NOTIFICATION_COMMANDS_H_
