#include "common/civil/date.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/civil/parse_util.h"

namespace chiso::civil {
namespace {

constexpr absl::string_view kDateShape =
    "expected \"D/M/YYYY\", \"D/M\", \"ngày D tháng M năm YYYY\" or "
    "\"YYYY-MM-DD\"";

bool IsLeapYear(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// Returns the rule that year-month-day breaks, or std::nullopt for a real
// date within the supported years.
std::optional<std::string> DateRule(int year, int month, int day) {
  if (absl::Status status = CheckYear(year); !status.ok()) {
    return std::string(status.message());
  }
  if (month < 1 || month > 12) {
    return absl::StrCat("month ", month, " is outside 1–12");
  }
  const int days = DaysInMonth(year, month);
  if (day < 1 || day > days) {
    std::string rule =
        absl::StrCat("day ", day, " does not exist in ", month, "/", year, " (", days, " days");
    if (month == 2 && day == 29) {
      absl::StrAppend(&rule, "; ", year, " is not a leap year");
    }
    rule += ")";
    return rule;
  }
  return std::nullopt;
}

}  // namespace

absl::Status CheckYear(int year) {
  if (year < kMinYear || year > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat("year ", year, " is outside ", kMinYear, "–", kMaxYear));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilDay> MakeDate(int year, int month, int day) {
  if (std::optional<std::string> rule = DateRule(year, month, day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid date ", year, "-", month, "-", day, ": ", *rule));
  }
  return absl::CivilDay(year, month, day);
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text, std::optional<int> default_year) {
  const std::vector<std::string> tokens = internal::Tokens(text);
  auto fail = [text](absl::string_view rule) { return internal::ParseError("date", text, rule); };
  const size_t n = tokens.size();
  size_t i = 0;
  bool words = false;
  if (i < n && tokens[i] == "ngay") {
    words = true;
    ++i;
  }

  std::optional<int> day;
  std::optional<int> month;
  std::optional<int> year;
  if (!words && n == 3 && internal::ParseDigits(tokens[0], 4, 4)) {
    year = internal::ParseDigits(tokens[0], 4, 4);
    month = internal::ParseDigits(tokens[1], 1, 2);
    day = internal::ParseDigits(tokens[2], 1, 2);
    if (!month || !day) return fail(kDateShape);
    i = n;
  } else {
    if (i < n) day = internal::ParseDigits(tokens[i++], 1, 2);
    if (!day) return fail(kDateShape);
    if (i < n && tokens[i] == "thang") ++i;
    if (i < n) month = internal::ParseDigits(tokens[i++], 1, 2);
    if (!month) return fail(kDateShape);
    if (i < n) {
      if (tokens[i] == "nam") ++i;
      if (i == n) return fail(kDateShape);
      if (internal::IsAllDigits(tokens[i]) && tokens[i].size() != 4) {
        return fail("the year must have four digits");
      }
      year = internal::ParseDigits(tokens[i++], 4, 4);
      if (!year) return fail(kDateShape);
    }
  }
  if (i != n) return fail(kDateShape);

  absl::StatusOr<int> resolved = internal::ResolveYear(year, default_year);
  if (!resolved.ok()) return fail(std::string(resolved.status().message()));
  if (std::optional<std::string> rule = DateRule(*resolved, *month, *day)) {
    return fail(*rule);
  }
  return absl::CivilDay(*resolved, *month, *day);
}

}  // namespace chiso::civil
