#include "common/redis/redis.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <cerrno>
#include <csignal>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace chiso::redis {
namespace {

// hiredis writes with plain write(2): without this a server that closed the
// connection would kill the process with SIGPIPE instead of giving EPIPE.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current;
    if (sigaction(SIGPIPE, nullptr, &current) != 0) return;
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL) {
      struct sigaction ignore = {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      sigaction(SIGPIPE, &ignore, nullptr);
    }
  });
}

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
      break;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

bool IsNoScript(const Reply& reply) {
  return reply.is_error() && absl::StartsWith(reply.str, "NOSCRIPT");
}

// Percent-decoding of the password part of a redis:// URL.
absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int value = 0;
    if (i + 2 >= text.size()) {
      return absl::InvalidArgumentError("redis endpoint: truncated %-escape in the password");
    }
    for (size_t k = 1; k <= 2; ++k) {
      const char c = text[i + k];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return absl::InvalidArgumentError("redis endpoint: bad %-escape in the password");
      }
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace

absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view text) {
  const std::string original(text);
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return absl::InvalidArgumentError("redis endpoint is empty");
  Endpoint endpoint;
  if (absl::StartsWith(text, "rediss://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis endpoint \"", original, "\": TLS (rediss://) is not supported"));
  }
  const bool url = absl::ConsumePrefix(&text, "redis://");
  if (url) {
    const size_t at = text.rfind('@');
    if (at != absl::string_view::npos) {
      absl::string_view userinfo = text.substr(0, at);
      text.remove_prefix(at + 1);
      if (!absl::ConsumePrefix(&userinfo, ":")) {
        return absl::InvalidArgumentError(
            absl::StrCat("redis endpoint \"", original,
                         "\": give the password as redis://:password@host:port (ACL user "
                         "names are not supported)"));
      }
      absl::StatusOr<std::string> password = PercentDecode(userinfo);
      if (!password.ok()) return password.status();
      endpoint.password = *std::move(password);
    }
    const size_t slash = text.find('/');
    if (slash != absl::string_view::npos) {
      absl::string_view path = text.substr(slash);
      text = text.substr(0, slash);
      if (path != "/" && path != "/0") {
        return absl::InvalidArgumentError(absl::StrCat(
            "redis endpoint \"", original, "\": only database 0 is supported, got ", path));
      }
    }
  }
  absl::string_view host = text;
  absl::string_view port;
  bool has_port = false;
  if (absl::StartsWith(text, "[")) {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis endpoint \"", original, "\": unterminated [IPv6] host"));
    }
    host = text.substr(1, close - 1);
    absl::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!absl::ConsumePrefix(&rest, ":")) {
        return absl::InvalidArgumentError(
            absl::StrCat("redis endpoint \"", original, "\": expected :port after ]"));
      }
      port = rest;
      has_port = true;
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon != absl::string_view::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      has_port = true;
    }
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis endpoint \"", original, "\": the host is empty"));
  }
  endpoint.host = std::string(host);
  if (has_port) {
    int value = 0;
    if (!absl::SimpleAtoi(port, &value) || value < 1 || value > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "redis endpoint \"", original, "\": the port must be 1..65535, got \"", port, "\""));
    }
    endpoint.port = value;
  }
  return endpoint;
}

absl::Status ReplyStatus(const Reply& reply, absl::string_view context) {
  if (!reply.is_error()) return absl::OkStatus();
  const std::string msg = absl::StrCat(context, ": ", reply.str);
  const absl::string_view code = absl::string_view(reply.str).substr(0, reply.str.find(' '));
  if (code == "OOM") return absl::ResourceExhaustedError(msg);
  if (code == "LOADING" || code == "BUSY" || code == "READONLY" || code == "MASTERDOWN" ||
      code == "TRYAGAIN" || code == "CLUSTERDOWN") {
    return absl::UnavailableError(msg);
  }
  if (code == "NOAUTH" || code == "WRONGPASS") return absl::UnauthenticatedError(msg);
  if (code == "NOPERM") return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

Script::Script(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  sha_.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char byte : digest) absl::StrAppend(&sha_, absl::Hex(byte, absl::kZeroPad2));
}

Connection::Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)) { IgnoreSigpipeOnce(); }

Connection::~Connection() { Disconnect(); }

void Connection::Disconnect() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
  client_id_ = -1;
}

absl::Status Connection::Connect() { return EnsureConnected(); }

absl::Status Connection::EnsureConnected() {
  if (ctx_ != nullptr) return absl::OkStatus();
  const std::string where = absl::StrCat(endpoint_.host, ":", endpoint_.port);
  redisContext* ctx = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                              absl::ToTimeval(endpoint_.connect_timeout));
  if (ctx == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("redis ", where, ": cannot allocate a connection"));
  }
  if (ctx->err != 0) {
    const std::string why = ctx->errstr;
    redisFree(ctx);
    return absl::UnavailableError(absl::StrCat("redis ", where, ": connect: ", why));
  }
  ctx_ = ctx;
  client_id_ = -1;
  current_timeout_ = -absl::InfiniteDuration();  // unknown: the next SetTimeout applies
  if (absl::Status s = SetTimeout(endpoint_.command_timeout); !s.ok()) return s;
  if (!endpoint_.password.empty()) {
    const char* argv[] = {"AUTH", endpoint_.password.c_str()};
    const size_t lens[] = {4, endpoint_.password.size()};
    ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, lens)));
    if (r == nullptr) return Broken("AUTH");
    if (r->type == REDIS_REPLY_ERROR) {
      const std::string why(r->str, r->len);
      Disconnect();
      return absl::UnauthenticatedError(absl::StrCat("redis ", where, ": AUTH: ", why));
    }
  }
  return absl::OkStatus();
}

absl::Status Connection::SetTimeout(absl::Duration timeout) {
  if (timeout == current_timeout_) return absl::OkStatus();
  // A zero timeval means no timeout (an endpoint configured without one).
  timeval tv = {};
  if (timeout > absl::ZeroDuration() && timeout != absl::InfiniteDuration()) {
    tv = absl::ToTimeval(timeout);
  }
  if (redisSetTimeout(ctx_, tv) != REDIS_OK) {
    return Broken("setting the socket timeout");
  }
  current_timeout_ = timeout;
  return absl::OkStatus();
}

absl::Status Connection::Broken(absl::string_view what) {
  // Read errno first: hiredis leaves the read(2)/write(2) errno in place, and
  // EAGAIN from a blocking socket means SO_RCVTIMEO/SO_SNDTIMEO expired.
  const int saved_errno = errno;
  const std::string where = absl::StrCat(endpoint_.host, ":", endpoint_.port);
  std::string why = "connection lost";
  bool timed_out = false;
  if (ctx_ != nullptr) {
    why = ctx_->errstr;
    timed_out = ctx_->err == REDIS_ERR_IO &&
                (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT);
  }
  // Never reuse a context after an error: a reply may still be in flight,
  // and a blocked command must not be silently re-sent.
  const absl::Duration timeout = current_timeout_;
  Disconnect();
  if (timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(
        "redis ", where, ": ", what, ": no reply within ", absl::FormatDuration(timeout)));
  }
  return absl::UnavailableError(absl::StrCat("redis ", where, ": ", what, ": ", why));
}

absl::StatusOr<Reply> Connection::Command(const std::vector<std::string>& argv,
                                          absl::Duration timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("redis command is empty");
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  if (timeout == absl::InfiniteDuration()) timeout = endpoint_.command_timeout;
  if (absl::Status s = SetTimeout(timeout); !s.ok()) return s;
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr r(static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data())));
  if (r == nullptr) return Broken(argv[0]);
  return Convert(r.get());
}

absl::StatusOr<std::vector<Reply>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  std::vector<Reply> replies;
  if (commands.empty()) return replies;
  for (const auto& argv : commands) {
    if (argv.empty()) return absl::InvalidArgumentError("redis pipeline has an empty command");
  }
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  if (absl::Status s = SetTimeout(endpoint_.command_timeout); !s.ok()) return s;
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& argv : commands) {
    args.clear();
    lens.clear();
    for (const std::string& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data()) !=
        REDIS_OK) {
      return Broken(absl::StrCat("pipelining ", argv[0]));
    }
  }
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      return Broken(absl::StrCat("pipeline reply ", i + 1, " of ", commands.size(), " (",
                                 commands[i][0], ")"));
    }
    ReplyPtr r(static_cast<redisReply*>(raw));
    replies.push_back(Convert(r.get()));
  }
  return replies;
}

std::vector<std::string> Connection::EvalCommand(const Script& script,
                                                 const std::vector<std::string>& keys,
                                                 const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha());
  argv.push_back(absl::StrCat(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

absl::Status Connection::LoadScript(const Script& script) {
  absl::StatusOr<Reply> r = Command({"SCRIPT", "LOAD", script.source()});
  if (!r.ok()) return r.status();
  if (absl::Status s = ReplyStatus(*r, "SCRIPT LOAD"); !s.ok()) return s;
  if (r->str != script.sha()) {
    return absl::InternalError(
        absl::StrCat("SCRIPT LOAD returned sha ", r->str, ", expected ", script.sha()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Reply> Connection::Eval(const Script& script, const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args) {
  const std::vector<std::string> argv = EvalCommand(script, keys, args);
  absl::StatusOr<Reply> r = Command(argv);
  if (!r.ok() || !IsNoScript(*r)) return r;
  if (absl::Status s = LoadScript(script); !s.ok()) return s;
  return Command(argv);
}

absl::StatusOr<std::vector<Reply>> Connection::EvalPipeline(const std::vector<ScriptCall>& calls) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(calls.size());
  for (const ScriptCall& call : calls) {
    if (call.script == nullptr) return absl::InvalidArgumentError("EvalPipeline: no script");
    commands.push_back(EvalCommand(*call.script, call.keys, call.args));
  }
  absl::StatusOr<std::vector<Reply>> replies = Pipeline(commands);
  if (!replies.ok()) return replies;
  std::vector<size_t> again;
  for (size_t i = 0; i < replies->size(); ++i) {
    if (IsNoScript((*replies)[i])) again.push_back(i);
  }
  if (again.empty()) return replies;
  std::vector<std::vector<std::string>> retry;
  std::vector<const Script*> loaded;
  for (size_t i : again) {
    const Script* script = calls[i].script;
    bool seen = false;
    for (const Script* l : loaded) seen = seen || l->sha() == script->sha();
    if (!seen) {
      if (absl::Status s = LoadScript(*script); !s.ok()) return s;
      loaded.push_back(script);
    }
    retry.push_back(std::move(commands[i]));
  }
  absl::StatusOr<std::vector<Reply>> second = Pipeline(retry);
  if (!second.ok()) return second.status();
  for (size_t k = 0; k < again.size(); ++k) (*replies)[again[k]] = std::move((*second)[k]);
  return replies;
}

absl::StatusOr<int64_t> Connection::ClientId() {
  if (ctx_ != nullptr && client_id_ >= 0) return client_id_;
  absl::StatusOr<Reply> r = Command({"CLIENT", "ID"});
  if (!r.ok()) return r.status();
  if (absl::Status s = ReplyStatus(*r, "CLIENT ID"); !s.ok()) return s;
  if (r->type != Reply::Type::kInteger) return absl::InternalError("CLIENT ID: not an integer");
  client_id_ = r->integer;
  return client_id_;
}

}  // namespace chiso::redis
