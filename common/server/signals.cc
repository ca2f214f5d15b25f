#include <csignal>

#include "common/log/log.h"
#include "common/server/server.h"

namespace chiso {

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("shutdown signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  return sig;
}

int WaitForShutdownSignal(Server& server) {
  const int sig = WaitForSignal();
  server.Shutdown();
  return sig;
}

}  // namespace chiso
