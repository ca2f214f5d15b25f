// chisoctl's arguments, help and exit codes, without a server (or with a
// closed port where a call has to fail).

#include "tools/chisoctl/cli.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/args.h"

namespace chiso::chisoctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// An address where nothing listens: a port the kernel handed out and that
// was closed again.
std::string ClosedAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
}

class ChisoctlCliTest : public ::testing::Test {
 protected:
  Result Run(const std::vector<std::string>& args, const std::string& input = "") {
    Environment env;
    env.plan_addr = plan_addr_;
    return RunCli(args, env, input);
  }

  // Never reached: every call in these tests must fail before or at connect.
  std::string plan_addr_ = ClosedAddress();
};

TEST_F(ChisoctlCliTest, HelpGoesToStdoutWithExitZero) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}, {"plan", "--help"}}) {
    Result r = Run(args);
    EXPECT_EQ(r.code, kExitOk) << args[0];
    EXPECT_THAT(r.out, HasSubstr("Exit codes:"));
    EXPECT_THAT(r.out, HasSubstr("5  the server cannot be reached"));
    EXPECT_THAT(r.err, IsEmpty());
  }
}

TEST_F(ChisoctlCliTest, CommandHelpListsItsFlags) {
  Result r = Run({"plan", "list", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("Usage: chisoctl [global flags] plan list"));
  EXPECT_THAT(r.out, HasSubstr("--status=S"));
  r = Run({"plan", "issue", "-h"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--issued-on=DATE"));
}

TEST_F(ChisoctlCliTest, HealthHelpCallsNothing) {
  Result r = Run({"--addr=127.0.0.1:1", "health", "--help"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("health [--service NAME]"));
}

TEST_F(ChisoctlCliTest, AnUnboundedTimeoutIsAUsageError) {
  for (const char* t : {"--timeout=inf", "--timeout=2562047h", "--timeout=25h"}) {
    Result r = Run({t, "plan", "get", "plans/x"});
    EXPECT_EQ(r.code, kExitUsage) << t;
    EXPECT_THAT(r.err, ::testing::HasSubstr("--timeout")) << t;
  }
}

TEST_F(ChisoctlCliTest, ArgumentsThatAreNotUtf8AreUsageErrors) {
  Result r = Run({"plan", "create", "--title", "Ke\xff", "--issuer", "UBND"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, ::testing::HasSubstr("not valid UTF-8"));
}

TEST_F(ChisoctlCliTest, NoArgumentsPrintsUsageWithExitTwo) {
  Result r = Run({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("Usage:"));
}

TEST_F(ChisoctlCliTest, UnknownCommandsAreUsageErrors) {
  Result r = Run({"plans", "list"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("chisoctl: unknown command \"plans\""));

  r = Run({"plan", "show", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unknown command \"plan show\"; expected one of create, get, list"));

  r = Run({"plan"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("missing command after \"plan\""));
}

TEST_F(ChisoctlCliTest, UnknownFlagIsAUsageError) {
  Result r = Run({"plan", "get", "abc", "--bogus=1"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("chisoctl: unknown flag --bogus for \"plan get\""));
  EXPECT_THAT(r.err, HasSubstr("chisoctl plan get --help"));

  // A flag of another command is unknown here too.
  r = Run({"plan", "get", "abc", "--archive"});
  EXPECT_EQ(r.code, kExitUsage);

  r = Run({"--bogus", "plan", "get", "abc"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("chisoctl: unknown flag --bogus"));
}

TEST_F(ChisoctlCliTest, MissingOrBadNameIsAUsageError) {
  for (const char* verb : {"get", "update", "delete", "issue", "close"}) {
    Result r = Run({"plan", verb});
    EXPECT_EQ(r.code, kExitUsage) << verb;
    EXPECT_THAT(r.err, HasSubstr("missing NAME")) << verb;
  }
  Result r = Run({"plan", "get", "units/abc"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("NAME must be plans/ID or ID"));

  r = Run({"plan", "get", "a", "b"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unexpected argument \"b\""));
}

TEST_F(ChisoctlCliTest, MissingFlagValueIsAUsageError) {
  Result r = Run({"plan", "list", "--year"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--year needs a value"));
}

TEST_F(ChisoctlCliTest, BadFlagValuesAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"plan", "list", "--year=next"}, "--year: expected a whole number"},
      {{"plan", "list", "--page-size", "-1"}, "--page-size: expected a whole number from 0"},
      {{"plan", "list", "--status=draft,done"},
       "--status: expected draft, issued, closed or archived"},
      {{"plan", "issue", "x", "--issued-on=31/04/2020"}, "--issued-on: expected DD/MM/YYYY"},
      {{"plan", "create", "--title=T", "--period=2022/2025"}, "--period: expected YYYY-YYYY"},
      {{"--timeout=soon", "plan", "get", "x"}, "--timeout: expected a duration"},
      {{"--timeout=0s", "plan", "get", "x"}, "--timeout: must be more than zero"},
      {{"plan", "list", "--all=yes"}, "--all is a switch"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args);
    EXPECT_EQ(r.code, kExitUsage) << c.message;
    EXPECT_THAT(r.err, HasSubstr(c.message));
  }
}

TEST_F(ChisoctlCliTest, FileProblemsAreUsageErrors) {
  Result r = Run({"plan", "create", "-f", "/nonexistent/plan.yaml"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("cannot read /nonexistent/plan.yaml"));

  r = Run({"plan", "create", "--file=plan.txt"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("name the file .json, .yaml or .yml"));

  r = Run({"plan", "create", "-f", "-"}, "title: [unclosed\nplace: x\n");
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("chisoctl: <stdin>: line "));

  r = Run({"plan", "create"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("nothing to create"));

  r = Run({"plan", "update", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("nothing to update"));
}

TEST_F(ChisoctlCliTest, PlanImportHelpListsItsFlags) {
  Result r = Run({"plan", "import", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("Usage: chisoctl [global flags] plan import FILE [--commit | "
                               "--plan NAME]"));
  for (const char* flag :
       {"--commit", "--plan=NAME", "--issuer=NAME", "--issuer-unit=UNIT", "--context=UNIT"}) {
    EXPECT_THAT(r.out, HasSubstr(flag)) << flag;
  }
  EXPECT_THAT(Run({"--help"}).out, HasSubstr("plan import  FILE"));
}

// Every problem with the arguments of "plan import" is found before any call
// (the plan service's address is closed: a call would exit 5).
TEST_F(ChisoctlCliTest, PlanImportArgumentErrorsAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"plan", "import"}, "", "chisoctl: missing FILE (a .docx or UTF-8 text file"},
      {{"plan", "import", "/nonexistent/kh.docx"}, "", "cannot read /nonexistent/kh.docx"},
      {{"plan", "import", "/"}, "", "cannot read /: it is a directory"},
      {{"plan", "import", "a.txt", "b.txt"}, "", "unexpected argument \"b.txt\""},
      {{"plan", "import", "-", "--commit", "--plan", "plans/p1"},
       "x",
       "--commit and --plan exclude each other"},
      {{"plan", "import", "-", "--plan", "units/x"}, "x", "--plan: expected plans/ID or ID"},
      {{"plan", "import", "-", "--issuer-unit", "Sở Tư pháp"},
       "x",
       "--issuer-unit: expected units/ID or ID (got \"Sở Tư pháp\")"},
      {{"plan", "import", "-", "--context", "units/"}, "x", "--context: expected units/ID or ID"},
      {{"plan", "import", "-"}, "", "<stdin>: empty"},
      {{"plan", "import", "-"}, "K\xca HO\xa0 CH\n", "<stdin>: neither UTF-8 text nor a .docx"},
      {{"plan", "import", "-", "--commit=maybe"}, "x", "--commit is a switch"},
      {{"plan", "import", "-", "--number", "1"}, "x", "unknown flag --number"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args, c.input);
    EXPECT_EQ(r.code, kExitUsage) << c.message << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_THAT(r.err, HasSubstr("Run \"chisoctl plan import --help\" for usage."));
    EXPECT_THAT(r.out, IsEmpty());
  }
}

TEST_F(ChisoctlCliTest, PlanImportWithNoServerExitsFive) {
  Result r = Run({"plan", "import", "-"}, "KẾ HOẠCH\n");
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_THAT(r.err, StartsWith(absl::StrCat(
                         "chisoctl: UNAVAILABLE: cannot reach the plan service at ", plan_addr_)));
}

TEST_F(ChisoctlCliTest, UpdateRefusesAFileForAnotherPlan) {
  Result r = Run({"plan", "update", "plans/a", "-f", "-"}, "name: plans/b\ntitle: x\n");
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("the file is for plans/b but the command names plans/a"));
}

TEST_F(ChisoctlCliTest, UnreachableServerExitsFiveAndNamesTheAddress) {
  Result r = Run({"--timeout=5s", "plan", "get", "x"});
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_THAT(r.err, StartsWith(absl::StrCat(
                         "chisoctl: UNAVAILABLE: cannot reach the plan service at ", plan_addr_)));
  EXPECT_THAT(r.out, IsEmpty());

  // --addr wins over CHISO_PLAN_ADDR, in either position.
  const std::string other = ClosedAddress();
  r = Run({"plan", "list", "--addr", other});
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr(other));
}

TEST(PlanServiceAddressTest, FlagThenEnvironmentThenLocalhost) {
  Environment env;
  EXPECT_EQ(PlanServiceAddress(std::nullopt, env), "localhost:50051");
  env.plan_addr = "plan.chiso.svc:50051";
  EXPECT_EQ(PlanServiceAddress(std::nullopt, env), "plan.chiso.svc:50051");
  EXPECT_EQ(PlanServiceAddress("10.0.0.7:7000", env), "10.0.0.7:7000");
}

// A peer that completes TCP handshakes (the kernel does, into the backlog)
// but never speaks: calls to it can only run out of time.
class SilentPeer {
 public:
  SilentPeer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    address_ = absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
  }
  ~SilentPeer() { close(fd_); }
  const std::string& address() const { return address_; }

 private:
  int fd_ = -1;
  std::string address_;
};

TEST_F(ChisoctlCliTest, SilentServerExitsFiveWithDeadlineExceeded) {
  SilentPeer peer;
  Result r = Run({"--timeout=200ms", "--addr", peer.address(), "plan", "get", "x"});
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_EQ(r.err, absl::StrCat("chisoctl: DEADLINE_EXCEEDED: no answer from the plan service at ",
                                peer.address(), " within 200ms (see --timeout)\n"));
}

TEST(ExitCodeTest, EveryCodeHasItsExit) {
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::OK), 0);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::NOT_FOUND), 3);
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::ABORTED,
        grpc::StatusCode::OUT_OF_RANGE}) {
    EXPECT_EQ(ExitCodeFor(code), 4) << code;
  }
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAVAILABLE), 5);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::DEADLINE_EXCEEDED), 5);
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNKNOWN, grpc::StatusCode::INTERNAL, grpc::StatusCode::UNIMPLEMENTED,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::CANCELLED}) {
    EXPECT_EQ(ExitCodeFor(code), 1) << code;
  }
}

TEST(ArgsTest, BothFlagFormsShortAliasesAndDoubleDash) {
  const std::vector<FlagSpec> specs = {{"addr"}, {"json", false}, {"file", true, 'f'}};
  ParsedArgs parsed;
  absl::Status s = ParseArgs({"--addr=a:1", "x", "--addr", "b:2", "-f", "-", "--json", "--", "--y"},
                             0, specs, false, &parsed, nullptr);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(parsed.Get("addr"), "b:2");
  EXPECT_THAT(parsed.GetAll("addr"), ::testing::ElementsAre("a:1", "b:2"));
  EXPECT_EQ(parsed.Get("file"), "-");
  EXPECT_TRUE(parsed.GetBool("json"));
  EXPECT_THAT(parsed.positional, ::testing::ElementsAre("x", "--y"));

  ParsedArgs off;
  ASSERT_TRUE(ParseArgs({"--json=false"}, 0, specs, false, &off, nullptr).ok());
  EXPECT_TRUE(off.Has("json"));
  EXPECT_FALSE(off.GetBool("json"));
}

TEST(ArgsTest, StopsAtTheFirstPositional) {
  ParsedArgs parsed;
  size_t next = 0;
  ASSERT_TRUE(
      ParseArgs({"--json", "plan", "--json"}, 0, {{"json", false}}, true, &parsed, &next).ok());
  EXPECT_EQ(next, 1u);
  EXPECT_THAT(parsed.positional, IsEmpty());
}

}  // namespace
}  // namespace chiso::chisoctl
