// The plan scorecard, judged against seed 002 (Sở TN&MT Lạng Sơn, DDCI 2019
// results against its 2020 targets) and small plans for the boundaries.

#include "services/scoring/scorecard.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scoring/framework_domain.h"
#include "services/scoring/scoring_math.h"

namespace chiso::scoring {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;
namespace sv1 = chiso::scoring::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

cv1::Decimal Dec(const std::string& value) {
  cv1::Decimal d;
  d.set_value(value);
  return d;
}

// A Decimal's value in thousandths, so "3" and "3.00" compare equal.
int64_t Milli(const cv1::Decimal& d) {
  absl::StatusOr<int64_t> v = ParseThousandths("test", d);
  EXPECT_TRUE(v.ok()) << v.status() << " for \"" << d.value() << "\"";
  return v.ok() ? *v : -1;
}

// ---------------------------------------------------------------------------
// Fixtures: the DDCI department version, seed 002's result and plan
// ---------------------------------------------------------------------------

const std::vector<std::string>& DdciCodes() {
  static const auto* codes = new std::vector<std::string>{
      "TRANSPARENCY",     "TIME_COSTS",         "INFORMAL_CHARGES", "EQUAL_COMPETITION",
      "BUSINESS_SUPPORT", "LEGAL_INSTITUTIONS", "LEADERSHIP",       "DYNAMISM"};
  return *codes;
}

sv1::Framework DdciDepartment() {
  sv1::Framework f;
  f.set_name("frameworks/ddci-2019-department");
  f.set_code("DDCI");
  f.set_level(sv1::LEVEL_DEPARTMENT);
  f.mutable_valid_years()->set_start_year(2019);
  f.mutable_valid_years()->set_end_year(2024);
  for (const std::string& code : DdciCodes()) {
    sv1::Component* c = f.add_components();
    c->set_code(code);
    c->set_name_vi(code);
    *c->mutable_min() = Dec("0");
    *c->mutable_max() = Dec("10");
    c->set_higher_is_better(true);
  }
  f.set_aggregation(sv1::AGGREGATION_MEAN_SCALED);
  *f.mutable_scale() = Dec("10");
  f.set_total_decimals(2);
  return f;
}

sv1::Subject Stnmt() {
  sv1::Subject s;
  s.set_unit("units/stnmt-ls");
  s.set_display_name("Sở Tài nguyên và Môi trường");
  return s;
}

// Seed 002's DDCI 2019: scores, component ranks of 23, overall 20/23; the
// computed total as ScoreResult writes it (55.0125 to three digits).
const std::vector<std::string> kScores2019 = {"6.77", "6.83", "5.53", "2.65",
                                              "4.50", "6.78", "4.69", "6.26"};
const std::vector<int> kRanks2019 = {16, 18, 16, 23, 20, 14, 14, 10};
const std::vector<std::string> kTargets2020 = {"7.80", "7.70", "6.50", "6.0",
                                               "7.5",  "7.0",  "6.3",  "7.4"};

ScoredResult Seed002Result2019() {
  ScoredResult scored;
  scored.framework = DdciDepartment();
  sv1::Result& r = scored.result;
  r.set_name("results/ddci-2019-stnmt");
  *r.mutable_subject() = Stnmt();
  r.set_framework_code("DDCI");
  r.set_level(sv1::LEVEL_DEPARTMENT);
  r.set_year(2019);
  r.set_framework(scored.framework.name());
  r.set_peer_group("Sở, ban, ngành tỉnh Lạng Sơn");
  for (size_t i = 0; i < DdciCodes().size(); ++i) {
    sv1::ComponentScore* s = r.add_component_scores();
    s->set_component(DdciCodes()[i]);
    *s->mutable_score() = Dec(kScores2019[i]);
    s->set_rank(kRanks2019[i]);
    s->set_rank_of(23);
  }
  r.set_published_rank(20);
  r.set_published_rank_of(23);
  *r.mutable_computed_total() = Dec("55.0125");
  return scored;
}

pv1::Objective ComponentObjective(const std::string& id, const std::string& framework,
                                  const std::string& component, const std::string& target,
                                  cv1::Comparator comparator, int year) {
  pv1::Objective o;
  o.set_id(id);
  o.set_framework(framework);
  o.set_component(component);
  o.set_measure(cv1::MEASURE_SCORE);
  o.mutable_target()->set_year(year);
  o.mutable_target()->set_comparator(comparator);
  *o.mutable_target()->mutable_value() = Dec(target);
  return o;
}

// Seed 002's plan: eight components "đạt trên" their 2020 targets, "top 10"
// on the whole DDCI and "từ 70 điểm trở lên" on the total.
pv1::Plan Seed002Plan() {
  pv1::Plan plan;
  plan.set_name("plans/seed-002");
  plan.set_number("60/KH-STNMT");
  plan.mutable_issuer()->set_display_name("Sở Tài nguyên và Môi trường");
  plan.mutable_issuer()->set_unit("units/stnmt-ls");
  for (size_t i = 0; i < DdciCodes().size(); ++i) {
    pv1::Objective o = ComponentObjective(absl::StrCat("o", i + 1), "DDCI", DdciCodes()[i],
                                          kTargets2020[i], cv1::COMPARATOR_ABOVE, 2020);
    o.mutable_baseline()->set_year(2019);
    *o.mutable_baseline()->mutable_value() = Dec(kScores2019[i]);
    o.mutable_baseline()->set_rank(kRanks2019[i]);
    o.mutable_baseline()->set_rank_of(23);
    *plan.add_objectives() = o;
  }
  pv1::Objective top10;
  top10.set_id("o9");
  top10.set_framework("DDCI");
  top10.set_measure(cv1::MEASURE_RANK);
  top10.mutable_baseline()->set_year(2019);
  top10.mutable_baseline()->set_rank(20);
  top10.mutable_baseline()->set_rank_of(23);
  top10.mutable_target()->set_year(2020);
  top10.mutable_target()->set_comparator(cv1::COMPARATOR_AT_MOST);
  *top10.mutable_target()->mutable_value() = Dec("10");
  *plan.add_objectives() = top10;
  pv1::Objective total =
      ComponentObjective("o10", "DDCI", "", "70", cv1::COMPARATOR_AT_LEAST, 2020);
  *plan.add_objectives() = total;
  return plan;
}

cv1::UnitRef Unit(const std::string& name, const std::string& display_name) {
  cv1::UnitRef u;
  u.set_unit(name);
  u.set_display_name(display_name);
  return u;
}

// An accountability matrix in which LEGAL_INSTITUTIONS has two lead units
// (as seed 003's component 6 has) and TIME_COSTS one.
av1::PlanSummary Summary() {
  av1::PlanSummary summary;
  summary.set_plan("plans/seed-002");
  av1::ComponentAccountability* legal = summary.add_components();
  legal->mutable_component()->set_framework("DDCI");
  legal->mutable_component()->set_component("LEGAL_INSTITUTIONS");
  legal->add_objective_ids("o6");
  legal->mutable_counts()->set_total(6);
  legal->mutable_counts()->set_cancelled(1);
  legal->mutable_counts()->set_overdue(2);
  legal->mutable_counts()->set_done_on_time(1);
  legal->mutable_counts()->set_done_late(1);
  legal->mutable_counts()->set_on_track(1);
  legal->set_mean_percent_complete(45);
  av1::LeadUnitProgress* thanh_tra = legal->add_lead_units();
  *thanh_tra->mutable_lead_unit() = Unit("units/thanh-tra", "Thanh tra huyện");
  av1::LeadUnitProgress* cong_an = legal->add_lead_units();
  *cong_an->mutable_lead_unit() = Unit("units/cong-an", "Công an huyện");
  av1::ComponentAccountability* time = summary.add_components();
  time->mutable_component()->set_framework("DDCI");
  time->mutable_component()->set_component("TIME_COSTS");
  time->mutable_counts()->set_total(2);
  time->mutable_counts()->set_done_on_time(2);
  time->set_mean_percent_complete(100);
  *time->add_lead_units()->mutable_lead_unit() = Unit("units/vp-so", "Văn phòng Sở");
  return summary;
}

// A ScoreSource over results held in a vector, with peer contexts given per
// component and failures on demand.
class FakeScoreSource : public ScoreSource {
 public:
  void Add(ScoredResult result) { results_.push_back(std::move(result)); }
  void SetPeers(const std::string& component, PeerContext context) {
    peers_[component] = std::move(context);
  }

  absl::StatusOr<std::optional<ScoredResult>> ResultFor(const sv1::Subject& subject,
                                                        absl::string_view framework_code,
                                                        int year) override {
    if (!result_failure.ok()) return result_failure;
    ++result_for_calls;
    for (const ScoredResult& r : results_) {
      if (r.result.subject().unit() == subject.unit() &&
          r.result.subject().entity() == subject.entity() &&
          r.result.framework_code() == framework_code && r.result.year() == year) {
        return std::optional<ScoredResult>(r);
      }
    }
    return std::optional<ScoredResult>();
  }

  absl::StatusOr<std::optional<ScoredResult>> LatestResult(const sv1::Subject& subject,
                                                           absl::string_view framework_code,
                                                           int up_to_year) override {
    if (!latest_failure.ok()) return latest_failure;
    latest_years.push_back(up_to_year);
    const ScoredResult* best = nullptr;
    for (const ScoredResult& r : results_) {
      if (r.result.subject().unit() == subject.unit() &&
          r.result.subject().entity() == subject.entity() &&
          r.result.framework_code() == framework_code && r.result.year() <= up_to_year &&
          (best == nullptr || r.result.year() > best->result.year())) {
        best = &r;
      }
    }
    if (best == nullptr) return std::optional<ScoredResult>();
    return std::optional<ScoredResult>(*best);
  }

  absl::StatusOr<PeerContext> Peers(const sv1::Result& result,
                                    absl::string_view component) override {
    if (!peers_failure.ok()) return peers_failure;
    peer_calls.emplace_back(result.name(), std::string(component));
    auto it = peers_.find(std::string(component));
    return it == peers_.end() ? PeerContext() : it->second;
  }

  absl::Status result_failure;
  absl::Status latest_failure;
  absl::Status peers_failure;
  int result_for_calls = 0;
  std::vector<int> latest_years;
  std::vector<std::pair<std::string, std::string>> peer_calls;

 private:
  std::vector<ScoredResult> results_;
  std::map<std::string, PeerContext> peers_;
};

// Peer contexts of the 23 departments: medians as the fake's data, below the
// median by rank (r > 12) for the components, and for the total by rank 20.
void SetSeed002Peers(FakeScoreSource& source) {
  for (size_t i = 0; i < DdciCodes().size(); ++i) {
    PeerContext context;
    context.count = 23;
    context.median = Dec(absl::StrCat("6.", 10 + i));
    context.below_median = BelowMedianByRank(kRanks2019[i], 23);
    context.rank = kRanks2019[i];
    source.SetPeers(DdciCodes()[i], context);
  }
  PeerContext total;
  total.count = 23;
  total.median = Dec("58.4");
  total.below_median = true;
  total.rank = 20;
  source.SetPeers("", total);
}

const sv1::ScorecardLine& LineOf(const sv1::ComputeScorecardResponse& card,
                                 const std::string& objective_id) {
  for (const sv1::ScorecardLine& line : card.lines()) {
    if (line.objective_id() == objective_id) return line;
  }
  ADD_FAILURE() << "no line " << objective_id;
  static const sv1::ScorecardLine* none = new sv1::ScorecardLine();
  return *none;
}

const absl::Time kNow = absl::FromUnixSeconds(1'600'000'000);

// ---------------------------------------------------------------------------
// Seed 002
// ---------------------------------------------------------------------------

class Seed002Test : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.Add(Seed002Result2019());
    SetSeed002Peers(source_);
  }

  sv1::ComputeScorecardResponse Build(int year) {
    absl::StatusOr<sv1::ComputeScorecardResponse> card =
        BuildScorecard(Seed002Plan(), Stnmt(), year, Summary(), source_, kNow);
    EXPECT_TRUE(card.ok()) << card.status();
    return card.ok() ? *card : sv1::ComputeScorecardResponse();
  }

  FakeScoreSource source_;
};

TEST_F(Seed002Test, JudgedIn2019EveryComponentFallsShortByTargetMinusActual) {
  const sv1::ComputeScorecardResponse card = Build(2019);
  EXPECT_EQ(card.plan(), "plans/seed-002");
  EXPECT_EQ(card.subject().unit(), "units/stnmt-ls");
  ASSERT_EQ(card.lines_size(), 10);
  // (7.80 − 6.77), (7.70 − 6.83), … in thousandths.
  const std::vector<int64_t> gaps = {1030, 870, 970, 3350, 3000, 220, 1610, 1140};
  for (size_t i = 0; i < DdciCodes().size(); ++i) {
    const sv1::ScorecardLine& line = card.lines(static_cast<int>(i));
    SCOPED_TRACE(DdciCodes()[i]);
    EXPECT_EQ(line.objective_id(), absl::StrCat("o", i + 1));
    EXPECT_EQ(line.framework(), "DDCI");
    EXPECT_EQ(line.component(), DdciCodes()[i]);
    EXPECT_EQ(line.measure(), cv1::MEASURE_SCORE);
    EXPECT_EQ(line.attainment(), sv1::ATTAINMENT_NOT_MET);
    EXPECT_EQ(line.result(), "results/ddci-2019-stnmt");
    EXPECT_EQ(line.actual().year(), 2019);
    EXPECT_EQ(line.actual().value().value(), kScores2019[i]);
    EXPECT_EQ(line.actual().rank(), kRanks2019[i]);
    EXPECT_EQ(line.actual().rank_of(), 23);
    EXPECT_EQ(Milli(line.gap()), gaps[i]);
    // The plan's own words come back unchanged.
    EXPECT_EQ(line.baseline().year(), 2019);
    EXPECT_EQ(line.baseline().value().value(), kScores2019[i]);
    EXPECT_EQ(line.target().year(), 2020);
    EXPECT_EQ(line.target().comparator(), cv1::COMPARATOR_ABOVE);
    EXPECT_EQ(line.target().value().value(), kTargets2020[i]);
  }
  EXPECT_EQ(LineOf(card, "o2").gap().value(), "0.87");
  EXPECT_EQ(card.met_count(), 0);
  EXPECT_EQ(card.not_met_count(), 10);
  EXPECT_EQ(card.no_data_count(), 0);
  EXPECT_EQ(card.compute_time().seconds(), 1'600'000'000);
}

TEST_F(Seed002Test, PointsToGainWeighTheShortfallByTenOverEight) {
  const sv1::ComputeScorecardResponse card = Build(2019);
  // (7.70 − 6.83) × 10 / 8 = 1.0875, written to the thousandths the Decimal
  // contract allows (half up).
  EXPECT_EQ(LineOf(card, "o2").points_to_gain().value(), "1.0875");
  // (6.0 − 2.65) × 10 / 8 = 4.1875.
  EXPECT_EQ(LineOf(card, "o4").points_to_gain().value(), "4.1875");
  // (7.5 − 4.50) × 10 / 8 = 3.75.
  EXPECT_EQ(Milli(LineOf(card, "o5").points_to_gain()), 3750);
  // (7.0 − 6.78) × 10 / 8 = 0.275.
  EXPECT_EQ(LineOf(card, "o6").points_to_gain().value(), "0.275");
  // Not for the total or the rank.
  EXPECT_FALSE(LineOf(card, "o9").has_points_to_gain());
  EXPECT_FALSE(LineOf(card, "o10").has_points_to_gain());
}

TEST_F(Seed002Test, SevenOfEightComponentsAreBelowTheMedian) {
  const sv1::ComputeScorecardResponse card = Build(2019);
  int below = 0;
  for (int i = 0; i < 8; ++i) below += card.lines(i).below_median() ? 1 : 0;
  EXPECT_EQ(below, 7);                              // "07/08 ... dưới trung vị"
  EXPECT_FALSE(LineOf(card, "o8").below_median());  // DYNAMISM, rank 10 of 23
  EXPECT_TRUE(LineOf(card, "o4").below_median());
  EXPECT_EQ(LineOf(card, "o1").peer_median().value(), "6.10");
  EXPECT_EQ(LineOf(card, "o8").peer_median().value(), "6.17");
  EXPECT_EQ(LineOf(card, "o10").peer_median().value(), "58.4");
  EXPECT_TRUE(LineOf(card, "o10").below_median());
  // Peers were asked about each component and about the total.
  EXPECT_THAT(source_.peer_calls,
              testing::Contains(std::make_pair(std::string("results/ddci-2019-stnmt"),
                                               std::string("TIME_COSTS"))));
  EXPECT_THAT(source_.peer_calls, testing::Contains(std::make_pair(
                                      std::string("results/ddci-2019-stnmt"), std::string(""))));
}

TEST_F(Seed002Test, TheTotalAndTheRankFallShort) {
  const sv1::ComputeScorecardResponse card = Build(2019);
  const sv1::ScorecardLine& total = LineOf(card, "o10");
  EXPECT_EQ(total.component(), "");
  EXPECT_EQ(total.attainment(), sv1::ATTAINMENT_NOT_MET);
  // 10 × 44.01 / 8 = 55.0125, exact.
  EXPECT_EQ(total.actual().value().value(), "55.0125");
  EXPECT_EQ(total.actual().rank(), 20);
  EXPECT_EQ(total.actual().rank_of(), 23);
  // 70 − 55.0125 = 14.9875, exact.
  EXPECT_EQ(total.gap().value(), "14.9875");

  const sv1::ScorecardLine& rank = LineOf(card, "o9");
  EXPECT_EQ(rank.measure(), cv1::MEASURE_RANK);
  EXPECT_EQ(rank.attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(rank.actual().rank(), 20);
  EXPECT_EQ(rank.actual().rank_of(), 23);
  EXPECT_EQ(rank.gap().value(), "10");  // 20 against "top 10"
  EXPECT_EQ(rank.baseline().rank(), 20);
  EXPECT_EQ(rank.target().comparator(), cv1::COMPARATOR_AT_MOST);
}

TEST(Scorecard, TheTotalIsWrittenAsTheDomainWritesComputedTotals) {
  // Scored by the domain rather than by hand.
  ScoredResult scored = Seed002Result2019();
  scored.result.clear_computed_total();
  ASSERT_TRUE(ScoreResult(scored.result, scored.framework).ok());
  FakeScoreSource source;
  source.Add(scored);
  absl::StatusOr<sv1::ComputeScorecardResponse> card =
      BuildScorecard(Seed002Plan(), Stnmt(), 2019, Summary(), source, kNow);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(LineOf(*card, "o10").actual().value().value(), scored.result.computed_total().value());
  EXPECT_EQ(LineOf(*card, "o10").actual().value().value(), "55.0125");
  EXPECT_EQ(LineOf(*card, "o10").gap().value(), "14.9875");
}

TEST_F(Seed002Test, PrioritiesPutMostPointsFirst) {
  const sv1::ComputeScorecardResponse card = Build(2019);
  std::vector<std::string> order;
  for (const sv1::ComponentPriority& p : card.priorities()) order.push_back(p.component());
  // 4.1875, 3.75, 2.0125, 1.425, 1.2875, 1.2125, 1.0875, 0.275.
  EXPECT_THAT(order,
              ElementsAre("EQUAL_COMPETITION", "BUSINESS_SUPPORT", "LEADERSHIP", "DYNAMISM",
                          "TRANSPARENCY", "INFORMAL_CHARGES", "TIME_COSTS", "LEGAL_INSTITUTIONS"));
  const sv1::ComponentPriority& first = card.priorities(0);
  EXPECT_EQ(first.framework(), "DDCI");
  EXPECT_EQ(first.objective_id(), "o4");
  EXPECT_EQ(first.score().value(), "2.65");
  EXPECT_EQ(first.reference().value(), "6.0");
  EXPECT_EQ(first.points_to_gain().value(), "4.1875");
  EXPECT_EQ(card.priorities(7).points_to_gain().value(), "0.275");
}

TEST_F(Seed002Test, LeadUnitsAndProgressComeFromTheAccountabilityRow) {
  const sv1::ComputeScorecardResponse card = Build(2019);
  const sv1::ScorecardLine& legal = LineOf(card, "o6");
  ASSERT_EQ(legal.lead_units_size(), 2);
  EXPECT_EQ(legal.lead_units(0).unit(), "units/thanh-tra");
  EXPECT_EQ(legal.lead_units(0).display_name(), "Thanh tra huyện");
  EXPECT_EQ(legal.lead_units(1).unit(), "units/cong-an");
  EXPECT_EQ(legal.task_progress().task_count(), 5);  // 6 tasks, 1 cancelled
  EXPECT_EQ(legal.task_progress().overdue_count(), 2);
  EXPECT_EQ(legal.task_progress().done_on_time_count(), 1);
  EXPECT_EQ(legal.task_progress().done_late_count(), 1);
  EXPECT_EQ(legal.task_progress().mean_percent_complete(), 45);

  const sv1::ScorecardLine& time = LineOf(card, "o2");
  ASSERT_EQ(time.lead_units_size(), 1);
  EXPECT_EQ(time.lead_units(0).display_name(), "Văn phòng Sở");
  EXPECT_EQ(time.task_progress().task_count(), 2);
  EXPECT_EQ(time.task_progress().mean_percent_complete(), 100);

  // A component without tasks has no leads and zero progress.
  const sv1::ScorecardLine& leadership = LineOf(card, "o7");
  EXPECT_EQ(leadership.lead_units_size(), 0);
  EXPECT_EQ(leadership.task_progress().task_count(), 0);
}

TEST_F(Seed002Test, InTheTargetYearWithoutResultsEveryLineHasNoData) {
  const sv1::ComputeScorecardResponse card = Build(0);
  ASSERT_EQ(card.lines_size(), 10);
  for (const sv1::ScorecardLine& line : card.lines()) {
    SCOPED_TRACE(line.objective_id());
    EXPECT_EQ(line.attainment(), sv1::ATTAINMENT_NO_DATA);
    EXPECT_FALSE(line.has_actual());
    EXPECT_EQ(line.result(), "");
    EXPECT_FALSE(line.has_gap());
    EXPECT_FALSE(line.has_points_to_gain());
    EXPECT_FALSE(line.has_peer_median());
  }
  EXPECT_EQ(card.no_data_count(), 10);
  EXPECT_EQ(card.met_count() + card.not_met_count(), 0);
  // Lead units are known without results.
  EXPECT_EQ(LineOf(card, "o6").lead_units_size(), 2);
  // Priorities still come from the latest result up to 2020 (2019's).
  EXPECT_THAT(source_.latest_years, ElementsAre(2020));
  ASSERT_EQ(card.priorities_size(), 8);
  EXPECT_EQ(card.priorities(0).component(), "EQUAL_COMPETITION");
  EXPECT_EQ(card.priorities(0).points_to_gain().value(), "4.1875");
  EXPECT_TRUE(source_.peer_calls.empty());
}

TEST_F(Seed002Test, ReadsEachResultOnce) {
  Build(2019);
  EXPECT_EQ(source_.result_for_calls, 1);
}

// ---------------------------------------------------------------------------
// Boundaries and missing data
// ---------------------------------------------------------------------------

pv1::Plan PlanOf(std::vector<pv1::Objective> objectives) {
  pv1::Plan plan;
  plan.set_name("plans/p");
  for (pv1::Objective& o : objectives) *plan.add_objectives() = std::move(o);
  return plan;
}

absl::StatusOr<sv1::ComputeScorecardResponse> Judge(const pv1::Plan& plan, ScoreSource& source,
                                                    int year = 2019) {
  return BuildScorecard(plan, Stnmt(), year, av1::PlanSummary(), source, kNow);
}

TEST(Scorecard, AtLeastIsMetByAnEqualValue) {
  FakeScoreSource source;
  source.Add(Seed002Result2019());
  // "đạt 6,83 điểm trở lên", and the total "từ 55 điểm trở lên".
  const auto card = Judge(
      PlanOf(
          {ComponentObjective("o1", "DDCI", "TIME_COSTS", "6.83", cv1::COMPARATOR_AT_LEAST, 2019),
           ComponentObjective("o2", "DDCI", "", "55.0125", cv1::COMPARATOR_AT_LEAST, 2019)}),
      source);
  // 55.0125 has four digits: the plan's decimal is malformed.
  EXPECT_EQ(card.status().code(), absl::StatusCode::kInvalidArgument) << card.status();
  EXPECT_THAT(std::string(card.status().message()), HasSubstr("plan.objectives[1].target.value"));

  const auto ok = Judge(
      PlanOf(
          {ComponentObjective("o1", "DDCI", "TIME_COSTS", "6.83", cv1::COMPARATOR_AT_LEAST, 2019),
           ComponentObjective("o2", "DDCI", "", "55.012", cv1::COMPARATOR_AT_LEAST, 2019),
           ComponentObjective("o3", "DDCI", "", "55.013", cv1::COMPARATOR_AT_LEAST, 2019)}),
      source);
  ASSERT_TRUE(ok.ok()) << ok.status();
  const sv1::ScorecardLine& line = ok->lines(0);
  EXPECT_EQ(line.attainment(), sv1::ATTAINMENT_MET);
  EXPECT_EQ(Milli(line.gap()), 0);
  EXPECT_EQ(Milli(line.points_to_gain()), 0);
  // The exact total 55.0125 reaches 55.012 but not 55.013 (which a total
  // rounded to thousandths would).
  EXPECT_EQ(ok->lines(1).attainment(), sv1::ATTAINMENT_MET);
  EXPECT_EQ(ok->lines(2).attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(ok->met_count(), 2);
  EXPECT_EQ(ok->not_met_count(), 1);
}

TEST(Scorecard, AboveIsNotMetByAnEqualValueButHasNoPointsToGain) {
  FakeScoreSource source;
  source.Add(Seed002Result2019());
  // "đạt trên 6,83 điểm" with 6.83.
  const auto card = Judge(
      PlanOf({ComponentObjective("o1", "DDCI", "TIME_COSTS", "6.83", cv1::COMPARATOR_ABOVE, 2019),
              ComponentObjective("o2", "DDCI", "TIME_COSTS", "6.82", cv1::COMPARATOR_ABOVE, 2019)}),
      source);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->lines(0).attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(Milli(card->lines(0).gap()), 0);
  EXPECT_EQ(Milli(card->lines(0).points_to_gain()), 0);
  EXPECT_EQ(card->lines(1).attainment(), sv1::ATTAINMENT_MET);
  EXPECT_EQ(Milli(card->lines(1).gap()), -10);
  EXPECT_EQ(Milli(card->lines(1).points_to_gain()), 0);
}

TEST(Scorecard, RankTargetsCompareRanks) {
  FakeScoreSource source;
  ScoredResult result = Seed002Result2019();
  result.result.set_published_rank(14);
  source.Add(result);
  pv1::Objective top10 = ComponentObjective("o1", "DDCI", "", "10", cv1::COMPARATOR_AT_MOST, 2019);
  top10.set_measure(cv1::MEASURE_RANK);
  // DYNAMISM is ranked 10: "top 10" on that component is met.
  pv1::Objective dynamism =
      ComponentObjective("o2", "DDCI", "DYNAMISM", "10", cv1::COMPARATOR_AT_MOST, 2019);
  dynamism.set_measure(cv1::MEASURE_RANK);
  const auto card = Judge(PlanOf({top10, dynamism}), source);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->lines(0).attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(card->lines(0).gap().value(), "4");  // 14 against "top 10"
  EXPECT_EQ(card->lines(1).attainment(), sv1::ATTAINMENT_MET);
  EXPECT_EQ(card->lines(1).actual().rank(), 10);
  EXPECT_EQ(Milli(card->lines(1).gap()), 0);
  EXPECT_FALSE(card->lines(1).has_points_to_gain());
}

TEST(Scorecard, MissingValuesAreNoData) {
  FakeScoreSource source;
  ScoredResult result = Seed002Result2019();
  // No overall rank published, and no LEADERSHIP score (so no computed total).
  result.result.set_published_rank(0);
  result.result.set_published_rank_of(0);
  result.result.mutable_component_scores()->DeleteSubrange(6, 1);
  result.result.clear_computed_total();
  source.Add(result);
  pv1::Objective top10 = ComponentObjective("o1", "DDCI", "", "10", cv1::COMPARATOR_AT_MOST, 2019);
  top10.set_measure(cv1::MEASURE_RANK);
  const auto card = Judge(
      PlanOf({top10,
              ComponentObjective("o2", "DDCI", "LEADERSHIP", "6.3", cv1::COMPARATOR_ABOVE, 2019),
              ComponentObjective("o3", "DDCI", "", "70", cv1::COMPARATOR_AT_LEAST, 2019),
              ComponentObjective("o4", "DDCI", "TIME_COSTS", "7.70", cv1::COMPARATOR_ABOVE, 2019),
              // No PCI result at all.
              ComponentObjective("o5", "PCI", "TIME_COSTS", "7", cv1::COMPARATOR_ABOVE, 2019)}),
      source);
  ASSERT_TRUE(card.ok()) << card.status();
  for (int i : {0, 1, 2, 4}) {
    SCOPED_TRACE(i);
    EXPECT_EQ(card->lines(i).attainment(), sv1::ATTAINMENT_NO_DATA);
    EXPECT_FALSE(card->lines(i).has_actual());
    EXPECT_FALSE(card->lines(i).has_gap());
    EXPECT_FALSE(card->lines(i).has_points_to_gain());
    EXPECT_EQ(card->lines(i).result(), "");
  }
  EXPECT_EQ(card->lines(3).attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(card->no_data_count(), 4);
  EXPECT_EQ(card->not_met_count(), 1);
  EXPECT_EQ(card->met_count(), 0);

  // Priorities: DDCI's scored components in order of points (to the maximum
  // where the plan sets no target), LEADERSHIP without a score after them,
  // then PCI's named component, without a score.
  std::vector<std::string> order;
  for (const sv1::ComponentPriority& p : card->priorities()) {
    order.push_back(absl::StrCat(p.framework(), ".", p.component()));
  }
  ASSERT_EQ(order.size(), 9u);
  EXPECT_EQ(order[0], "DDCI.EQUAL_COMPETITION");  // (10 − 2.65) × 10 / 8, to the maximum
  EXPECT_EQ(order[7], "DDCI.LEADERSHIP");
  EXPECT_EQ(order[8], "PCI.TIME_COSTS");
  const sv1::ComponentPriority& leadership = card->priorities(7);
  EXPECT_EQ(leadership.objective_id(), "o2");
  EXPECT_FALSE(leadership.has_score());
  EXPECT_FALSE(leadership.has_points_to_gain());
  const sv1::ComponentPriority& pci = card->priorities(8);
  EXPECT_EQ(pci.objective_id(), "o5");
  EXPECT_EQ(pci.reference().value(), "7");
  EXPECT_FALSE(pci.has_score());
}

TEST(Scorecard, ComponentsWithoutATargetAreMeasuredToTheirMaximum) {
  FakeScoreSource source;
  source.Add(Seed002Result2019());
  const auto card = Judge(
      PlanOf({ComponentObjective("o1", "DDCI", "TIME_COSTS", "7.70", cv1::COMPARATOR_ABOVE, 2020)}),
      source, 0);
  ASSERT_TRUE(card.ok()) << card.status();
  ASSERT_EQ(card->priorities_size(), 8);
  // EQUAL_COMPETITION: (10 − 2.65) × 10 / 8 = 9.1875, the most.
  const sv1::ComponentPriority& first = card->priorities(0);
  EXPECT_EQ(first.component(), "EQUAL_COMPETITION");
  EXPECT_EQ(first.objective_id(), "");
  EXPECT_EQ(first.reference().value(), "10");
  EXPECT_EQ(first.points_to_gain().value(), "9.1875");
  // TIME_COSTS, measured to its target: 1.0875, the least.
  const sv1::ComponentPriority& last = card->priorities(7);
  EXPECT_EQ(last.component(), "TIME_COSTS");
  EXPECT_EQ(last.objective_id(), "o1");
  EXPECT_EQ(last.reference().value(), "7.70");
  EXPECT_EQ(last.points_to_gain().value(), "1.0875");
}

// ---------------------------------------------------------------------------
// Grades
// ---------------------------------------------------------------------------

sv1::Framework ParIndexProvince() {
  sv1::Framework f;
  f.set_name("frameworks/par-index-2021-province");
  f.set_code("PAR_INDEX");
  f.set_level(sv1::LEVEL_PROVINCE);
  const std::vector<std::pair<std::string, std::string>> areas = {
      {"DIRECTION", "10"},          {"INSTITUTIONS", "10"},  {"ADMIN_PROCEDURES", "12"},
      {"ORGANIZATION", "10"},       {"CIVIL_SERVICE", "12"}, {"PUBLIC_FINANCE", "10"},
      {"DIGITAL_GOVERNMENT", "10"}, {"IMPACT", "26"}};
  for (const auto& [code, max] : areas) {
    sv1::Component* c = f.add_components();
    c->set_code(code);
    *c->mutable_min() = Dec("0");
    *c->mutable_max() = Dec(max);
    c->set_higher_is_better(true);
  }
  f.set_aggregation(sv1::AGGREGATION_PERCENTAGE);
  f.set_total_measure(cv1::MEASURE_PERCENT);
  for (const auto& [grade, bound] :
       std::vector<std::pair<std::string, std::string>>{{"A", "90"}, {"B", "80"}, {"C", "70"}}) {
    sv1::GradeBand* b = f.add_grade_bands();
    b->set_grade(grade);
    *b->mutable_lower_bound() = Dec(bound);
  }
  return f;
}

ScoredResult ParIndexResult(const std::string& total, const std::string& grade) {
  ScoredResult scored;
  scored.framework = ParIndexProvince();
  sv1::Result& r = scored.result;
  r.set_name("results/par-2021");
  *r.mutable_subject() = Stnmt();
  r.set_framework_code("PAR_INDEX");
  r.set_level(sv1::LEVEL_PROVINCE);
  r.set_year(2021);
  *r.mutable_published_total() = Dec(total);
  r.set_grade(grade);
  r.set_published_rank(40);
  r.set_published_rank_of(63);
  return scored;
}

pv1::Objective GradeObjective(const std::string& id, const std::string& grade,
                              cv1::Comparator comparator) {
  pv1::Objective o;
  o.set_id(id);
  o.set_framework("PAR_INDEX");
  o.set_measure(cv1::MEASURE_GRADE);
  o.mutable_target()->set_year(2021);
  o.mutable_target()->set_comparator(comparator);
  o.mutable_target()->set_grade(grade);
  return o;
}

TEST(Scorecard, GradeTargetsFollowBandOrder) {
  FakeScoreSource source;
  source.Add(ParIndexResult("85.5", "B"));
  pv1::Objective percent =
      ComponentObjective("o4", "PAR_INDEX", "", "80", cv1::COMPARATOR_AT_LEAST, 2021);
  percent.set_measure(cv1::MEASURE_PERCENT);
  const auto card = Judge(PlanOf({GradeObjective("o1", "A", cv1::COMPARATOR_UNSPECIFIED),
                                  GradeObjective("o2", "B", cv1::COMPARATOR_AT_LEAST),
                                  GradeObjective("o3", "C", cv1::COMPARATOR_ABOVE), percent}),
                          source, 0);
  ASSERT_TRUE(card.ok()) << card.status();
  // "nhóm A" with B: not met, and no gap for a grade.
  const sv1::ScorecardLine& a = card->lines(0);
  EXPECT_EQ(a.measure(), cv1::MEASURE_GRADE);
  EXPECT_EQ(a.attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(a.target().grade(), "A");
  EXPECT_EQ(a.actual().grade(), "B");
  EXPECT_EQ(a.actual().value().value(), "85.5");
  EXPECT_FALSE(a.has_gap());
  EXPECT_FALSE(a.has_points_to_gain());
  EXPECT_EQ(card->lines(1).attainment(), sv1::ATTAINMENT_MET);
  EXPECT_EQ(card->lines(2).attainment(), sv1::ATTAINMENT_MET);  // B is above C
  // A percent objective reads the total.
  EXPECT_EQ(card->lines(3).attainment(), sv1::ATTAINMENT_MET);
  EXPECT_EQ(Milli(card->lines(3).gap()), -5500);
  // PAR INDEX has no component in the plan: priorities list its eight areas
  // without a score (the result has only a total).
  EXPECT_EQ(card->priorities_size(), 8);
  EXPECT_FALSE(card->priorities(0).has_score());
  EXPECT_EQ(card->priorities(0).reference().value(), "10");
}

TEST(Scorecard, AnUngradedTotalMissesEveryGradeAndNoGradeIsNoData) {
  FakeScoreSource source;
  source.Add(ParIndexResult("65.2", ""));
  const auto card = Judge(PlanOf({GradeObjective("o1", "C", cv1::COMPARATOR_AT_LEAST)}), source, 0);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->lines(0).attainment(), sv1::ATTAINMENT_NOT_MET);
  EXPECT_EQ(card->lines(0).actual().grade(), "");

  FakeScoreSource nothing;
  ScoredResult rank_only = ParIndexResult("", "");
  rank_only.result.clear_published_total();
  nothing.Add(rank_only);
  const auto none =
      Judge(PlanOf({GradeObjective("o1", "C", cv1::COMPARATOR_AT_LEAST)}), nothing, 0);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->lines(0).attainment(), sv1::ATTAINMENT_NO_DATA);
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

TEST(Scorecard, ErrorsOfTheSourcePropagate) {
  const pv1::Plan plan = Seed002Plan();
  {
    FakeScoreSource source;
    source.Add(Seed002Result2019());
    source.result_failure = absl::UnavailableError("results store down");
    auto card = BuildScorecard(plan, Stnmt(), 2019, Summary(), source, kNow);
    EXPECT_EQ(card.status(), absl::UnavailableError("results store down"));
  }
  {
    FakeScoreSource source;
    source.Add(Seed002Result2019());
    source.peers_failure = absl::InternalError("peers broken");
    auto card = BuildScorecard(plan, Stnmt(), 2019, Summary(), source, kNow);
    EXPECT_EQ(card.status(), absl::InternalError("peers broken"));
  }
  {
    FakeScoreSource source;
    source.Add(Seed002Result2019());
    source.latest_failure = absl::DeadlineExceededError("slow");
    auto card = BuildScorecard(plan, Stnmt(), 0, Summary(), source, kNow);
    EXPECT_EQ(card.status(), absl::DeadlineExceededError("slow"));
  }
}

TEST(Scorecard, MalformedPlanDecimalsAreInvalidArgument) {
  FakeScoreSource source;
  source.Add(Seed002Result2019());
  pv1::Plan plan = Seed002Plan();
  *plan.mutable_objectives(2)->mutable_target()->mutable_value() = Dec("bảy");
  auto card = Judge(plan, source);
  EXPECT_EQ(card.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(card.status().message()), HasSubstr("plan.objectives[2].target.value"));

  pv1::Plan no_goal = Seed002Plan();
  no_goal.mutable_objectives(0)->mutable_target()->clear_goal();
  EXPECT_EQ(Judge(no_goal, source).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chiso::scoring
