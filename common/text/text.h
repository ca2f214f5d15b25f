// Vietnamese text helpers: Unicode normalisation, a matching key for names,
// whitespace clean-up, terminal column widths and decimal numbers written with
// a comma or a point.
//
// All functions take UTF-8. Unless stated otherwise, an ill-formed UTF-8
// sequence is read as U+FFFD REPLACEMENT CHARACTER (one per maximal ill-formed
// subpart, as the Unicode standard recommends), so the output is always valid
// UTF-8 and no input makes them fail or crash.

#ifndef CHISO_COMMON_TEXT_TEXT_H_
#define CHISO_COMMON_TEXT_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chiso::text {

// ---------------------------------------------------------------------------
// Normalisation and matching
// ---------------------------------------------------------------------------

// Returns `utf8` in Unicode Normalization Form C. Documents pasted from Word or
// PDF mix precomposed "ế" (U+1EBF) with decomposed "e" + U+0302 + U+0301; after
// NormalizeNfc both compare equal byte for byte. Nothing is trimmed or
// otherwise changed; ill-formed sequences become U+FFFD.
std::string NormalizeNfc(absl::string_view utf8);

// Returns a key for diacritic-insensitive, case-insensitive matching of names,
// such that MatchKey("Phòng Tài chính - Kế hoạch") ==
// MatchKey("phong tai chinh ke hoach") == "phong tai chinh ke hoach".
//
// The key is built by: compatibility decomposition and Unicode case folding
// (NFKC_Casefold, then NFD; this also maps full-width forms to ASCII and
// removes invisible format characters such as soft hyphens and zero-width
// spaces); dropping all combining marks (so "ư", "ơ", "ă", "â", "ê", "ô" lose
// their horn, breve and circumflex, and all five tones go); folding "đ"/"Đ"
// (and the look-alikes "ð"/"Ð" and "Ɖ"/"ɖ" produced by legacy-encoding
// converters) to "d"; turning every punctuation or symbol character
// (- – — / , . ; : ' " “ ” ( ) [ ] & + % …) and every whitespace or control
// character into a space; collapsing runs of spaces to one and trimming.
// Letters of any script and digits are kept ("Quý 3/2024" -> "quy 3 2024").
// Returns "" when `utf8` holds no letter or digit.
std::string MatchKey(absl::string_view utf8);

// Returns `utf8` with leading and trailing whitespace removed and every inner
// run of whitespace replaced by one ASCII space. Whitespace is the Unicode
// White_Space property: ASCII space, tab, newline, carriage return, vertical
// tab, form feed, NO-BREAK SPACE U+00A0 (common in text pasted from Word),
// NARROW NO-BREAK SPACE U+202F, the U+2000..U+200A spaces, U+3000 and the
// line and paragraph separators. Zero-width characters are not whitespace
// and are kept. Ill-formed sequences become U+FFFD.
std::string CollapseWhitespace(absl::string_view utf8);

// Shortens `utf8` to at most `max_bytes` bytes without splitting a
// character (a cut inside a multi-byte sequence moves back to its start);
// returns whether anything was removed. Text within the limit is unchanged.
bool CutToBytes(std::string* utf8, size_t max_bytes);

// Returns `utf8` in double quotes for an error message: quotes, backslashes
// and control characters are C-escapes, other UTF-8 is kept as is
// (QuoteForMessage("7,8,0") == "\"7,8,0\""), and text longer than 120 bytes
// is cut at a character boundary and ends with "…" inside the quotes.
// Ill-formed sequences become U+FFFD.
std::string QuoteForMessage(absl::string_view utf8);

// ---------------------------------------------------------------------------
// Terminal columns
// ---------------------------------------------------------------------------

// Returns the number of terminal columns `utf8` occupies: 0 for combining
// marks, format characters (zero-width space, joiners; but the soft hyphen
// takes 1, as terminals draw it), control
// characters and Hangul medial vowels and final consonants; 2 for East Asian
// Wide and Fullwidth characters (CJK, most emoji); 1 for everything else,
// including ill-formed sequences (shown as U+FFFD). NFC and NFD spellings of
// the same Vietnamese text therefore have the same width:
// DisplayWidth("Kế hoạch") == 8 in both forms.
int DisplayWidth(absl::string_view utf8);

// True when `utf8` is well-formed UTF-8 (no ill-formed or overlong
// sequences, no surrogates).
bool IsValidUtf8(absl::string_view utf8);

// Returns `utf8` made safe to print in one table cell of a terminal:
// whitespace collapsed (CollapseWhitespace), and control characters (C0, DEL,
// C1: escape sequences that would clear the screen or retitle the window)
// and bidirectional overrides replaced by U+FFFD. Ill-formed sequences become
// U+FFFD too.
std::string ForTerminal(absl::string_view utf8);

// Returns `utf8` followed by as many ASCII spaces as needed to reach `width`
// columns. Text already `width` columns wide or wider is returned unchanged
// (never truncated; combine with TruncateToWidth for fixed-width cells).
// Ill-formed sequences become U+FFFD.
std::string PadRight(absl::string_view utf8, int width);

// Returns `utf8` unchanged when it fits in `width` columns. Otherwise returns
// its longest prefix that fits in `width - 1` columns followed by "…" (U+2026,
// one column), so the result never exceeds `width` columns. A character is
// never split from its combining marks, and a wide character that would
// overflow is left out entirely. Returns "" when `width` <= 0. Ill-formed
// sequences become U+FFFD.
std::string TruncateToWidth(absl::string_view utf8, int width);

// ---------------------------------------------------------------------------
// Decimal numbers
// ---------------------------------------------------------------------------

// An exact decimal with at most three fractional digits, as scores and
// percentages are written in plans ("7,80", "85.42", "83,57%").
struct Decimal3 {
  // The value times 1000: 7.80 is 7800, -1.5 is -1500.
  int64_t thousandths = 0;
  // How many fractional digits were written, 0..3: "7,80" has scale 2,
  // "70" scale 0. FormatDecimal(thousandths, scale) writes it back.
  int scale = 0;

  friend bool operator==(const Decimal3& a, const Decimal3& b) {
    return a.thousandths == b.thousandths && a.scale == b.scale;
  }
  friend bool operator!=(const Decimal3& a, const Decimal3& b) { return !(a == b); }
};

// A number as written, with whether it carried a percent sign.
struct ParsedNumber {
  Decimal3 value;
  // True when the text ended with "%" ("83,57%").
  bool percent = false;

  friend bool operator==(const ParsedNumber& a, const ParsedNumber& b) {
    return a.value == b.value && a.percent == b.percent;
  }
  friend bool operator!=(const ParsedNumber& a, const ParsedNumber& b) { return !(a == b); }
};

// Parses a decimal number written with a decimal comma or a decimal point:
// "7,80", "85.42", "70", "-1,5", "+2", "83,57%", "  6,77 " (surrounding
// whitespace, including NO-BREAK SPACE, is ignored; a trailing "%", optionally
// preceded by spaces, is accepted and reported in `percent`). The sign may be
// "-", "+" or the minus sign U+2212.
//
// Separators: there is at most one separator, "," or ".", and it is always
// the decimal separator, with at least one digit on each side. Thousand
// separators are NOT accepted, because "1.234" is ambiguous between the
// Vietnamese thousand separator (1234) and a decimal point (1.234); it is read
// as 1.234, which is the only reading that makes sense for index scores. Text
// with both separators ("1.234,5", "1,234.5") or with one separator twice
// ("7,8,0", "1.234.567") is rejected.
//
// Fails with InvalidArgument, with a message that quotes the input, when the
// text is empty, contains anything else (letters, inner spaces), has more
// than three fractional digits ("1.2345"), or when the value times 1000 does
// not fit in int64_t.
absl::StatusOr<ParsedNumber> ParseNumber(absl::string_view text);

// Same as ParseNumber, but returns only the value: a trailing "%" is accepted
// and ignored ("83,57%" -> {83570, 2}).
absl::StatusOr<Decimal3> ParseDecimal(absl::string_view text);

// Returns `thousandths / 1000` written with a decimal point and exactly
// `scale` fractional digits: FormatDecimal(7800, 2) == "7.80",
// FormatDecimal(70000, 0) == "70", FormatDecimal(-1500, 3) == "-1.500".
// When `scale` < 3 the value is rounded half away from zero (Java's HALF_UP):
// FormatDecimal(72775, 2) == "72.78", FormatDecimal(-1005, 2) == "-1.01".
// A result that rounds to zero has no minus sign. `scale` is clamped to 0..3.
std::string FormatDecimal(int64_t thousandths, int scale);

// Same as FormatDecimal(value.thousandths, value.scale).
std::string FormatDecimal(const Decimal3& value);

// Returns the number in `text` in canonical form: a decimal point and the
// written number of fractional digits, no "+", no "%" ("7,80" -> "7.80",
// " 83,57% " -> "83.57", "70" -> "70", "-0,0" -> "0.0"). Fails like
// ParseNumber.
absl::StatusOr<std::string> CanonicalDecimal(absl::string_view text);

}  // namespace chiso::text

#endif  // CHISO_COMMON_TEXT_TEXT_H_
