#include "common/ids/page_token.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/text/text.h"

namespace chiso {
namespace {

constexpr absl::string_view kVersion = "pt1";

}  // namespace

std::string Fingerprint(absl::string_view bytes) {
  // FNV-1a, 64 bits: stable across processes, unlike absl::Hash.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return absl::StrCat(absl::Hex(h, absl::kZeroPad16));
}

std::string EncodePageToken(absl::string_view fingerprint, absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kVersion, "\n", fingerprint, "\n", last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view fingerprint) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('\n', 2));
  if (parts.size() != 3 || parts[0] != kVersion || parts[2].empty()) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  if (parts[1] != fingerprint) {
    return absl::InvalidArgumentError(
        "page_token: issued for a different filter (list again from the first page)");
  }
  // Keys are ids and names the server wrote: text without NUL. Anything else
  // was forged, and a database must not be asked to compare it.
  if (parts[2].find('\0') != std::string::npos || !text::IsValidUtf8(parts[2])) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  return parts[2];
}

absl::StatusOr<int> NormalizePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative (got ", requested, ")"));
  }
  if (requested == 0) return default_size;
  return requested > max_size ? max_size : requested;
}

}  // namespace chiso
