// The working calendar of Vietnamese state offices (lịch làm việc): which days
// are worked and during which hours, so that reminders meant for people are
// delivered when someone is at the desk.
//
// Offices work Monday to Friday, 07:30–17:00 business time (Asia/Ho_Chi_Minh,
// UTC+7). Public holidays (Tết follows the lunar calendar), compensatory days
// (nghỉ bù) and make-up working Saturdays (ngày làm bù) change every year, so
// they are data: one line per day that differs from the usual week,
//
//   2025-01-01 holiday Tết Dương lịch
//   2025-04-26 workday Làm bù cho ngày 2/5
//
// with '#' starting a comment. The built-in data (vn_calendar.txt, compiled
// in) covers the years the Government has announced and gives the statutory
// days, marked provisional, for the next ones. A year with no line at all
// falls back to Monday–Friday with the fixed solar holidays (1/1, 30/4, 1/5,
// 2/9) and the compensatory days the Labour Code gives when one of them falls
// on a weekend.
//
// Nothing here reads a clock or the system time zone.

#ifndef CHISO_COMMON_CALENDAR_WORKING_CALENDAR_H_
#define CHISO_COMMON_CALENDAR_WORKING_CALENDAR_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace chiso::calendar {

class WorkingCalendar {
 public:
  // Office hours, minutes after midnight in business time: open at 07:30
  // (inclusive), close at 17:00 (exclusive).
  static constexpr int kOpenMinute = 7 * 60 + 30;
  static constexpr int kCloseMinute = 17 * 60;

  // Returns the calendar built from the shipped data. Never fails (the data
  // is checked by the tests); the object lives for the whole program.
  static const WorkingCalendar& Builtin();

  // Parses calendar lines: "YYYY-MM-DD holiday|workday [description]", blank
  // lines and '#' comments. Errors: InvalidArgument naming the line number,
  // e.g. "calendar line 4: "2025-13-01" is not a date (YYYY-MM-DD)",
  // "calendar line 9: kind "nghỉ" is neither holiday nor workday",
  // "calendar line 12: 2025-04-30 is already listed on line 10".
  static absl::StatusOr<WorkingCalendar> Parse(absl::string_view text);

  // Returns the built-in calendar extended with the file at `path`, in Parse's
  // format; the file's lines replace built-in lines of the same date (an
  // operator correcting a provisional year). An empty path returns the
  // built-in calendar. Errors: NotFound for a file that cannot be read,
  // InvalidArgument as for Parse (prefixed with the path).
  static absl::StatusOr<WorkingCalendar> BuiltinPlusFile(const std::string& path);

  // An empty calendar: Monday–Friday with the fixed solar holidays in every
  // year.
  WorkingCalendar() = default;

  // True when offices work on `day`: a listed workday; otherwise not a listed
  // holiday, not a fixed solar holiday (or its compensatory day) of a year
  // without data, and Monday–Friday.
  bool IsWorkingDay(absl::CivilDay day) const;

  // The first working day strictly after `day`.
  absl::CivilDay NextWorkingDay(absl::CivilDay day) const;
  // The last working day strictly before `day`.
  absl::CivilDay PreviousWorkingDay(absl::CivilDay day) const;

  // Moves `n` working days from `day`: n > 0 applies NextWorkingDay n times,
  // n < 0 applies PreviousWorkingDay -n times, n == 0 returns `day` as it is
  // (even when it is not a working day). AddWorkingDays(Friday, 1) is the
  // next Monday when that Monday is worked.
  absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) const;

  // Counts working days between two days, the inverse of AddWorkingDays on
  // working days: when to >= from, the working days d with from < d <= to;
  // when to < from, minus the working days d with to <= d < from.
  // WorkingDaysBetween(Friday, next Monday) is 1 when that Monday is worked.
  int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) const;

  // True when `t` falls in office hours, 07:30 (inclusive) to 17:00
  // (exclusive) business time, on a working day.
  bool InWorkingHours(absl::Time t) const;

  // Number of listed days (holidays and workdays); for diagnostics and tests.
  int listed_days() const { return static_cast<int>(listed_.size()); }

 private:
  enum class Kind { kHoliday, kWorkday };
  struct Listed {
    Kind kind;
    int line;
  };

  // Adds or replaces the lines of `other`.
  void Merge(const WorkingCalendar& other);

  bool IsFallbackHoliday(absl::CivilDay day) const;

  absl::flat_hash_map<absl::CivilDay, Listed> listed_;
  // Years with at least one listed day: their data is taken as complete.
  absl::flat_hash_set<int> years_;
};

}  // namespace chiso::calendar

#endif  // CHISO_COMMON_CALENDAR_WORKING_CALENDAR_H_
