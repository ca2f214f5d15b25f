// A program a test runs as a separate process (a service binary, a server),
// so the test can kill it with SIGKILL mid-work and start it again. The child
// dies with the test binary (PR_SET_PDEATHSIG), so a crashed test leaves no
// stray servers behind.
#ifndef CHISO_TESTS_SUPPORT_CHILD_PROCESS_H_
#define CHISO_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace chiso::test_support {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // Kill()s a child still running.
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Runs argv[0] (a path) with the arguments; stdout and stderr are appended
  // to `log_path` ("" discards them).
  absl::Status Start(const std::vector<std::string>& argv, const std::string& log_path = "");
  // True while the child runs (reaps it when it has exited).
  bool Running();
  // SIGTERM, then waits up to `timeout`, then SIGKILL.
  absl::Status Stop(absl::Duration timeout = absl::Seconds(15));
  // SIGKILL: no chance to finish anything.
  void Kill();
  pid_t pid() const { return pid_; }
  // How the child ended, once reaped: its exit status, or 128 + the signal
  // that killed it; -1 while it runs or if it never started.
  int exit_code() const { return exit_code_; }

 private:
  void Reaped(int wstatus);
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Last `lines` lines of a text file, for failure messages.
std::string TailOf(const std::string& path, int lines = 30);

}  // namespace chiso::test_support

#endif  // CHISO_TESTS_SUPPORT_CHILD_PROCESS_H_
