#include "common/schedule/occurrences.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chiso/common/v1/schedule.pb.h"
#include "chiso/common/v1/types.pb.h"
#include "common/civil/date.h"
#include "common/civil/period.h"

namespace chiso::schedule {
namespace {

namespace v1 = ::chiso::common::v1;

constexpr int kMaxYearOffset = 10;

int DaysInMonth(int year, int month) {
  const absl::CivilMonth m(year, month);
  return static_cast<int>(absl::CivilDay(m + 1) - absl::CivilDay(m));
}

absl::CivilDay MonthEnd(int year, int month) {
  return absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
}

// Day `day` of the month, or its last day when `day` is 0 or beyond it.
absl::CivilDay DayOfMonth(int year, int month, int day) {
  const int days = DaysInMonth(year, month);
  if (day <= 0 || day > days) return MonthEnd(year, month);
  return absl::CivilDay(year, month, day);
}

bool InSupportedYears(absl::CivilDay day) {
  return day.year() >= civil::kMinYear && day.year() <= civil::kMaxYear;
}

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

bool IsPeriodicFrequency(v1::Frequency f) {
  return f == v1::FREQUENCY_MONTHLY || f == v1::FREQUENCY_QUARTERLY ||
         f == v1::FREQUENCY_SEMIANNUAL || f == v1::FREQUENCY_ANNUAL;
}

absl::Status ValidateIn(const v1::Milestone& m, absl::string_view prefix) {
  switch (m.when_case()) {
    case v1::Milestone::WHEN_NOT_SET:
      return Invalid(prefix, "no due_date, period, recurrence or continuous is set");
    case v1::Milestone::kDueDate: {
      const v1::Date& d = m.due_date();
      absl::StatusOr<absl::CivilDay> day = civil::MakeDate(d.year(), d.month(), d.day());
      if (!day.ok()) {
        return Invalid(absl::StrCat(prefix, ".due_date"), day.status().message());
      }
      return absl::OkStatus();
    }
    case v1::Milestone::kPeriod: {
      const v1::CalendarPeriod& p = m.period();
      const std::string field = absl::StrCat(prefix, ".period");
      if (absl::Status s = civil::CheckYear(p.year()); !s.ok()) {
        return Invalid(absl::StrCat(field, ".year"), s.message());
      }
      int max_index = 0;
      absl::string_view what;
      switch (p.kind()) {
        case v1::CalendarPeriod::KIND_MONTH:
          max_index = 12;
          what = "month";
          break;
        case v1::CalendarPeriod::KIND_QUARTER:
          max_index = 4;
          what = "quarter";
          break;
        case v1::CalendarPeriod::KIND_HALF:
          max_index = 2;
          what = "half";
          break;
        case v1::CalendarPeriod::KIND_YEAR:
          return absl::OkStatus();
        default:
          return Invalid(absl::StrCat(field, ".kind"), "required (month, quarter, half or year)");
      }
      if (p.index() < 1 || p.index() > max_index) {
        return Invalid(absl::StrCat(field, ".index"),
                       absl::StrCat(what, " ", p.index(), " is outside 1–", max_index));
      }
      return absl::OkStatus();
    }
    case v1::Milestone::kRecurrence: {
      const v1::Recurrence& r = m.recurrence();
      const std::string field = absl::StrCat(prefix, ".recurrence");
      if (!IsPeriodicFrequency(r.frequency())) {
        return Invalid(absl::StrCat(field, ".frequency"),
                       "must be monthly, quarterly, semiannual or annual");
      }
      if (r.quarter() < 0 || r.quarter() > 4) {
        return Invalid(absl::StrCat(field, ".quarter"),
                       absl::StrCat("quarter ", r.quarter(), " is outside 0–4 (0: none)"));
      }
      if (r.month() < 0 || r.month() > 12) {
        return Invalid(absl::StrCat(field, ".month"),
                       absl::StrCat("month ", r.month(), " is outside 0–12 (0: none)"));
      }
      if (r.quarter() != 0 && r.month() != 0) {
        return Invalid(field, "set quarter or month, not both");
      }
      if (r.day() < 0 || r.day() > 31) {
        return Invalid(absl::StrCat(field, ".day"),
                       absl::StrCat("day ", r.day(), " is outside 0–31 (0: the month's end)"));
      }
      // 2024 is a leap year: it gives the longest length of every month.
      if (r.month() != 0 && r.day() > DaysInMonth(2024, r.month())) {
        return Invalid(absl::StrCat(field, ".day"),
                       absl::StrCat("day ", r.day(), " does not exist in month ", r.month()));
      }
      if (r.year_offset() < -kMaxYearOffset || r.year_offset() > kMaxYearOffset) {
        return Invalid(
            absl::StrCat(field, ".year_offset"),
            absl::StrCat(r.year_offset(), " is outside -", kMaxYearOffset, "..", kMaxYearOffset));
      }
      return absl::OkStatus();
    }
    case v1::Milestone::kContinuous: {
      const v1::Frequency f = m.continuous().check_in();
      if (f != v1::FREQUENCY_UNSPECIFIED && !IsPeriodicFrequency(f)) {
        return Invalid(absl::StrCat(prefix, ".continuous.check_in"),
                       "must be unspecified, monthly, quarterly, semiannual "
                       "or annual");
      }
      return absl::OkStatus();
    }
  }
  return Invalid(prefix, "unknown kind of milestone");
}

// The months (1–12) in which a frequency falls due within a year.
std::vector<int> DueMonths(v1::Frequency f) {
  switch (f) {
    case v1::FREQUENCY_MONTHLY:
      return {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    case v1::FREQUENCY_QUARTERLY:
      return {3, 6, 9, 12};
    case v1::FREQUENCY_SEMIANNUAL:
      return {6, 12};
    case v1::FREQUENCY_ANNUAL:
      return {12};
    default:
      return {};
  }
}

class Expander {
 public:
  Expander(const OccurrenceContext& ctx, std::vector<Occurrence>* out) : ctx_(ctx), out_(out) {
    first_year_ = std::max(ctx.period_start_year, civil::kMinYear);
    last_year_ = std::min(ctx.period_end_year, civil::kMaxYear);
    if (ctx.period_start_year == 0 || ctx.period_end_year == 0) {
      last_year_ = first_year_ - 1;
    }
  }

  void Expand(const v1::Milestone& m, int index) {
    switch (m.when_case()) {
      case v1::Milestone::kDueDate:
        Add(absl::CivilDay(m.due_date().year(), m.due_date().month(), m.due_date().day()), index,
            false, false);
        break;
      case v1::Milestone::kPeriod:
        Add(PeriodEnd(m.period()), index, false, false);
        break;
      case v1::Milestone::kRecurrence:
        ExpandRecurrence(m.recurrence(), index);
        break;
      case v1::Milestone::kContinuous:
        ExpandContinuous(m.continuous(), index);
        break;
      case v1::Milestone::WHEN_NOT_SET:
        break;
    }
  }

 private:
  static absl::CivilDay PeriodEnd(const v1::CalendarPeriod& p) {
    switch (p.kind()) {
      case v1::CalendarPeriod::KIND_MONTH:
        return MonthEnd(p.year(), p.index());
      case v1::CalendarPeriod::KIND_QUARTER:
        return civil::QuarterEnd(p.year(), p.index());
      case v1::CalendarPeriod::KIND_HALF:
        return civil::HalfYearEnd(p.year(), p.index());
      default:
        return absl::CivilDay(p.year(), 12, 31);
    }
  }

  void ExpandRecurrence(const v1::Recurrence& r, int index) {
    for (int plan_year = first_year_; plan_year <= last_year_; ++plan_year) {
      const int year = plan_year + r.year_offset();
      if (year < civil::kMinYear || year > civil::kMaxYear) continue;
      if (r.frequency() == v1::FREQUENCY_ANNUAL) {
        int month = 12;
        if (r.quarter() != 0) {
          month = r.quarter() * 3;
        } else if (r.month() != 0) {
          month = r.month();
        }
        Add(DayOfMonth(year, month, r.day()), index, false, true);
        continue;
      }
      for (int month : DueMonths(r.frequency())) {
        Add(DayOfMonth(year, month, r.day()), index, false, true);
      }
    }
  }

  void ExpandContinuous(const v1::Continuous& c, int index) {
    v1::Frequency f = c.check_in();
    if (!IsPeriodicFrequency(f)) f = ctx_.continuous_check_in_default;
    if (!IsPeriodicFrequency(f)) f = v1::FREQUENCY_MONTHLY;
    for (int year = first_year_; year <= last_year_; ++year) {
      for (int month : DueMonths(f)) {
        Add(MonthEnd(year, month), index, true, true);
      }
    }
  }

  void Add(absl::CivilDay due, int index, bool check_in, bool from_issue_date) {
    if (!InSupportedYears(due)) return;
    if (from_issue_date && ctx_.issued_on.has_value() && due < *ctx_.issued_on) {
      return;
    }
    out_->push_back(Occurrence{due, index, OccurrenceKey(due), check_in});
  }

  const OccurrenceContext& ctx_;
  std::vector<Occurrence>* out_;
  int first_year_ = 0;
  int last_year_ = -1;
};

}  // namespace

std::string OccurrenceKey(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::Status ValidateMilestone(const v1::Milestone& milestone) {
  return ValidateIn(milestone, "milestone");
}

absl::Status ValidateSchedule(const v1::Schedule& schedule) {
  if (schedule.milestones().empty()) {
    return Invalid("schedule.milestones", "required (at least one milestone)");
  }
  for (int i = 0; i < schedule.milestones_size(); ++i) {
    absl::Status status =
        ValidateIn(schedule.milestones(i), absl::StrCat("schedule.milestones[", i, "]"));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::vector<Occurrence> ExpandOccurrences(const v1::Schedule& schedule,
                                          const OccurrenceContext& ctx) {
  std::vector<Occurrence> all;
  Expander expander(ctx, &all);
  for (int i = 0; i < schedule.milestones_size(); ++i) {
    const v1::Milestone& m = schedule.milestones(i);
    if (!ValidateMilestone(m).ok()) continue;
    expander.Expand(m, i);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Occurrence& a, const Occurrence& b) { return a.due < b.due; });
  std::vector<Occurrence> merged;
  for (Occurrence& o : all) {
    if (!merged.empty() && merged.back().due == o.due) {
      Occurrence& kept = merged.back();
      kept.milestone_index = std::min(kept.milestone_index, o.milestone_index);
      kept.check_in = kept.check_in && o.check_in;
      continue;
    }
    merged.push_back(std::move(o));
  }
  return merged;
}

}  // namespace chiso::schedule
