// Running chisoctl in-process from a test: the command line and standard
// input in, the exit code and what was printed out.
#ifndef CHISO_TESTS_CHISOCTL_RUN_CLI_H_
#define CHISO_TESTS_CHISOCTL_RUN_CLI_H_

#include <sstream>
#include <string>
#include <vector>

#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {

// What one run of chisoctl gave.
struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs chisoctl with `args`, reading `input` as its standard input (which
// replaces `env.in`) and taking the addresses of `env`. The servers these
// tests start are plaintext: unless `env` names a CA, so is chisoctl.
inline Result RunCli(const std::vector<std::string>& args, Environment env,
                     const std::string& input = "") {
  std::istringstream in(input);
  env.in = &in;
  if (env.tls_ca_file.empty()) env.plaintext = true;
  std::ostringstream out;
  std::ostringstream err;
  Result result;
  result.code = RunChisoctl(args, out, err, env);
  result.out = out.str();
  result.err = err.str();
  return result;
}

}  // namespace chiso::chisoctl

#endif  // CHISO_TESTS_CHISOCTL_RUN_CLI_H_
