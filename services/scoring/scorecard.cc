#include "services/scoring/scorecard.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/civil/proto_time.h"
#include "services/scoring/scoring_math.h"

namespace chiso::scoring {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;
namespace sv1 = chiso::scoring::v1;

bool HasValue(const cv1::Decimal& decimal) { return !decimal.value().empty(); }

// An objective measured in the component's own numbers (score or percent),
// as opposed to a rank or a grade.
bool IsValueMeasure(cv1::Measure measure) {
  return measure != cv1::MEASURE_RANK && measure != cv1::MEASURE_GRADE;
}

const sv1::ComponentScore* FindScore(const sv1::Result& result, absl::string_view component) {
  for (const sv1::ComponentScore& score : result.component_scores()) {
    if (score.component() == component) return &score;
  }
  return nullptr;
}

// A result with its version's rules, parsed once.
struct Scored {
  ScoredResult scored;
  FrameworkRules rules;
};

// What a result says about one component ("" for the index as a whole).
struct Reading {
  // Everything known: value, rank and rank_of, grade (the whole index only).
  sv1::Observation observation;
  // The score or total, exact; nullopt when not recorded.
  std::optional<Exact> value;
  // The component score in thousandths (component readings only).
  std::optional<int64_t> thousandths;
  // Rank as published; 0 when not.
  int rank = 0;
  // Grade, else published tier; empty when neither.
  std::string grade;
};

absl::StatusOr<Reading> Read(const Scored& scored, absl::string_view component) {
  const sv1::Result& result = scored.scored.result;
  Reading reading;
  reading.observation.set_year(result.year());
  if (!component.empty()) {
    const sv1::ComponentScore* score = FindScore(result, component);
    if (score == nullptr) return reading;
    reading.rank = score->rank();
    reading.observation.set_rank(score->rank());
    reading.observation.set_rank_of(score->rank_of());
    if (HasValue(score->score())) {
      absl::StatusOr<int64_t> thousandths = ParseThousandths(
          absl::StrCat(result.name(), " component ", component, " score"), score->score());
      if (!thousandths.ok()) return thousandths.status();
      reading.thousandths = *thousandths;
      reading.value = Exact::FromThousandths(*thousandths);
      *reading.observation.mutable_value() = score->score();
    }
    return reading;
  }

  reading.rank = result.published_rank();
  reading.observation.set_rank(result.published_rank());
  reading.observation.set_rank_of(result.published_rank_of());
  reading.grade = !result.grade().empty() ? result.grade() : result.published_tier();
  reading.observation.set_grade(reading.grade);
  if (HasValue(result.published_total())) {
    absl::StatusOr<int64_t> total =
        ParseThousandths(absl::StrCat(result.name(), " published_total"), result.published_total());
    if (!total.ok()) return total.status();
    reading.value = Exact::FromThousandths(*total);
    *reading.observation.mutable_value() = result.published_total();
    return reading;
  }
  // The computed total, exact: computed_total is rounded to thousandths
  // (55.0125 is written 55.013), too coarse to judge a target on.
  std::vector<std::optional<int64_t>> scores;
  for (const ComponentRule& rule : scored.rules.components) {
    const sv1::ComponentScore* score = FindScore(result, rule.code);
    if (score == nullptr || !HasValue(score->score())) {
      scores.push_back(std::nullopt);
      continue;
    }
    absl::StatusOr<int64_t> thousandths = ParseThousandths(
        absl::StrCat(result.name(), " component ", rule.code, " score"), score->score());
    if (!thousandths.ok()) return thousandths.status();
    scores.push_back(*thousandths);
  }
  std::optional<Exact> total = ComputeTotal(scored.rules, scores);
  if (total.has_value()) {
    reading.value = *total;
    *reading.observation.mutable_value() =
        HasValue(result.computed_total()) ? result.computed_total() : ToDecimal(*total);
  } else if (HasValue(result.computed_total())) {
    absl::StatusOr<int64_t> computed =
        ParseThousandths(absl::StrCat(result.name(), " computed_total"), result.computed_total());
    if (!computed.ok()) return computed.status();
    reading.value = Exact::FromThousandths(*computed);
    *reading.observation.mutable_value() = result.computed_total();
  }
  return reading;
}

sv1::Observation BaselineObservation(const pv1::Baseline& baseline) {
  sv1::Observation observation;
  observation.set_year(baseline.year());
  if (HasValue(baseline.value())) *observation.mutable_value() = baseline.value();
  observation.set_rank(baseline.rank());
  observation.set_rank_of(baseline.rank_of());
  observation.set_grade(baseline.grade());
  return observation;
}

sv1::Target TargetOf(const pv1::Target& target) {
  sv1::Target out;
  out.set_year(target.year());
  out.set_comparator(target.comparator());
  switch (target.goal_case()) {
    case pv1::Target::kValue:
      *out.mutable_value() = target.value();
      break;
    case pv1::Target::kGrade:
      out.set_grade(target.grade());
      break;
    default:
      break;
  }
  return out;
}

// The row of the accountability matrix for an objective: the one on its
// framework and component, else one that lists the objective.
const av1::ComponentAccountability* RowFor(const av1::PlanSummary& summary,
                                           const pv1::Objective& objective) {
  for (const av1::ComponentAccountability& row : summary.components()) {
    if (row.component().framework() == objective.framework() &&
        row.component().component() == objective.component()) {
      return &row;
    }
  }
  for (const av1::ComponentAccountability& row : summary.components()) {
    for (const std::string& id : row.objective_ids()) {
      if (id == objective.id()) return &row;
    }
  }
  return nullptr;
}

sv1::TaskProgress ProgressOf(const av1::ComponentAccountability& row) {
  sv1::TaskProgress progress;
  progress.set_task_count(row.counts().total() - row.counts().cancelled());
  progress.set_overdue_count(row.counts().overdue());
  progress.set_done_on_time_count(row.counts().done_on_time());
  progress.set_done_late_count(row.counts().done_late());
  progress.set_mean_percent_complete(row.mean_percent_complete());
  return progress;
}

// A priority entry with what orders it.
struct PriorityEntry {
  sv1::ComponentPriority priority;
  std::optional<Exact> points;
  int framework_order = 0;
  int component_order = 0;
};

class Builder {
 public:
  Builder(const pv1::Plan& plan, const sv1::Subject& subject, int year,
          const av1::PlanSummary& summary, ScoreSource& source)
      : plan_(plan), subject_(subject), year_(year), summary_(summary), source_(source) {}

  absl::Status Lines(sv1::ComputeScorecardResponse& response) {
    for (int i = 0; i < plan_.objectives_size(); ++i) {
      absl::StatusOr<sv1::ScorecardLine> line = Line(i);
      if (!line.ok()) return line.status();
      switch (line->attainment()) {
        case sv1::ATTAINMENT_MET:
          response.set_met_count(response.met_count() + 1);
          break;
        case sv1::ATTAINMENT_NOT_MET:
          response.set_not_met_count(response.not_met_count() + 1);
          break;
        default:
          response.set_no_data_count(response.no_data_count() + 1);
          break;
      }
      *response.add_lines() = *std::move(line);
    }
    return absl::OkStatus();
  }

  absl::Status Priorities(sv1::ComputeScorecardResponse& response) {
    // Frameworks in the order the plan first names them.
    std::vector<std::string> frameworks;
    for (const pv1::Objective& objective : plan_.objectives()) {
      if (std::find(frameworks.begin(), frameworks.end(), objective.framework()) ==
          frameworks.end()) {
        frameworks.push_back(objective.framework());
      }
    }
    std::vector<PriorityEntry> entries;
    for (size_t f = 0; f < frameworks.size(); ++f) {
      absl::Status status = FrameworkPriorities(frameworks[f], static_cast<int>(f), entries);
      if (!status.ok()) return status;
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const PriorityEntry& a, const PriorityEntry& b) {
                       if (a.points.has_value() != b.points.has_value()) {
                         return a.points.has_value();
                       }
                       if (a.points.has_value() && *a.points != *b.points) {
                         return *a.points > *b.points;
                       }
                       if (a.framework_order != b.framework_order) {
                         return a.framework_order < b.framework_order;
                       }
                       return a.component_order < b.component_order;
                     });
    for (PriorityEntry& entry : entries) *response.add_priorities() = std::move(entry.priority);
    return absl::OkStatus();
  }

 private:
  // The subject's result for `framework` in `year`, read once.
  absl::StatusOr<const Scored*> ResultFor(const std::string& framework, int year) {
    auto key = std::make_pair(framework, year);
    auto it = results_.find(key);
    if (it == results_.end()) {
      absl::StatusOr<std::optional<ScoredResult>> found =
          source_.ResultFor(subject_, framework, year);
      if (!found.ok()) return found.status();
      absl::StatusOr<std::optional<Scored>> scored = WithRules(*std::move(found));
      if (!scored.ok()) return scored.status();
      it = results_.emplace(key, *std::move(scored)).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  }

  static absl::StatusOr<std::optional<Scored>> WithRules(std::optional<ScoredResult> found) {
    if (!found.has_value()) return std::optional<Scored>();
    absl::StatusOr<FrameworkRules> rules = RulesOf(found->framework);
    if (!rules.ok()) return rules.status();
    Scored scored;
    scored.scored = *std::move(found);
    scored.rules = *std::move(rules);
    return std::optional<Scored>(std::move(scored));
  }

  absl::StatusOr<sv1::ScorecardLine> Line(int index) {
    const pv1::Objective& objective = plan_.objectives(index);
    const std::string field = absl::StrCat("plan.objectives[", index, "]");
    const cv1::Measure measure =
        objective.measure() == cv1::MEASURE_UNSPECIFIED ? cv1::MEASURE_SCORE : objective.measure();
    sv1::ScorecardLine line;
    line.set_objective_id(objective.id());
    line.set_framework(objective.framework());
    line.set_component(objective.component());
    line.set_measure(measure);
    if (objective.has_baseline()) {
      if (HasValue(objective.baseline().value())) {
        absl::StatusOr<int64_t> baseline =
            ParseThousandths(field + ".baseline.value", objective.baseline().value());
        if (!baseline.ok()) return baseline.status();
      }
      *line.mutable_baseline() = BaselineObservation(objective.baseline());
    }
    const pv1::Target& target = objective.target();
    *line.mutable_target() = TargetOf(target);

    // The target itself, checked before any result is read.
    std::optional<int64_t> target_value;
    switch (target.goal_case()) {
      case pv1::Target::kValue: {
        if (measure == cv1::MEASURE_GRADE) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, ".target: a grade objective needs a grade target"));
        }
        absl::StatusOr<int64_t> value = ParseThousandths(field + ".target.value", target.value());
        if (!value.ok()) return value.status();
        target_value = *value;
        break;
      }
      case pv1::Target::kGrade:
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".target: neither a value nor a grade"));
    }

    if (const av1::ComponentAccountability* row = RowFor(summary_, objective)) {
      for (const av1::LeadUnitProgress& lead : row->lead_units()) {
        *line.add_lead_units() = lead.lead_unit();
      }
      *line.mutable_task_progress() = ProgressOf(*row);
    } else {
      *line.mutable_task_progress() = sv1::TaskProgress();
    }

    const int judged_year = year_ != 0 ? year_ : target.year();
    absl::StatusOr<const Scored*> scored = ResultFor(objective.framework(), judged_year);
    if (!scored.ok()) return scored.status();
    if (*scored == nullptr) {
      line.set_attainment(sv1::ATTAINMENT_NO_DATA);
      return line;
    }
    const Scored& result = **scored;

    absl::StatusOr<PeerContext> peers = source_.Peers(result.scored.result, objective.component());
    if (!peers.ok()) return peers.status();
    if (peers->median.has_value()) *line.mutable_peer_median() = *peers->median;
    line.set_below_median(peers->below_median);

    absl::StatusOr<Reading> reading = Read(result, objective.component());
    if (!reading.ok()) return reading.status();

    std::optional<bool> met;
    if (target.goal_case() == pv1::Target::kGrade) {
      met = JudgeGrade(result.rules, objective, *reading);
    } else {
      std::optional<Exact> actual;
      if (measure == cv1::MEASURE_RANK) {
        if (reading->rank > 0) actual = Exact::Integer(reading->rank);
      } else {
        actual = reading->value;
      }
      if (actual.has_value()) {
        const Exact goal = Exact::FromThousandths(*target_value);
        met = Satisfies(*actual, target.comparator(), goal);
        *line.mutable_gap() = ToDecimal(Gap(*actual, target.comparator(), goal));
        if (!objective.component().empty() && IsValueMeasure(measure) &&
            reading->thousandths.has_value()) {
          const int component = result.rules.IndexOf(objective.component());
          if (component >= 0) {
            *line.mutable_points_to_gain() = ToDecimal(
                *met ? Exact{}
                     : PointsToGain(result.rules, component, *reading->thousandths, *target_value));
          }
        }
      }
    }
    if (!met.has_value()) {
      line.set_attainment(sv1::ATTAINMENT_NO_DATA);
      return line;
    }
    line.set_attainment(*met ? sv1::ATTAINMENT_MET : sv1::ATTAINMENT_NOT_MET);
    *line.mutable_actual() = reading->observation;
    line.set_result(result.scored.result.name());
    return line;
  }

  // A grade target by band order (0 = best); nullopt without data. A total
  // below every band is ungraded, worse than any band.
  static std::optional<bool> JudgeGrade(const FrameworkRules& rules,
                                        const pv1::Objective& objective, const Reading& reading) {
    if (!objective.component().empty()) return std::nullopt;
    const std::string& goal = objective.target().grade();
    const cv1::Comparator comparator = objective.target().comparator();
    int actual = -1;
    if (!reading.grade.empty()) {
      actual = GradeRank(rules, reading.grade);
    } else if (reading.value.has_value() && !rules.bands.empty()) {
      actual = static_cast<int>(rules.bands.size());
    } else {
      return std::nullopt;
    }
    const int wanted = GradeRank(rules, goal);
    if (actual < 0 || wanted < 0) {
      // A grade outside the bands (a published tier): only equality says
      // anything.
      const bool inclusive = comparator == cv1::COMPARATOR_UNSPECIFIED ||
                             comparator == cv1::COMPARATOR_AT_LEAST ||
                             comparator == cv1::COMPARATOR_AT_MOST;
      return inclusive && absl::EqualsIgnoreCase(reading.grade, goal);
    }
    // A better grade has a lower position: compare negated positions.
    return Satisfies(Exact::Integer(-actual), comparator, Exact::Integer(-wanted));
  }

  // The objective that sets the score target of a component: one for
  // `year` first, else the first in plan order; nullptr when none. `any`
  // receives the first objective on the component whatever its measure.
  const pv1::Objective* ScoreObjective(absl::string_view framework, absl::string_view component,
                                       int year, const pv1::Objective** any) const {
    const pv1::Objective* first = nullptr;
    *any = nullptr;
    for (const pv1::Objective& objective : plan_.objectives()) {
      if (objective.framework() != framework || objective.component() != component) continue;
      if (*any == nullptr) *any = &objective;
      if (!IsValueMeasure(objective.measure()) ||
          objective.target().goal_case() != pv1::Target::kValue) {
        continue;
      }
      if (objective.target().year() == year) return &objective;
      if (first == nullptr) first = &objective;
    }
    return first;
  }

  absl::Status FrameworkPriorities(const std::string& framework, int framework_order,
                                   std::vector<PriorityEntry>& entries) {
    // The components the plan names, in plan order, and the judged year.
    std::vector<std::string> named;
    int up_to_year = year_;
    for (const pv1::Objective& objective : plan_.objectives()) {
      if (objective.framework() != framework) continue;
      if (year_ == 0) up_to_year = std::max(up_to_year, objective.target().year());
      if (!objective.component().empty() &&
          std::find(named.begin(), named.end(), objective.component()) == named.end()) {
        named.push_back(objective.component());
      }
    }
    absl::StatusOr<std::optional<ScoredResult>> latest =
        source_.LatestResult(subject_, framework, up_to_year);
    if (!latest.ok()) return latest.status();
    absl::StatusOr<std::optional<Scored>> scored = WithRules(*std::move(latest));
    if (!scored.ok()) return scored.status();

    std::vector<std::string> codes;
    if (scored->has_value()) {
      for (const ComponentRule& rule : (*scored)->rules.components) codes.push_back(rule.code);
    }
    for (const std::string& code : named) {
      if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
    }

    for (size_t c = 0; c < codes.size(); ++c) {
      PriorityEntry entry;
      entry.framework_order = framework_order;
      entry.component_order = static_cast<int>(c);
      sv1::ComponentPriority& priority = entry.priority;
      priority.set_framework(framework);
      priority.set_component(codes[c]);

      const pv1::Objective* any = nullptr;
      const pv1::Objective* objective = ScoreObjective(framework, codes[c], up_to_year, &any);
      if (objective != nullptr) {
        priority.set_objective_id(objective->id());
      } else if (any != nullptr) {
        priority.set_objective_id(any->id());
      }

      const Scored* result = scored->has_value() ? &**scored : nullptr;
      const int index = result != nullptr ? result->rules.IndexOf(codes[c]) : -1;
      std::optional<int64_t> reference;
      if (objective != nullptr) {
        absl::StatusOr<int64_t> value =
            ParseThousandths(absl::StrCat("objective ", objective->id(), " target.value"),
                             objective->target().value());
        if (!value.ok()) return value.status();
        reference = *value;
        *priority.mutable_reference() = objective->target().value();
      } else if (index >= 0) {
        // No target: the best the component allows.
        const ComponentRule& rule = result->rules.components[static_cast<size_t>(index)];
        reference = rule.higher_is_better ? rule.max : rule.min;
        *priority.mutable_reference() = ToDecimal(Exact::FromThousandths(*reference));
        for (const sv1::Component& component : result->scored.framework.components()) {
          if (component.code() == rule.code) {
            *priority.mutable_reference() =
                rule.higher_is_better ? component.max() : component.min();
          }
        }
      }

      if (result != nullptr && index >= 0) {
        const sv1::ComponentScore* score = FindScore(result->scored.result, codes[c]);
        if (score != nullptr && HasValue(score->score())) {
          absl::StatusOr<int64_t> thousandths = ParseThousandths(
              absl::StrCat(result->scored.result.name(), " component ", codes[c], " score"),
              score->score());
          if (!thousandths.ok()) return thousandths.status();
          *priority.mutable_score() = score->score();
          if (reference.has_value()) {
            entry.points = PointsToGain(result->rules, index, *thousandths, *reference);
            *priority.mutable_points_to_gain() = ToDecimal(*entry.points);
          }
        }
      }
      entries.push_back(std::move(entry));
    }
    return absl::OkStatus();
  }

  const pv1::Plan& plan_;
  const sv1::Subject& subject_;
  const int year_;
  const av1::PlanSummary& summary_;
  ScoreSource& source_;
  std::map<std::pair<std::string, int>, std::optional<Scored>> results_;
};

}  // namespace

absl::StatusOr<sv1::ComputeScorecardResponse> BuildScorecard(const pv1::Plan& plan,
                                                             const sv1::Subject& subject, int year,
                                                             const av1::PlanSummary& summary,
                                                             ScoreSource& source, absl::Time now) {
  sv1::ComputeScorecardResponse response;
  response.set_plan(plan.name());
  *response.mutable_subject() = subject;
  Builder builder(plan, subject, year, summary, source);
  absl::Status status = builder.Lines(response);
  if (!status.ok()) return status;
  status = builder.Priorities(response);
  if (!status.ok()) return status;
  *response.mutable_compute_time() = civil::ToTimestamp(now);
  return response;
}

}  // namespace chiso::scoring
