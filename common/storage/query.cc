#include "common/storage/query.h"

#include "absl/strings/str_replace.h"

namespace chiso::storage {

std::string ContainsPattern(absl::string_view substring) {
  return absl::StrCat(
      "%", absl::StrReplaceAll(substring, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}}), "%");
}

}  // namespace chiso::storage
