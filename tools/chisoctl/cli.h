#ifndef CHISO_TOOLS_CHISOCTL_CLI_H_
#define CHISO_TOOLS_CHISOCTL_CLI_H_

// chisoctl, the command-line client of the plan and assignment services:
//
//   chisoctl [--addr=HOST:PORT] [--json] [--timeout=10s] plan <command> …
//   chisoctl [--assignment-addr=HOST:PORT] … unit|person|task <command> …
//
// with the plan commands create, get, list, update, delete, issue, close,
// import (plan_import.h) and progress, and the assignment commands of assignment_commands.h (see
// the help text, `chisoctl --help`, and docs/CHISOCTL.md). Everything but
// main() lives here so tests can run the tool in-process.

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "grpcpp/support/status_code_enum.h"

namespace chiso::chisoctl {

// Exit codes, documented in `chisoctl --help` and docs/CHISOCTL.md.
inline constexpr int kExitOk = 0;
// Any error not listed below (INTERNAL, UNIMPLEMENTED, PERMISSION_DENIED, …).
inline constexpr int kExitError = 1;
// Usage: unknown command or flag, missing NAME, bad flag value, unreadable
// file, JSON or YAML that does not parse.
inline constexpr int kExitUsage = 2;
// NOT_FOUND: the plan does not exist.
inline constexpr int kExitNotFound = 3;
// The server refused the request: INVALID_ARGUMENT, FAILED_PRECONDITION,
// ALREADY_EXISTS, ABORTED, OUT_OF_RANGE.
inline constexpr int kExitRefused = 4;
// The server could not be reached: UNAVAILABLE, DEADLINE_EXCEEDED.
inline constexpr int kExitUnreachable = 5;

// Returns the exit code for a failed call with `code` (kExitOk for OK).
int ExitCodeFor(grpc::StatusCode code);

// What chisoctl takes from its process besides arguments and output streams.
struct Environment {
  // Read by "-f -". Null reads nothing (an empty input).
  std::istream* in = nullptr;
  // The value of CHISO_PLAN_ADDR; empty when unset. Used when --addr is not
  // given; when both are empty the address is "localhost:50051".
  std::string plan_addr;
  // The value of CHISO_ASSIGNMENT_ADDR; empty when unset. Used by the unit,
  // person and task commands and "plan progress" when --assignment-addr is
  // not given; when both are empty the address is "localhost:50052".
  std::string assignment_addr;
  // How calls are secured (connection.h), when no flag says: CHISO_PLAINTEXT
  // ("1" or "true"), CHISO_TLS_CA_FILE, CHISO_TLS_CERT_FILE,
  // CHISO_TLS_KEY_FILE and CHISO_TOKEN_FILE, else by FromProcess the files of
  // the secrets directory ($CHISO_SECRETS_DIR, else ./var/secrets) that exist.
  bool plaintext = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string token_file;

  // Standard input and the process environment.
  static Environment FromProcess();
};

// The address chisoctl calls: `addr_flag` (the value of --addr) when given,
// else `env.plan_addr` when set, else "localhost:50051".
std::string PlanServiceAddress(const std::optional<std::string>& addr_flag, const Environment& env);

// Runs chisoctl with `args` (the command line without the program name)
// and returns the exit code. Results go to `out`; errors and hints go to
// `err` as "chisoctl: <CODE>: <message>" for failed calls and
// "chisoctl: <message>" for usage errors. Never writes elsewhere.
int RunChisoctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const Environment& env);

// Same, with Environment::FromProcess().
int RunChisoctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_CLI_H_
