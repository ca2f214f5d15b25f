#include "common/civil/parse_util.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/civil/date.h"
#include "common/text/text.h"

namespace chiso::civil::internal {

std::vector<std::string> Tokens(absl::string_view text) {
  return absl::StrSplit(text::MatchKey(text), ' ', absl::SkipEmpty());
}

bool IsAllDigits(absl::string_view token) {
  if (token.empty()) return false;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<int> ParseDigits(absl::string_view token, size_t min_digits, size_t max_digits) {
  if (!IsAllDigits(token) || token.size() < min_digits || token.size() > max_digits) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : token) value = value * 10 + (c - '0');
  return value;
}

absl::StatusOr<int> ResolveYear(std::optional<int> written, std::optional<int> default_year) {
  if (!written.has_value() && !default_year.has_value()) {
    return absl::InvalidArgumentError("no year in the text and no default year given");
  }
  const int year = written.has_value() ? *written : *default_year;
  if (absl::Status status = CheckYear(year); !status.ok()) return status;
  return year;
}

absl::Status ParseError(absl::string_view what, absl::string_view text, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid ", absl::string_view(what.data(), what.size()), " ",
                   text::QuoteForMessage(text), ": ", absl::string_view(rule.data(), rule.size())));
}

}  // namespace chiso::civil::internal
