#include "common/calendar/working_calendar.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/civil/business_time.h"
#include "common/civil/date.h"

namespace chiso {
namespace calendar_internal {
extern const absl::string_view kBuiltinCalendar;
}  // namespace calendar_internal

namespace calendar {
namespace {

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

// The holidays whose solar date the Labour Code fixes (Article 112): 1/1,
// 30/4, 1/5 and 2/9. The lunar ones and the second day of Quốc khánh need
// the Government's announcement.
std::array<absl::CivilDay, 4> FixedHolidays(absl::civil_year_t year) {
  return {absl::CivilDay(year, 1, 1), absl::CivilDay(year, 4, 30), absl::CivilDay(year, 5, 1),
          absl::CivilDay(year, 9, 2)};
}

// Parses "YYYY-MM-DD" exactly (four-digit year, two-digit month and day);
// std::nullopt for another shape. The date itself is checked by MakeDate.
std::optional<std::array<int, 3>> SplitIsoDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  std::array<int, 3> parts{};
  if (!absl::SimpleAtoi(text.substr(0, 4), &parts[0]) ||
      !absl::SimpleAtoi(text.substr(5, 2), &parts[1]) ||
      !absl::SimpleAtoi(text.substr(8, 2), &parts[2])) {
    return std::nullopt;
  }
  return parts;
}

absl::Status LineError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("calendar line ", line, ": ", message));
}

}  // namespace

const WorkingCalendar& WorkingCalendar::Builtin() {
  static const WorkingCalendar* const kBuiltin = [] {
    absl::StatusOr<WorkingCalendar> parsed = Parse(calendar_internal::kBuiltinCalendar);
    if (!parsed.ok()) {
      // The shipped data is tested; reaching this is a build defect.
      std::fprintf(stderr, "built-in working calendar: %s\n",
                   std::string(parsed.status().message()).c_str());
      std::abort();
    }
    return new WorkingCalendar(*std::move(parsed));
  }();
  return *kBuiltin;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::Parse(absl::string_view text) {
  WorkingCalendar calendar;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::MaxSplits(absl::ByAnyChar(" \t"), 2), absl::SkipEmpty());
    const std::optional<std::array<int, 3>> parts = SplitIsoDay(fields[0]);
    if (!parts.has_value()) {
      return LineError(line_number, absl::StrCat("\"", fields[0], "\" is not a date (YYYY-MM-DD)"));
    }
    absl::StatusOr<absl::CivilDay> day = civil::MakeDate((*parts)[0], (*parts)[1], (*parts)[2]);
    if (!day.ok()) {
      return LineError(line_number,
                       absl::StrCat("\"", fields[0], "\" is not a date: ", day.status().message()));
    }
    if (fields.size() < 2) {
      return LineError(line_number, absl::StrCat(fields[0], " has no kind (holiday or workday)"));
    }
    Kind kind;
    if (fields[1] == "holiday") {
      kind = Kind::kHoliday;
    } else if (fields[1] == "workday") {
      kind = Kind::kWorkday;
    } else {
      return LineError(line_number,
                       absl::StrCat("kind \"", fields[1], "\" is neither holiday nor workday"));
    }
    auto [it, inserted] = calendar.listed_.try_emplace(*day, Listed{kind, line_number});
    if (!inserted) {
      return LineError(line_number,
                       absl::StrCat(fields[0], " is already listed on line ", it->second.line));
    }
    calendar.years_.insert(static_cast<int>(day->year()));
  }
  return calendar;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::BuiltinPlusFile(const std::string& path) {
  WorkingCalendar calendar = Builtin();
  if (path.empty()) return calendar;
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("calendar file ", path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<WorkingCalendar> extra = Parse(text.str());
  if (!extra.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", extra.status().message()));
  }
  calendar.Merge(*extra);
  return calendar;
}

void WorkingCalendar::Merge(const WorkingCalendar& other) {
  for (const auto& [day, listed] : other.listed_) listed_[day] = listed;
  years_.insert(other.years_.begin(), other.years_.end());
}

bool WorkingCalendar::IsFallbackHoliday(absl::CivilDay day) const {
  if (years_.contains(static_cast<int>(day.year()))) return false;
  const std::array<absl::CivilDay, 4> fixed = FixedHolidays(day.year());
  // A holiday on a weekend gives a compensatory day on the next weekday that
  // is neither a holiday nor already a compensatory day (30/4 on Sunday and
  // 1/5 on Monday give Tuesday 2/5).
  std::vector<absl::CivilDay> taken(fixed.begin(), fixed.end());
  for (absl::CivilDay holiday : fixed) {
    if (holiday == day) return true;
    if (!IsWeekend(holiday)) continue;
    absl::CivilDay substitute = holiday + 1;
    while (IsWeekend(substitute) ||
           std::find(taken.begin(), taken.end(), substitute) != taken.end()) {
      ++substitute;
    }
    if (substitute == day) return true;
    taken.push_back(substitute);
  }
  return false;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (auto it = listed_.find(day); it != listed_.end()) {
    return it->second.kind == Kind::kWorkday;
  }
  if (IsWeekend(day)) return false;
  return !IsFallbackHoliday(day);
}

absl::CivilDay WorkingCalendar::NextWorkingDay(absl::CivilDay day) const {
  do {
    ++day;
  } while (!IsWorkingDay(day));
  return day;
}

absl::CivilDay WorkingCalendar::PreviousWorkingDay(absl::CivilDay day) const {
  do {
    --day;
  } while (!IsWorkingDay(day));
  return day;
}

absl::CivilDay WorkingCalendar::AddWorkingDays(absl::CivilDay day, int n) const {
  for (; n > 0; --n) day = NextWorkingDay(day);
  for (; n < 0; ++n) day = PreviousWorkingDay(day);
  return day;
}

int WorkingCalendar::WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) const {
  int count = 0;
  if (to >= from) {
    for (absl::CivilDay d = from + 1; d <= to; ++d) count += IsWorkingDay(d) ? 1 : 0;
    return count;
  }
  for (absl::CivilDay d = to; d < from; ++d) count += IsWorkingDay(d) ? 1 : 0;
  return -count;
}

bool WorkingCalendar::InWorkingHours(absl::Time t) const {
  const absl::CivilMinute local = absl::ToCivilMinute(t, civil::BusinessTimeZone());
  const int minute = local.hour() * 60 + local.minute();
  return minute >= kOpenMinute && minute < kCloseMinute && IsWorkingDay(absl::CivilDay(local));
}

}  // namespace calendar
}  // namespace chiso
