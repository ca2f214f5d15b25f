#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/text/text.h"

namespace chiso::text {
namespace {

constexpr int kMaxScale = 3;
constexpr uint64_t kMaxMagnitude = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
constexpr uint64_t kMaxIntegerPart = kMaxMagnitude / 1000;
constexpr uint64_t kPow10[] = {1, 10, 100, 1000};

absl::Status Invalid(absl::string_view text, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("invalid number ", QuoteForMessage(text), ": ",
                                                 absl::string_view(rule.data(), rule.size())));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<ParsedNumber> ParseNumber(absl::string_view text) {
  const std::string cleaned = CollapseWhitespace(text);
  absl::string_view v = cleaned;
  ParsedNumber result;
  if (v.empty()) return Invalid(text, "empty");
  if (absl::ConsumeSuffix(&v, "%")) {
    result.percent = true;
    absl::ConsumeSuffix(&v, " ");
  }
  bool negative = false;
  if (absl::ConsumePrefix(&v, "-") || absl::ConsumePrefix(&v, "\u2212")) {
    negative = true;
  } else {
    absl::ConsumePrefix(&v, "+");
  }
  if (v.empty()) return Invalid(text, "no digits");

  size_t commas = 0;
  size_t points = 0;
  for (char c : v) {
    if (c == ',') {
      ++commas;
    } else if (c == '.') {
      ++points;
    } else if (!IsDigit(c)) {
      return Invalid(text,
                     "only digits, one decimal ',' or '.', a leading sign and "
                     "a trailing '%' are allowed");
    }
  }
  if (commas > 0 && points > 0) {
    return Invalid(text,
                   "both ',' and '.' appear; thousand separators are not "
                   "accepted, write the number without them (1234,5)");
  }
  if (commas + points > 1) {
    return Invalid(text,
                   "more than one decimal separator (thousand separators are "
                   "not accepted)");
  }

  absl::string_view integer_digits = v;
  absl::string_view fraction_digits;
  const size_t separator = v.find_first_of(",.");
  if (separator != absl::string_view::npos) {
    integer_digits = v.substr(0, separator);
    fraction_digits = v.substr(separator + 1);
    if (integer_digits.empty() || fraction_digits.empty()) {
      return Invalid(text, "the decimal separator needs digits on both sides");
    }
  }
  if (fraction_digits.size() > static_cast<size_t>(kMaxScale)) {
    return Invalid(text, "more than 3 fractional digits");
  }

  uint64_t integer_part = 0;
  for (char c : integer_digits) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (integer_part > (kMaxIntegerPart - digit) / 10) {
      return Invalid(text, "out of range");
    }
    integer_part = integer_part * 10 + digit;
  }
  uint64_t fraction_part = 0;
  for (char c : fraction_digits) {
    fraction_part = fraction_part * 10 + static_cast<uint64_t>(c - '0');
  }
  const int scale = static_cast<int>(fraction_digits.size());
  const uint64_t magnitude = integer_part * 1000 + fraction_part * kPow10[kMaxScale - scale];
  if (magnitude > kMaxMagnitude) return Invalid(text, "out of range");

  const int64_t value = static_cast<int64_t>(magnitude);
  result.value.thousandths = negative ? -value : value;
  result.value.scale = scale;
  return result;
}

absl::StatusOr<Decimal3> ParseDecimal(absl::string_view text) {
  absl::StatusOr<ParsedNumber> parsed = ParseNumber(text);
  if (!parsed.ok()) return parsed.status();
  return parsed->value;
}

std::string FormatDecimal(int64_t thousandths, int scale) {
  if (scale < 0) scale = 0;
  if (scale > kMaxScale) scale = kMaxScale;
  const bool negative = thousandths < 0;
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(thousandths + 1)) + 1 : static_cast<uint64_t>(thousandths);
  const uint64_t divisor = kPow10[kMaxScale - scale];
  const uint64_t rounded = (magnitude + divisor / 2) / divisor;
  const uint64_t integer_part = rounded / kPow10[scale];
  const uint64_t fraction_part = rounded % kPow10[scale];

  std::string out;
  if (negative && rounded != 0) out.push_back('-');
  absl::StrAppend(&out, integer_part);
  if (scale > 0) {
    std::string fraction = absl::StrCat(fraction_part);
    out.push_back('.');
    out.append(static_cast<size_t>(scale) - fraction.size(), '0');
    out += fraction;
  }
  return out;
}

std::string FormatDecimal(const Decimal3& value) {
  return FormatDecimal(value.thousandths, value.scale);
}

absl::StatusOr<std::string> CanonicalDecimal(absl::string_view text) {
  absl::StatusOr<ParsedNumber> parsed = ParseNumber(text);
  if (!parsed.ok()) return parsed.status();
  return FormatDecimal(parsed->value);
}

}  // namespace chiso::text
