// Scores the document importer against the hand-read facts of the five seed
// plans (fixtures/seed_00N.textproto, read from ../shared/seeds) and prints
// precision and recall per document. Required: every objective of seeds 002
// and 003 exact; lead units and timeframes right for at least 90 % of the
// tasks across the seeds; no deadline invented for a task that has none.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/text/text.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "seed_facts.pb.h"
#include "services/plan/document/plan_document.h"

namespace chiso::plan::document {
namespace {

namespace v1 = chiso::plan::v1;
namespace cv1 = chiso::common::v1;
using chiso::testing::SeedFacts;

std::string SeedsDir() {
  const char* env = std::getenv("CHISO_SEEDS_DIR");
  return env != nullptr ? env : "../shared/seeds";
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// Decimals compare by value: "7.80" as written equals the fixture's "7.8".
std::string Canonical(absl::string_view value) {
  if (value.empty()) return "";
  auto d = text::ParseDecimal(value);
  return d.ok() ? absl::StrCat(d->thousandths) : std::string(value);
}
std::string Canonical(const cv1::Decimal& d) { return Canonical(d.value()); }

std::string Comparator(cv1::Comparator c) {
  switch (c) {
    case cv1::COMPARATOR_ABOVE:
      return "ABOVE";
    case cv1::COMPARATOR_AT_LEAST:
      return "AT_LEAST";
    case cv1::COMPARATOR_AT_MOST:
      return "AT_MOST";
    case cv1::COMPARATOR_BELOW:
      return "BELOW";
    default:
      return "";
  }
}

std::string Measure(cv1::Measure m) {
  switch (m) {
    case cv1::MEASURE_RANK:
      return "RANK";
    case cv1::MEASURE_PERCENT:
      return "PERCENT";
    case cv1::MEASURE_GRADE:
      return "GRADE";
    default:
      return "SCORE";
  }
}

std::string Frequency(cv1::Frequency f) {
  switch (f) {
    case cv1::FREQUENCY_MONTHLY:
      return "MONTHLY";
    case cv1::FREQUENCY_QUARTERLY:
      return "QUARTERLY";
    case cv1::FREQUENCY_SEMIANNUAL:
      return "SEMIANNUAL";
    case cv1::FREQUENCY_ANNUAL:
      return "ANNUAL";
    case cv1::FREQUENCY_ONCE:
      return "ONCE";
    default:
      return "";
  }
}

std::string DateText(const cv1::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// A milestone in the fixtures' canonical form (seed_facts.proto).
std::string MilestoneKey(const cv1::Milestone& m) {
  switch (m.when_case()) {
    case cv1::Milestone::kDueDate:
      return "due:" + DateText(m.due_date());
    case cv1::Milestone::kPeriod: {
      const auto& p = m.period();
      switch (p.kind()) {
        case cv1::CalendarPeriod::KIND_QUARTER:
          return absl::StrCat("quarter:", p.year(), "-", p.index());
        case cv1::CalendarPeriod::KIND_HALF:
          return absl::StrCat("half:", p.year(), "-", p.index());
        case cv1::CalendarPeriod::KIND_MONTH:
          return absl::StrFormat("month:%d-%02d", p.year(), p.index());
        default:
          return absl::StrCat("year:", p.year());
      }
    }
    case cv1::Milestone::kRecurrence: {
      const auto& r = m.recurrence();
      switch (r.frequency()) {
        case cv1::FREQUENCY_ANNUAL: {
          std::string key = "annual";
          if (r.quarter() > 0) {
            absl::StrAppend(&key, ":q", r.quarter());
          } else if (r.month() > 0) {
            absl::StrAppend(&key, absl::StrFormat(":%02d-%02d", r.month(), r.day()));
          }
          if (r.year_offset() != 0) absl::StrAppend(&key, ":", r.year_offset());
          return key;
        }
        case cv1::FREQUENCY_SEMIANNUAL:
          return "semiannual";
        case cv1::FREQUENCY_QUARTERLY:
          return r.day() > 0 ? absl::StrCat("quarterly:", r.day()) : "quarterly";
        case cv1::FREQUENCY_MONTHLY:
          return r.day() > 0 ? absl::StrCat("monthly:", r.day()) : "monthly";
        default:
          return "recurrence";
      }
    }
    case cv1::Milestone::kContinuous:
      return "continuous";
    default:
      return "none";
  }
}

std::set<std::string> Milestones(const cv1::Schedule& s) {
  std::set<std::string> out;
  for (const auto& m : s.milestones()) out.insert(MilestoneKey(m));
  return out;
}

// Names compare by their matching key, ignoring a leading "Phòng" (plans
// write "các phòng: Quản lý đất đai, …" and "Phòng Quản lý đất đai").
std::string LeadKey(const std::string& name) {
  std::string key = text::MatchKey(name);
  for (const char* prefix : {"giao ", "phong "}) {
    if (absl::StartsWith(key, prefix)) key = key.substr(std::string(prefix).size());
  }
  return key;
}

bool Overlaps(int a1, int a2, int b1, int b2) { return a1 <= b2 && b1 <= a2; }

struct Score {
  int expected_tasks = 0;
  int drafts = 0;
  int leads_found = 0;
  int timeframes_right = 0;
  int invented = 0;
  int objectives_expected = 0;
  int objectives_exact = 0;
  int objectives_extracted = 0;
  int rules_expected = 0;
  int rules_found = 0;
  int header_fields = 0;
  int header_right = 0;
  std::vector<std::string> misses;
};

void ScoreHeader(const SeedFacts& facts, const v1::Plan& plan, Score* score) {
  const auto& h = facts.header();
  auto check = [&](const char* field, const std::string& want, const std::string& got) {
    ++score->header_fields;
    if (want == got) {
      ++score->header_right;
    } else {
      score->misses.push_back(
          absl::StrCat("header ", field, ": want \"", want, "\" got \"", got, "\""));
    }
  };
  check("number", h.number(), plan.number());
  check("place", h.place(), plan.place());
  // A date with a blank day ("ngày  tháng 3 năm 2024", written "YYYY-MM-00"
  // in the fixtures) cannot be a date of issue: the plan leaves it unset.
  check("issued_on", absl::EndsWith(h.issued_on(), "-00") ? "" : h.issued_on(),
        DateText(plan.issued_on()));
  check("period", absl::StrCat(h.period_start_year(), "-", h.period_end_year()),
        absl::StrCat(plan.period().start_year(), "-", plan.period().end_year()));
  check("signer", absl::StrCat(h.signer_authority(), "|", h.signer_post(), "|", h.signer_name()),
        absl::StrCat(plan.signer().authority(), "|", plan.signer().post(), "|",
                     plan.signer().full_name()));
  std::vector<std::string> parents;
  for (const auto& p : plan.parent_plans()) parents.push_back(p.number());
  check("parent_plans", absl::StrJoin(h.parent_plans(), ","), absl::StrJoin(parents, ","));
  check("recipients", absl::StrCat(h.recipients()), absl::StrCat(plan.recipients_size()));
}

void ScoreObjectives(const SeedFacts& facts, const v1::Plan& plan, Score* score) {
  score->objectives_expected = facts.objectives_size();
  score->objectives_extracted = plan.objectives_size();
  std::vector<bool> used(plan.objectives_size(), false);
  for (const auto& want : facts.objectives()) {
    bool exact = false;
    std::string got_text = "none";
    for (int i = 0; i < plan.objectives_size(); ++i) {
      const auto& o = plan.objectives(i);
      if (used[i] || o.framework() != want.framework() || o.component() != want.component() ||
          Measure(o.measure()) != want.measure()) {
        continue;
      }
      used[i] = true;
      got_text =
          absl::StrCat(Comparator(o.target().comparator()), " ", Canonical(o.target().value()), " ",
                       o.target().year(), " base ", Canonical(o.baseline().value()), " ",
                       o.baseline().year(), " ", o.baseline().rank(), "/", o.baseline().rank_of());
      exact = Comparator(o.target().comparator()) == want.comparator() &&
              Canonical(o.target().value()) == Canonical(want.target()) &&
              o.target().year() == want.target_year() &&
              Canonical(o.baseline().value()) == Canonical(want.baseline()) &&
              o.baseline().year() == want.baseline_year() &&
              o.baseline().rank() == want.baseline_rank() &&
              o.baseline().rank_of() == want.baseline_rank_of();
      break;
    }
    if (exact) {
      ++score->objectives_exact;
    } else {
      score->misses.push_back(absl::StrCat(
          "objective ", want.framework(), "/", want.component(), " ", want.measure(), " @",
          want.first_line(), ": want ", want.comparator(), " ", want.target(), " ",
          want.target_year(), " base ", want.baseline(), " ", want.baseline_year(), " ",
          want.baseline_rank(), "/", want.baseline_rank_of(), "; got ", got_text));
    }
  }
}

void ScoreTasks(const SeedFacts& facts, const v1::ImportPlanDocumentResponse& response,
                Score* score) {
  score->expected_tasks = facts.tasks_size();
  score->drafts = response.task_drafts_size();
  std::vector<bool> used(response.task_drafts_size(), false);
  for (const auto& want : facts.tasks()) {
    const std::string key = LeadKey(want.lead());
    int found = -1;
    for (int i = 0; i < response.task_drafts_size(); ++i) {
      const auto& d = response.task_drafts(i);
      if (used[i] || d.lead_units().empty() || LeadKey(d.lead_units(0)) != key ||
          !Overlaps(d.first_line(), d.last_line(), want.first_line(), want.last_line())) {
        continue;
      }
      found = i;
      break;
    }
    if (found < 0) {
      score->misses.push_back(absl::StrCat("task @", want.first_line(), "-", want.last_line(),
                                           ": lead \"", want.lead(), "\" not found"));
      continue;
    }
    used[found] = true;
    ++score->leads_found;
    const std::set<std::string> wanted(want.milestones().begin(), want.milestones().end());
    const std::set<std::string> got = Milestones(response.task_drafts(found).schedule());
    if (got == wanted) {
      ++score->timeframes_right;
    } else {
      if (wanted.empty()) ++score->invented;
      score->misses.push_back(absl::StrCat("task @", want.first_line(), " \"", want.lead(),
                                           "\": milestones want {", absl::StrJoin(wanted, ","),
                                           "} got {", absl::StrJoin(got, ","), "}"));
    }
  }
  for (int i = 0; i < response.task_drafts_size(); ++i) {
    if (used[i]) continue;
    const auto& d = response.task_drafts(i);
    score->misses.push_back(absl::StrCat("extra draft @", d.first_line(), "-", d.last_line(),
                                         ": lead \"", d.lead_units().empty() ? "" : d.lead_units(0),
                                         "\""));
  }
}

void ScoreRules(const SeedFacts& facts, const v1::Plan& plan, Score* score) {
  score->rules_expected = facts.reporting_rules_size();
  std::vector<bool> used(plan.reporting_rules_size(), false);
  for (const auto& want : facts.reporting_rules()) {
    bool found = false;
    for (int i = 0; i < plan.reporting_rules_size(); ++i) {
      const auto& r = plan.reporting_rules(i);
      if (used[i] || Frequency(r.frequency()) != want.frequency() || r.day() != want.day() ||
          r.month() != want.month() || DateText(r.due_date()) != want.due_date()) {
        continue;
      }
      used[i] = true;
      found = true;
      break;
    }
    if (found) {
      ++score->rules_found;
    } else {
      score->misses.push_back(absl::StrCat("reporting rule @", want.first_line(), " ",
                                           want.frequency(), " day ", want.day(), " month ",
                                           want.month(), " not found"));
    }
  }
  for (int i = 0; i < plan.reporting_rules_size(); ++i) {
    if (!used[i]) {
      score->misses.push_back(absl::StrCat("extra reporting rule ",
                                           Frequency(plan.reporting_rules(i).frequency()), " \"",
                                           plan.reporting_rules(i).phrase(), "\""));
    }
  }
}

double Ratio(int a, int b) { return b == 0 ? 1.0 : static_cast<double>(a) / b; }

class SeedAccuracyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream probe(SeedsDir() + "/README.md");
    if (!probe) {
      GTEST_SKIP() << "seed plans not found in " << SeedsDir()
                   << " (set CHISO_SEEDS_DIR to the folder of the five seed documents)";
    }
  }
};

TEST_F(SeedAccuracyTest, MeetsTheRequiredAccuracyOnEverySeed) {
  auto catalog = Catalog::Builtin();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const std::vector<std::string> fixtures = {"seed_000", "seed_001", "seed_002", "seed_003",
                                             "seed_004"};
  Score total;
  std::map<std::string, Score> scores;
  for (const std::string& name : fixtures) {
    std::string fixture_text;
    ASSERT_TRUE(ReadFile("tests/plan/document/fixtures/" + name + ".textproto", &fixture_text))
        << name;
    SeedFacts facts;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(fixture_text, &facts)) << name;
    std::string document;
    ASSERT_TRUE(ReadFile(SeedsDir() + "/" + facts.seed(), &document)) << facts.seed();
    v1::ImportPlanDocumentRequest request;
    request.set_text(document);
    auto response = ImportDocument(request, *catalog);
    ASSERT_TRUE(response.ok()) << name << ": " << response.status();

    Score& score = scores[name];
    ScoreHeader(facts, response->plan(), &score);
    ScoreObjectives(facts, response->plan(), &score);
    ScoreTasks(facts, *response, &score);
    ScoreRules(facts, response->plan(), &score);
    std::printf(
        "%s: tasks %d expected, %d drafts; lead recall %.0f%% precision %.0f%%; timeframes "
        "%.0f%%; invented deadlines %d; objectives %d/%d exact (%d extracted); reporting rules "
        "%d/%d; header %d/%d\n",
        name.c_str(), score.expected_tasks, score.drafts,
        100 * Ratio(score.leads_found, score.expected_tasks),
        100 * Ratio(score.leads_found, score.drafts),
        100 * Ratio(score.timeframes_right, score.expected_tasks), score.invented,
        score.objectives_exact, score.objectives_expected, score.objectives_extracted,
        score.rules_found, score.rules_expected, score.header_right, score.header_fields);
    if (std::getenv("CHISO_SEED_MISSES") != nullptr) {
      for (const auto& miss : score.misses) std::printf("  %s\n", miss.c_str());
    }
    total.expected_tasks += score.expected_tasks;
    total.drafts += score.drafts;
    total.leads_found += score.leads_found;
    total.timeframes_right += score.timeframes_right;
    total.invented += score.invented;
  }
  std::printf(
      "all seeds: %d tasks; lead recall %.1f%% precision %.1f%%; timeframes %.1f%%; invented "
      "deadlines %d (CHISO_SEED_MISSES=1 lists every miss)\n",
      total.expected_tasks, 100 * Ratio(total.leads_found, total.expected_tasks),
      100 * Ratio(total.leads_found, total.drafts),
      100 * Ratio(total.timeframes_right, total.expected_tasks), total.invented);

  for (const char* seed : {"seed_002", "seed_003"}) {
    const Score& s = scores[seed];
    EXPECT_EQ(s.objectives_exact, s.objectives_expected) << seed;
    EXPECT_EQ(s.objectives_extracted, s.objectives_expected) << seed << ": extra objectives";
  }
  EXPECT_GE(Ratio(total.leads_found, total.expected_tasks), 0.90);
  EXPECT_GE(Ratio(total.timeframes_right, total.expected_tasks), 0.90);
  EXPECT_EQ(total.invented, 0);
}

}  // namespace
}  // namespace chiso::plan::document
