#include "tests/support/redis_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace chiso::test_support {
namespace {

constexpr char kLogFile[] = "redis.log";

// The absolute path of redis-server on PATH, or "" when there is none.
std::string FindRedisServer() {
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (absl::string_view dir : absl::StrSplit(dirs, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/redis-server");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

const std::string& RedisServerPath() {
  static const std::string* path = new std::string(FindRedisServer());
  return *path;
}

// A port nobody listens on right now. Another process may take it before
// redis-server binds it; Start then retries with another one.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrCat("finding a free port: ", why));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/chiso-redis-XXXXXX");
  if (mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
}

RedisServer::~RedisServer() {
  if (running()) (void)Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool RedisServer::Available() { return !RedisServerPath().empty(); }

redis::Endpoint RedisServer::endpoint() const {
  redis::Endpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port_;
  endpoint.password = options_.password;
  return endpoint;
}

absl::Status RedisServer::Start(bool wipe_data) {
  if (running()) return absl::FailedPreconditionError("redis-server is already running");
  if (!Available()) return absl::FailedPreconditionError("redis-server is not on PATH");
  if (dir_.empty()) return absl::InternalError("could not create a temporary directory");
  const bool first = port_ == 0;
  absl::Status status;
  for (int attempt = 0; attempt < (first ? 5 : 1); ++attempt) {
    if (first) {
      absl::StatusOr<int> port = FreePort();
      if (!port.ok()) return port.status();
      port_ = *port;
    }
    status = StartOnce(wipe_data);
    if (status.ok()) return status;
    // Only a race for the port is worth another try.
    if (!absl::StrContains(status.message(), "Address already in use")) break;
  }
  if (first && !status.ok()) port_ = 0;
  return status;
}

absl::Status RedisServer::StartOnce(bool wipe_data) {
  if (wipe_data) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      if (entry.path().filename() != kLogFile) std::filesystem::remove_all(entry.path(), ec);
    }
  }
  std::vector<std::string> args = {RedisServerPath(),
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_,
                                   "--logfile",
                                   kLogFile,
                                   "--daemonize",
                                   "no",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.appendonly ? "yes" : "no",
                                   "--appendfsync",
                                   "everysec",
                                   "--maxmemory-policy",
                                   "noeviction"};
  if (!options_.password.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.password);
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) return absl::InternalError(absl::StrCat("/dev/null: ", std::strerror(errno)));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(devnull);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec. The server must not outlive
    // a test binary that crashed or was killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(devnull);
  pid_ = pid;

  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  redis::Endpoint probe = endpoint();
  probe.connect_timeout = absl::Milliseconds(200);
  probe.command_timeout = absl::Seconds(1);
  std::string last = "no answer";
  while (absl::Now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat("redis-server on port ", port_, " exited at start; log:\n", LogTail()));
    }
    redis::Connection conn(probe);
    absl::StatusOr<redis::Reply> pong = conn.Command({"PING"});
    if (pong.ok() && pong->str == "PONG") return absl::OkStatus();
    last = pong.ok() ? pong->str : std::string(pong.status().message());
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::UnavailableError(absl::StrCat(
      "redis-server on port ", port_, " did not answer PING (", last, "); log:\n", LogTail()));
}

absl::Status RedisServer::Stop() {
  if (!running()) return absl::OkStatus();
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    int wstatus = 0;
    const pid_t r = waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server on port ", port_, " ignored SIGTERM for 10 s; killed it"));
}

void RedisServer::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string RedisServer::LogTail() const {
  std::ifstream in(absl::StrCat(dir_, "/", kLogFile));
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  constexpr size_t kTail = 2000;
  if (text.size() > kTail) text = text.substr(text.size() - kTail);
  return text;
}

}  // namespace chiso::test_support
