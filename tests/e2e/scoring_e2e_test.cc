// The plan scorecard end to end, across the real binaries: a department's
// DDCI plan lives in the plan service, its divisions and tasks in the
// assignment service, and the 2019 results of its peer group of 23
// departments in the scoring service. ComputeScorecard joins the three and
// says, per component, how far the department is from its target, where
// effort pays most, and which division leads the work.
//
// The numbers are seed 002's as DOMAIN.md gives them (Sở TN&MT Lạng Sơn, DDCI
// 2019 components and ranks, 2020 targets); the peers are made up so that
// the department holds exactly its published component ranks.
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/service_process.h"

namespace chiso {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;
namespace sv1 = chiso::scoring::v1;
using test_support::MakeService;
using test_support::ServiceChannel;
using test_support::ServiceProcess;
using test_support::TailOf;

// One DDCI component of seed 002: its 2019 score and rank of 23, the 2020
// target ("đạt trên", strictly above).
struct Seed002Component {
  const char* code;
  const char* score_2019;
  int rank_2019;
  const char* target_2020;
};

constexpr Seed002Component kComponents[] = {
    {"TRANSPARENCY", "6.77", 16, "7.80"},     {"TIME_COSTS", "6.83", 18, "7.70"},
    {"INFORMAL_CHARGES", "5.53", 16, "6.50"}, {"EQUAL_COMPETITION", "2.65", 23, "6.0"},
    {"BUSINESS_SUPPORT", "4.50", 20, "7.5"},  {"LEGAL_INSTITUTIONS", "6.78", 14, "7.0"},
    {"LEADERSHIP", "4.69", 14, "6.3"},        {"DYNAMISM", "6.26", 10, "7.4"},
};
constexpr int kPeers = 23;

class ScoringEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/chiso-e2e-scoring-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    plan_ = MakeService("plan", CHISO_PLAN_BIN, dir_);
    assignment_ = MakeService("assignment", CHISO_ASSIGNMENT_BIN, dir_);
    scoring_ = MakeService("scoring", CHISO_SCORING_BIN, dir_);
    ASSERT_TRUE(StartService(*plan_, {}));
    ASSERT_TRUE(StartService(
        *assignment_, {absl::StrCat("--plan_addr=127.0.0.1:", plan_->port), "--today=2020-05-04"}));
    ASSERT_TRUE(
        StartService(*scoring_, {absl::StrCat("--plan_addr=127.0.0.1:", plan_->port),
                                 absl::StrCat("--assignment_addr=127.0.0.1:", assignment_->port)}));
    plans_ = pv1::PlanService::NewStub(Channel(*plan_));
    directory_ = av1::AssignmentService::NewStub(Channel(*assignment_));
    scoring_stub_ = sv1::ScoringService::NewStub(Channel(*scoring_));
  }

  void TearDown() override {
    // Close our connections first: a server shutting down waits seconds for
    // connected clients to go away.
    scoring_stub_.reset();
    directory_.reset();
    plans_.reset();
    for (ServiceProcess* s : {scoring_.get(), assignment_.get(), plan_.get()}) {
      if (s != nullptr) (void)s->process.Stop();
    }
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  std::shared_ptr<grpc::Channel> Channel(const ServiceProcess& s) { return ServiceChannel(s.port); }

  bool StartService(ServiceProcess& s, const std::vector<std::string>& extra) {
    return test_support::StartService(s, dir_, extra);
  }

  std::string CreateUnit(const std::string& code, const std::string& name, av1::UnitKind kind,
                         const std::string& parent) {
    return test_support::CreateUnit(*directory_, code, name, kind, parent);
  }

  // The department's plan for 2020: eight component targets "đạt trên", a
  // place in the top 10 and a total of 70 points or more.
  std::string IssuedPlan(const std::string& department) {
    grpc::ClientContext ctx;
    pv1::CreatePlanRequest create;
    pv1::Plan* plan = create.mutable_plan();
    plan->set_number("45/KH-STNMT");
    plan->set_title("Nâng cao Chỉ số năng lực cạnh tranh cấp sở, ngành năm 2020");
    plan->mutable_issuer()->set_display_name("Sở Tài nguyên và Môi trường");
    plan->mutable_issuer()->set_unit(department);
    plan->mutable_issued_on()->set_year(2020);
    plan->mutable_issued_on()->set_month(4);
    plan->mutable_issued_on()->set_day(20);
    plan->mutable_period()->set_start_year(2020);
    plan->mutable_period()->set_end_year(2020);
    for (const Seed002Component& c : kComponents) {
      pv1::Objective* o = plan->add_objectives();
      o->set_id(absl::StrCat("c-", c.code));
      o->set_framework("DDCI");
      o->set_component(c.code);
      o->set_measure(cv1::MEASURE_SCORE);
      o->mutable_baseline()->set_year(2019);
      o->mutable_baseline()->mutable_value()->set_value(c.score_2019);
      o->mutable_baseline()->set_rank(c.rank_2019);
      o->mutable_baseline()->set_rank_of(kPeers);
      o->mutable_target()->set_year(2020);
      o->mutable_target()->set_comparator(cv1::COMPARATOR_ABOVE);
      o->mutable_target()->mutable_value()->set_value(c.target_2020);
    }
    pv1::Objective* rank = plan->add_objectives();
    rank->set_id("rank");
    rank->set_framework("DDCI");
    rank->set_measure(cv1::MEASURE_RANK);
    rank->mutable_baseline()->set_year(2019);
    rank->mutable_baseline()->set_rank(20);
    rank->mutable_baseline()->set_rank_of(kPeers);
    rank->mutable_target()->set_year(2020);
    rank->mutable_target()->set_comparator(cv1::COMPARATOR_AT_MOST);
    rank->mutable_target()->mutable_value()->set_value("10");
    pv1::Objective* total = plan->add_objectives();
    total->set_id("total");
    total->set_framework("DDCI");
    total->set_measure(cv1::MEASURE_SCORE);
    total->mutable_target()->set_year(2020);
    total->mutable_target()->set_comparator(cv1::COMPARATOR_AT_LEAST);
    total->mutable_target()->mutable_value()->set_value("70");
    pv1::Plan created;
    grpc::Status s = plans_->CreatePlan(&ctx, create, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext ctx2;
    pv1::IssuePlanRequest issue;
    issue.set_name(created.name());
    pv1::Plan issued;
    s = plans_->IssuePlan(&ctx2, issue, &issued);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  void CreateTask(const std::string& plan, const std::string& objective_id, const std::string& lead,
                  const std::string& title) {
    grpc::ClientContext ctx;
    av1::CreateTaskRequest req;
    av1::Task* t = req.mutable_task();
    t->set_plan(plan);
    t->set_objective_id(objective_id);
    t->set_title(title);
    t->mutable_lead_unit()->set_unit(lead);
    t->set_supervisor_post("Phó Giám đốc Sở phụ trách");
    t->mutable_schedule()->set_phrase("trước ngày 30/6/2020");
    av1::Task out;
    grpc::Status s = directory_->CreateTask(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status CreateResult(const sv1::Result& result) {
    grpc::ClientContext ctx;
    sv1::CreateResultRequest req;
    *req.mutable_result() = result;
    sv1::Result out;
    return scoring_stub_->CreateResult(&ctx, req, &out);
  }

  // The department's 2019 result and 22 peers placed so that the department
  // holds exactly its published rank on every component: rank r of 23 means
  // r − 1 peers score higher and 23 − r lower.
  void RecordPeerGroup(const std::string& department) {
    const std::string group = "Sở, ban, ngành tỉnh";
    sv1::Result own;
    own.mutable_subject()->set_unit(department);
    own.set_framework_code("DDCI");
    own.set_level(sv1::LEVEL_DEPARTMENT);
    own.set_year(2019);
    own.set_peer_group(group);
    own.set_published_rank(20);
    own.set_published_rank_of(kPeers);
    for (const Seed002Component& c : kComponents) {
      sv1::ComponentScore* s = own.add_component_scores();
      s->set_component(c.code);
      s->mutable_score()->set_value(c.score_2019);
      s->set_rank(c.rank_2019);
      s->set_rank_of(kPeers);
    }
    grpc::Status s = CreateResult(own);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (int peer = 0; peer < kPeers - 1; ++peer) {
      sv1::Result r;
      r.mutable_subject()->set_entity(absl::StrCat("Sở số ", peer + 1));
      r.set_framework_code("DDCI");
      r.set_level(sv1::LEVEL_DEPARTMENT);
      r.set_year(2019);
      r.set_peer_group(group);
      for (const Seed002Component& c : kComponents) {
        // Scores in hundredths: the first rank − 1 peers above, the rest below.
        const int own_score = static_cast<int>(std::lround(std::stod(c.score_2019) * 100));
        const int above = c.rank_2019 - 1;
        const int hundredths =
            peer < above ? own_score + 10 * (peer + 1) : own_score - 10 * (peer - above + 1);
        sv1::ComponentScore* cs = r.add_component_scores();
        cs->set_component(c.code);
        cs->mutable_score()->set_value(
            absl::StrCat(hundredths / 100, ".",
                         absl::StrCat(hundredths % 100 < 10 ? "0" : "", hundredths % 100)));
      }
      s = CreateResult(r);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  std::string dir_;
  std::unique_ptr<ServiceProcess> plan_, assignment_, scoring_;
  std::unique_ptr<pv1::PlanService::Stub> plans_;
  std::unique_ptr<av1::AssignmentService::Stub> directory_;
  std::unique_ptr<sv1::ScoringService::Stub> scoring_stub_;
};

TEST_F(ScoringEndToEndTest, Seed002ScorecardListsGapsPrioritiesAndLeadDivisions) {
  const std::string province =
      CreateUnit("LS", "UBND tỉnh Lạng Sơn", av1::UNIT_KIND_PROVINCIAL_COMMITTEE, "");
  const std::string department =
      CreateUnit("STNMT", "Sở Tài nguyên và Môi trường", av1::UNIT_KIND_DEPARTMENT, province);
  const std::string office =
      CreateUnit("STNMT-VP", "Văn phòng Sở", av1::UNIT_KIND_OFFICE, department);
  const std::string land =
      CreateUnit("STNMT-DD", "Phòng Đất đai", av1::UNIT_KIND_DIVISION, department);
  const std::string inspection =
      CreateUnit("STNMT-TT", "Thanh tra Sở", av1::UNIT_KIND_DIVISION, department);
  const std::string plan = IssuedPlan(department);

  // Tasks: each component led by one division; legal institutions by two.
  const std::map<std::string, std::string> lead_of = {
      {"TRANSPARENCY", office},         {"TIME_COSTS", land},
      {"INFORMAL_CHARGES", inspection}, {"EQUAL_COMPETITION", land},
      {"BUSINESS_SUPPORT", office},     {"LEGAL_INSTITUTIONS", inspection},
      {"LEADERSHIP", office},           {"DYNAMISM", land}};
  for (const Seed002Component& c : kComponents) {
    CreateTask(plan, absl::StrCat("c-", c.code), lead_of.at(c.code),
               absl::StrCat("Cải thiện chỉ số thành phần ", c.code));
  }
  CreateTask(plan, "c-LEGAL_INSTITUTIONS", office, "Rà soát văn bản quy phạm pháp luật");
  RecordPeerGroup(department);

  // The recorded result is scored on the DDCI department version: 55.0125.
  {
    grpc::ClientContext ctx;
    sv1::ListResultsRequest req;
    req.mutable_filter()->set_unit(department);
    sv1::ListResultsResponse res;
    ASSERT_TRUE(scoring_stub_->ListResults(&ctx, req, &res).ok());
    ASSERT_EQ(res.results_size(), 1);
    EXPECT_EQ(res.results(0).computed_total().value(), "55.0125");
    EXPECT_EQ(res.results(0).display_total().value(), "55.01");
    EXPECT_FALSE(res.results(0).total_mismatch());
  }

  // Ranked on TIME_COSTS the department is 18th of 23, below the median.
  {
    grpc::ClientContext ctx;
    sv1::GetRankingRequest req;
    req.set_framework_code("DDCI");
    req.set_level(sv1::LEVEL_DEPARTMENT);
    req.set_year(2019);
    req.set_peer_group("Sở, ban, ngành tỉnh");
    req.set_component("TIME_COSTS");
    sv1::GetRankingResponse res;
    grpc::Status s = scoring_stub_->GetRanking(&ctx, req, &res);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(res.count(), kPeers);
    EXPECT_EQ(res.median_rank().value(), "12");
    bool found = false;
    for (const sv1::RankingEntry& e : res.entries()) {
      if (e.subject().unit() != department) continue;
      found = true;
      EXPECT_EQ(e.rank(), 18);
      EXPECT_TRUE(e.below_median());
    }
    EXPECT_TRUE(found);
  }

  // The scorecard, judged on the 2019 results.
  grpc::ClientContext ctx;
  sv1::ComputeScorecardRequest req;
  req.set_plan(plan);
  req.set_year(2019);
  sv1::ComputeScorecardResponse card;
  grpc::Status s = scoring_stub_->ComputeScorecard(&ctx, req, &card);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << TailOf(scoring_->log);
  EXPECT_EQ(card.subject().unit(), department);
  ASSERT_EQ(card.lines_size(), 10);
  EXPECT_EQ(card.not_met_count(), 10);
  EXPECT_EQ(card.met_count(), 0);

  const std::map<std::string, std::string> gap_of = {
      {"TRANSPARENCY", "1.03"},      {"TIME_COSTS", "0.87"},    {"INFORMAL_CHARGES", "0.97"},
      {"EQUAL_COMPETITION", "3.35"}, {"BUSINESS_SUPPORT", "3"}, {"LEGAL_INSTITUTIONS", "0.22"},
      {"LEADERSHIP", "1.61"},        {"DYNAMISM", "1.14"}};
  int below_median = 0;
  for (const sv1::ScorecardLine& line : card.lines()) {
    EXPECT_EQ(line.attainment(), sv1::ATTAINMENT_NOT_MET) << line.objective_id();
    if (line.component().empty()) continue;
    SCOPED_TRACE(line.component());
    // Gaps are exact; compare as numbers so "3" and "3.00" both pass.
    EXPECT_DOUBLE_EQ(std::stod(line.gap().value()), std::stod(gap_of.at(line.component())));
    below_median += line.below_median() ? 1 : 0;
    ASSERT_GE(line.lead_units_size(), 1);
    EXPECT_EQ(line.lead_units(0).unit(), lead_of.at(line.component()));
    EXPECT_EQ(line.task_progress().task_count(), line.component() == "LEGAL_INSTITUTIONS" ? 2 : 1);
  }
  // Seven of eight components below the median of 23 units, as the plan says.
  EXPECT_EQ(below_median, 7);
  auto line_of = [&](const std::string& id) -> const sv1::ScorecardLine* {
    for (const sv1::ScorecardLine& line : card.lines()) {
      if (line.objective_id() == id) return &line;
    }
    return nullptr;
  };
  const sv1::ScorecardLine* legal = line_of("c-LEGAL_INSTITUTIONS");
  ASSERT_NE(legal, nullptr);
  ASSERT_EQ(legal->lead_units_size(), 2);
  EXPECT_EQ(legal->lead_units(1).unit(), office);
  const sv1::ScorecardLine* total = line_of("total");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->actual().value().value(), "55.0125");
  EXPECT_EQ(total->gap().value(), "14.9875");
  const sv1::ScorecardLine* rank = line_of("rank");
  ASSERT_NE(rank, nullptr);
  EXPECT_EQ(rank->actual().rank(), 20);
  EXPECT_EQ(rank->gap().value(), "10");
  // Where effort pays most: equal competition, (6.0 − 2.65) × 10 / 8.
  ASSERT_EQ(card.priorities_size(), 8);
  EXPECT_EQ(card.priorities(0).component(), "EQUAL_COMPETITION");
  EXPECT_DOUBLE_EQ(std::stod(card.priorities(0).points_to_gain().value()), 4.1875);
  EXPECT_EQ(card.priorities(1).component(), "BUSINESS_SUPPORT");  // 3 × 10 / 8 = 3.75
}

TEST_F(ScoringEndToEndTest, ScorecardOfAnUnknownPlanIsNotFound) {
  grpc::ClientContext ctx;
  sv1::ComputeScorecardRequest req;
  req.set_plan("plans/01j00000000000000000000000");
  sv1::ComputeScorecardResponse card;
  grpc::Status s = scoring_stub_->ComputeScorecard(&ctx, req, &card);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
}

TEST_F(ScoringEndToEndTest, ScorecardIsUnavailableWhileThePlanServiceIsDown) {
  ASSERT_TRUE(plan_->process.Stop().ok());
  grpc::ClientContext ctx;
  sv1::ComputeScorecardRequest req;
  req.set_plan("plans/01j00000000000000000000000");
  sv1::ComputeScorecardResponse card;
  grpc::Status s = scoring_stub_->ComputeScorecard(&ctx, req, &card);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // Everything else keeps working.
  grpc::ClientContext ctx2;
  sv1::ListFrameworksRequest list;
  sv1::ListFrameworksResponse frameworks;
  ASSERT_TRUE(scoring_stub_->ListFrameworks(&ctx2, list, &frameworks).ok());
  EXPECT_GT(frameworks.frameworks_size(), 0);
}

}  // namespace
}  // namespace chiso
