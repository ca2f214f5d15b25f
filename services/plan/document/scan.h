// Small scanning helpers shared by the extractors (internal to the document
// importer): RE2 over folded text (document.h Fold), clause splitting, and
// cutting the original words back out of a block.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_SCAN_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_SCAN_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"
#include "services/plan/document/document.h"

namespace chiso::plan::document::scan {

inline re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }
inline absl::string_view View(re2::StringPiece p) { return absl::string_view(p.data(), p.size()); }

// Byte offset of `part` (a piece RE2 matched inside `whole`) in `whole`.
inline size_t OffsetIn(absl::string_view whole, re2::StringPiece part) {
  return static_cast<size_t>(part.data() - whole.data());
}

// A range of folded bytes [begin, end).
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// The span RE2 matched as `part` of `whole`.
inline Span SpanOf(absl::string_view whole, re2::StringPiece part) {
  const size_t begin = OffsetIn(whole, part);
  return Span{begin, begin + part.size()};
}

// Splits folded text into clauses: at ";", and at ".", "!", "?" followed by
// a space or the end (so "7.80", "1.2" and "NĐ-CP." inside numbers stay
// whole), never inside parentheses. Separators are left out; spans are
// trimmed of spaces.
inline std::vector<Span> Clauses(absl::string_view folded) {
  std::vector<Span> out;
  size_t start = 0;
  int depth = 0;
  auto push = [&](size_t end) {
    size_t b = start;
    size_t e = end;
    while (b < e && folded[b] == ' ') ++b;
    while (e > b && folded[e - 1] == ' ') --e;
    if (e > b) out.push_back(Span{b, e});
  };
  for (size_t i = 0; i < folded.size(); ++i) {
    const char c = folded[i];
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (depth > 0) continue;
    const bool stop = c == ';' || ((c == '.' || c == '!' || c == '?') &&
                                   (i + 1 == folded.size() || folded[i + 1] == ' '));
    if (!stop) continue;
    push(i);
    start = i + 1;
  }
  push(folded.size());
  return out;
}

// Parenthesis depth of one text at increasing offsets, counted from `from`
// in a single pass however many offsets are asked.
class ParenDepth {
 public:
  ParenDepth(absl::string_view text, size_t from) : text_(text), pos_(from) {}

  // Depth at `at`; `at` must not decrease from call to call.
  int At(size_t at) {
    for (; pos_ < at && pos_ < text_.size(); ++pos_) {
      if (text_[pos_] == '(') ++depth_;
      if (text_[pos_] == ')' && depth_ > 0) --depth_;
    }
    return depth_;
  }

 private:
  absl::string_view text_;
  size_t pos_;
  int depth_ = 0;
};

// The original words of folded bytes [begin, end) of `block`, without
// surrounding spaces and the punctuation in `strip` at either end.
inline std::string OriginalWords(const Block& block, size_t begin, size_t end,
                                 absl::string_view strip = " .,;:") {
  absl::string_view s = block.Original(begin, end);
  while (!s.empty() && strip.find(s.front()) != absl::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && strip.find(s.back()) != absl::string_view::npos) s.remove_suffix(1);
  return std::string(s);
}

// The document line (1-based) that folded byte `at` of `block` comes from,
// found by where the block's later lines start in its folded text.
inline int LineAt(const Document& doc, const Block& block, size_t at) {
  int line = block.first_line;
  size_t from = 0;
  for (int n = block.first_line + 1; n <= block.last_line; ++n) {
    const Folded folded = Fold(doc.lines[static_cast<size_t>(n - 1)]);
    absl::string_view start = folded.text;
    while (!start.empty() &&
           (start.front() == ' ' || start.front() == '\t' || start.front() == '*' ||
            start.front() == '#' || start.front() == '_')) {
      start.remove_prefix(1);
    }
    size_t length = 0;
    while (length < start.size() && length < 16 && start[length] != '*' && start[length] != '_' &&
           static_cast<unsigned char>(start[length]) < 0x80) {
      ++length;
    }
    if (length < 4) continue;
    const size_t pos = absl::string_view(block.folded.text).find(start.substr(0, length), from);
    if (pos == std::string::npos) continue;
    if (pos > at) break;
    line = n;
    from = pos;
  }
  return line;
}

// Whether the block starts a section: "I.", "1.", "a)" or a Markdown
// heading.
// An appendix title ("Phụ lục", "PHỤ LỤC: PHÂN CÔNG NHIỆM VỤ …"): a short
// block that starts with the word, not a sentence that mentions it.
inline bool IsAppendixHeading(const Block& block) {
  return absl::StartsWith(block.folded.text, "phu luc") && block.text.size() < 80;
}

inline bool IsHeading(const Block& block) {
  return block.kind == BlockKind::kRoman || block.kind == BlockKind::kNumber ||
         block.kind == BlockKind::kLetter || block.hashes > 0;
}

// Cuts `value` to at most `max_chars` characters (code points, as the plan
// validator counts them) at a character boundary, dropping spaces left at
// the end; true when it was cut.
inline bool FitChars(std::string* value, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < value->size(); ++i) {
    if ((static_cast<unsigned char>((*value)[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) {
      value->resize(i);
      while (!value->empty() && value->back() == ' ') value->pop_back();
      return true;
    }
    ++chars;
  }
  return false;
}

}  // namespace chiso::plan::document::scan

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_SCAN_H_
