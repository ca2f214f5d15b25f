// The Redis client against a private redis-server: reconnects, timeouts,
// scripts after a restart, AUTH, and endpoint parsing.
#include "common/redis/redis.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace chiso::redis {
namespace {

using ::testing::HasSubstr;

TEST(ParseEndpointTest, AcceptsHostPortAndUrls) {
  absl::StatusOr<Endpoint> e = ParseEndpoint("cache.local:6390");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "cache.local");
  EXPECT_EQ(e->port, 6390);
  EXPECT_EQ(e->password, "");

  e = ParseEndpoint("redis://:s%40cret@10.0.0.5:7000/0");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "10.0.0.5");
  EXPECT_EQ(e->port, 7000);
  EXPECT_EQ(e->password, "s@cret");

  e = ParseEndpoint("redis://[::1]:6379");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "::1");

  e = ParseEndpoint("redis://localhost");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->port, 6379);
}

TEST(ParseEndpointTest, RejectsWhatItCannotHonour) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{{"", "empty"},
                                         {"host:0", "port must be 1..65535"},
                                         {"host:http", "port must be 1..65535"},
                                         {":6379", "host is empty"},
                                         {"redis://user:pw@host:1", "ACL user"},
                                         {"redis://host:1/3", "only database 0"},
                                         {"rediss://host:1", "TLS"}}) {
    absl::StatusOr<Endpoint> e = ParseEndpoint(c.text);
    ASSERT_FALSE(e.ok()) << c.text;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(e.status().message()), HasSubstr(c.why)) << c.text;
  }
}

TEST(ReplyStatusTest, MapsRedisErrorsToPreciseCodes) {
  Reply r;
  r.type = Reply::Type::kError;
  r.str = "OOM command not allowed when used memory > 'maxmemory'.";
  EXPECT_EQ(ReplyStatus(r, "x").code(), absl::StatusCode::kResourceExhausted);
  r.str = "READONLY You can't write against a read only replica.";
  EXPECT_EQ(ReplyStatus(r, "x").code(), absl::StatusCode::kUnavailable);
  r.str = "NOAUTH Authentication required.";
  EXPECT_EQ(ReplyStatus(r, "x").code(), absl::StatusCode::kUnauthenticated);
  r.str = "ERR wrong number of arguments";
  absl::Status s = ReplyStatus(r, "schedule");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(), "schedule: ERR wrong number of arguments");
  r.type = Reply::Type::kInteger;
  EXPECT_TRUE(ReplyStatus(r, "x").ok());
}

TEST(ScriptTest, ShaIsTheSha1OfTheSource) {
  EXPECT_EQ(Script("return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { CHISO_START_REDIS_OR_SKIP(server_); }
  test_support::RedisServer server_;
};

TEST_F(RedisClientTest, RunsCommandsBinarySafe) {
  Connection conn(server_.endpoint());
  const std::string value("a\0b\r\n", 5);
  absl::StatusOr<Reply> r = conn.Command({"SET", "k", value});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->type, Reply::Type::kStatus);
  r = conn.Command({"GET", "k"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, value);
  r = conn.Command({"GET", "missing"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_nil());
  r = conn.Command({"INCRBY", "k", "1"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_error());
}

TEST_F(RedisClientTest, PipelineReturnsEveryReplyInOrder) {
  Connection conn(server_.endpoint());
  absl::StatusOr<std::vector<Reply>> replies =
      conn.Pipeline({{"RPUSH", "l", "a", "b"}, {"LRANGE", "l", "0", "-1"}, {"LLEN", "nope"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].integer, 2);
  ASSERT_EQ((*replies)[1].elements.size(), 2u);
  EXPECT_EQ((*replies)[1].elements[1].str, "b");
  EXPECT_EQ((*replies)[2].integer, 0);
}

TEST_F(RedisClientTest, ReconnectsAfterTheServerRestarts) {
  Connection conn(server_.endpoint());
  ASSERT_TRUE(conn.Command({"PING"}).ok());
  server_.Kill();
  absl::StatusOr<Reply> r = conn.Command({"PING"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_FALSE(conn.connected());
  ASSERT_TRUE(server_.Start().ok());
  // A connection that broke is never reused: the next call connects afresh.
  r = conn.Command({"PING"});
  if (!r.ok()) r = conn.Command({"PING"});  // the first may meet the dead socket
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "PONG");
}

TEST_F(RedisClientTest, UnreachableServerIsUnavailableNamingTheAddress) {
  server_.Kill();
  Connection conn(server_.endpoint());
  absl::Status s = conn.Connect();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("127.0.0.1:", server_.port())));
}

TEST_F(RedisClientTest, ATimeoutDropsTheConnectionSoABlockedCommandIsNotReplayed) {
  Connection conn(server_.endpoint());
  absl::StatusOr<Reply> r = conn.Command({"BLPOP", "list", "30"}, absl::Milliseconds(200));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_FALSE(conn.connected());
  // The next command runs on a new connection with the ordinary timeout.
  r = conn.Command({"PING"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "PONG");
}

TEST_F(RedisClientTest, EvalLoadsTheScriptAgainAfterAFlush) {
  Connection conn(server_.endpoint());
  const Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  absl::StatusOr<Reply> r = conn.Eval(script, {"n"}, {"2"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 2);
  ASSERT_TRUE(conn.Command({"SCRIPT", "FLUSH"}).ok());
  r = conn.Eval(script, {"n"}, {"3"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 5);
}

TEST_F(RedisClientTest, EvalPipelineRunsNoScriptCallsOnceMore) {
  Connection conn(server_.endpoint());
  const Script add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  const Script get("return redis.call('GET', KEYS[1])");
  ASSERT_TRUE(conn.LoadScript(get).ok());
  absl::StatusOr<std::vector<Reply>> replies =
      conn.EvalPipeline({{&add, {"n"}, {"1"}}, {&get, {"n"}, {}}, {&add, {"n"}, {"10"}}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  // `add` was unknown: both of its calls ran once, after `get`.
  EXPECT_EQ((*replies)[0].integer, 1);
  EXPECT_TRUE((*replies)[1].is_nil());
  EXPECT_EQ((*replies)[2].integer, 11);
  absl::StatusOr<Reply> n = conn.Command({"GET", "n"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->str, "11");
}

TEST_F(RedisClientTest, ClientIdChangesWithTheConnection) {
  Connection conn(server_.endpoint());
  absl::StatusOr<int64_t> first = conn.ClientId();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*conn.ClientId(), *first);
  conn.Disconnect();
  absl::StatusOr<int64_t> second = conn.ClientId();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*second, *first);
}

TEST(RedisAuthTest, AuthenticatesWithThePasswordAndRejectsAWrongOne) {
  test_support::RedisServerOptions options;
  options.password = "mật-khẩu";
  test_support::RedisServer server(options);
  CHISO_START_REDIS_OR_SKIP(server);
  Connection good(server.endpoint());
  absl::StatusOr<Reply> r = good.Command({"PING"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "PONG");

  Endpoint wrong = server.endpoint();
  wrong.password = "wrong";
  Connection bad(wrong);
  EXPECT_EQ(bad.Connect().code(), absl::StatusCode::kUnauthenticated);

  Endpoint none = server.endpoint();
  none.password = "";
  Connection anonymous(none);
  r = anonymous.Command({"GET", "k"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReplyStatus(*r, "GET").code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace chiso::redis
