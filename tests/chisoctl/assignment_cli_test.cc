// The assignment commands' arguments, help and exit codes, without a server
// (or with a closed port where a call has to fail).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/assignment_commands.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

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

class AssignmentCliTest : public ::testing::Test {
 protected:
  Result Run(const std::vector<std::string>& args, const std::string& input = "") {
    Environment env;
    env.plan_addr = closed_;
    env.assignment_addr = closed_;
    return RunCli(args, env, input);
  }

  std::string closed_ = ClosedAddress();
};

TEST(AssignmentAddressTest, FlagThenEnvironmentThenDefault) {
  Environment env;
  EXPECT_EQ(AssignmentServiceAddress(std::nullopt, env), "localhost:50052");
  env.assignment_addr = "assign:9000";
  EXPECT_EQ(AssignmentServiceAddress(std::nullopt, env), "assign:9000");
  EXPECT_EQ(AssignmentServiceAddress(std::string("flag:1"), env), "flag:1");
}

TEST_F(AssignmentCliTest, HelpNamesTheNewCommandsAndFlag) {
  Result r = Run({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--assignment-addr"));
  EXPECT_THAT(r.out, HasSubstr("plan progress PLAN"));
  EXPECT_THAT(r.out, HasSubstr("task create|list|show|report|complete|cancel"));
  for (const char* area : {"unit", "person", "task"}) {
    r = Run({area, "--help"});
    EXPECT_EQ(r.code, kExitOk) << area;
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("Usage: chisoctl [global flags] ", area)));
  }
  r = Run({"task", "create", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--timeframe=TEXT"));
  EXPECT_THAT(r.out, HasSubstr("--assignment-addr"));
  r = Run({"plan", "progress", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("accountability"));
}

TEST_F(AssignmentCliTest, ArgumentErrorsAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"unit"}, "missing command after \"unit\": one of create, get, list"},
      {{"unit", "delete", "x"}, "unknown command \"unit delete\""},
      {{"unit", "get"}, "missing UNIT"},
      {{"unit", "get", "a", "b"}, "unexpected argument \"b\""},
      {{"unit", "list", "--colour=red"}, "--colour"},
      {{"unit", "list", "--kind=hamlet"}, "--kind: unknown value \"hamlet\""},
      {{"unit", "create"}, "nothing to create"},
      {{"unit", "create", "--code=A", "--name=B", "--kind=village"}, "--kind"},
      {{"unit", "create", "-f", "unit.txt"}, "cannot tell the format"},
      {{"unit", "end", "units/1"}, "missing --on DATE"},
      {{"unit", "end", "units/1", "--on=31/02/2024"}, "--on: expected DD/MM/YYYY"},
      {{"unit", "merge", "units/1", "--on=1/7/2025"}, "missing --into"},
      {{"unit", "import"}, "missing FILE.csv"},
      {{"unit", "import", "/nonexistent/units.csv"}, "cannot read /nonexistent/units.csv"},
      {{"task", "create", "--plan=p1", "--title=T"}, "missing --lead"},
      {{"task", "list", "--timeliness=late"}, "--timeliness: unknown value \"late\""},
      {{"task", "list", "--role=boss"}, "--role"},
      {{"task", "list", "--due-from=soon"}, "--due-from"},
      {{"task", "show", "tasks/a/b"}, "NAME must be tasks/ID or ID"},
      {{"task", "report", "t1", "--by=units/1"}, "missing --percent"},
      {{"task", "report", "t1", "--percent=101", "--by=units/1"}, "--percent"},
      {{"task", "report", "t1", "--percent=5", "--by=units/1", "--status=cancelled"},
       "--status: expected done or in-progress"},
      {{"task", "report", "t1", "--percent=5"}, "missing --by"},
      {{"task", "cancel", "t1"}, "missing --reason"},
      {{"plan", "progress"}, "missing PLAN"},
      {{"plan", "progress", "a/b"}, "PLAN must be plans/ID or ID"},
      {{"person", "get", ""}, "NAME must not be empty"},
      {{"--assignment-addr=", "task", "show", "t1"}, "--assignment-addr: must not be empty"},
      {{"task", "show", "t1", "--timeout=0s"}, "--timeout"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args);
    EXPECT_EQ(r.code, kExitUsage) << c.args[0] << " " << (c.args.size() > 1 ? c.args[1] : "")
                                  << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.message;
    EXPECT_THAT(r.out, IsEmpty());
  }
}

TEST_F(AssignmentCliTest, ACsvWithoutItsHeaderIsAUsageError) {
  const std::string path = ::testing::TempDir() + "/no_header.csv";
  std::ofstream(path) << "UBND-XL,UBND huyện,district-committee,,\n";
  Result r = Run({"unit", "import", path});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("line 1: the header must name the columns"));
  std::remove(path.c_str());
}

TEST_F(AssignmentCliTest, AnUnreachableServiceExitsFive) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"task", "show", "tasks/1"},
                                             {"unit", "list"},
                                             {"plan", "progress", "plans/1"},
                                             {"--json", "unit", "summary", "units/1"}}) {
    Result r = Run(args);
    EXPECT_EQ(r.code, kExitUnreachable) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_THAT(r.err,
                StartsWith("chisoctl: UNAVAILABLE: cannot reach the assignment service at "));
  }
  // --assignment-addr wins over the environment, --addr is the plan service's.
  Result r = Run({"--addr=127.0.0.1:9", "--assignment-addr", closed_, "task", "list"});
  EXPECT_THAT(r.err, HasSubstr(closed_));
}

}  // namespace
}  // namespace chiso::chisoctl
