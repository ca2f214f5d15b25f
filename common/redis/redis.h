// A small synchronous Redis client over hiredis: one connection, commands as
// argument vectors (binary safe), pipelines, and Lua scripts run by SHA with
// a transparent reload after NOSCRIPT (a restarted or wiped Redis).
//
// Every call has a socket timeout; an I/O error or timeout marks the
// connection broken and the next call reconnects, so a blocked command is
// never silently re-sent after a reconnect (the BullMQ #4479 failure).
// Not thread-safe: one connection per thread.
//
// hiredis writes with write(2), so a write to a connection the server closed
// would raise SIGPIPE; the first Connection sets SIGPIPE to SIG_IGN when it
// is still at its default (a handler the program installed is kept).
#ifndef CHISO_COMMON_REDIS_REDIS_H_
#define CHISO_COMMON_REDIS_REDIS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct redisContext;

namespace chiso::redis {

// Where Redis is and how long to wait for it.
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Optional AUTH password.
  std::string password;
  absl::Duration connect_timeout = absl::Seconds(2);
  // Socket timeout of ordinary commands.
  absl::Duration command_timeout = absl::Seconds(5);
};

// Parses "redis://[:password@]host:port" or "host:port". INVALID_ARGUMENT
// naming what is wrong.
absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view text);

// One reply, decoded from hiredis into owned values.
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
};

// The status for an error reply: OOM → RESOURCE_EXHAUSTED; LOADING, BUSY,
// READONLY, MASTERDOWN, TRYAGAIN, CLUSTERDOWN → UNAVAILABLE; NOAUTH, WRONGPASS →
// UNAUTHENTICATED; NOPERM → PERMISSION_DENIED; anything else INTERNAL. The
// message is "<context>: <Redis's message>". OK for a reply that is not an error.
absl::Status ReplyStatus(const Reply& reply, absl::string_view context);

// A Lua script with its SHA1, computed once.
class Script {
 public:
  explicit Script(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string source_;
  std::string sha_;
};

class Connection {
 public:
  explicit Connection(Endpoint endpoint);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }

  // Connects now (otherwise the first command does). UNAVAILABLE when Redis
  // cannot be reached.
  absl::Status Connect();
  bool connected() const { return ctx_ != nullptr; }
  // Drops the connection; the next command reconnects.
  void Disconnect();

  // Runs one command. A Redis error reply is returned as a Reply of type
  // kError (not as a failed status); transport failures are UNAVAILABLE and
  // DEADLINE_EXCEEDED on a timeout. `timeout`, when given, replaces the
  // command timeout for this call (for blocking commands such as BZPOPMIN;
  // give it a little more than the command's own block time).
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv,
                                absl::Duration timeout = absl::InfiniteDuration());

  // Sends every command in one write, then reads every reply, in order.
  absl::StatusOr<std::vector<Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // EVALSHA, loading the script and retrying once on NOSCRIPT.
  absl::StatusOr<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args);

  // Appends an EVALSHA of `script` to a pipeline being built (see Pipeline);
  // use LoadScript first so NOSCRIPT cannot happen mid-pipeline.
  static std::vector<std::string> EvalCommand(const Script& script,
                                              const std::vector<std::string>& keys,
                                              const std::vector<std::string>& args);
  // SCRIPT LOAD, so that pipelined EVALSHAs find it.
  absl::Status LoadScript(const Script& script);

  // Runs EVALSHAs in one round trip. The calls that answer NOSCRIPT (a
  // restarted Redis, SCRIPT FLUSH) did not run: their scripts are loaded and
  // just those calls are sent again, once, in order, in a second round trip;
  // they therefore run after the calls that succeeded the first time.
  struct ScriptCall {
    const Script* script = nullptr;
    std::vector<std::string> keys;
    std::vector<std::string> args;
  };
  absl::StatusOr<std::vector<Reply>> EvalPipeline(const std::vector<ScriptCall>& calls);

  // CLIENT ID of the current connection, connecting if needed; a reconnect
  // gives a new id. Another connection can interrupt a blocking command of
  // this one with CLIENT UNBLOCK <id>.
  absl::StatusOr<int64_t> ClientId();

 private:
  absl::Status EnsureConnected();
  absl::Status SetTimeout(absl::Duration timeout);
  absl::Status Broken(absl::string_view what);

  Endpoint endpoint_;
  redisContext* ctx_ = nullptr;
  absl::Duration current_timeout_ = absl::ZeroDuration();
  int64_t client_id_ = -1;  // of ctx_, -1 until asked
};

}  // namespace chiso::redis

#endif  // CHISO_COMMON_REDIS_REDIS_H_
