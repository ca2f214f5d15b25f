// Feeds arbitrary bytes to ParseTimeframe as a timeframe of a 2022–2025 plan
// read in 2024. No input may crash it or take long; errors are
// InvalidArgument quoting the phrase; an accepted timeframe has milestones,
// each with a deadline that exists (dates, months, quarters and half years
// in 2000–2100) and words cut from the whole phrase.

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chiso/common/v1/schedule.pb.h"
#include "common/civil/date.h"
#include "common/schedule/timeframe.h"
#include "common/text/text.h"
#include "fuzz/require.h"

namespace chiso::schedule {
namespace {

using ::chiso::common::v1::CalendarPeriod;
using ::chiso::common::v1::Milestone;
using ::chiso::common::v1::Schedule;
using ::chiso::fuzz::Require;

bool InYears(int year) { return chiso::civil::kMinYear <= year && year <= chiso::civil::kMaxYear; }

void CheckPeriod(const CalendarPeriod& period) {
  Require(InYears(period.year()), absl::StrCat("period year ", period.year(), " in 2000–2100"));
  int max_index = 0;
  switch (period.kind()) {
    case CalendarPeriod::KIND_MONTH:
      max_index = 12;
      break;
    case CalendarPeriod::KIND_QUARTER:
      max_index = 4;
      break;
    case CalendarPeriod::KIND_HALF:
      max_index = 2;
      break;
    case CalendarPeriod::KIND_YEAR:
      return;
    default:
      Require(false, absl::StrCat("period kind ", period.kind(), " is set"));
  }
  Require(1 <= period.index() && period.index() <= max_index,
          absl::StrCat("period index ", period.index(), " in 1..", max_index));
}

void CheckMilestone(const Milestone& milestone, absl::string_view phrase) {
  switch (milestone.when_case()) {
    case Milestone::kDueDate: {
      const auto& date = milestone.due_date();
      Require(chiso::civil::MakeDate(date.year(), date.month(), date.day()).ok(),
              absl::StrCat("due date ", date.day(), "/", date.month(), "/", date.year(),
                           " exists in 2000–2100"));
      break;
    }
    case Milestone::kPeriod:
      CheckPeriod(milestone.period());
      break;
    case Milestone::kRecurrence: {
      const auto& recurrence = milestone.recurrence();
      Require(recurrence.frequency() != chiso::common::v1::FREQUENCY_UNSPECIFIED,
              "a recurrence has a frequency");
      Require(0 <= recurrence.quarter() && recurrence.quarter() <= 4, "recurrence quarter 0..4");
      Require(0 <= recurrence.month() && recurrence.month() <= 12, "recurrence month 0..12");
      Require(0 <= recurrence.day() && recurrence.day() <= 31, "recurrence day 0..31");
      Require(-1 <= recurrence.year_offset() && recurrence.year_offset() <= 1,
              "recurrence year_offset -1..1");
      break;
    }
    case Milestone::kContinuous:
      break;
    default:
      Require(false, "a milestone says when it falls due");
  }
  Require(!milestone.phrase().empty(), "a milestone has words");
  Require(
      absl::StrContains(phrase, milestone.phrase()),
      absl::StrCat("milestone phrase \"", milestone.phrase(), "\" is cut from \"", phrase, "\""));
  Require(chiso::text::IsValidUtf8(milestone.label()), "a milestone label is UTF-8");
}

void FuzzOne(absl::string_view phrase) {
  TimeframeContext context;
  context.plan_year = 2024;
  context.period_start_year = 2022;
  context.period_end_year = 2025;
  const absl::StatusOr<Schedule> schedule = ParseTimeframe(phrase, context);
  if (!schedule.ok()) {
    Require(schedule.status().code() == absl::StatusCode::kInvalidArgument,
            absl::StrCat("errors are InvalidArgument, not ", schedule.status().ToString()));
    Require(absl::StartsWith(schedule.status().message(), "timeframe \""),
            absl::StrCat("errors quote the timeframe: ", schedule.status().ToString()));
    return;
  }
  Require(schedule->milestones_size() > 0, "an accepted timeframe has milestones");
  Require(chiso::text::IsValidUtf8(schedule->phrase()), "the phrase is UTF-8");
  for (const Milestone& milestone : schedule->milestones()) {
    CheckMilestone(milestone, schedule->phrase());
  }
}

}  // namespace
}  // namespace chiso::schedule

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chiso::schedule::FuzzOne(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
