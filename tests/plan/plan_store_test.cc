#include "services/plan/plan_store.h"

#include "absl/strings/str_cat.h"
#include "common/catalog/catalog.h"
#include "common/ids/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/plan_domain.h"
#include "tests/plan/plan_fixtures.h"
#include "tests/support/test_database.h"

namespace chiso::plan {
namespace {

using testing::DepartmentDdciPlan;
using ::testing::HasSubstr;
using testing::MinimalDraft;

class PlanStoreTest : public ::testing::TestWithParam<test_support::Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, PlanMigrations()).ok());
    store_ = NewSqlPlanStore(db_.get());
  }

  // Validates and names `plan` as the service would, then stores it.
  absl::StatusOr<Plan> Put(Plan plan, PlanStatus status = PlanStatus::PLAN_STATUS_DRAFT) {
    EXPECT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
    plan.set_name(PlanName(ids_.Next()));
    plan.set_status(status);
    return store_->Create(plan);
  }

  static PlanQuery Q(const std::function<void(PlanQuery&)>& set) {
    PlanQuery q;
    set(q);
    return q;
  }

  std::vector<std::string> Names(const PlanQuery& q) {
    absl::StatusOr<PlanPage> page = store_->List(q);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    for (const Plan& p : page->plans) out.push_back(p.title());
    return out;
  }

  Catalog catalog_ = *Catalog::Builtin();
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<PlanStore> store_;
};
INSTANTIATE_TEST_SUITE_P(Backends, PlanStoreTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(PlanStoreTest, CreatesAndGetsAPlanWholeWithAnEtag) {
  absl::StatusOr<Plan> created = Put(DepartmentDdciPlan());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->etag(), "1");
  absl::StatusOr<Plan> got = store_->Get(created->name().substr(6));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), created->SerializeAsString());
}

TEST_P(PlanStoreTest, GetOfAnUnknownPlanIsNotFound) {
  absl::Status s = store_->Get(ids_.Next()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not found"));
}

TEST_P(PlanStoreTest, ANumberIsUniquePerIssuerAndYear) {
  absl::StatusOr<Plan> first = Put(DepartmentDdciPlan());
  ASSERT_TRUE(first.ok());
  absl::StatusOr<Plan> dup = Put(DepartmentDdciPlan());
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(dup.status().message()), HasSubstr(first->name()));
  EXPECT_THAT(std::string(dup.status().message()), HasSubstr("\"60/KH-STNMT\""));

  Plan next_year = DepartmentDdciPlan();
  next_year.mutable_issued_on()->set_year(2021);
  EXPECT_TRUE(Put(next_year).ok()) << "numbers restart every year";
  Plan other_issuer = DepartmentDdciPlan();
  other_issuer.mutable_issuer()->set_display_name("Sở Xây dựng");
  EXPECT_TRUE(Put(other_issuer).ok());
  Plan no_serial = DepartmentDdciPlan();
  no_serial.set_number("/KH-STNMT");
  EXPECT_TRUE(Put(no_serial).ok());
  EXPECT_TRUE(Put(no_serial).ok()) << "drafts without a serial never collide";
}

TEST_P(PlanStoreTest, IssuerNamesCompareWithoutDiacriticsOrCase) {
  ASSERT_TRUE(Put(DepartmentDdciPlan()).ok());
  Plan same = DepartmentDdciPlan();
  same.mutable_issuer()->set_display_name("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG");
  EXPECT_EQ(Put(same).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(PlanStoreTest, UpdateWritesWhatTheCallbackChangedAndBumpsTheEtag) {
  Plan created = *Put(MinimalDraft());
  const std::string id = created.name().substr(6);
  absl::StatusOr<Plan> updated = store_->Update(id, [](Plan& p) {
    p.set_title("Kế hoạch mới");
    return absl::OkStatus();
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(store_->Get(id)->title(), "Kế hoạch mới");
  EXPECT_EQ(store_->Get(id)->etag(), "2");
}

TEST_P(PlanStoreTest, AFailingCallbackChangesNothing) {
  Plan created = *Put(MinimalDraft());
  const std::string id = created.name().substr(6);
  absl::StatusOr<Plan> updated = store_->Update(id, [](Plan& p) {
    p.set_title("lost");
    return absl::FailedPreconditionError("no");
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Get(id)->title(), created.title());
  EXPECT_EQ(store_->Get(id)->etag(), "1");
}

TEST_P(PlanStoreTest, UpdateIntoATakenNumberIsAlreadyExists) {
  ASSERT_TRUE(Put(DepartmentDdciPlan()).ok());
  Plan other = DepartmentDdciPlan();
  other.set_number("61/KH-STNMT");
  Plan created = *Put(other);
  absl::StatusOr<Plan> updated = store_->Update(created.name().substr(6), [](Plan& p) {
    p.set_number("60/KH-STNMT");
    return absl::OkStatus();
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(PlanStoreTest, DeleteHonoursTheCheck) {
  Plan created = *Put(MinimalDraft());
  const std::string id = created.name().substr(6);
  EXPECT_EQ(store_->Delete(id, [](const Plan&) { return absl::FailedPreconditionError("issued"); })
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->Get(id).ok());
  EXPECT_TRUE(store_->Delete(id, [](const Plan&) { return absl::OkStatus(); }).ok());
  EXPECT_EQ(store_->Get(id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(id, [](const Plan&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(PlanStoreTest, ListFiltersByIssuerYearFrameworkAndStatus) {
  Plan a = DepartmentDdciPlan();  // DDCI, 2020, Sở TN&MT, issued
  a.set_title("a");
  ASSERT_TRUE(Put(a, PlanStatus::PLAN_STATUS_ISSUED).ok());
  Plan b = MinimalDraft("UBND huyện Cao Sơn");  // DDCI 2024, draft
  b.set_title("b");
  ASSERT_TRUE(Put(b).ok());
  Plan c = MinimalDraft("UBND tỉnh");
  c.set_title("c");
  c.mutable_objectives(0)->set_framework("PAR_INDEX");
  c.mutable_objectives(0)->set_component("DIGITAL_GOVERNMENT");
  c.mutable_period()->set_start_year(2022);
  c.mutable_period()->set_end_year(2025);
  c.mutable_issuer()->set_unit("units/01hzzzzzzzzzzzzzzzzzzzzzzz");
  ASSERT_TRUE(Put(c).ok());

  using V = std::vector<std::string>;
  EXPECT_EQ(Names(PlanQuery()), (V{"a", "b", "c"}));
  EXPECT_EQ(Names(Q([](PlanQuery& q) { q.issuer_name_key = "tai nguyen"; })), V{"a"});
  EXPECT_EQ(Names(Q([](PlanQuery& q) { q.issuer_name_key = "ubnd"; })), (V{"b", "c"}));
  EXPECT_EQ(Names(Q([](PlanQuery& q) { q.issuer_unit = "units/01hzzzzzzzzzzzzzzzzzzzzzzz"; })),
            V{"c"});
  EXPECT_EQ(Names(Q([](PlanQuery& q) { q.year = 2024; })), (V{"b", "c"}));
  EXPECT_EQ(Names(Q([](PlanQuery& q) { q.year = 2021; })), V{});
  EXPECT_EQ(Names(Q([](PlanQuery& q) { q.framework = "DDCI"; })), (V{"a", "b"}));
  EXPECT_EQ(Names(Q([](PlanQuery& q) {
              q.framework = "PAR_INDEX";
              q.statuses = {PlanStatus::PLAN_STATUS_DRAFT};
            })),
            V{"c"});
  EXPECT_EQ(Names(Q([](PlanQuery& q) {
              q.statuses = {PlanStatus::PLAN_STATUS_ISSUED, PlanStatus::PLAN_STATUS_CLOSED};
            })),
            V{"a"});
}

TEST_P(PlanStoreTest, IssuerSearchTreatsLikeWildcardsLiterally) {
  ASSERT_TRUE(Put(MinimalDraft("UBND huyện A")).ok());
  EXPECT_TRUE(Names(Q([](PlanQuery& q) { q.issuer_name_key = "%"; })).empty());
  EXPECT_TRUE(Names(Q([](PlanQuery& q) { q.issuer_name_key = "_"; })).empty());
}

TEST_P(PlanStoreTest, ListPagesByIdAndSaysWhenMoreRemain) {
  for (int i = 0; i < 5; ++i) {
    Plan p = MinimalDraft();
    p.set_title(absl::StrCat(i));
    ASSERT_TRUE(Put(p).ok());
  }
  absl::StatusOr<PlanPage> page = store_->List(Q([](PlanQuery& q) { q.limit = 2; }));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->plans.size(), 2u);
  EXPECT_TRUE(page->more);
  absl::StatusOr<PlanPage> rest = store_->List(Q([&](PlanQuery& q) {
    q.after_id = page->plans[1].name().substr(6);
    q.limit = 10;
  }));
  ASSERT_EQ(rest->plans.size(), 3u);
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(rest->plans[0].title(), "2");
}

TEST_P(PlanStoreTest, CountsPlansByStatus) {
  ASSERT_TRUE(Put(MinimalDraft()).ok());
  ASSERT_TRUE(Put(MinimalDraft()).ok());
  ASSERT_TRUE(Put(DepartmentDdciPlan(), PlanStatus::PLAN_STATUS_ISSUED).ok());
  auto counts = *store_->CountByStatus();
  EXPECT_EQ(counts[PlanStatus::PLAN_STATUS_DRAFT], 2);
  EXPECT_EQ(counts[PlanStatus::PLAN_STATUS_ISSUED], 1);
  EXPECT_EQ(counts.count(PlanStatus::PLAN_STATUS_CLOSED), 0u);
}

TEST_P(PlanStoreTest, ACorruptRowIsDataLossNotACrash) {
  Plan created = *Put(MinimalDraft());
  ASSERT_TRUE(
      db_->Transact([](storage::Tx& tx) {
           return tx.Exec("UPDATE plans SET body = $1", {storage::Blob{"\xff\xff\xff"}}).status();
         })
          .ok());
  EXPECT_EQ(store_->Get(created.name().substr(6)).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace chiso::plan
