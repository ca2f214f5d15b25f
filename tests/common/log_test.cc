#include "common/log/log.h"

#include <sstream>

#include "gtest/gtest.h"

namespace chiso::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetOutput(&out_);
    SetMinLevel(Level::kInfo);
  }
  void TearDown() override {
    SetOutput(nullptr);
    SetMinLevel(Level::kInfo);
  }
  std::ostringstream out_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  Info("plan created", {{"plan", "plans/01abc"}, {"objectives", 10}, {"ok", true}});
  const std::string line = out_.str();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.rfind("{\"ts\":\"", 0), 0u);
  EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos);
  EXPECT_NE(line.find("\"msg\":\"plan created\""), std::string::npos);
  EXPECT_NE(line.find("\"plan\":\"plans/01abc\""), std::string::npos);
  EXPECT_NE(line.find("\"objectives\":10"), std::string::npos);
  EXPECT_NE(line.find("\"ok\":true"), std::string::npos);
}

TEST_F(LogTest, EscapesQuotesNewlinesAndKeepsVietnamese) {
  Info("x", {{"text", "Kế hoạch \"60\"\nsố"}});
  EXPECT_NE(out_.str().find("\"text\":\"Kế hoạch \\\"60\\\"\\nsố\""), std::string::npos)
      << out_.str();
}

TEST_F(LogTest, InvalidUtf8StaysValidJson) {
  EXPECT_EQ(JsonQuote(std::string("a\xff"
                                  "b")),
            "\"a\\u00ffb\"");
  EXPECT_EQ(JsonQuote(std::string("\x01")), "\"\\u0001\"");
}

TEST_F(LogTest, DropsLinesBelowTheMinimumLevel) {
  Debug("hidden");
  EXPECT_TRUE(out_.str().empty());
  SetMinLevel(Level::kDebug);
  Debug("shown");
  EXPECT_NE(out_.str().find("shown"), std::string::npos);
}

TEST(ParseLevel, KnowsTheNames) {
  Level l;
  EXPECT_TRUE(ParseLevel("warning", &l));
  EXPECT_EQ(l, Level::kWarning);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace chiso::log
