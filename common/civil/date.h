// Civil dates as Vietnamese plans write them: "30/4/2024", "05/4/2024",
// "ngày 11 tháng 6 năm 2020", "15/12" (the plan year implied).
//
// Dates are absl::CivilDay values. Plans, targets and deadlines only make
// sense for years 2000..2100; every function here enforces that range.

#ifndef CHISO_COMMON_CIVIL_DATE_H_
#define CHISO_COMMON_CIVIL_DATE_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace chiso::civil {

// The years a plan, a target or a deadline may name, inclusive.
inline constexpr int kMinYear = 2000;
inline constexpr int kMaxYear = 2100;

// Returns OK when kMinYear <= year <= kMaxYear, otherwise InvalidArgument
// "year 1999 is outside 2000–2100".
absl::Status CheckYear(int year);

// Returns the date year-month-day. Unlike the absl::CivilDay constructor it
// does not normalise: fails with InvalidArgument naming the rule when the
// year is outside kMinYear..kMaxYear, the month outside 1..12 or the day
// does not exist in that month ("2023 is not a leap year" for 29/2/2023).
absl::StatusOr<absl::CivilDay> MakeDate(int year, int month, int day);

// Parses a date written in a Vietnamese document. Accepted, ignoring case,
// diacritics and extra spaces:
//   "30/4/2024", "05/4/2024", "30-4-2024", "30.4.2024"   day/month/year
//   "ngày 30/4/2024"                                      with "ngày"
//   "ngày 11 tháng 6 năm 2020", "Ngay 11 thang 6 nam 2020"
//   "15/12", "ngày 15 tháng 12"                           no year
//   "2024-04-30"                                          ISO year-month-day
// Day and month have one or two digits, the year exactly four. The separators
// "/", "-", "." and spaces are interchangeable, and the words "ngày", "tháng"
// and "năm" are optional ("11 tháng 6 năm 2020", "30 4 2024" are accepted).
// Without a year in the text, `default_year` (normally the plan year) is
// used; a year in the text wins over it.
//
// Fails with InvalidArgument, quoting `text` and naming the rule, when the
// text has another shape (including two-digit years and trailing words such
// as "hằng năm"), when it has no year and `default_year` is empty, or when
// the date does not exist or its year (written or default) is outside
// kMinYear..kMaxYear: "31/4/2024", "29/2/2023", "1/1/1999".
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text,
                                         std::optional<int> default_year = std::nullopt);

}  // namespace chiso::civil

#endif  // CHISO_COMMON_CIVIL_DATE_H_
