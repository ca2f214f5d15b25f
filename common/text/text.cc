#include "common/text/text.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/text/utf8.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/utf16.h"

namespace chiso::text {
namespace {

constexpr size_t kMaxQuotedBytes = 120;

bool IsAscii(absl::string_view s) {
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  }
  return true;
}

icu::UnicodeString ToUnicode(absl::string_view utf8) {
  icu::UnicodeString out;
  internal::ForEachCodePoint(utf8, [&out](UChar32 c, absl::string_view) { out.append(c); });
  return out;
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

bool IsDLike(UChar32 c) {
  switch (c) {
    case 0x0110:  // Đ
    case 0x0111:  // đ
    case 0x00D0:  // Ð (eth, used for Đ by legacy converters)
    case 0x00F0:  // ð
    case 0x0189:  // Ɖ
    case 0x0256:  // ɖ
      return true;
    default:
      return false;
  }
}

int CodePointWidth(UChar32 c) {
  if (c == 0x00AD) return 1;  // soft hyphen: terminals draw it (as wcwidth says)
  const uint32_t mask = U_GET_GC_MASK(c);
  if (mask & (U_GC_MN_MASK | U_GC_ME_MASK | U_GC_CF_MASK | U_GC_CC_MASK)) {
    return 0;
  }
  if (c >= 0x1160 && c <= 0x11FF) return 0;
  const int eaw = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
  if (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH) return 2;
  return 1;
}

std::string Sanitize(absl::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  internal::ForEachCodePoint(
      utf8, [&out](UChar32 c, absl::string_view) { internal::AppendUtf8(out, c); });
  return out;
}

}  // namespace

std::string NormalizeNfc(absl::string_view utf8) {
  if (IsAscii(utf8)) return std::string(utf8);
  icu::UnicodeString s = ToUnicode(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return ToUtf8(s);
  icu::UnicodeString normalized = nfc->normalize(s, status);
  if (U_FAILURE(status)) return ToUtf8(s);
  return ToUtf8(normalized);
}

std::string MatchKey(absl::string_view utf8) {
  icu::UnicodeString s = ToUnicode(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* casefold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_SUCCESS(status)) {
    icu::UnicodeString folded = casefold->normalize(s, status);
    icu::UnicodeString decomposed = nfd->normalize(folded, status);
    if (U_SUCCESS(status)) s = decomposed;
  }
  if (U_FAILURE(status)) s.foldCase();

  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < s.length();) {
    const UChar32 c = s.char32At(i);
    i += U16_LENGTH(c);
    const uint32_t mask = U_GET_GC_MASK(c);
    if (mask & (U_GC_M_MASK | U_GC_CF_MASK)) continue;
    if (u_isUWhiteSpace(c) || (mask & (U_GC_P_MASK | U_GC_S_MASK | U_GC_Z_MASK | U_GC_CC_MASK))) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.isEmpty()) out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(IsDLike(c) ? static_cast<UChar32>('d') : c);
  }
  return ToUtf8(out);
}

std::string CollapseWhitespace(absl::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  internal::ForEachCodePoint(utf8, [&](UChar32 c, absl::string_view) {
    if (u_isUWhiteSpace(c)) {
      pending_space = true;
      return;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    internal::AppendUtf8(out, c);
  });
  return out;
}

bool CutToBytes(std::string* utf8, size_t max_bytes) {
  if (utf8->size() <= max_bytes) return false;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>((*utf8)[end]) & 0xC0) == 0x80) --end;
  utf8->resize(end);
  return true;
}

std::string QuoteForMessage(absl::string_view utf8) {
  std::string s = Sanitize(utf8);
  const bool cut = CutToBytes(&s, kMaxQuotedBytes);
  return absl::StrCat("\"", absl::Utf8SafeCEscape(s), cut ? "…" : "", "\"");
}

int DisplayWidth(absl::string_view utf8) {
  int width = 0;
  internal::ForEachCodePoint(
      utf8, [&width](UChar32 c, absl::string_view) { width += CodePointWidth(c); });
  return width;
}

std::string PadRight(absl::string_view utf8, int width) {
  std::string out = Sanitize(utf8);
  const int current = DisplayWidth(out);
  if (current < width) out.append(static_cast<size_t>(width - current), ' ');
  return out;
}

std::string TruncateToWidth(absl::string_view utf8, int width) {
  if (width <= 0) return "";
  if (DisplayWidth(utf8) <= width) return Sanitize(utf8);
  const int budget = width - 1;
  std::string out;
  int used = 0;
  bool stopped = false;
  internal::ForEachCodePoint(utf8, [&](UChar32 c, absl::string_view) {
    if (stopped) return;
    const int w = CodePointWidth(c);
    if (used + w > budget) {
      stopped = true;
      return;
    }
    used += w;
    internal::AppendUtf8(out, c);
  });
  out += "…";
  return out;
}

bool IsValidUtf8(absl::string_view utf8) {
  bool valid = true;
  internal::ForEachCodePoint(utf8, [&valid](UChar32 c, absl::string_view bytes) {
    if (c == internal::kReplacementCharacter && bytes != "\xEF\xBF\xBD") valid = false;
  });
  return valid;
}

std::string ForTerminal(absl::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  internal::ForEachCodePoint(CollapseWhitespace(utf8), [&out](UChar32 c, absl::string_view) {
    const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
    const bool bidi = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    internal::AppendUtf8(out, control || bidi ? internal::kReplacementCharacter : c);
  });
  return out;
}

}  // namespace chiso::text
