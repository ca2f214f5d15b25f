#include "common/catalog/catalog.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso {
namespace {

using ::testing::HasSubstr;

TEST(Catalog, BuiltinHoldsTheIndicesAndCodesOfTheDomain) {
  absl::StatusOr<Catalog> catalog = Catalog::Builtin();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->IndexCodes(),
            (std::vector<std::string>{"PAR_INDEX", "SIPAS", "PAPI", "PCI", "DDCI", "PGI"}));
  const std::vector<std::pair<std::string, int>> sizes = {
      {"PAR_INDEX", 8}, {"SIPAS", 5}, {"PAPI", 8}, {"PCI", 10}, {"DDCI", 9}, {"PGI", 4}};
  for (const auto& [code, n] : sizes) {
    ASSERT_NE(catalog->FindIndex(code), nullptr) << code;
    EXPECT_EQ(catalog->FindIndex(code)->components_size(), n) << code;
  }
  const auto* c = catalog->FindComponent("DDCI", "LEADERSHIP");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->name_vi(), "Vai trò người đứng đầu");
  EXPECT_NE(catalog->FindComponent("PCI", "LABOR_TRAINING"), nullptr);
  EXPECT_EQ(catalog->FindComponent("PGI", "TRANSPARENCY"), nullptr);
}

TEST(Catalog, CheckCodesListsTheValidCodes) {
  Catalog catalog = *Catalog::Builtin();
  EXPECT_TRUE(catalog.CheckCodes("o", "DDCI", "").ok());
  EXPECT_TRUE(catalog.CheckCodes("o", "DDCI", "TIME_COSTS").ok());
  absl::Status s = catalog.CheckCodes("plan.objectives[0]", "DCI", "");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("plan.objectives[0].framework"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("PAR_INDEX, SIPAS, PAPI, PCI, DDCI, PGI"));
  s = catalog.CheckCodes("plan.objectives[1]", "PGI", "TIME_COSTS");
  EXPECT_THAT(std::string(s.message()), HasSubstr("plan.objectives[1].component"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("CLIMATE_RISK, ENV_STANDARDS, GREEN_LEADERSHIP, GREEN_SUPPORT"));
}

TEST(Catalog, ExtendAddsIndicesAndComponents) {
  Catalog catalog = *Catalog::Builtin();
  absl::StatusOr<Catalog> extra = Catalog::Parse(R"pb(
    indices {
      code: "DDCI"
      components { code: "GREEN" name_vi: "Chỉ số xanh" }
    }
    indices {
      code: "EGOV"
      name_vi: "Chỉ số chính quyền số"
      components { code: "SERVICES" }
    }
  )pb");
  ASSERT_TRUE(extra.ok()) << extra.status();
  ASSERT_TRUE(catalog.Extend(extra->proto()).ok());
  EXPECT_NE(catalog.FindComponent("DDCI", "GREEN"), nullptr);
  EXPECT_NE(catalog.FindComponent("EGOV", "SERVICES"), nullptr);
  EXPECT_NE(catalog.FindComponent("DDCI", "LEADERSHIP"), nullptr);
}

TEST(Catalog, ExtendRefusesToRedefineAndChangesNothing) {
  Catalog catalog = *Catalog::Builtin();
  absl::StatusOr<Catalog> extra = Catalog::Parse(R"pb(
    indices { code: "NEW" }
    indices {
      code: "PCI"
      components { code: "TRANSPARENCY" }
    }
  )pb");
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ(catalog.Extend(extra->proto()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog.FindIndex("NEW"), nullptr);
}

TEST(Catalog, ParseRejectsBadCodesAndSyntax) {
  EXPECT_EQ(Catalog::Parse("indices { code: \"ddci\" }").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Catalog::Parse(
                "indices { code: \"X\" components { code: \"A\" } components { code: \"A\" } }")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status s = Catalog::Parse("indices { code: ").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("line 1"));
}

TEST(Catalog, LoadReportsAMissingFile) {
  EXPECT_EQ(Catalog::Load("/nonexistent/catalog.textproto").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(Catalog::Load("").ok());
}

}  // namespace
}  // namespace chiso
