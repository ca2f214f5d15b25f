// A private redis-server for one test: a free port on 127.0.0.1, its own
// temporary directory, no RDB snapshots, optionally AOF with fsync every
// second. It can be stopped, killed and started again on the same port (with
// its data, or with its data wiped to simulate data loss), so tests can
// exercise reconnects and recovery.
//
//   class MyTest : public ::testing::Test {
//    protected:
//     void SetUp() override { CHISO_START_REDIS_OR_SKIP(redis_); }
//     chiso::test_support::RedisServer redis_;
//   };
//
// The server is started with PR_SET_PDEATHSIG, so it dies with the thread
// that started it: start it from the test's own thread.
#ifndef CHISO_TESTS_SUPPORT_REDIS_SERVER_H_
#define CHISO_TESTS_SUPPORT_REDIS_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/redis/redis.h"

namespace chiso::test_support {

struct RedisServerOptions {
  // AOF with appendfsync everysec (otherwise no persistence at all).
  bool appendonly = false;
  // requirepass, when not empty.
  std::string password;
  // More "--name value" arguments for redis-server.
  std::vector<std::string> extra_args;
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  // Stops the server and removes its directory.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Whether a redis-server binary is on PATH.
  static bool Available();

  // Starts the server and waits until it answers PING. The first start picks
  // a free port; later starts reuse it. `wipe_data` empties the data
  // directory first (a restart that lost everything). FAILED_PRECONDITION
  // if already running or redis-server is missing; UNAVAILABLE (with the tail
  // of its log) if it does not come up.
  absl::Status Start(bool wipe_data = false);
  // SIGTERM, then waits for the process (SIGKILL after 10 s).
  absl::Status Stop();
  // SIGKILL, then waits: a crash, nothing flushed.
  void Kill();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // Where clients connect; includes the password.
  redis::Endpoint endpoint() const;

 private:
  absl::Status StartOnce(bool wipe_data);
  std::string LogTail() const;

  RedisServerOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace chiso::test_support

// In a test body or SetUp: skips the test when redis-server is not
// installed, otherwise starts `server` and fails the test if it cannot.
#define CHISO_START_REDIS_OR_SKIP(server)                                             \
  do {                                                                                \
    if (!::chiso::test_support::RedisServer::Available()) {                           \
      GTEST_SKIP() << "redis-server is not installed (apt-get install redis-server)"; \
    }                                                                                 \
    const ::absl::Status chiso_redis_started = (server).Start();                      \
    ASSERT_TRUE(chiso_redis_started.ok()) << chiso_redis_started;                     \
  } while (false)

#endif  // CHISO_TESTS_SUPPORT_REDIS_SERVER_H_
