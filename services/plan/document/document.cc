#include "services/plan/document/document.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/text/text.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"

namespace chiso::plan::document {
namespace {

// Folding of U+00C0..U+1EFF: the ASCII letter a code point decomposes to
// (lower case), 0 when it is not a Latin letter with marks.
class FoldTable {
 public:
  static const FoldTable& Get() {
    static const FoldTable* table = new FoldTable();
    return *table;
  }
  char Lookup(UChar32 c) const {
    if (c < kFirst || c > kLast) return 0;
    return table_[static_cast<size_t>(c - kFirst)];
  }

 private:
  static constexpr UChar32 kFirst = 0x00C0;
  static constexpr UChar32 kLast = 0x1EFF;

  FoldTable() : table_(static_cast<size_t>(kLast - kFirst + 1), 0) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    for (UChar32 c = kFirst; c <= kLast; ++c) {
      char folded = 0;
      if (c == 0x0110 || c == 0x0111 || c == 0x00D0 || c == 0x00F0 || c == 0x0189 || c == 0x0256) {
        folded = 'd';
      } else if (U_SUCCESS(status)) {
        icu::UnicodeString decomposition;
        if (nfd->getDecomposition(c, decomposition) && decomposition.length() > 0) {
          const UChar base = decomposition.charAt(0);
          if (base < 0x80 && std::isalpha(base)) {
            folded = static_cast<char>(std::tolower(base));
          }
        }
      }
      table_[static_cast<size_t>(c - kFirst)] = folded;
    }
  }

  std::vector<char> table_;
};

bool IsCombiningMark(UChar32 c) { return c >= 0x0300 && c <= 0x036F; }

bool IsSuperscriptDigit(UChar32 c) {
  return c == 0x00B9 || c == 0x00B2 || c == 0x00B3 || (c >= 0x2070 && c <= 0x2079) || c == 0x207D ||
         c == 0x207E;
}

// Removes Markdown emphasis ("*", "**", "***", "__") and superscript footnote
// markers. Reports whether the text was wrapped in bold and whether it
// started with a footnote marker.
std::string StripMarks(absl::string_view text, bool* bold, bool* footnote_start) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  bool seen_content = false;
  *footnote_start = false;
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  *bold = absl::StartsWith(trimmed, "**") && trimmed.size() > 4;
  while (i < text.size()) {
    const size_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, text.size(), c);
    if (c == '*') continue;
    if (c == '_' && i < text.size() && text[i] == '_') {
      ++i;
      continue;
    }
    if (IsSuperscriptDigit(c)) {
      if (!seen_content) *footnote_start = true;
      continue;
    }
    if (c > ' ') seen_content = true;
    out.append(text.data() + start, i - start);
  }
  return out;
}

bool IsRomanNumeral(absl::string_view s) {
  static const char* const kNumerals[] = {"I",   "II",   "III", "IV", "V",  "VI",
                                          "VII", "VIII", "IX",  "X",  "XI", "XII"};
  for (const char* numeral : kNumerals) {
    if (s == numeral) return true;
  }
  return false;
}

// Recognises the marker at the start of `text` (already cleaned). On success
// sets kind and marker and returns the byte length of the marker with the
// space after it.
size_t Marker(absl::string_view text, BlockKind* kind, std::string* marker) {
  if (text.empty()) return 0;
  // Bullets.
  static const char* const kBullets[] = {"- ", "+ ", "• ", "– ", "— ", "· "};
  for (const char* bullet : kBullets) {
    if (absl::StartsWith(text, bullet)) {
      *kind = BlockKind::kBullet;
      *marker = std::string(absl::string_view(bullet).substr(0, std::strlen(bullet) - 1));
      if (*marker == "–" || *marker == "—") *marker = "-";
      return std::strlen(bullet);
    }
  }
  if ((text[0] == '-' || text[0] == '+') && text.size() > 1 &&
      static_cast<unsigned char>(text[1]) >= 0x80) {
    *kind = BlockKind::kBullet;
    *marker = std::string(1, text[0]);
    return 1;
  }
  if ((text[0] == '-' || text[0] == '+') && text.size() > 1 && std::isalpha(text[1])) {
    *kind = BlockKind::kBullet;
    *marker = std::string(1, text[0]);
    return 1;
  }
  // Roman numerals: "II. ", "IV) ".
  size_t n = 0;
  while (n < text.size() && n < 5 && (text[n] == 'I' || text[n] == 'V' || text[n] == 'X')) ++n;
  if (n > 0 && n + 1 < text.size() && (text[n] == '.' || text[n] == ')') && text[n + 1] == ' ' &&
      IsRomanNumeral(text.substr(0, n))) {
    *kind = BlockKind::kRoman;
    *marker = std::string(text.substr(0, n));
    return n + 2;
  }
  // Numbers: "1. ", "2) ", "1.2. ", "1.2 ".
  n = 0;
  while (n < text.size() && n < 8 &&
         (std::isdigit(static_cast<unsigned char>(text[n])) || (text[n] == '.' && n > 0))) {
    ++n;
  }
  if (n > 0 && std::isdigit(static_cast<unsigned char>(text[0]))) {
    absl::string_view number = text.substr(0, n);
    size_t end = n;
    bool closed = false;
    if (absl::EndsWith(number, ".")) {
      number.remove_suffix(1);
      closed = true;
    } else if (end < text.size() && text[end] == ')') {
      ++end;
      closed = true;
    } else if (absl::StrContains(number, '.')) {
      closed = true;  // "1.2 Giao …": a sub-item written without the last dot
    }
    const bool short_parts = [&] {
      for (absl::string_view part : absl::StrSplit(number, '.')) {
        if (part.empty() || part.size() > 2) return false;
      }
      return true;
    }();
    if (closed && short_parts && end < text.size() && text[end] == ' ') {
      *kind = BlockKind::kNumber;
      *marker = std::string(number);
      return end + 1;
    }
  }
  // Numbers in parentheses: "(1) ", "(12) ".
  if (text.size() > 3 && text[0] == '(' && std::isdigit(static_cast<unsigned char>(text[1]))) {
    size_t close = 1;
    while (close < text.size() && close < 4 &&
           std::isdigit(static_cast<unsigned char>(text[close])))
      ++close;
    if (close + 1 < text.size() && text[close] == ')' && text[close + 1] == ' ') {
      *kind = BlockKind::kNumber;
      *marker = std::string(text.substr(1, close - 1));
      return close + 2;
    }
  }
  // Letters: "a) ", "đ) ", "a. ", "b. ".
  if (std::islower(static_cast<unsigned char>(text[0])) && text.size() > 2 &&
      (text[1] == ')' || text[1] == '.') && text[2] == ' ') {
    *kind = BlockKind::kLetter;
    *marker = std::string(1, text[0]);
    return 3;
  }
  if (absl::StartsWith(text, "đ) ") || absl::StartsWith(text, "đ. ")) {
    *kind = BlockKind::kLetter;
    *marker = "đ";
    return std::strlen("đ) ");
  }
  // A leading "* " is a bullet only before anything else was stripped; the
  // caller handles it on the raw text.
  return 0;
}

bool EndsSentence(absl::string_view text) {
  static const char* const kEnds[] = {".", ":", ";", "!", "?", "…", ")", "”", "\"", "./."};
  for (const char* end : kEnds) {
    if (absl::EndsWith(text, end)) return true;
  }
  return false;
}

bool StartsLowercase(absl::string_view text) {
  if (text.empty()) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  UChar32 c;
  U8_NEXT(bytes, i, text.size(), c);
  return c > 0 && u_islower(c);
}

bool IsRuleCell(absl::string_view cell) {
  if (cell.empty()) return true;
  for (char c : cell) {
    if (c != '-' && c != ':' && c != '=' && c != '+' && c != ' ') return false;
  }
  return true;
}

std::string Clean(absl::string_view text) {
  return text::CollapseWhitespace(text::NormalizeNfc(text));
}

// Splits `text` into lines at LF, CR LF, CR, U+2028 and U+2029.
std::vector<std::string> SplitLines(absl::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      lines.push_back(std::move(current));
      current.clear();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      continue;
    }
    if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
        (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      lines.push_back(std::move(current));
      current.clear();
      i += 2;
      continue;
    }
    current.push_back(c);
  }
  if (!current.empty()) lines.push_back(std::move(current));
  return lines;
}

// Builds a block from one raw line; returns false for a blank line.
bool LineBlock(absl::string_view raw, int number, bool after_row, Block* block) {
  std::string line(raw);
  // Table rows: tabs, or Markdown pipes.
  const std::string trimmed_raw(absl::StripAsciiWhitespace(line));
  if (trimmed_raw.empty()) return false;
  // One tab after a bullet sign is only spacing ("-\tNội dung"); two or more
  // make a row. Leading tabs are empty cells of a row that continues the one
  // above ("\t\tvà cập nhật …"); elsewhere they only indent a paragraph.
  const absl::string_view right_trimmed = absl::StripTrailingAsciiWhitespace(line);
  const absl::string_view counted = after_row ? right_trimmed : absl::string_view(trimmed_raw);
  const auto tabs = std::count(counted.begin(), counted.end(), '\t');
  const bool bullet_start =
      absl::StartsWith(trimmed_raw, "-\t") || absl::StartsWith(trimmed_raw, "+\t") ||
      absl::StartsWith(trimmed_raw, "- ") || absl::StartsWith(trimmed_raw, "+ ");
  const bool tabbed = tabs >= 2 || (tabs == 1 && !bullet_start);
  const bool piped = absl::StartsWith(trimmed_raw, "|") &&
                     std::count(trimmed_raw.begin(), trimmed_raw.end(), '|') >= 3;
  block->first_line = number;
  block->last_line = number;
  if (tabbed || piped) {
    absl::string_view row = after_row ? right_trimmed : absl::string_view(trimmed_raw);
    if (piped) {
      row = absl::StripAsciiWhitespace(row);
      row.remove_prefix(1);
      if (absl::EndsWith(row, "|")) row.remove_suffix(1);
    }
    bool all_rule = true;
    for (absl::string_view cell : absl::StrSplit(row, piped ? '|' : '\t')) {
      bool bold = false;
      bool footnote = false;
      std::string cleaned = Clean(StripMarks(cell, &bold, &footnote));
      if (!IsRuleCell(cleaned)) all_rule = false;
      block->cells.push_back(std::move(cleaned));
    }
    block->kind = all_rule ? BlockKind::kRule : BlockKind::kTableRow;
    block->text = absl::StrJoin(block->cells, " | ");
    return true;
  }
  // Markdown heading signs.
  absl::string_view view = trimmed_raw;
  while (!view.empty() && view.front() == '#') {
    ++block->hashes;
    view.remove_prefix(1);
  }
  // "* " as a bullet (before emphasis is stripped), "* **Lãnh đạo…:**".
  bool star_bullet = false;
  if (absl::StartsWith(view, "* ") || absl::StartsWith(view, "*\t")) {
    star_bullet = true;
    view.remove_prefix(2);
  }
  bool footnote = false;
  std::string cleaned = Clean(StripMarks(view, &block->bold, &footnote));
  if (cleaned.empty()) return false;
  if (footnote) {
    block->kind = BlockKind::kFootnote;
    block->text = std::move(cleaned);
    return true;
  }
  if (star_bullet) {
    block->kind = BlockKind::kBullet;
    block->marker = "*";
    block->text = std::move(cleaned);
  } else {
    BlockKind kind = BlockKind::kParagraph;
    std::string marker;
    const size_t skip = Marker(cleaned, &kind, &marker);
    if (skip > 0 && !block->bold) {
      // "c) **Các phòng chuyên môn …**": bold after the marker.
      BlockKind raw_kind = BlockKind::kParagraph;
      std::string raw_marker;
      const size_t raw_skip = Marker(view, &raw_kind, &raw_marker);
      if (raw_skip > 0) {
        const absl::string_view rest = absl::StripLeadingAsciiWhitespace(view.substr(raw_skip));
        block->bold = absl::StartsWith(rest, "**") && rest.size() > 4;
      }
    }
    block->kind = kind;
    block->marker = std::move(marker);
    block->text =
        skip > 0 ? std::string(absl::StripAsciiWhitespace(absl::string_view(cleaned).substr(skip)))
                 : std::move(cleaned);
  }
  return true;
}

// Whether `next` continues the sentence of `block` across a line break.
bool Continues(const Block& block, const Block& next) {
  if (next.kind != BlockKind::kParagraph || next.hashes > 0) return false;
  if (block.kind == BlockKind::kFootnote || block.kind == BlockKind::kRule) return false;
  if (block.kind == BlockKind::kTableRow) return StartsLowercase(next.text);
  if (block.bold) return false;
  if (StartsLowercase(next.text)) return !absl::EndsWith(block.text, ".") || block.text.size() > 60;
  return block.text.size() >= 100 && !EndsSentence(block.text);
}

void Finish(Block* block) {
  // Continuation lines were appended to the cells; the row's text follows.
  if (block->kind == BlockKind::kTableRow) block->text = absl::StrJoin(block->cells, " | ");
  block->ends_with_colon = absl::EndsWith(block->text, ":");
  block->folded = Fold(block->text);
}

}  // namespace

Folded Fold(absl::string_view utf8) {
  const FoldTable& table = FoldTable::Get();
  Folded out;
  out.text.reserve(utf8.size());
  out.origin.reserve(utf8.size() + 1);
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, utf8.size(), c);
    if (c < 0x80 && c >= 0) {
      out.text.push_back(static_cast<char>(std::tolower(c)));
      out.origin.push_back(static_cast<uint32_t>(start));
      continue;
    }
    if (IsCombiningMark(c)) continue;
    const char folded = c > 0 ? table.Lookup(c) : 0;
    if (folded != 0) {
      out.text.push_back(folded);
      out.origin.push_back(static_cast<uint32_t>(start));
      continue;
    }
    for (size_t b = start; b < i; ++b) {
      out.text.push_back(utf8[b]);
      out.origin.push_back(static_cast<uint32_t>(start));
    }
  }
  out.origin.push_back(static_cast<uint32_t>(utf8.size()));
  return out;
}

absl::string_view Block::Original(size_t begin, size_t end) const {
  if (folded.origin.empty()) return {};
  const size_t last = folded.origin.size() - 1;
  begin = std::min(begin, last);
  end = std::min(std::max(end, begin), last);
  size_t from = folded.origin[begin];
  // The end of folded byte end-1 is the start of the next original
  // character.
  size_t to = folded.origin[end];
  if (end > begin && to <= from) to = folded.origin[last];
  while (end < last && folded.origin[end] == folded.origin[end - 1] && end > begin) {
    ++end;
    to = folded.origin[end];
  }
  return absl::string_view(text).substr(from, to - from);
}

std::string Document::SourceText(int first_line, int last_line, size_t max_bytes) const {
  // Only `max_bytes` can be shown: lines are read and collapsed until then,
  // so a fact over a long range costs no more than a short one.
  std::string joined;
  for (int n = std::max(first_line, 1);
       n <= last_line && n <= static_cast<int>(lines.size()) && joined.size() <= max_bytes; ++n) {
    std::string raw = lines[static_cast<size_t>(n - 1)];
    text::CutToBytes(&raw, max_bytes + 16);
    const std::string line = text::CollapseWhitespace(raw);
    if (line.empty()) continue;
    if (!joined.empty()) joined.push_back('\n');
    joined += line;
  }
  if (joined.size() > max_bytes) {
    text::CutToBytes(&joined, max_bytes >= 3 ? max_bytes - 3 : 0);
    joined += "…";
  }
  return joined;
}

absl::StatusOr<Document> ParseDocument(absl::string_view text, const DocumentLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "document: ", text.size(), " bytes is over the limit of ", limits.max_bytes, " bytes"));
  }
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  const size_t nul = text.find('\0');
  if (nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("document: binary data (a NUL byte at byte ", nul,
                     "); send the text of the document, or a .docx file as `docx`"));
  }
  {
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    size_t i = 0;
    while (i < text.size()) {
      const size_t start = i;
      UChar32 c;
      U8_NEXT(bytes, i, text.size(), c);
      if (c < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("document: not UTF-8 text at byte ", start,
                         "; convert the document to UTF-8 (Word: Save As, Plain Text, UTF-8)"));
      }
    }
  }
  Document doc;
  doc.lines = SplitLines(text);
  if (doc.lines.size() > static_cast<size_t>(limits.max_lines)) {
    return absl::ResourceExhaustedError(absl::StrCat("document: ", doc.lines.size(),
                                                     " lines is over the limit of ",
                                                     limits.max_lines, " lines"));
  }
  for (size_t n = 0; n < doc.lines.size(); ++n) {
    if (doc.lines[n].size() > limits.max_line_bytes) {
      text::CutToBytes(&doc.lines[n], limits.max_line_bytes);
      doc.cut_lines.push_back(static_cast<int>(n + 1));
    }
  }
  int blank_run = 0;
  for (size_t n = 0; n < doc.lines.size(); ++n) {
    Block block;
    const bool after_row =
        blank_run == 0 && !doc.blocks.empty() && doc.blocks.back().kind == BlockKind::kTableRow;
    if (!LineBlock(doc.lines[n], static_cast<int>(n + 1), after_row, &block)) {
      ++blank_run;
      continue;
    }
    if (!doc.blocks.empty() && blank_run <= 3 && Continues(doc.blocks.back(), block)) {
      Block& previous = doc.blocks.back();
      if (previous.kind == BlockKind::kTableRow) {
        for (auto it = previous.cells.rbegin(); it != previous.cells.rend(); ++it) {
          if (!it->empty()) {
            absl::StrAppend(&*it, " ", block.text);
            break;
          }
        }
      } else {
        absl::StrAppend(&previous.text, " ", block.text);
      }
      previous.last_line = block.last_line;
      blank_run = 0;
      continue;
    }
    blank_run = 0;
    doc.blocks.push_back(std::move(block));
  }
  if (doc.blocks.empty()) {
    return absl::InvalidArgumentError("document: the text is empty");
  }
  for (Block& block : doc.blocks) Finish(&block);
  return doc;
}

}  // namespace chiso::plan::document
