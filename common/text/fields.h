#ifndef CHISO_COMMON_TEXT_FIELDS_H_
#define CHISO_COMMON_TEXT_FIELDS_H_

// Text fields of requests, cleaned and checked the same way in every service:
// NFC (documents pasted from Word mix composed and decomposed letters), and
// lengths counted in characters, not bytes (a Vietnamese letter takes 2–3).

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace chiso::text {

// Number of code points in `utf8` (each ill-formed byte counts as one).
int CodePointCount(absl::string_view utf8);

// Cleans a one-line field in place (NFC, whitespace runs collapsed to one
// space, ends trimmed). Errors: InvalidArgument "<field>: at most <max>
// characters (got <n>)".
absl::Status CleanLineField(absl::string_view field, std::string* value, int max_chars);

// Cleans a multi-line field in place (NFC, ends trimmed, inner line breaks
// kept). Errors: as CleanLineField.
absl::Status CleanTextField(absl::string_view field, std::string* value, int max_chars);

}  // namespace chiso::text

#endif  // CHISO_COMMON_TEXT_FIELDS_H_
