// docs/OPERATIONS.md documents every flag of every service, with its
// environment variable: the test asks each binary for its flags
// (--helpfull) and looks for each one in the document.
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/server/service_main.h"
#include "gtest/gtest.h"

namespace chiso {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The flags chiso itself defines (under common/ or services/), from the
// binary's --helpfull listing.
std::set<std::string> OwnFlags(const std::string& binary) {
  std::set<std::string> flags;
  FILE* p = popen(absl::StrCat("'", binary, "' --helpfull 2>&1").c_str(), "r");
  if (p == nullptr) return flags;
  bool ours = false;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) {
    absl::string_view line(buf);
    if (absl::StrContains(line, "Flags from ")) {
      ours = absl::StrContains(line, "common/") || absl::StrContains(line, "services/");
      continue;
    }
    if (!ours || !absl::ConsumePrefix(&line, "    --")) continue;
    const size_t end = line.find_first_of(" (\n");
    flags.insert(std::string(line.substr(0, end)));
  }
  pclose(p);
  return flags;
}

TEST(OperationsDoc, DocumentsEveryFlagOfEveryServiceWithItsVariable) {
  const std::string doc = ReadFile(CHISO_OPERATIONS_DOC);
  ASSERT_FALSE(doc.empty()) << CHISO_OPERATIONS_DOC;
  int checked = 0;
  for (const char* binary :
       {CHISO_PLAN_BIN, CHISO_ASSIGNMENT_BIN, CHISO_SCORING_BIN, CHISO_NOTIFICATION_BIN}) {
    const std::set<std::string> flags = OwnFlags(binary);
    EXPECT_GE(flags.size(), 8u) << binary << ": could not read its flags";
    for (const std::string& flag : flags) {
      ++checked;
      EXPECT_TRUE(absl::StrContains(doc, absl::StrCat("`--", flag, "`")))
          << binary << ": --" << flag << " is not in docs/OPERATIONS.md";
      EXPECT_TRUE(absl::StrContains(doc, absl::StrCat("`", FlagEnvironmentVariable(flag), "`")))
          << binary << ": " << FlagEnvironmentVariable(flag) << " is not in docs/OPERATIONS.md";
    }
  }
  EXPECT_GE(checked, 40);
}

}  // namespace
}  // namespace chiso
