// Internal to chiso_text: UTF-8 decoding and encoding with U+FFFD for
// ill-formed input. Not part of the public API; include common/text/text.h.

#ifndef CHISO_COMMON_TEXT_UTF8_H_
#define CHISO_COMMON_TEXT_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "unicode/umachine.h"
#include "unicode/utf8.h"

namespace chiso::text::internal {

inline constexpr UChar32 kReplacementCharacter = 0xFFFD;

// Calls f(code_point, bytes) for each code point of `utf8`, in order. Each
// maximal ill-formed subpart is reported as U+FFFD with the bytes it covers.
template <typename F>
void ForEachCodePoint(absl::string_view utf8, F&& f) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const size_t length = utf8.size();
  size_t i = 0;
  while (i < length) {
    const size_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) c = kReplacementCharacter;
    f(c, utf8.substr(start, i - start));
  }
}

// Appends the UTF-8 encoding of `c` to `out`; surrogates and values outside
// the Unicode range are appended as U+FFFD.
inline void AppendUtf8(std::string& out, UChar32 c) {
  if (c < 0 || c > 0x10FFFF || U_IS_SURROGATE(c)) c = kReplacementCharacter;
  uint8_t buffer[U8_MAX_LENGTH];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buffer, n, c);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

}  // namespace chiso::text::internal

#endif  // CHISO_COMMON_TEXT_UTF8_H_
