#ifndef CHISO_TESTS_OPS_RUN_TOOL_H_
#define CHISO_TESTS_OPS_RUN_TOOL_H_

// Runs a command-line tool (chiso-db, pg_dump, …) to completion and returns
// its exit status and its output (stdout and stderr together).

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace chiso::test_support {

struct ToolResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string output;
};

inline ToolResult RunTool(const std::vector<std::string>& argv) {
  char path[] = "/tmp/chiso-tool-output-XXXXXX";
  const int out = mkstemp(path);
  ToolResult result;
  if (out < 0) return result;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
  int status = 0;
  if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  unlink(path);
  return result;
}

inline std::string Describe(const std::vector<std::string>& argv, const ToolResult& r) {
  std::string s;
  for (const std::string& a : argv) s += a + " ";
  return s + "→ exit " + std::to_string(r.exit_code) + "\n" + r.output;
}

}  // namespace chiso::test_support

#endif  // CHISO_TESTS_OPS_RUN_TOOL_H_
