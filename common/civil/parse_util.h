// Internal to chiso_civil: tokens and numbers shared by the date and period
// parsers. Not part of the public API.

#ifndef CHISO_COMMON_CIVIL_PARSE_UTIL_H_
#define CHISO_COMMON_CIVIL_PARSE_UTIL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chiso::civil::internal {

// Returns the words of text::MatchKey(text): lower case, no diacritics,
// "đ" as "d", punctuation ("/", "-", ".", ",") as word breaks.
std::vector<std::string> Tokens(absl::string_view text);

// Returns the value of `token` when it is made of min_digits..max_digits
// ASCII digits, std::nullopt otherwise.
std::optional<int> ParseDigits(absl::string_view token, size_t min_digits, size_t max_digits);

// Returns true when `token` is made of ASCII digits only (and not empty).
bool IsAllDigits(absl::string_view token);

// Returns the year written in the text, or `default_year` when none was
// written; checked against kMinYear..kMaxYear. Fails with InvalidArgument
// whose message is the bare rule (the caller adds the context).
absl::StatusOr<int> ResolveYear(std::optional<int> written, std::optional<int> default_year);

// Returns InvalidArgument "invalid <what> \"<text>\": <rule>".
absl::Status ParseError(absl::string_view what, absl::string_view text, absl::string_view rule);

}  // namespace chiso::civil::internal

#endif  // CHISO_COMMON_CIVIL_PARSE_UTIL_H_
