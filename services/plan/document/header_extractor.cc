#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/civil/date.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "re2/re2.h"
#include "services/plan/document/extractors.h"
#include "services/plan/document/scan.h"
#include "services/plan/plan_domain.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace chiso::plan::document {
namespace {

namespace v1 = chiso::plan::v1;
namespace cv1 = chiso::common::v1;
using scan::Piece;
using scan::Span;

// The header (number, place, date, title) sits in the first blocks.
constexpr size_t kMaxHeaderBlocks = 40;
// References read per opening clause.
constexpr int kMaxReferencesPerClause = 20;
// Field lengths the plan validator allows, in characters (plan_domain.cc).
constexpr size_t kMaxNumberChars = 64;
constexpr size_t kMaxTitleChars = 1000;
constexpr size_t kMaxIssuerChars = 300;
constexpr size_t kMaxPlaceChars = 100;
constexpr size_t kMaxSignerChars = 200;
constexpr size_t kMaxRecipientChars = 300;
constexpr size_t kMaxFundingChars = 2000;
constexpr size_t kMaxRefTitleChars = 2000;

// Cuts `value` to `max_chars` with a TRUNCATED warning naming `field`.
void Fit(std::string* value, size_t max_chars, absl::string_view field, int first_line,
         int last_line, Report* report) {
  if (!scan::FitChars(value, max_chars)) return;
  report->Warn("TRUNCATED",
               absl::StrCat(field, " is longer than the ", max_chars,
                            " characters a plan may hold; it was cut"),
               first_line, last_line);
}

// Words that start the name of an issuing body (folded).
constexpr absl::string_view kOrgHead =
    "(?:so|ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan|ban|chi cuc|cuc|tong cuc|trung tam|"
    "van phong|phong|thanh tra|bo|tinh uy|huyen uy|thanh uy|dang uy|cong an)";

// Opening words of a basis sentence: "Thực hiện Kế hoạch số …", "Căn cứ
// kết quả …". Group 1 is the sentence start.
const RE2& BasisStartRe() {
  static const RE2* re = new RE2(
      "(?:^|\\s)((?:de\\s+)?(?:thuc hien|can cu|theo|trien khai)\\s+(?:ke hoach|nghi quyet|"
      "nghi dinh|quyet dinh|cong van|chi thi|thong tu|van ban|chuong trinh|ket qua|thong bao|"
      "ket luan|luat|chi dao|y kien)\\b)");
  return *re;
}

int FirstCodePoint(absl::string_view s) {
  if (s.empty()) return -1;
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  UChar32 c;
  U8_NEXT(bytes, i, s.size(), c);
  return c;
}

// Whether `text` has letters and none of them is lower case.
bool IsUpperLine(absl::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  bool letter = false;
  while (i < text.size()) {
    UChar32 c;
    U8_NEXT(bytes, i, text.size(), c);
    if (c < 0) continue;
    if (u_islower(c)) return false;
    if (u_isalpha(c)) letter = true;
  }
  return letter;
}

// Whether `text` reads like a person's name: 2 to 6 words, each starting
// with a capital letter, no digits or brackets.
bool LooksLikeName(absl::string_view text) {
  const std::vector<absl::string_view> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (words.size() < 2 || words.size() > 6) return false;
  for (absl::string_view word : words) {
    if (!u_isupper(FirstCodePoint(word))) return false;
  }
  for (char c : text) {
    if (absl::ascii_isdigit(c) || c == '(' || c == ')' || c == ':' || c == '/') return false;
  }
  return true;
}

bool IsBasisBlock(const Block& block) {
  re2::StringPiece group;
  return RE2::PartialMatch(Piece(block.folded.text), BasisStartRe(), &group) &&
         group.data() == block.folded.text.data();
}

// The first block of the body: the first section heading, bullet or table.
size_t BodyStart(const Document& doc) {
  for (size_t i = 0; i < doc.blocks.size(); ++i) {
    const BlockKind kind = doc.blocks[i].kind;
    if (kind == BlockKind::kRoman || kind == BlockKind::kNumber || kind == BlockKind::kLetter ||
        kind == BlockKind::kBullet || kind == BlockKind::kTableRow) {
      return i;
    }
  }
  return doc.blocks.size();
}

// Where the title is: blocks [first, last] after the "KẾ HOẠCH" line; the
// last of them may go on with the opening basis sentence from folded byte
// `cut` (the document reader joins a long title with the next paragraph).
struct Title {
  bool found = false;
  size_t heading = 0;  // the "KẾ HOẠCH" block
  size_t first = 0;
  size_t last = 0;
  size_t cut = std::string::npos;  // in blocks[last]; npos when the block is all title
  std::string text;
  int first_line = 0;
  int last_line = 0;
};

// Where the opening basis sentence starts in a title block: an upper-case
// "Thực hiện Kế hoạch số …" after the title words; npos when none.
size_t BasisCut(const Block& block) {
  re2::StringPiece input = Piece(block.folded.text);
  re2::StringPiece group;
  while (RE2::FindAndConsume(&input, BasisStartRe(), &group)) {
    const size_t at = scan::OffsetIn(block.folded.text, group);
    if (at == 0) return 0;
    if (u_isupper(FirstCodePoint(block.Original(at, at + 1)))) return at;
  }
  return std::string::npos;
}

// Whether a paragraph after the title lines is the opening sentence: "Để
// nâng cao …, UBND huyện … xây dựng Kế hoạch như sau:".
bool IsSentence(const Block& block) {
  static const RE2* re = new RE2("\\b(?:nhu sau|xay dung ke hoach|ban hanh ke hoach)\\b");
  return absl::EndsWith(block.text, ":") || absl::EndsWith(block.text, ".") ||
         RE2::PartialMatch(Piece(block.folded.text), *re);
}

// Where an opening sentence ("Để nâng cao …", "Nhằm …") joined to the title
// lines starts in a title block that reads as a sentence; npos when none.
size_t OpeningCut(const Block& block) {
  static const RE2* re = new RE2("\\s((?:de|nham)\\s)");
  if (!IsSentence(block)) return std::string::npos;
  re2::StringPiece input = Piece(block.folded.text);
  re2::StringPiece word;
  while (RE2::FindAndConsume(&input, *re, &word)) {
    const size_t at = scan::OffsetIn(block.folded.text, word);
    if (u_isupper(FirstCodePoint(block.Original(at, at + 1)))) return at;
  }
  return std::string::npos;
}

bool IsPlanHeading(const Block& block) {
  absl::string_view folded = absl::StripAsciiWhitespace(block.folded.text);
  while (!folded.empty() && (folded.back() == '.' || folded.back() == ':')) folded.remove_suffix(1);
  return folded == "ke hoach" || folded == "ke hoach hanh dong";
}

Title FindTitle(const Document& doc, size_t body) {
  Title title;
  const size_t limit = std::min(body, kMaxHeaderBlocks);
  for (size_t i = 0; i < limit; ++i) {
    if (IsPlanHeading(doc.blocks[i])) {
      title.found = true;
      title.heading = i;
      break;
    }
  }
  if (!title.found) return title;
  std::vector<std::string> pieces;
  for (size_t i = title.heading + 1; i < body && pieces.size() < 3; ++i) {
    const Block& block = doc.blocks[i];
    if (block.kind != BlockKind::kParagraph) break;
    if (!pieces.empty() && (block.text.size() > 300 || IsBasisBlock(block) || IsSentence(block))) {
      break;
    }
    size_t cut = BasisCut(block);
    if (cut == std::string::npos) cut = OpeningCut(block);
    if (cut == 0) break;
    if (pieces.empty()) title.first = i;
    title.last = i;
    if (cut != std::string::npos) {
      title.cut = cut;
      pieces.push_back(scan::OriginalWords(block, 0, cut));
      break;
    }
    pieces.push_back(block.text);
    if (absl::EndsWith(block.text, ".") || absl::EndsWith(block.text, ":")) break;
  }
  if (pieces.empty()) {
    title.first = title.last = title.heading;
    return title;
  }
  title.text = absl::StrJoin(pieces, " ");
  while (!title.text.empty() && (title.text.back() == '.' || title.text.back() == ' ')) {
    title.text.pop_back();
  }
  const Block& last = doc.blocks[title.last];
  title.first_line = doc.blocks[title.first].first_line;
  title.last_line = last.last_line;
  if (title.cut != std::string::npos) {
    title.last_line = std::max(last.first_line, scan::LineAt(doc, last, title.cut) - 1);
    while (
        title.last_line > last.first_line &&
        absl::StripAsciiWhitespace(doc.lines[static_cast<size_t>(title.last_line - 1)]).empty()) {
      --title.last_line;
    }
  }
  return title;
}

void ReadNumber(const Document& doc, size_t end, v1::Plan* plan, Report* report) {
  static const RE2* re =
      new RE2("(?:^|\\|)\\s*so\\s*:?\\s*(\\d{0,10})\\s*/\\s*([a-z0-9][-a-z0-9&._/]*)");
  for (size_t i = 0; i < end; ++i) {
    const Block& block = doc.blocks[i];
    re2::StringPiece serial;
    re2::StringPiece symbol;
    if (!RE2::PartialMatch(Piece(block.folded.text), *re, &serial, &symbol)) continue;
    const Span s = scan::SpanOf(block.folded.text, symbol);
    std::string number =
        absl::StrCat(scan::View(serial), "/", scan::OriginalWords(block, s.begin, s.end, " .,;:-"));
    Fit(&number, kMaxNumberChars, "plan.number", block.first_line, block.last_line, report);
    while (!number.empty() &&
           absl::string_view("-./&_").find(number.back()) != absl::string_view::npos) {
      number.pop_back();
    }
    plan->set_number(number);
    report->Fact("plan.number", number, block);
    if (serial.empty()) {
      report->Warn("NO_NUMBER",
                   absl::StrCat("the document number is blank (\"Số: ", number,
                                "\"); only the symbol was read: add the number before issuing"),
                   block);
    }
    return;
  }
  report->Warn("NO_NUMBER", "no document number (\"Số: …/KH-…\") found in the header", 0, 0);
}

void ReadPlaceAndDate(const Document& doc, size_t end, v1::Plan* plan, Report* report) {
  static const RE2* re = new RE2(
      "(?:^|\\|)\\s*(?:([^,|0-9]{1,60}?)\\s*,\\s*)?ngay[\\s._…]*(\\d{1,2})?[\\s._…]*"
      "(?:thang|/)[\\s._…]*(\\d{1,2})?[\\s._…]*(?:nam|/)\\s*(\\d{4})");
  for (size_t i = 0; i < end; ++i) {
    const Block& block = doc.blocks[i];
    re2::StringPiece place;
    re2::StringPiece day_text;
    re2::StringPiece month_text;
    re2::StringPiece year_text;
    if (!RE2::PartialMatch(Piece(block.folded.text), *re, &place, &day_text, &month_text,
                           &year_text)) {
      continue;
    }
    if (!place.empty()) {
      const Span s = scan::SpanOf(block.folded.text, place);
      const std::string name = scan::OriginalWords(block, s.begin, s.end);
      const std::vector<absl::string_view> words = absl::StrSplit(name, ' ', absl::SkipEmpty());
      if (!words.empty() && words.size() <= 6 && u_isupper(FirstCodePoint(name)) &&
          text::CodePointCount(name) <= static_cast<int>(kMaxPlaceChars)) {
        plan->set_place(name);
        report->Fact("plan.place", name, block);
      }
    }
    int day = 0;
    int month = 0;
    int year = 0;
    (void)absl::SimpleAtoi(scan::View(day_text), &day);
    (void)absl::SimpleAtoi(scan::View(month_text), &month);
    (void)absl::SimpleAtoi(scan::View(year_text), &year);
    if (day == 0) {
      report->Warn("NO_DATE",
                   absl::StrCat("the day of issue is blank (dated ",
                                month > 0 ? absl::StrCat("month ", month, "/") : "", year,
                                "); issued_on is left unset: add the date before issuing"),
                   block);
      return;
    }
    absl::StatusOr<absl::CivilDay> date = civil::MakeDate(year, month, day);
    if (!date.ok()) {
      report->Warn("BAD_DATE",
                   absl::StrCat("date of issue ", day, "/", month, "/", year,
                                " is not a valid date: ", date.status().message()),
                   block);
      return;
    }
    plan->mutable_issued_on()->set_year(year);
    plan->mutable_issued_on()->set_month(month);
    plan->mutable_issued_on()->set_day(day);
    report->Fact(
        "plan.issued_on",
        absl::StrCat(year, "-", month < 10 ? "0" : "", month, "-", day < 10 ? "0" : "", day),
        block);
    return;
  }
  report->Warn("NO_DATE", "no date of issue (\"…, ngày … tháng … năm …\") found in the header", 0,
               0);
}

bool SetYears(int start, int end, v1::Plan* plan) {
  if (start < civil::kMinYear || end > civil::kMaxYear || end < start) return false;
  plan->mutable_period()->set_start_year(start);
  plan->mutable_period()->set_end_year(end);
  return true;
}

void ReadPeriod(const Title& title, v1::Plan* plan, Report* report) {
  if (title.text.empty()) return;
  static const RE2* range = new RE2(
      "(?:giai doan|tu nam|nam)?\\s*((?:19|20|21)\\d\\d)\\s*(?:-|–|—|den(?:\\s+nam)?)\\s*"
      "((?:19|20|21)\\d\\d)");
  static const RE2* single = new RE2("(?:nam|den nam)\\s+((?:19|20|21)\\d\\d)\\b");
  const std::string folded = Fold(title.text).text;
  int start = 0;
  int end = 0;
  bool found = RE2::PartialMatch(folded, *range, &start, &end);
  if (!found && RE2::PartialMatch(folded, *single, &start)) {
    end = start;
    found = true;
  }
  if (!found) return;
  if (SetYears(start, end, plan)) {
    report->Fact("plan.period", absl::StrCat(start, "–", end), title.first_line, title.last_line);
  }
}

// "… xây dựng kế hoạch", "… ban hành Kế hoạch": the body that wrote the plan.
bool IssuerFromOpening(const Document& doc, const Title& title, size_t body, v1::Plan* plan,
                       Report* report) {
  static const RE2* re = new RE2(
      absl::StrCat("(?:^|[.,;:]\\s*)(", kOrgHead,
                   "\\s[^.,;:()]{1,80}?)\\s+(?:xay dung|ban hanh|trien khai|lap)\\s+ke hoach"));
  const size_t first = title.found ? title.last : 0;
  for (size_t i = first; i < body && i < kMaxHeaderBlocks; ++i) {
    const Block& block = doc.blocks[i];
    absl::string_view text = block.folded.text;
    if (title.found && i == title.last) {
      if (title.cut == std::string::npos) continue;
      text.remove_prefix(title.cut);
    }
    re2::StringPiece org;
    if (!RE2::PartialMatch(Piece(text), *re, &org)) continue;
    const Span s = scan::SpanOf(block.folded.text, org);
    std::string name = scan::OriginalWords(block, s.begin, s.end);
    scan::FitChars(&name, kMaxIssuerChars);
    plan->mutable_issuer()->set_display_name(name);
    report->Fact("plan.issuer", name, scan::LineAt(doc, block, s.begin),
                 scan::LineAt(doc, block, s.end));
    return true;
  }
  return false;
}

// "… của Sở Tài nguyên và Môi trường năm 2020" in the title.
bool IssuerFromTitle(const Title& title, v1::Plan* plan, Report* report) {
  static const RE2* re = new RE2(absl::StrCat(
      "\\bcua\\s+(", kOrgHead,
      "\\s.*?)(?:\\s+(?:nam|giai doan|den nam|trong|tai|ve|nhiem ky)\\s|\\s*[(,.;:]|$)"));
  if (title.text.empty()) return false;
  Block block;
  block.text = title.text;
  block.folded = Fold(block.text);
  re2::StringPiece org;
  if (!RE2::PartialMatch(Piece(block.folded.text), *re, &org)) return false;
  const Span s = scan::SpanOf(block.folded.text, org);
  std::string name = scan::OriginalWords(block, s.begin, s.end);
  scan::FitChars(&name, kMaxIssuerChars);
  plan->mutable_issuer()->set_display_name(name);
  report->Fact("plan.issuer", name, title.first_line, title.last_line);
  return true;
}

// A document the opening sentences name: "Kế hoạch số 211/KH-UBND ngày
// 26/8/2022 của UBND tỉnh".
struct Reference {
  cv1::DocumentRef ref;
  bool plan = false;       // a Kế hoạch
  bool top_level = false;  // first of its clause, not inside another's description
  size_t at = 0;           // folded offset of its kind word
};

// Reads the date and issuer after a reference's number; `tail` starts right
// after the number.
void ReadReferenceTail(const Block& block, absl::string_view folded, size_t tail,
                       cv1::DocumentRef* ref, Report* report) {
  static const RE2* date_re = new RE2(
      "\\s*,?\\s*(?:ngay\\s*)?(\\d{1,2})\\s*(?:[-/.]|\\s+thang\\s+)\\s*(\\d{1,2})\\s*"
      "(?:[-/.]|\\s+nam\\s+)\\s*(\\d{4})");
  static const RE2* issuer_re = new RE2(
      "\\s*,?\\s*cua\\s+(.{1,120}?)(?:\\s+(?:ve|thi|de|nham|theo|tai|quy dinh|ban hanh|trong|"
      "thuc hien)\\s|\\s*[,;(.:]|$)");
  re2::StringPiece input = Piece(folded.substr(tail));
  int day = 0;
  int month = 0;
  int year = 0;
  if (RE2::Consume(&input, *date_re, &day, &month, &year)) {
    if (civil::MakeDate(year, month, day).ok()) {
      ref->mutable_issued_on()->set_year(year);
      ref->mutable_issued_on()->set_month(month);
      ref->mutable_issued_on()->set_day(day);
    } else {
      report->Warn("BAD_DATE",
                   absl::StrCat("document ", ref->number(), " is dated ", day, "/", month, "/",
                                year, ", which is not a valid date; the date was left out"),
                   block);
    }
  }
  re2::StringPiece issuer;
  if (RE2::Consume(&input, *issuer_re, &issuer)) {
    const Span s = scan::SpanOf(folded, issuer);
    std::string name = scan::OriginalWords(block, s.begin, s.end);
    scan::FitChars(&name, kMaxIssuerChars);
    ref->mutable_issuer()->set_display_name(std::move(name));
  }
}

// References in folded bytes [from, end of block): the first of each clause
// is top level, later ones sit in its description.
void ReadReferences(const Block& block, size_t from, std::vector<Reference>* out, Report* report) {
  static const RE2* re = new RE2(
      "\\b(ke hoach hanh dong|ke hoach|nghi quyet|nghi dinh|quyet dinh|cong van|chi thi|"
      "thong tu|thong bao|van ban|chuong trinh hanh dong|chuong trinh|de an|ket luan|luat)"
      "\\s+so\\s*:?\\s*(\\d{1,5}[-/][a-z0-9][-a-z0-9/&.]*[a-z0-9])");
  const absl::string_view folded = block.folded.text;
  for (const Span& clause : scan::Clauses(folded.substr(from))) {
    re2::StringPiece input = Piece(folded.substr(from + clause.begin, clause.end - clause.begin));
    re2::StringPiece kind;
    re2::StringPiece number;
    bool first = true;
    int read = 0;
    while (read++ < kMaxReferencesPerClause && RE2::FindAndConsume(&input, *re, &kind, &number)) {
      const Span k = scan::SpanOf(folded, kind);
      const Span n = scan::SpanOf(folded, number);
      Reference r;
      r.plan = absl::StartsWith(scan::View(kind), "ke hoach");
      r.top_level = first;
      r.at = k.begin;
      first = false;
      std::string ref_number =
          absl::StrReplaceAll(scan::OriginalWords(block, n.begin, n.end), {{" ", ""}});
      Fit(&ref_number, kMaxNumberChars, "a reference number", block.first_line, block.last_line,
          report);
      r.ref.set_number(std::move(ref_number));
      std::string ref_title = scan::OriginalWords(block, k.begin, k.end);
      scan::FitChars(&ref_title, kMaxRefTitleChars);
      r.ref.set_title(std::move(ref_title));
      ReadReferenceTail(block, folded, n.end, &r.ref, report);
      out->push_back(std::move(r));
    }
  }
}

std::string DescribeReference(const cv1::DocumentRef& ref) {
  std::string text = absl::StrCat(ref.title(), " ", ref.number());
  if (ref.issued_on().year() != 0) {
    absl::StrAppend(&text, " ngày ", ref.issued_on().day(), "/", ref.issued_on().month(), "/",
                    ref.issued_on().year());
  }
  if (!ref.issuer().display_name().empty()) {
    absl::StrAppend(&text, " của ", ref.issuer().display_name());
  }
  return text;
}

void ReadBases(const Document& doc, const Title& title, size_t body, v1::Plan* plan,
               Report* report) {
  absl::flat_hash_set<std::string> seen;
  const size_t first = title.found ? title.last : 0;
  for (size_t i = first; i < body; ++i) {
    const Block& block = doc.blocks[i];
    if (block.kind != BlockKind::kParagraph) continue;
    size_t from = 0;
    if (title.found && i == title.last) {
      if (title.cut == std::string::npos) continue;
      from = title.cut;
    }
    std::vector<Reference> refs;
    ReadReferences(block, from, &refs, report);
    for (Reference& r : refs) {
      if (!seen.insert(absl::AsciiStrToLower(r.ref.number())).second) continue;
      const bool parent = r.plan && r.top_level;
      const int count = parent ? plan->parent_plans_size() : plan->legal_bases_size();
      if (count >= kMaxReferences) {
        report->Warn("TRUNCATED",
                     absl::StrCat("only the first ", kMaxReferences, " ",
                                  parent ? "parent plans" : "legal bases", " were kept"),
                     block);
        return;
      }
      const std::string field =
          absl::StrCat(parent ? "plan.parent_plans[" : "plan.legal_bases[", count, "]");
      const int line = scan::LineAt(doc, block, r.at);
      report->Fact(field, DescribeReference(r.ref), line, line);
      *(parent ? plan->add_parent_plans() : plan->add_legal_bases()) = std::move(r.ref);
    }
  }
}

// The "Nơi nhận" block, or blocks.size().
size_t FindRecipients(const Document& doc) {
  for (size_t i = doc.blocks.size(); i-- > 0;) {
    if (absl::StartsWith(doc.blocks[i].folded.text, "noi nhan")) return i;
  }
  return doc.blocks.size();
}

std::string CleanEntry(absl::string_view entry) {
  entry = absl::StripAsciiWhitespace(entry);
  while (!entry.empty() && (entry.back() == ';' || entry.back() == ',' || entry.back() == '.')) {
    entry.remove_suffix(1);
    entry = absl::StripTrailingAsciiWhitespace(entry);
  }
  if (absl::ConsumePrefix(&entry, "- ")) entry = absl::StripLeadingAsciiWhitespace(entry);
  return std::string(entry);
}

// Adds one Nơi nhận entry; false when the plan holds the most it may.
bool AddRecipient(absl::string_view entry, const Block& block, v1::Plan* plan, Report* report) {
  std::string name = CleanEntry(entry);
  if (name.empty()) return true;
  Fit(&name, kMaxRecipientChars, absl::StrCat("plan.recipients[", plan->recipients_size(), "]"),
      block.first_line, block.last_line, report);
  if (plan->recipients_size() >= kMaxRecipients) {
    report->Warn("TRUNCATED",
                 absl::StrCat("only the first ", kMaxRecipients, " recipients were kept"), block);
    return false;
  }
  report->Fact(absl::StrCat("plan.recipients[", plan->recipients_size(), "]"), name, block);
  plan->add_recipients(name);
  return true;
}

// Reads the Nơi nhận list (entries on its own line after ":", then its
// bullets); returns the block after it.
size_t ReadRecipients(const Document& doc, size_t at, v1::Plan* plan, Report* report) {
  const Block& heading = doc.blocks[at];
  bool room = true;
  const size_t colon = heading.text.find(':');
  if (colon != std::string::npos) {
    for (absl::string_view entry :
         absl::StrSplit(absl::string_view(heading.text).substr(colon + 1), " - ")) {
      if (room) room = AddRecipient(entry, heading, plan, report);
    }
  }
  size_t i = at + 1;
  for (; i < doc.blocks.size() && doc.blocks[i].kind == BlockKind::kBullet; ++i) {
    if (room) room = AddRecipient(doc.blocks[i].text, doc.blocks[i], plan, report);
  }
  return i;
}

bool IsAuthority(absl::string_view folded) {
  static const RE2* re = new RE2("^(?:tm|kt|tl|tuq|q|t\\.m|k\\.t)\\.\\s");
  return RE2::PartialMatch(Piece(folded), *re);
}

bool IsPostTitle(absl::string_view folded) {
  static const RE2* re =
      new RE2("\\b(?:chu tich|giam doc|truong|pho|bi thu|chanh|tong|uy vien|quyen)\\b");
  return RE2::PartialMatch(Piece(folded), *re);
}

// The signature block: "TM./KT. …" authority, the post, then the name.
void ReadSigner(const Document& doc, size_t from, size_t to, bool after_recipients, v1::Plan* plan,
                Report* report) {
  std::string authority;
  std::string post;
  std::string name;
  int first_line = 0;
  int last_line = 0;
  for (size_t i = from; i < to; ++i) {
    const Block& block = doc.blocks[i];
    if (scan::IsAppendixHeading(block) || block.kind == BlockKind::kTableRow) break;
    const std::string text(absl::StripAsciiWhitespace(block.text));
    if (text.empty() || text.front() == '(' || absl::StartsWith(block.folded.text, "da ky")) {
      continue;
    }
    if (first_line == 0) first_line = block.first_line;
    const bool upper = IsUpperLine(text);
    // "TM. ỦY BAN NHÂN DÂN" and "KT. CHỦ TỊCH" may both stand above the post.
    if (upper && post.empty() && IsAuthority(block.folded.text)) {
      authority = authority.empty() ? text : absl::StrCat(authority, " ", text);
      last_line = block.last_line;
      continue;
    }
    if (upper && (post.empty() || IsPostTitle(block.folded.text))) {
      post = text;
      last_line = block.last_line;
      continue;
    }
    if (!post.empty() && LooksLikeName(text)) {
      name = text;
      last_line = block.last_line;
    }
    break;
  }
  if (post.empty() && authority.empty()) return;
  if (!after_recipients && name.empty()) return;
  if (post.empty()) std::swap(post, authority);
  Fit(&authority, kMaxSignerChars, "plan.signer.authority", first_line, last_line, report);
  Fit(&post, kMaxSignerChars, "plan.signer.post", first_line, last_line, report);
  Fit(&name, kMaxSignerChars, "plan.signer.full_name", first_line, last_line, report);
  plan->mutable_signer()->set_authority(authority);
  plan->mutable_signer()->set_post(post);
  plan->mutable_signer()->set_full_name(name);
  report->Fact("plan.signer", absl::StrJoin(std::vector<std::string>{authority, post, name}, " | "),
               first_line, last_line);
}

void ReadSignature(const Document& doc, v1::Plan* plan, Report* report) {
  const size_t recipients = FindRecipients(doc);
  if (recipients < doc.blocks.size()) {
    const size_t after = ReadRecipients(doc, recipients, plan, report);
    ReadSigner(doc, after, doc.blocks.size(), /*after_recipients=*/true, plan, report);
    return;
  }
  // No Nơi nhận: a signature may still close the document (before any
  // appendix): look at its last few blocks.
  size_t end = doc.blocks.size();
  for (size_t i = 0; i < doc.blocks.size(); ++i) {
    if (scan::IsAppendixHeading(doc.blocks[i])) {
      end = i;
      break;
    }
  }
  const size_t from = end > 4 ? end - 4 : 0;
  for (size_t i = from; i < end; ++i) {
    if (IsUpperLine(doc.blocks[i].text) && doc.blocks[i].kind == BlockKind::kParagraph) {
      ReadSigner(doc, i, end, /*after_recipients=*/false, plan, report);
      return;
    }
  }
}

// "III. NGUỒN KINH PHÍ THỰC HIỆN: Từ nguồn ngân sách huyện năm 2024.", or
// a "Kinh phí" heading with the source below it.
void ReadFunding(const Document& doc, v1::Plan* plan, Report* report) {
  static const RE2* re = new RE2(
      "^(?:nguon\\s+)?kinh phi(?:\\s+thuc hien)?(?:\\s+(?:ke hoach(?:\\s+nay)?|nay))?\\s*"
      "(?::|-|–)?\\s*");
  for (size_t i = 0; i < doc.blocks.size(); ++i) {
    const Block& block = doc.blocks[i];
    re2::StringPiece input = Piece(block.folded.text);
    if (!RE2::Consume(&input, *re)) continue;
    const size_t rest = scan::OffsetIn(block.folded.text, input);
    std::string funding = scan::OriginalWords(block, rest, block.folded.text.size());
    int last_line = block.last_line;
    if (funding.empty()) {
      std::vector<std::string> parts;
      for (size_t k = i + 1; k < doc.blocks.size() && parts.size() < 3; ++k) {
        const Block& next = doc.blocks[k];
        if (scan::IsHeading(next) || next.kind == BlockKind::kTableRow) break;
        parts.push_back(next.text);
        last_line = next.last_line;
      }
      funding = absl::StrJoin(parts, " ");
    }
    if (funding.empty()) continue;
    Fit(&funding, kMaxFundingChars, "plan.funding", block.first_line, last_line, report);
    plan->set_funding(funding);
    report->Fact("plan.funding", funding, block.first_line, last_line);
    return;
  }
}

// A cell of a header or signature table as a block of its own, dated by the
// row it came from. A cell starting with "-" or "+" is a bullet.
Block CellBlock(absl::string_view cell, const Block& row) {
  Block block;
  std::string text = text::CollapseWhitespace(text::NormalizeNfc(cell));
  absl::string_view view = absl::StripAsciiWhitespace(text);
  while (!view.empty() && (view.front() == '*' || view.front() == '_')) view.remove_prefix(1);
  while (!view.empty() && (view.back() == '*' || view.back() == '_')) view.remove_suffix(1);
  view = absl::StripAsciiWhitespace(view);
  for (absl::string_view sign : {"- ", "+ ", "• ", "– "}) {
    if (absl::ConsumePrefix(&view, sign)) {
      block.kind = BlockKind::kBullet;
      block.marker = std::string(absl::StripSuffix(sign, " "));
      view = absl::StripLeadingAsciiWhitespace(view);
      break;
    }
  }
  block.text = std::string(view);
  block.folded = Fold(block.text);
  block.ends_with_colon = absl::EndsWith(block.text, ":");
  block.first_line = row.first_line;
  block.last_line = row.first_line;
  return block;
}

// The cells of `block` when it is a row of a table: its cells, or for a
// one-line bullet or paragraph the tab-separated parts of its line ("- Lưu:
// VT.<tab>CHỦ TỊCH" reads as a bullet). Empty when it is not a row.
std::vector<std::string> RowCells(const Document& doc, const Block& block) {
  if (block.kind == BlockKind::kTableRow) return block.cells;
  std::vector<std::string> cells;
  if (block.first_line != block.last_line || block.first_line < 1 ||
      static_cast<size_t>(block.first_line) > doc.lines.size()) {
    return cells;
  }
  const absl::string_view line =
      absl::StripAsciiWhitespace(doc.lines[static_cast<size_t>(block.first_line - 1)]);
  if (line.find('\t') == absl::string_view::npos) return cells;
  for (absl::string_view cell : absl::StrSplit(line, '\t')) cells.emplace_back(cell);
  return cells;
}

// A header cell read from a .docx holds several paragraphs joined by spaces
// ("ỦY BAN NHÂN DÂN HUYỆN MINH SƠN Số: 45/KH-UBND", "CỘNG HÒA XÃ HỘI CHỦ
// NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc Minh Sơn, ngày 12 tháng 3 năm
// 2024"): it is cut where the usual header lines start — the number
// ("Số:"), the national name, the motto, and the place and date after it.
std::vector<std::string> SplitHeaderCell(absl::string_view cell) {
  std::vector<std::string> parts;
  Block probe;
  probe.text = text::CollapseWhitespace(text::NormalizeNfc(cell));
  probe.folded = Fold(probe.text);
  const absl::string_view f = probe.folded.text;
  std::vector<size_t> cuts;
  auto cut_before = [&](absl::string_view word) {
    for (size_t at = f.find(word); at != absl::string_view::npos; at = f.find(word, at + 1)) {
      const bool starts_word = at == 0 || !std::isalnum(static_cast<unsigned char>(f[at - 1]));
      if (starts_word && at > 0) cuts.push_back(at);
    }
  };
  cut_before("cong hoa xa hoi");
  cut_before("doc lap - tu do");
  cut_before("doc lap – tu do");
  for (size_t at = f.find("so"); at != absl::string_view::npos; at = f.find("so", at + 1)) {
    const bool starts_word = at == 0 || f[at - 1] == ' ';
    size_t k = at + 2;
    while (k < f.size() && f[k] == ' ') ++k;
    if (starts_word && at > 0 && k < f.size() && (f[k] == ':' || f[k] == '/')) cuts.push_back(at);
  }
  for (size_t at = f.find("hanh phuc"); at != absl::string_view::npos;
       at = f.find("hanh phuc", at + 1)) {
    size_t k = at + absl::string_view("hanh phuc").size();
    while (k < f.size() && f[k] == ' ') ++k;
    if (k < f.size()) cuts.push_back(k);
  }
  std::sort(cuts.begin(), cuts.end());
  size_t from = 0;
  for (size_t at : cuts) {
    if (at <= from) continue;
    parts.emplace_back(absl::StripAsciiWhitespace(probe.Original(from, at)));
    from = at;
  }
  parts.emplace_back(absl::StripAsciiWhitespace(probe.Original(from, f.size())));
  return parts;
}

// Appends the cells of rows [begin, end) column by column (the issuing body
// and number of the left column, then the motto and date of the right).
void AppendColumns(const Document& doc, size_t begin, size_t end, std::vector<Block>* out) {
  std::vector<std::vector<Block>> columns;
  for (size_t i = begin; i < end; ++i) {
    const Block& row = doc.blocks[i];
    if (row.kind == BlockKind::kRule) continue;
    const std::vector<std::string> cells = RowCells(doc, row);
    if (cells.empty()) {
      // A line of the table that lost its tabs: a bullet stays in the
      // first column, anything else goes with the last.
      if (columns.empty()) columns.resize(1);
      (row.kind == BlockKind::kBullet ? columns.front() : columns.back()).push_back(row);
      continue;
    }
    if (columns.size() < cells.size()) columns.resize(std::min<size_t>(cells.size(), 8));
    for (size_t c = 0; c < cells.size() && c < columns.size(); ++c) {
      for (const std::string& part : SplitHeaderCell(cells[c])) {
        Block cell = CellBlock(part, row);
        if (!cell.text.empty()) columns[c].push_back(std::move(cell));
      }
    }
  }
  for (std::vector<Block>& column : columns) {
    for (Block& block : column) out->push_back(std::move(block));
  }
}

// The document as the header reads it: rows of a header table above "KẾ
// HOẠCH" and of a signature table from "Nơi nhận" on become their cells,
// one block each, column by column.
bool ExpandTables(const Document& doc, Document* view) {
  size_t heading = doc.blocks.size();
  for (size_t i = 0; i < doc.blocks.size() && i < kMaxHeaderBlocks; ++i) {
    if (IsPlanHeading(doc.blocks[i])) {
      heading = i;
      break;
    }
  }
  bool header_table = false;
  for (size_t i = 0; i < heading && i < doc.blocks.size(); ++i) {
    header_table = header_table || doc.blocks[i].kind == BlockKind::kTableRow;
  }
  size_t recipients = doc.blocks.size();
  for (size_t i = doc.blocks.size(); i-- > 0;) {
    if (absl::StartsWith(doc.blocks[i].folded.text, "noi nhan")) {
      recipients = i;
      break;
    }
  }
  size_t signature_end = recipients;
  bool signature_table = false;
  if (recipients < doc.blocks.size()) {
    signature_end = recipients + 1;
    while (signature_end < doc.blocks.size() &&
           !scan::IsAppendixHeading(doc.blocks[signature_end])) {
      ++signature_end;
    }
    for (size_t i = recipients; i < signature_end && !signature_table; ++i) {
      signature_table = !RowCells(doc, doc.blocks[i]).empty();
    }
  }
  if (!header_table && !signature_table) return false;
  view->lines = doc.lines;
  view->cut_lines = doc.cut_lines;
  size_t i = 0;
  if (header_table) {
    AppendColumns(doc, 0, heading, &view->blocks);
    i = heading;
  }
  const size_t stop = signature_table ? recipients : doc.blocks.size();
  for (; i < stop; ++i) view->blocks.push_back(doc.blocks[i]);
  if (signature_table) {
    AppendColumns(doc, recipients, signature_end, &view->blocks);
    for (i = signature_end; i < doc.blocks.size(); ++i) view->blocks.push_back(doc.blocks[i]);
  }
  return true;
}

// `word` with its first letter upper case (when `title`) and the rest lower.
std::string CaseWord(absl::string_view word, bool title) {
  std::string out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(word.data());
  size_t i = 0;
  bool first = true;
  while (i < word.size()) {
    UChar32 c;
    const size_t start = i;
    U8_NEXT(bytes, i, word.size(), c);
    if (c < 0) {
      out.append(word.data() + start, i - start);
      continue;
    }
    c = first && title ? u_toupper(c) : u_tolower(c);
    first = false;
    char buffer[4];
    size_t n = 0;
    U8_APPEND_UNSAFE(buffer, n, c);
    out.append(buffer, n);
  }
  return out;
}

// "ỦY BAN NHÂN DÂN XÃ MINH SƠN" -> "UBND xã Minh Sơn"; other bodies as
// written.
std::string IssuerName(const std::string& upper) {
  const std::string folded = Fold(upper).text;
  std::vector<absl::string_view> words = absl::StrSplit(upper, ' ', absl::SkipEmpty());
  size_t skip = 0;
  if (absl::StartsWith(folded, "uy ban nhan dan ")) skip = 4;
  if (absl::StartsWith(folded, "ubnd ")) skip = 1;
  if (skip == 0 || words.size() <= skip) return upper;
  static const absl::flat_hash_set<std::string>* kinds = new absl::flat_hash_set<std::string>{
      "xa", "huyen", "tinh", "phuong", "quan", "thi", "thanh", "tran", "pho"};
  std::string out = "UBND";
  bool kind = true;
  for (size_t k = skip; k < words.size(); ++k) {
    kind = kind && kinds->contains(Fold(words[k]).text);
    absl::StrAppend(&out, " ", CaseWord(words[k], !kind));
  }
  return out;
}

// The issuing body in capitals at the top of the header ("ỦY BAN NHÂN DÂN /
// HUYỆN MINH SƠN", a header table's first column), above the motto.
bool IssuerFromHeader(const Document& doc, size_t end, v1::Plan* plan, Report* report) {
  std::vector<std::string> parts;
  int first_line = 0;
  int last_line = 0;
  for (size_t i = 0; i < end && i < doc.blocks.size(); ++i) {
    const Block& block = doc.blocks[i];
    const absl::string_view folded = block.folded.text;
    const bool motto =
        absl::StartsWith(folded, "cong hoa xa hoi") || absl::StartsWith(folded, "doc lap");
    bool letters = false;
    for (char c : folded) letters = letters || absl::ascii_isalpha(c);
    if (!letters) continue;
    if (!motto && block.kind == BlockKind::kParagraph && IsUpperLine(block.text) &&
        !absl::StartsWith(folded, "so") && block.text.size() < 200) {
      if (first_line == 0) first_line = block.first_line;
      last_line = block.last_line;
      parts.push_back(block.text);
      continue;
    }
    if (!parts.empty()) break;
  }
  if (parts.empty()) return false;
  std::string name = IssuerName(absl::StrJoin(parts, " "));
  scan::FitChars(&name, kMaxIssuerChars);
  plan->mutable_issuer()->set_display_name(name);
  report->Fact("plan.issuer", name, first_line, last_line);
  return true;
}

}  // namespace

void ExtractHeader(const Document& original, const ExtractContext& /*ctx*/, v1::Plan* plan,
                   Report* report) {
  Document expanded;
  const Document& doc = ExpandTables(original, &expanded) ? expanded : original;
  const size_t body = BodyStart(doc);
  const Title title = FindTitle(doc, body);
  const size_t header_end = std::min(title.found ? title.heading : body, kMaxHeaderBlocks);
  ReadNumber(doc, header_end, plan, report);
  ReadPlaceAndDate(doc, header_end, plan, report);
  if (!title.text.empty()) {
    std::string text = title.text;
    Fit(&text, kMaxTitleChars, "plan.title", title.first_line, title.last_line, report);
    plan->set_title(text);
    report->Fact("plan.title", text, title.first_line, title.last_line);
  } else {
    report->Warn("NO_TITLE", "no title (the lines after \"KẾ HOẠCH\") found; add it before issuing",
                 0, 0);
  }
  ReadPeriod(title, plan, report);
  if (plan->issuer().display_name().empty() && !IssuerFromOpening(doc, title, body, plan, report) &&
      !IssuerFromTitle(title, plan, report) && !IssuerFromHeader(doc, header_end, plan, report)) {
    report->Warn("NO_ISSUER",
                 "the issuing body is not named in the opening sentences or the title; send it as "
                 "`issuer`",
                 0, 0);
  }
  ReadBases(doc, title, body, plan, report);
  ReadSignature(doc, plan, report);
  ReadFunding(doc, plan, report);
}

}  // namespace chiso::plan::document
