// A plan document (KẾ HOẠCH) as text, cut into blocks that the extractors read:
// headings ("II.", "1.", "a)"), bullets ("-", "+", "*"), table rows, footnotes
// and paragraphs, each with the document lines it came from.
//
// Input is text as pasted from Word or a PDF: Markdown emphasis ("**Giao
// Thanh tra huyện**", "## KẾ HOẠCH"), superscript footnote markers ("⁽¹⁾",
// "¹"), stray spaces, NFD or NFC spellings, and sentences broken over a blank
// line ("… tham mưu thực hiện cải\n\nthiện chỉ số …"). Blocks undo all of
// that; their line numbers still point at the original lines.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_DOCUMENT_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_DOCUMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chiso::plan::document {

// Limits of ParseDocument.
struct DocumentLimits {
  // Largest document text in bytes (2 MiB: a long plan with its appendix is
  // under 200 KB).
  size_t max_bytes = 2 * 1024 * 1024;
  // Most lines.
  int max_lines = 50000;
  // Longest line in bytes; longer lines are cut at a character boundary (with
  // a warning from the caller) rather than rejected.
  size_t max_line_bytes = 64 * 1024;
};

// What starts a block.
enum class BlockKind {
  kParagraph,  // plain text
  kRoman,      // "I.", "II.", … (marker "II")
  kNumber,     // "1.", "2)", "1.2.", "1.2 ", "(3)" (marker "1", "1.2", "3")
  kLetter,     // "a)", "đ)", "b." (marker "a", "đ", "b")
  kBullet,     // "-", "–", "+", "*", "•" (marker is the character)
  kTableRow,   // a row of cells separated by tabs or "|"
  kFootnote,   // a footnote body: a line opening with "⁽¹⁾" or "¹"
  kRule,       // a table rule such as "----\t-----" or "|---|---|"
};

// Lower-case ASCII folding of Vietnamese with a map back to the original:
// "Chỉ tiêu: đạt trên 7,80 điểm" folds to "chi tieu: dat tren 7,80 diem".
// Letters lose case and diacritics ("đ" -> "d"), every other character stays
// (punctuation, digits and non-Vietnamese letters), so numbers, dates and
// "20/23" read the same in both.
struct Folded {
  std::string text;
  // origin[i] is the byte offset in the original of folded byte i; one extra
  // entry holds the original's length.
  std::vector<uint32_t> origin;
};

// Folds `utf8` (which must be valid UTF-8, e.g. a Block's text).
Folded Fold(absl::string_view utf8);

// One block of the document.
struct Block {
  BlockKind kind = BlockKind::kParagraph;
  // Marker without punctuation: "II", "1", "a", "đ", "-", "+"; empty for
  // paragraphs and table rows.
  std::string marker;
  // Heading depth given by Markdown "#" signs, 0 when none.
  int hashes = 0;
  // Text after the marker: NFC, emphasis and footnote markers removed,
  // whitespace collapsed, continuation lines joined with one space.
  std::string text;
  // `text` folded; `Original` maps back.
  Folded folded;
  // Table rows: the cells, each cleaned like `text`. A row whose first
  // cells are empty continues the group of the row above.
  std::vector<std::string> cells;
  // Whether the original text was bold (Markdown "**…**" around most of it).
  bool bold = false;
  // Whether the text ends with ":" (announces bullets that follow).
  bool ends_with_colon = false;
  // Lines of the original document, 1-based, inclusive.
  int first_line = 0;
  int last_line = 0;

  // The part of `text` that the folded bytes [begin, end) came from.
  absl::string_view Original(size_t begin, size_t end) const;
};

// A document: its blocks in order, and its original lines.
struct Document {
  std::vector<Block> blocks;
  // The original lines (without line ends), 0-based: line n is lines[n-1].
  std::vector<std::string> lines;
  // Lines cut at DocumentLimits.max_line_bytes, 1-based.
  std::vector<int> cut_lines;

  // The original text of lines first..last (1-based, inclusive), joined with
  // "\n" and whitespace-collapsed per line, for ExtractedFact.source_text.
  // Cut at `max_bytes` (ending "…"); reads no more lines than that needs.
  std::string SourceText(int first_line, int last_line, size_t max_bytes = 2000) const;
};

// Cuts `text` into blocks. Errors: InvalidArgument when the text is not
// UTF-8 ("document: not UTF-8 text at byte 123"), contains NUL bytes (binary
// data), or is empty or only whitespace; ResourceExhausted naming the limit
// when it is larger than `limits` allow. CR LF, CR and U+2028 end lines too;
// a UTF-8 byte order mark is ignored.
absl::StatusOr<Document> ParseDocument(absl::string_view text,
                                       const DocumentLimits& limits = DocumentLimits());

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_DOCUMENT_H_
