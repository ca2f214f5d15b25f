#include "services/plan/document/docx_text.h"

#include <zip.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "pugixml.hpp"

namespace chiso::plan::document {
namespace {

constexpr char kDocumentPart[] = "word/document.xml";
constexpr char kWordNamespace[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
constexpr char kStrictWordNamespace[] = "http://purl.oclc.org/ooxml/wordprocessingml/main";
constexpr char kMarkupCompatibilityNamespace[] =
    "http://schemas.openxmlformats.org/markup-compatibility/2006";
// Entries up to this size are never rejected for their compression ratio: a
// small, repetitive document.xml (an empty table) compresses very well and is
// harmless; bombs are caught as soon as they grow past it.
constexpr uint64_t kRatioFreeBytes = 1024 * 1024;
// Most grid columns a cell may span or a row may skip (w:gridSpan,
// w:gridBefore); more is read as this many, so a forged span cannot multiply
// the text.
constexpr int kMaxSpan = 64;

struct ZipDiscarder {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
struct ZipSourceFreer {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};

// Owns a zip_error_t for the calls that report through one.
class ZipError {
 public:
  ZipError() { zip_error_init(&error_); }
  ~ZipError() { zip_error_fini(&error_); }
  ZipError(const ZipError&) = delete;
  ZipError& operator=(const ZipError&) = delete;

  zip_error_t* get() { return &error_; }
  std::string message() { return zip_error_strerror(&error_); }

 private:
  zip_error_t error_;
};

absl::Status NotDocx(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("docx: not a .docx file: ", why));
}

// a * b, or the largest uint64_t when that overflows.
uint64_t SaturatingMultiply(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    return std::numeric_limits<uint64_t>::max();
  }
  return a * b;
}

absl::Status RatioExceeded(uint64_t size, uint64_t compressed, const DocxLimits& limits) {
  return absl::ResourceExhaustedError(
      absl::StrCat("docx: ", kDocumentPart, " expands from ", compressed, " to ", size,
                   " bytes or more, over the limit of ", limits.max_ratio,
                   " times its compressed size (max_ratio)"));
}

absl::Status XmlTooLarge(uint64_t size, const DocxLimits& limits) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "docx: ", kDocumentPart, " is ", size, " bytes or more uncompressed, over the limit of ",
      limits.max_xml_bytes, " (max_xml_bytes)"));
}

// Reads word/document.xml out of the archive in `bytes`, stopping as soon as
// it outgrows max_xml_bytes or max_ratio whatever sizes the archive declares.
absl::StatusOr<std::string> ReadDocumentPart(absl::string_view bytes, const DocxLimits& limits) {
  ZipError error;
  std::unique_ptr<zip_source_t, ZipSourceFreer> source(
      zip_source_buffer_create(bytes.data(), bytes.size(), /*freep=*/0, error.get()));
  if (source == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("docx: cannot open: ", error.message()));
  }
  std::unique_ptr<zip_t, ZipDiscarder> archive(
      zip_open_from_source(source.get(), ZIP_RDONLY, error.get()));
  if (archive == nullptr) {
    return NotDocx(absl::StrCat("not a zip archive (", error.message(), ")"));
  }
  // The archive owns the source from here on.
  source.release();

  const zip_int64_t index = zip_name_locate(archive.get(), kDocumentPart, ZIP_FL_NOCASE);
  if (index < 0) return NotDocx(absl::StrCat("no ", kDocumentPart));

  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(index), 0, &stat) != 0) {
    return NotDocx(absl::StrCat(kDocumentPart, ": ", zip_strerror(archive.get())));
  }
  // The compressed data cannot be larger than the archive, whatever it says.
  const uint64_t compressed = (stat.valid & ZIP_STAT_COMP_SIZE)
                                  ? std::min<uint64_t>(stat.comp_size, bytes.size())
                                  : bytes.size();
  // What the entry may inflate to before the ratio rejects it.
  const uint64_t ratio_limit =
      std::max(kRatioFreeBytes, SaturatingMultiply(compressed, limits.max_ratio));
  if (stat.valid & ZIP_STAT_SIZE) {
    if (stat.size > limits.max_xml_bytes) return XmlTooLarge(stat.size, limits);
    if (stat.size > ratio_limit) return RatioExceeded(stat.size, compressed, limits);
  }

  std::unique_ptr<zip_file_t, ZipFileCloser> file(
      zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(index), 0));
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("docx: cannot read ", kDocumentPart, ": ", zip_strerror(archive.get())));
  }
  std::string xml;
  if (stat.valid & ZIP_STAT_SIZE) xml.reserve(std::min<uint64_t>(stat.size, kRatioFreeBytes));
  std::vector<char> chunk(64 * 1024);
  for (;;) {
    const zip_int64_t n = zip_fread(file.get(), chunk.data(), chunk.size());
    if (n < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("docx: cannot read ", kDocumentPart, ": ", zip_file_strerror(file.get())));
    }
    if (n == 0) break;
    const uint64_t size = xml.size() + static_cast<uint64_t>(n);
    if (size > limits.max_xml_bytes) return XmlTooLarge(size, limits);
    if (size > ratio_limit) return RatioExceeded(size, compressed, limits);
    xml.append(chunk.data(), static_cast<size_t>(n));
  }
  return xml;
}

// The prefix (with its colon, or "" for the default namespace) that the root
// element binds to `uri`, if it binds one.
std::optional<std::string> PrefixOf(const pugi::xml_node& root, const char* uri) {
  for (const pugi::xml_attribute& attribute : root.attributes()) {
    if (std::strcmp(attribute.value(), uri) != 0) continue;
    const absl::string_view name = attribute.name();
    if (name == "xmlns") return "";
    if (absl::StartsWith(name, "xmlns:")) return absl::StrCat(name.substr(6), ":");
  }
  return std::nullopt;
}

// Walks the body of a document in order and writes its text: Enter and Exit
// are called for every element, Exit also for those whose children Enter
// chose to skip.
class TextWriter {
 public:
  TextWriter(absl::string_view word_prefix, absl::string_view mc_prefix, size_t max_bytes)
      : w_(word_prefix),
        fallback_(absl::StrCat(mc_prefix, "Fallback")),
        tr_pr_(absl::StrCat(word_prefix, "trPr")),
        tc_pr_(absl::StrCat(word_prefix, "tcPr")),
        grid_before_(absl::StrCat(word_prefix, "gridBefore")),
        grid_span_(absl::StrCat(word_prefix, "gridSpan")),
        val_(absl::StrCat(word_prefix, "val")),
        max_bytes_(max_bytes) {}

  // Returns whether to visit the children of `node`.
  bool Enter(const pugi::xml_node& node) {
    if (node.type() != pugi::node_element) return false;
    absl::string_view name = node.name();
    if (name == fallback_) return false;
    if (!absl::ConsumePrefix(&name, w_)) return true;

    if (name == "t") {
      for (const pugi::xml_node& child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
          AppendText(child.value());
        }
      }
      return false;
    }
    if (name == "tab") {
      Append(in_cell() ? " " : "\t");
      return false;
    }
    if (name == "br" || name == "cr") {
      Append(in_cell() ? " " : "\n");
      return false;
    }
    if (name == "noBreakHyphen") {
      Append("-");
      return false;
    }
    if (name == "p") {
      // A text box's paragraphs inside this one are set apart by spaces.
      if (paragraph_depth_++ > 0) space_pending_ = true;
      return true;
    }
    if (name == "tbl") {
      ++table_depth_;
      return true;
    }
    if (name == "tr") {
      if (table_depth_ == 1 && cell_depth_ == 0 && row_depth_++ == 0) {
        ClearCells();
        AddEmptyCells(GridColumns(node.child(tr_pr_.c_str()), grid_before_, 0));
      }
      return true;
    }
    if (name == "tc") {
      // A cell outside a row is read as plain paragraphs.
      if (cell_depth_ > 0 || row_depth_ > 0) {
        if (cell_depth_++ == 0) cells_.emplace_back();
      }
      return true;
    }
    // Properties hold no text (w:pPr even has w:tab stops); moved-from text
    // and phonetic guides would repeat what the document says elsewhere.
    return !(name == "pPr" || name == "rPr" || name == "tblPr" || name == "tblGrid" ||
             name == "trPr" || name == "tcPr" || name == "sectPr" || name == "moveFrom" ||
             name == "rt");
  }

  void Exit(const pugi::xml_node& node) {
    if (node.type() != pugi::node_element) return;
    absl::string_view name = node.name();
    if (!absl::ConsumePrefix(&name, w_)) return;

    if (name == "p") {
      if (paragraph_depth_ == 0) return;
      if (--paragraph_depth_ > 0) {
        space_pending_ = true;
        return;
      }
      space_pending_ = false;
      if (in_cell()) {
        std::string& cell = cells_.back();
        if (!cell.empty() && !paragraph_.empty()) {
          cell += ' ';
          ++cells_bytes_;
        }
        cell += paragraph_;
        cells_bytes_ += paragraph_.size();
        paragraph_.clear();
      } else {
        EmitLine(std::exchange(paragraph_, std::string()));
      }
    } else if (name == "tbl") {
      if (table_depth_ > 0) --table_depth_;
    } else if (name == "tc") {
      if (cell_depth_ > 0 && --cell_depth_ == 0) {
        AddEmptyCells(GridColumns(node.child(tc_pr_.c_str()), grid_span_, 1) - 1);
      }
    } else if (name == "tr") {
      if (table_depth_ == 1 && cell_depth_ == 0 && row_depth_ > 0 && --row_depth_ == 0) {
        std::string row = absl::StrJoin(cells_, "\t");
        ClearCells();
        EmitLine(row);
      }
    }
  }

  // Whether the text outgrew its limit; the walk stops there.
  bool exhausted() const { return exhausted_; }
  std::string Take() { return std::move(out_); }

 private:
  bool in_cell() const { return cell_depth_ > 0 && !cells_.empty(); }

  // The number of grid columns that the element `what` under `properties`
  // (w:gridSpan, w:gridBefore) gives, 0..kMaxSpan, or `absent` without one.
  int GridColumns(const pugi::xml_node& properties, const std::string& what, int absent) const {
    int n = 0;
    if (!absl::SimpleAtoi(properties.child(what.c_str()).attribute(val_.c_str()).value(), &n)) {
      return absent;
    }
    return std::clamp(n, 0, kMaxSpan);
  }

  void AddEmptyCells(int n) {
    if (table_depth_ != 1 || cell_depth_ != 0 || row_depth_ == 0) return;
    for (int i = 0; i < n; ++i) cells_.emplace_back();
  }

  void ClearCells() {
    cells_.clear();
    cells_bytes_ = 0;
  }

  // Text of a w:t: Word writes tabs and breaks as elements, so any literal
  // line ends or tabs are plain spaces (they must not split a row's cells).
  void AppendText(absl::string_view text) {
    if (paragraph_depth_ == 0 || text.empty()) return;
    AddPendingSpace();
    const size_t start = paragraph_.size();
    paragraph_.append(text.data(), text.size());
    for (size_t i = start; i < paragraph_.size(); ++i) {
      char& c = paragraph_[i];
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    }
    CheckSize();
  }

  void Append(absl::string_view text) {
    if (paragraph_depth_ == 0) return;
    AddPendingSpace();
    paragraph_.append(text.data(), text.size());
    CheckSize();
  }

  void AddPendingSpace() {
    if (space_pending_ && !paragraph_.empty() && paragraph_.back() != ' ') paragraph_ += ' ';
    space_pending_ = false;
  }

  void EmitLine(absl::string_view line) {
    if (!first_line_) out_ += '\n';
    first_line_ = false;
    out_.append(line.data(), line.size());
    CheckSize();
  }

  // Everything pending ends up in the text, so the text is over the limit as
  // soon as what is written and pending is.
  void CheckSize() {
    const size_t tabs = cells_.empty() ? 0 : cells_.size() - 1;
    if (out_.size() + paragraph_.size() + cells_bytes_ + tabs > max_bytes_) exhausted_ = true;
  }

  // Qualified names: the WordprocessingML prefix, and names built with it.
  const std::string w_;
  const std::string fallback_;
  const std::string tr_pr_;
  const std::string tc_pr_;
  const std::string grid_before_;
  const std::string grid_span_;
  const std::string val_;
  const size_t max_bytes_;
  std::string out_;
  bool first_line_ = true;
  bool exhausted_ = false;
  // The paragraph being read; paragraphs of text boxes nest in it.
  std::string paragraph_;
  int paragraph_depth_ = 0;
  bool space_pending_ = false;
  // The row of the outermost table being read: its cells so far, and their
  // total size. Nested tables are flattened into the cell holding them.
  std::vector<std::string> cells_;
  size_t cells_bytes_ = 0;
  int table_depth_ = 0;
  int row_depth_ = 0;
  int cell_depth_ = 0;
};

}  // namespace

absl::StatusOr<std::string> DocxText(absl::string_view bytes, const DocxLimits& limits) {
  if (bytes.empty()) return NotDocx("empty");
  if (bytes.size() > limits.max_file_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("docx: file is ", bytes.size(),
                                                     " bytes, over the limit of ",
                                                     limits.max_file_bytes, " (max_file_bytes)"));
  }
  absl::StatusOr<std::string> xml = ReadDocumentPart(bytes, limits);
  if (!xml.ok()) return xml.status();

  // Default parsing: no DOCTYPE, no entities beyond the five predefined and
  // character references. Whitespace-only text is kept when it is all an
  // element holds: Word writes a lone space as <w:t xml:space="preserve"> </w:t>.
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer_inplace(
      xml->data(), xml->size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
      pugi::encoding_auto);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("docx: ", kDocumentPart, " is not well-formed XML: ", parsed.description(),
                     " at byte ", parsed.offset));
  }
  const pugi::xml_node root = doc.document_element();
  const std::string w =
      PrefixOf(root, kWordNamespace).value_or(PrefixOf(root, kStrictWordNamespace).value_or("w:"));
  const pugi::xml_node body = root.child(absl::StrCat(w, "body").c_str());
  if (root.name() != absl::StrCat(w, "document") || !body) {
    return NotDocx(absl::StrCat(kDocumentPart, " has no w:document/w:body"));
  }

  TextWriter writer(w, PrefixOf(root, kMarkupCompatibilityNamespace).value_or("mc:"),
                    limits.max_text_bytes);
  // Pre-order walk without recursion: a forged document may nest elements
  // millions deep.
  pugi::xml_node node = body.first_child();
  while (node && !writer.exhausted()) {
    if (writer.Enter(node) && node.first_child()) {
      node = node.first_child();
      continue;
    }
    for (;;) {
      writer.Exit(node);
      if (node.next_sibling()) {
        node = node.next_sibling();
        break;
      }
      node = node.parent();
      if (node == body) {
        node = pugi::xml_node();
        break;
      }
    }
  }
  if (writer.exhausted()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("docx: text is over ", limits.max_text_bytes, " bytes (max_text_bytes)"));
  }
  return writer.Take();
}

}  // namespace chiso::plan::document
