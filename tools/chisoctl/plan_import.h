#ifndef CHISO_TOOLS_CHISOCTL_PLAN_IMPORT_H_
#define CHISO_TOOLS_CHISOCTL_PLAN_IMPORT_H_

// "chisoctl plan import": a plan document (KẾ HOẠCH) read by
// PlanService.ImportPlanDocument and shown for review; with --commit the plan
// is saved as a draft and its tasks are created by
// AssignmentService.ImportTasks.
//
//   chisoctl plan import FILE [--commit | --plan NAME] [--issuer NAME]
//                        [--issuer-unit UNIT] [--context UNIT]
//
// See the help text (`chisoctl plan import --help`) and docs/CHISOCTL.md.

#include <istream>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "chiso/common/v1/schedule.pb.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/connection.h"

namespace chiso::chisoctl {

// Where and how "plan import" calls, from the global flags.
struct PlanImportTargets {
  // The plan service, HOST:PORT.
  std::string plan_addr;
  // The assignment service, HOST:PORT: names resolved in the review, tasks
  // created with --commit or --plan.
  std::string assignment_addr;
  // How the calls are secured.
  Security security;
  // Deadline of each call.
  absl::Duration timeout = absl::Seconds(10);
  // Print the responses as protobuf JSON instead of the review.
  bool json = false;
};

// Runs "plan import" with the flags and positional arguments of `args`
// (parsed against the import flags). FILE "-" reads `in`. Returns the exit
// code: kExitUsage for a missing, unreadable or unsupported FILE and for
// conflicting or malformed flags (before any call); the code of the first
// failed call otherwise (a failed name lookup in the review is reported and
// skipped, not failed).
int RunPlanImport(const ParsedArgs& args, const PlanImportTargets& targets, std::istream& in,
                  std::ostream& out, std::ostream& err);

// The timeframe of a task draft in a few words: each milestone summarised
// ("trước 30/06/2024", "Quý I/2024", "6 tháng đầu năm 2024", "Quý I hằng
// năm", "thường xuyên"), prefixed by its label when it has one, joined by
// "; "; the phrase as written, quoted, when there is no milestone; "" when
// there is neither.
std::string SummarizeSchedule(const chiso::common::v1::Schedule& schedule);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_PLAN_IMPORT_H_
