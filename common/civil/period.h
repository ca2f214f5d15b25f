// Quarters (Quý) and half years (6 tháng đầu/cuối năm) of the calendar year,
// as plans use them for windows and deadlines: "trong Quý I/2024" is the
// window 2024-01-01 … 2024-03-31, due 2024-03-31; "6 tháng đầu năm" is due
// 30 June of the plan year.
//
// The parsers take a whole phrase naming one period and nothing else;
// recurrence words ("Quý I hằng năm") and prepositions ("trong", "trước")
// are for the caller to strip. Matching ignores case, diacritics and
// punctuation (through chiso::text::MatchKey).

#ifndef CHISO_COMMON_CIVIL_PERIOD_H_
#define CHISO_COMMON_CIVIL_PERIOD_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace chiso::civil {

// ---------------------------------------------------------------------------
// Quarters
// ---------------------------------------------------------------------------

// One quarter of one year.
struct QuarterRef {
  int year = 0;
  // 1..4.
  int quarter = 0;

  friend bool operator==(const QuarterRef& a, const QuarterRef& b) {
    return a.year == b.year && a.quarter == b.quarter;
  }
  friend bool operator!=(const QuarterRef& a, const QuarterRef& b) { return !(a == b); }
};

// Returns 1..4 for a quarter number written in Roman ("I", "ii", "III",
// "IV", also the Unicode Roman numerals "Ⅲ") or Arabic ("1".."4") digits,
// ignoring case and surrounding spaces; std::nullopt for anything else.
std::optional<int> ParseQuarterNumber(absl::string_view token);

// Parses a quarter: "Quý I/2024", "quý III", "Quý 3 năm 2024", "Q2/2025",
// "Quy IV - 2024", "QUÝ II NĂM 2024". Without a year in the text,
// `default_year` is used.
//
// Fails with InvalidArgument, quoting `text` and naming the rule, when the
// text is not "Quý"/"Q" + quarter number (I–IV or 1–4) + optional
// ["năm"] year, when there is no year and no `default_year`, or when the year
// is outside kMinYear..kMaxYear (date.h).
absl::StatusOr<QuarterRef> ParseQuarter(absl::string_view text,
                                        std::optional<int> default_year = std::nullopt);

// Returns the first day of quarter `q` of `year`: QuarterStart(2024, 3) is
// 2024-07-01. `q` outside 1..4 is clamped to that range.
absl::CivilDay QuarterStart(int year, int q);

// Returns the last day of quarter `q` of `year`, its due date:
// QuarterEnd(2024, 1) is 2024-03-31, QuarterEnd(2024, 4) 2024-12-31.
// `q` outside 1..4 is clamped to that range.
absl::CivilDay QuarterEnd(int year, int q);

// Returns the quarter (1..4) that `day` falls in.
int QuarterOf(absl::CivilDay day);

// Returns the quarter as documents write it: "Quý I/2024". `q.quarter`
// outside 1..4 is clamped to that range.
std::string FormatQuarter(const QuarterRef& q);

// ---------------------------------------------------------------------------
// Half years
// ---------------------------------------------------------------------------

// One half of one year.
struct HalfYearRef {
  int year = 0;
  // 1: January–June ("6 tháng đầu năm"), 2: July–December ("6 tháng cuối
  // năm").
  int half = 0;

  friend bool operator==(const HalfYearRef& a, const HalfYearRef& b) {
    return a.year == b.year && a.half == b.half;
  }
  friend bool operator!=(const HalfYearRef& a, const HalfYearRef& b) { return !(a == b); }
};

// Parses a half year: "6 tháng đầu năm", "6 tháng cuối năm", "sáu tháng đầu
// năm", "nửa đầu năm", each optionally followed by the year ("6 tháng đầu
// năm 2024"). Without a year in the text, `default_year` is used.
//
// Fails with InvalidArgument, quoting `text` and naming the rule, when the
// text has another shape, when there is no year and no `default_year`, or
// when the year is outside kMinYear..kMaxYear (date.h).
absl::StatusOr<HalfYearRef> ParseHalfYear(absl::string_view text,
                                          std::optional<int> default_year = std::nullopt);

// Returns 1 January (half 1) or 1 July (half 2) of `year`. `half` outside
// 1..2 is clamped to that range.
absl::CivilDay HalfYearStart(int year, int half);

// Returns 30 June (half 1) or 31 December (half 2) of `year`, the due date.
// `half` outside 1..2 is clamped to that range.
absl::CivilDay HalfYearEnd(int year, int half);

// Returns the half (1 or 2) that `day` falls in.
int HalfOf(absl::CivilDay day);

}  // namespace chiso::civil

#endif  // CHISO_COMMON_CIVIL_PERIOD_H_
