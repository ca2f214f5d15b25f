#include "common/text/fields.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/text/text.h"

namespace chiso::text {
namespace {

absl::Status CheckLength(absl::string_view field, const std::string& value, int max_chars) {
  const int n = CodePointCount(value);
  if (n > max_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max_chars, " characters (got ", n, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

int CodePointCount(absl::string_view utf8) {
  int n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

absl::Status CleanLineField(absl::string_view field, std::string* value, int max_chars) {
  *value = CollapseWhitespace(NormalizeNfc(*value));
  return CheckLength(field, *value, max_chars);
}

absl::Status CleanTextField(absl::string_view field, std::string* value, int max_chars) {
  *value = std::string(absl::StripAsciiWhitespace(NormalizeNfc(*value)));
  return CheckLength(field, *value, max_chars);
}

}  // namespace chiso::text
