#include "common/civil/period.h"

#include <algorithm>
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
#include "common/text/text.h"

namespace chiso::civil {
namespace {

constexpr absl::string_view kQuarterShape =
    "expected \"Quý\" or \"Q\", the quarter (I–IV or 1–4) and optionally "
    "the year (\"Quý I/2024\", \"Quý 3 năm 2024\", \"Q2/2025\")";
constexpr absl::string_view kQuarterRule = "the quarter must be I–IV or 1–4";
constexpr absl::string_view kHalfYearShape =
    "expected \"6 tháng đầu năm\" or \"6 tháng cuối năm\", optionally "
    "followed by the year";
constexpr absl::string_view kYearDigits = "the year must have four digits";

constexpr const char* kRoman[] = {"I", "II", "III", "IV"};

// Returns 1..4 for a quarter number already in MatchKey form.
std::optional<int> QuarterFromKey(absl::string_view key) {
  static constexpr absl::string_view kKeys[][2] = {
      {"i", "1"}, {"ii", "2"}, {"iii", "3"}, {"iv", "4"}};
  for (int q = 0; q < 4; ++q) {
    if (key == kKeys[q][0] || key == kKeys[q][1]) return q + 1;
  }
  return std::nullopt;
}

// Returns true when `key` looks like an attempt at a quarter number: digits
// or Roman numeral letters.
bool LooksLikeNumber(absl::string_view key) {
  if (key.empty()) return false;
  return internal::IsAllDigits(key) || key.find_first_not_of("ivxlcdm") == absl::string_view::npos;
}

// Reads an optional trailing ["nam"] YYYY from tokens[i..]. Returns the
// rule broken, or std::nullopt when the tokens are well formed.
std::optional<absl::string_view> ReadYear(const std::vector<std::string>& tokens, size_t& i,
                                          bool allow_nam, absl::string_view shape,
                                          std::optional<int>& year) {
  const size_t n = tokens.size();
  if (i == n) return std::nullopt;
  if (allow_nam && tokens[i] == "nam") ++i;
  if (i == n) return shape;
  if (internal::IsAllDigits(tokens[i]) && tokens[i].size() != 4) {
    return kYearDigits;
  }
  year = internal::ParseDigits(tokens[i], 4, 4);
  if (!year) return shape;
  ++i;
  if (i != n) return shape;
  return std::nullopt;
}

}  // namespace

std::optional<int> ParseQuarterNumber(absl::string_view token) {
  return QuarterFromKey(text::MatchKey(token));
}

absl::StatusOr<QuarterRef> ParseQuarter(absl::string_view text, std::optional<int> default_year) {
  const std::vector<std::string> tokens = internal::Tokens(text);
  auto fail = [text](absl::string_view rule) {
    return internal::ParseError("quarter", text, rule);
  };
  if (tokens.empty()) return fail(kQuarterShape);

  absl::string_view number;
  size_t i = 0;
  if (tokens[0] == "quy" || tokens[0] == "q") {
    if (tokens.size() < 2) return fail(kQuarterShape);
    number = tokens[1];
    i = 2;
  } else if (tokens[0].size() > 1 && tokens[0][0] == 'q' &&
             LooksLikeNumber(absl::string_view(tokens[0]).substr(1))) {
    number = absl::string_view(tokens[0]).substr(1);
    i = 1;
  } else {
    return fail(kQuarterShape);
  }
  const std::optional<int> quarter = QuarterFromKey(number);
  if (!quarter) {
    return fail(LooksLikeNumber(number) ? kQuarterRule : kQuarterShape);
  }

  std::optional<int> year;
  if (std::optional<absl::string_view> rule =
          ReadYear(tokens, i, /*allow_nam=*/true, kQuarterShape, year)) {
    return fail(*rule);
  }
  absl::StatusOr<int> resolved = internal::ResolveYear(year, default_year);
  if (!resolved.ok()) return fail(std::string(resolved.status().message()));
  return QuarterRef{*resolved, *quarter};
}

absl::CivilDay QuarterStart(int year, int q) {
  q = std::clamp(q, 1, 4);
  return absl::CivilDay(year, 3 * (q - 1) + 1, 1);
}

absl::CivilDay QuarterEnd(int year, int q) {
  q = std::clamp(q, 1, 4);
  return absl::CivilDay(year, 3 * q + 1, 1) - 1;
}

int QuarterOf(absl::CivilDay day) { return (day.month() - 1) / 3 + 1; }

std::string FormatQuarter(const QuarterRef& q) {
  return absl::StrCat("Quý ", kRoman[std::clamp(q.quarter, 1, 4) - 1], "/", q.year);
}

absl::StatusOr<HalfYearRef> ParseHalfYear(absl::string_view text, std::optional<int> default_year) {
  const std::vector<std::string> tokens = internal::Tokens(text);
  auto fail = [text](absl::string_view rule) {
    return internal::ParseError("half year", text, rule);
  };
  const size_t n = tokens.size();
  size_t i = 0;
  if (i < n && tokens[i] == "nua") {
    ++i;
  } else if (i + 1 < n && (tokens[i] == "sau" || internal::ParseDigits(tokens[i], 1, 2) == 6) &&
             tokens[i + 1] == "thang") {
    i += 2;
  } else {
    return fail(kHalfYearShape);
  }
  int half = 0;
  if (i < n && tokens[i] == "dau") {
    half = 1;
  } else if (i < n && tokens[i] == "cuoi") {
    half = 2;
  } else {
    return fail(kHalfYearShape);
  }
  ++i;
  if (i == n || tokens[i] != "nam") return fail(kHalfYearShape);
  ++i;

  std::optional<int> year;
  if (std::optional<absl::string_view> rule =
          ReadYear(tokens, i, /*allow_nam=*/false, kHalfYearShape, year)) {
    return fail(*rule);
  }
  absl::StatusOr<int> resolved = internal::ResolveYear(year, default_year);
  if (!resolved.ok()) return fail(std::string(resolved.status().message()));
  return HalfYearRef{*resolved, half};
}

absl::CivilDay HalfYearStart(int year, int half) {
  return absl::CivilDay(year, std::clamp(half, 1, 2) == 1 ? 1 : 7, 1);
}

absl::CivilDay HalfYearEnd(int year, int half) {
  return std::clamp(half, 1, 2) == 1 ? absl::CivilDay(year, 6, 30) : absl::CivilDay(year, 12, 31);
}

int HalfOf(absl::CivilDay day) { return day.month() <= 6 ? 1 : 2; }

}  // namespace chiso::civil
