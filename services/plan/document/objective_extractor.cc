#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/civil/date.h"
#include "common/text/text.h"
#include "re2/re2.h"
#include "services/plan/document/extractors.h"
#include "services/plan/document/scan.h"
#include "services/plan/plan_domain.h"

namespace chiso::plan::document {
namespace {

namespace v1 = chiso::plan::v1;
namespace cv1 = chiso::common::v1;
using scan::Piece;
using scan::Span;

// Longest objective description kept (Objective.description allows 2000).
constexpr size_t kMaxDescription = 1000;
// Bounds that keep a pathological document linear: values read per clause,
// values and ranks read per document, ranks per block.
constexpr size_t kMaxValuesPerClause = 20;
constexpr size_t kMaxCandidates = 400;
constexpr size_t kMaxRanks = 400;
constexpr size_t kMaxRanksPerBlock = 40;

// What a value is about: an index (component empty) or one of its components.
struct Subject {
  std::string framework;
  std::string component;
  bool empty() const { return framework.empty(); }
};

// The index and component of the current section, from its headings ("1.
// Chỉ số “Chi phí thời gian”", "4. Chỉ số PCI"). Headings are matched only
// when a value needs them.
class Sections {
 public:
  Sections(const Document& doc, const ComponentMatcher& matcher) : doc_(doc), matcher_(matcher) {}

  void Enter(const Block& block) {
    int level = -1;
    if (block.kind == BlockKind::kRoman) level = 0;
    if (block.kind == BlockKind::kNumber) level = 1;
    if (block.kind == BlockKind::kLetter) level = 2;
    if (level < 0) return;
    for (int k = level; k < 3; ++k) levels_[k] = Level();
    levels_[level].heading = &block;
  }

  // The deepest section subject, or empty.
  Subject Current() {
    for (int k = 0; k < 3; ++k) Match(k);
    for (int k = 2; k >= 0; --k) {
      if (!levels_[k].subject.empty()) return levels_[k].subject;
    }
    return Subject();
  }

  // The index to prefer for component names shared by several indices.
  std::string PreferredIndex() {
    const Subject current = Current();
    return current.empty() ? dominant() : current.framework;
  }

  // The index the document is about (ComponentMatcher::MainIndex), read once.
  const std::string& dominant() {
    if (!dominant_known_) dominant_ = matcher_.MainIndex(doc_);
    dominant_known_ = true;
    return dominant_;
  }

 private:
  struct Level {
    const Block* heading = nullptr;
    bool matched = false;
    Subject subject;
  };

  // Matches the heading of level `k`; the enclosing sections decide which
  // index a shared component name belongs to.
  void Match(int k) {
    Level& level = levels_[k];
    if (level.heading == nullptr || level.matched) return;
    level.matched = true;
    std::string preferred;
    for (int up = k - 1; up >= 0 && preferred.empty(); --up) {
      preferred = levels_[up].subject.framework;
    }
    if (preferred.empty()) preferred = dominant();
    const absl::string_view folded = level.heading->folded.text;
    const std::vector<Mention> components = matcher_.Components(folded, preferred);
    if (!components.empty()) {
      level.subject = Subject{components[0].framework, components[0].component};
      return;
    }
    const std::vector<Mention> indices = matcher_.Indices(folded);
    if (!indices.empty()) level.subject = Subject{indices[0].framework, ""};
  }

  const Document& doc_;
  const ComponentMatcher& matcher_;
  Level levels_[3];
  bool dominant_known_ = false;
  std::string dominant_;
};

// A rank read from an assessment ("xếp hạng 16/23").
struct RankFact {
  Subject subject;
  int rank = 0;
  int rank_of = 0;
  int year = 0;
  int first_line = 0;
  int last_line = 0;
};

// A value the plan aims at, as found.
struct Candidate {
  const Block* block = nullptr;
  Span clause;
  // The words that state it: the clause, or its comma-separated part when
  // the clause holds several values.
  Span words;
  size_t at = 0;  // folded offset of the value
  Subject subject;
  cv1::Measure measure = cv1::MEASURE_SCORE;
  cv1::Comparator comparator = cv1::COMPARATOR_UNSPECIFIED;
  std::string value;  // canonical decimal, or the grade
  int64_t thousandths = 0;
  int year = 0;
  // Named only as "các chỉ số thành phần".
  bool generic = false;
  // From the same clause: "(Năm 2019 được 6,77 điểm)".
  std::string base_value;
  int base_year = 0;
  int base_rank = 0;
  int base_rank_of = 0;
};

const RE2& TriggerRe() {
  static const RE2* re = new RE2("\\b(?:phan dau|chi tieu|muc tieu)\\b");
  return *re;
}

const RE2& YearRe() {
  static const RE2* re = new RE2("\\bnam\\s+((?:19|20|21)\\d\\d)\\b");
  return *re;
}

const RE2& GenericRe() {
  static const RE2* re =
      new RE2("\\b(?:chi so thanh phan|cac chi so|cac tieu chi|tieu chi thanh phan)\\b");
  return *re;
}

bool HasTrigger(absl::string_view folded) { return RE2::PartialMatch(Piece(folded), TriggerRe()); }

// Years in folded[begin, end) that date the facts around them: not inside
// parentheses and not compared against ("so với năm 2018").
std::vector<std::pair<size_t, int>> Years(absl::string_view folded, size_t begin, size_t end) {
  std::vector<std::pair<size_t, int>> out;
  re2::StringPiece input = Piece(folded.substr(begin, end - begin));
  re2::StringPiece year_text;
  scan::ParenDepth depth(folded, begin);
  while (RE2::FindAndConsume(&input, YearRe(), &year_text)) {
    const size_t at = scan::OffsetIn(folded, year_text);
    if (depth.At(at) > 0) continue;
    const size_t nam = at >= 4 ? at - 4 : 0;
    const absl::string_view before = folded.substr(nam >= 8 ? nam - 8 : 0, nam >= 8 ? 8 : nam);
    if (absl::EndsWith(before, "so voi ")) continue;
    int year = 0;
    if (absl::SimpleAtoi(scan::View(year_text), &year)) out.emplace_back(at, year);
  }
  return out;
}

// The year nearest before `at`, else nearest after, in folded[begin, end).
int NearestYear(absl::string_view folded, size_t begin, size_t end, size_t at) {
  int before = 0;
  int after = 0;
  for (const auto& [pos, year] : Years(folded, begin, end)) {
    if (pos < at) before = year;
    if (pos > at && after == 0) after = year;
  }
  return before != 0 ? before : after;
}

// The parenthesised group of folded[begin, end) that holds `at`, as
// [open, close); {npos, npos} when `at` is not inside one.
Span EnclosingParentheses(absl::string_view folded, size_t begin, size_t end, size_t at) {
  std::vector<size_t> open;
  for (size_t i = begin; i < end && i < folded.size(); ++i) {
    if (folded[i] == '(') open.push_back(i);
    if (folded[i] == ')' && !open.empty()) {
      if (open.back() < at && at < i) return Span{open.back(), i};
      open.pop_back();
    }
  }
  if (!open.empty() && open.back() < at) return Span{open.back(), end};
  return Span{std::string::npos, std::string::npos};
}

// Indices and components named in folded[clause], with offsets in
// `folded`.
std::vector<Mention> MentionsIn(absl::string_view folded, Span clause,
                                const ComponentMatcher& matcher, const std::string& preferred) {
  const absl::string_view text = folded.substr(clause.begin, clause.end - clause.begin);
  std::vector<Mention> mentions = matcher.Components(text, preferred);
  for (Mention& m : matcher.Indices(text)) mentions.push_back(std::move(m));
  for (Mention& m : mentions) {
    m.begin += clause.begin;
    m.end += clause.begin;
  }
  return mentions;
}

// The subject of `mentions` named nearest before `at` (from `begin`), or
// right after it (before `limit`) when none comes before. Sets `generic`
// when "các chỉ số thành phần" stands between the subject and `at`.
Subject SubjectNear(absl::string_view folded, const std::vector<Mention>& mentions, size_t begin,
                    size_t at, size_t limit, bool* generic) {
  const Mention* left = nullptr;
  const Mention* right = nullptr;
  for (const Mention& m : mentions) {
    if (m.begin < begin) continue;
    if (m.end <= at) {
      if (left == nullptr || m.end > left->end ||
          (m.end == left->end && !m.component.empty() && left->component.empty())) {
        left = &m;
      }
    } else if (m.begin > at && m.end <= limit && (right == nullptr || m.begin < right->begin)) {
      right = &m;
    }
  }
  const size_t from = left != nullptr ? left->end : begin;
  *generic = RE2::PartialMatch(Piece(folded.substr(from, at - from)), GenericRe());
  if (left != nullptr) return Subject{left->framework, left->component};
  if (!*generic && right != nullptr) return Subject{right->framework, right->component};
  return Subject();
}

cv1::Comparator ComparatorOf(absl::string_view lead, absl::string_view tail) {
  if (absl::StrContains(tail, "tro len")) return cv1::COMPARATOR_AT_LEAST;
  if (absl::StrContains(tail, "tro xuong")) return cv1::COMPARATOR_AT_MOST;
  if (absl::EndsWith(lead, "tren")) return cv1::COMPARATOR_ABOVE;
  if (absl::EndsWith(lead, "duoi") && !absl::StartsWith(lead, "khong")) {
    return cv1::COMPARATOR_BELOW;
  }
  if (absl::EndsWith(lead, "toi da") || lead == "khong qua") return cv1::COMPARATOR_AT_MOST;
  return cv1::COMPARATOR_AT_LEAST;
}

// Values aimed at in folded[clause]: "đạt trên 7,80 điểm", "đạt 9,06 điểm
// trở lên", "từ 70 điểm trở lên", "là 64,45 điểm", ": 80,56 điểm", "85%".
void ScoreCandidates(const Block& block, Span clause, std::vector<Candidate>* out) {
  static const RE2* re = new RE2(
      "(\\bdat\\s+tren|\\bdat\\s+tu|\\bdat\\s+toi\\s+thieu|\\bdat\\s+it\\s+nhat|"
      "\\bdat\\s+duoi|\\bdat\\s+toi\\s+da|\\bdat|\\btren|\\btu|\\btoi\\s+thieu|\\bit\\s+nhat|"
      "\\bkhong\\s+duoi|\\bduoi|\\btoi\\s+da|\\bkhong\\s+qua|\\bla|:)\\s*"
      "(\\d{1,3}(?:[.,]\\d{1,3})?)\\s*(diem\\b|%)((?:\\s*tro\\s+(?:len|xuong))?)");
  const absl::string_view folded = block.folded.text;
  re2::StringPiece input = Piece(folded.substr(clause.begin, clause.end - clause.begin));
  re2::StringPiece lead;
  re2::StringPiece number;
  re2::StringPiece unit;
  re2::StringPiece tail;
  scan::ParenDepth depth(folded, clause.begin);
  size_t found = 0;
  while (found < kMaxValuesPerClause &&
         RE2::FindAndConsume(&input, *re, &lead, &number, &unit, &tail)) {
    const size_t at = scan::OffsetIn(folded, number);
    if (depth.At(at) > 0) continue;
    ++found;
    absl::StatusOr<std::string> canonical = text::CanonicalDecimal(scan::View(number));
    absl::StatusOr<text::Decimal3> parsed = text::ParseDecimal(scan::View(number));
    if (!canonical.ok() || !parsed.ok() || parsed->thousandths > 100000) continue;
    Candidate c;
    c.block = &block;
    c.clause = clause;
    c.words = clause;
    c.at = at;
    c.measure = scan::View(unit) == "%" ? cv1::MEASURE_PERCENT : cv1::MEASURE_SCORE;
    c.comparator = ComparatorOf(scan::View(lead), scan::View(tail));
    c.value = *canonical;
    c.thousandths = parsed->thousandths;
    out->push_back(std::move(c));
  }
}

// Rank targets: "top 10", "xếp hạng 5 trở lên", "nhóm 10 đơn vị dẫn đầu".
void RankCandidates(const Block& block, Span clause, std::vector<Candidate>* out) {
  static const RE2* re = new RE2(
      "\\btop\\s*(\\d{1,3})\\b|\\b(?:xep|dung)\\s+(?:hang|thu)\\s+(?:thu\\s+)?(\\d{1,3})\\s+"
      "tro\\s+len|\\bnhom\\s+(\\d{1,3})\\s+(?:don vi|dia phuong|tinh|so|huyen)?\\s*dan dau");
  const absl::string_view folded = block.folded.text;
  re2::StringPiece input = Piece(folded.substr(clause.begin, clause.end - clause.begin));
  re2::StringPiece groups[3];
  size_t found = 0;
  while (found++ < kMaxValuesPerClause &&
         RE2::FindAndConsume(&input, *re, &groups[0], &groups[1], &groups[2])) {
    for (const re2::StringPiece& g : groups) {
      if (g.data() == nullptr || g.empty()) continue;
      int rank = 0;
      if (!absl::SimpleAtoi(scan::View(g), &rank) || rank < 1) break;
      Candidate c;
      c.block = &block;
      c.clause = clause;
      c.words = clause;
      c.at = scan::OffsetIn(folded, g);
      c.measure = cv1::MEASURE_RANK;
      c.comparator = cv1::COMPARATOR_AT_MOST;
      c.value = absl::StrCat(rank);
      c.thousandths = int64_t{rank} * 1000;
      out->push_back(std::move(c));
      break;
    }
  }
}

// Grade targets: "phấn đấu xếp loại A", "nhóm A" (not the definition of a
// group: "nhóm A đạt từ 90% trở lên").
void GradeCandidates(const Block& block, Span clause, std::vector<Candidate>* out) {
  static const RE2* re = new RE2("\\b(?:xep loai|xep nhom|nhom|loai)\\s+([abcd])\\b(\\s+dat)?");
  const absl::string_view folded = block.folded.text;
  re2::StringPiece input = Piece(folded.substr(clause.begin, clause.end - clause.begin));
  re2::StringPiece grade;
  re2::StringPiece defined;
  size_t found = 0;
  while (found++ < kMaxValuesPerClause && RE2::FindAndConsume(&input, *re, &grade, &defined)) {
    if (!defined.empty()) continue;
    Candidate c;
    c.block = &block;
    c.clause = clause;
    c.words = clause;
    c.at = scan::OffsetIn(folded, grade);
    c.measure = cv1::MEASURE_GRADE;
    c.comparator = cv1::COMPARATOR_AT_LEAST;
    c.value = absl::AsciiStrToUpper(scan::View(grade));
    out->push_back(std::move(c));
  }
}

// The comma-separated part of `clause` that holds `at` (commas inside
// parentheses and decimal commas do not separate).
Span Segment(absl::string_view folded, Span clause, size_t at) {
  Span out = clause;
  int depth = 0;
  for (size_t i = clause.begin; i < clause.end; ++i) {
    const char c = folded[i];
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (depth > 0 || c != ',' || i + 1 >= clause.end || folded[i + 1] != ' ') continue;
    if (i < at) out.begin = i + 1;
    if (i > at) {
      out.end = i;
      break;
    }
  }
  return out;
}

// "(Năm 2019 được 6,77 điểm)", "(năm 2019: 6,77 điểm, xếp hạng 16/23)"
// after a value: its baseline.
void ReadClauseBaselines(const Block& block, Span clause, std::vector<Candidate>* found,
                         size_t first_of_clause) {
  static const RE2* value_re = new RE2(
      "\\(\\s*nam\\s+((?:19|20|21)\\d\\d)\\s*[:,]?\\s*(?:duoc|dat|la|co)?\\s*:?\\s*"
      "(\\d{1,3}(?:[.,]\\d{1,3})?)\\s*(?:diem|%)");
  static const RE2* rank_re =
      new RE2("xep\\s+(?:hang|thu)\\s*(?:thu\\s*)?(\\d{1,3})\\s*/\\s*(\\d{1,3})");
  const absl::string_view folded = block.folded.text;
  re2::StringPiece input = Piece(folded.substr(clause.begin, clause.end - clause.begin));
  int year = 0;
  re2::StringPiece number;
  while (RE2::FindAndConsume(&input, *value_re, &year, &number)) {
    const size_t at = scan::OffsetIn(folded, number);
    Candidate* owner = nullptr;
    for (size_t k = first_of_clause; k < found->size(); ++k) {
      if ((*found)[k].at < at) owner = &(*found)[k];
    }
    absl::StatusOr<std::string> canonical = text::CanonicalDecimal(scan::View(number));
    if (owner == nullptr || !canonical.ok() || !owner->base_value.empty()) continue;
    owner->base_value = *canonical;
    owner->base_year = year;
    const Span group = EnclosingParentheses(folded, clause.begin, clause.end, at);
    int rank = 0;
    int rank_of = 0;
    if (group.begin != std::string::npos &&
        RE2::PartialMatch(Piece(folded.substr(group.begin, group.end - group.begin)), *rank_re,
                          &rank, &rank_of)) {
      owner->base_rank = rank;
      owner->base_rank_of = rank_of;
    }
  }
}

class ObjectiveReader {
 public:
  ObjectiveReader(const Document& doc, const ComponentMatcher& matcher, v1::Plan* plan,
                  Report* report)
      : doc_(doc), matcher_(matcher), plan_(plan), report_(report), sections_(doc, matcher) {}

  void Run() {
    for (const Block& block : doc_.blocks) {
      sections_.Enter(block);
      UpdateListContext(block);
      ReadRanks(block);
      ReadTargets(block);
    }
    Emit();
  }

 private:
  // A list of targets announced by "Mục tiêu năm 2024: … như sau:" runs over
  // the bullets that follow it.
  void UpdateListContext(const Block& block) {
    UpdateTargetSection(block);
    if (block.kind == BlockKind::kBullet && in_list_) return;
    in_list_ = false;
    list_year_ = 0;
    if (block.ends_with_colon && HasTrigger(block.folded.text)) {
      in_list_ = true;
      const auto years = Years(block.folded.text, 0, block.folded.text.size());
      if (!years.empty()) list_year_ = years.front().second;
    }
  }

  // Depth of a section heading: "I." 0, "1." 1, "1.2." 2, "a)" 4; -1 for
  // other blocks.
  static int HeadingLevel(const Block& block) {
    if (block.kind == BlockKind::kRoman) return 0;
    if (block.kind == BlockKind::kNumber) {
      return 1 + static_cast<int>(std::count(block.marker.begin(), block.marker.end(), '.'));
    }
    if (block.kind == BlockKind::kLetter) return 4;
    return -1;
  }

  // A "I. MỤC TIÊU", "2. Chỉ tiêu" or "Mục tiêu cụ thể:" heading makes the
  // items under it ("1. Chỉ số … đạt từ 85% trở lên", bullets) targets until
  // the next heading of its level.
  void UpdateTargetSection(const Block& block) {
    static const RE2* re = new RE2(
        "^(?:muc tieu|chi tieu)(?:\\s+(?:cu the|chung|phan dau|"
        "chu yeu|nam\\s+\\d{4}|den nam\\s+\\d{4}))*\\s*[:.]?\\s*$");
    const int level = HeadingLevel(block);
    if (level < 0) return;
    if (target_level_ >= 0 && level <= target_level_) target_level_ = -1;
    if (RE2::FullMatch(Piece(block.folded.text), *re)) target_level_ = level;
  }

  bool InList(const Block& block) const {
    if (in_list_ && block.kind == BlockKind::kBullet) return true;
    return target_level_ >= 0 &&
           (block.kind == BlockKind::kBullet || HeadingLevel(block) > target_level_);
  }

  // Ranks of the assessment ("xếp hạng 16/23"), dated by the year nearest
  // before them (or inside their parentheses) and owned by the index or
  // component named nearest before them.
  void ReadRanks(const Block& block) {
    static const RE2* re = new RE2(
        "\\b(?:xep\\s+(?:hang|thu)|dung\\s+thu|hang)\\s*(?:thu\\s*)?(\\d{1,3})\\s*/"
        "\\s*(\\d{1,3})\\b");
    const absl::string_view folded = block.folded.text;
    if (folded.find('/') == absl::string_view::npos || ranks_.size() >= kMaxRanks) return;
    std::vector<std::pair<size_t, int>> years;
    bool dated = false;
    size_t in_block = 0;
    for (const Span& clause : scan::Clauses(folded)) {
      re2::StringPiece input = Piece(folded.substr(clause.begin, clause.end - clause.begin));
      re2::StringPiece rank_text;
      re2::StringPiece of_text;
      std::vector<Mention> mentions;
      bool matched = false;
      while (in_block < kMaxRanksPerBlock &&
             RE2::FindAndConsume(&input, *re, &rank_text, &of_text)) {
        RankFact r;
        if (!absl::SimpleAtoi(scan::View(rank_text), &r.rank) ||
            !absl::SimpleAtoi(scan::View(of_text), &r.rank_of) || r.rank < 1 ||
            r.rank > r.rank_of) {
          continue;
        }
        ++in_block;
        const size_t at = scan::OffsetIn(folded, rank_text);
        if (!matched) {
          mentions = MentionsIn(folded, clause, matcher_, sections_.PreferredIndex());
          matched = true;
        }
        bool generic = false;
        r.subject = SubjectNear(folded, mentions, clause.begin, at, at, &generic);
        if (generic) continue;
        if (r.subject.empty()) r.subject = Subject{sections_.dominant(), ""};
        if (r.subject.empty()) continue;
        const Span group = EnclosingParentheses(folded, clause.begin, clause.end, at);
        if (group.begin != std::string::npos) {
          const auto inside = Years(folded, group.begin + 1, group.end);
          if (!inside.empty()) r.year = inside.front().second;
        }
        if (r.year == 0) {
          if (!dated) years = Years(folded, 0, folded.size());
          dated = true;
          for (const auto& [pos, year] : years) {
            if (pos < at) r.year = year;
          }
        }
        r.first_line = block.first_line;
        r.last_line = block.last_line;
        ranks_.push_back(std::move(r));
      }
    }
  }

  void ReadTargets(const Block& block) {
    if (block.kind == BlockKind::kTableRow || block.kind == BlockKind::kFootnote) return;
    const absl::string_view folded = block.folded.text;
    const bool list = InList(block);
    if (!list && !HasTrigger(folded)) return;
    // A trigger word ("phấn đấu", "chỉ tiêu", "mục tiêu") holds to the end of
    // its sentence, across ";".
    bool triggered = false;
    size_t previous_end = 0;
    for (const Span& clause : scan::Clauses(folded)) {
      const absl::string_view text = folded.substr(clause.begin, clause.end - clause.begin);
      const absl::string_view separator = folded.substr(previous_end, clause.begin - previous_end);
      if (separator.find_first_of(".!?") != absl::string_view::npos) triggered = false;
      previous_end = clause.end;
      if (HasTrigger(text)) triggered = true;
      if (!list && !triggered) continue;
      if (found_.size() >= kMaxCandidates) return;
      ReadClauseTargets(block, clause, list);
    }
  }

  // The values of one clause in target context, with their baselines,
  // subjects and years.
  void ReadClauseTargets(const Block& block, Span clause, bool list) {
    const absl::string_view folded = block.folded.text;
    const size_t first = found_.size();
    ScoreCandidates(block, clause, &found_);
    RankCandidates(block, clause, &found_);
    GradeCandidates(block, clause, &found_);
    if (found_.size() == first) return;
    std::sort(found_.begin() + static_cast<std::ptrdiff_t>(first), found_.end(),
              [](const Candidate& a, const Candidate& b) { return a.at < b.at; });
    ReadClauseBaselines(block, clause, &found_, first);
    const std::vector<Mention> mentions =
        MentionsIn(folded, clause, matcher_, sections_.PreferredIndex());
    for (size_t k = first; k < found_.size(); ++k) {
      const size_t limit = k + 1 < found_.size() ? found_[k + 1].at : clause.end;
      Resolve(&found_[k], mentions, limit, list);
      if (found_.size() - first > 1) found_[k].words = Segment(folded, clause, found_[k].at);
    }
  }

  void Resolve(Candidate* c, const std::vector<Mention>& mentions, size_t limit, bool list) {
    const absl::string_view folded = c->block->folded.text;
    bool generic = false;
    c->subject = SubjectNear(folded, mentions, c->clause.begin, c->at, limit, &generic);
    const bool named = !c->subject.empty();
    // A share ("đạt 100%") is an index target only when the clause names the
    // index; "tỷ lệ …" between them makes it a share of something else.
    static const RE2* share_re = new RE2("\\bty le\\b");
    if (c->measure == cv1::MEASURE_PERCENT &&
        (!named || RE2::PartialMatch(Piece(folded.substr(c->clause.begin, c->at - c->clause.begin)),
                                     *share_re))) {
      c->value.clear();
      return;
    }
    if (c->subject.empty()) c->subject = sections_.Current();
    if (c->subject.empty() && c->measure != cv1::MEASURE_GRADE) {
      c->subject = Subject{sections_.dominant(), ""};
    }
    // A score the clause does not tie to a component is the index's own
    // only when the clause says so ("tổng điểm", "điểm tổng hợp", "chỉ số
    // chung"); otherwise it is most likely a component whose name is not in
    // the catalog ("Chỉ số 4: “…” đạt 5,93 điểm").
    static const RE2* whole_re =
        new RE2("\\b(?:tong diem|diem tong hop|diem so chung|chi so chung|tong hop chung)\\b");
    if (!named && !c->subject.empty() && c->subject.component.empty() &&
        c->measure == cv1::MEASURE_SCORE && !generic &&
        !RE2::PartialMatch(Piece(folded.substr(c->clause.begin, c->clause.end - c->clause.begin)),
                           *whole_re)) {
      report_->Warn("NO_COMPONENT",
                    absl::StrCat("the target ", c->value,
                                 " names no component the catalog knows and does not say it is "
                                 "the total of ",
                                 c->subject.framework, "; it was left out"),
                    *c->block);
      c->value.clear();
      return;
    }
    if (c->subject.empty()) {
      report_->Warn("UNKNOWN_INDEX", "a target names no index or component; it was left out",
                    *c->block);
      c->value.clear();
      return;
    }
    // "các chỉ số thành phần đạt …": no component of its own; kept to be
    // recognised as the sum of the component targets, else left out.
    if (generic) c->subject.component.clear();
    c->generic = generic;
    int year = 0;
    for (const auto& [pos, y] : Years(folded, c->clause.begin, c->at)) year = y;
    if (year == 0 && list) year = list_year_;
    if (year == 0) year = NearestYear(folded, c->clause.begin, c->clause.end, c->at);
    if (year == 0) year = plan_->period().end_year();
    if (year == 0) year = plan_->issued_on().year();
    c->year = year;
  }

  // "Năm 2023 đạt 7,5 điểm, phấn đấu năm 2024 đạt trên 8 điểm": a value of
  // an earlier year than another for the same subject is that one's baseline.
  void EarlierValuesAsBaselines() {
    for (Candidate& earlier : found_) {
      if (earlier.value.empty() || earlier.generic || earlier.measure == cv1::MEASURE_GRADE) {
        continue;
      }
      Candidate* later = nullptr;
      for (Candidate& c : found_) {
        if (&c == &earlier || c.value.empty() || c.block != earlier.block ||
            c.subject.framework != earlier.subject.framework ||
            c.subject.component != earlier.subject.component || c.measure != earlier.measure ||
            c.year <= earlier.year) {
          continue;
        }
        later = &c;
        break;
      }
      if (later == nullptr) continue;
      if (later->base_value.empty()) {
        later->base_value = earlier.value;
        later->base_year = earlier.year;
      }
      earlier.value.clear();
    }
  }

  // Keeps what is a separate aim: drops duplicates and a total that only
  // adds up the component targets ("Điểm phấn đấu là 64,45 điểm").
  void Emit() {
    EarlierValuesAsBaselines();
    const ComponentSums sums = SumComponents();
    std::vector<const Candidate*> kept;
    for (const Candidate& c : found_) {
      if (c.value.empty() || IsComponentSum(c, sums) || !Usable(c) || IsRepeated(c, kept)) {
        continue;
      }
      kept.push_back(&c);
    }
    for (const Candidate* c : kept) {
      if (plan_->objectives_size() >= kMaxObjectives) {
        report_->Warn("TRUNCATED",
                      absl::StrCat("only the first ", kMaxObjectives,
                                   " objectives were kept (the most a plan may hold)"),
                      *c->block);
        break;
      }
      Add(*c);
    }
  }

  // Per index and year: the sum of the component score targets (in
  // thousandths) and how many there are.
  using ComponentSums = std::map<std::pair<std::string, int>, std::pair<int64_t, int>>;

  ComponentSums SumComponents() const {
    ComponentSums sums;
    for (const Candidate& c : found_) {
      if (c.value.empty() || c.subject.component.empty() || c.measure != cv1::MEASURE_SCORE) {
        continue;
      }
      auto& sum = sums[{c.subject.framework, c.year}];
      sum.first += c.thousandths;
      ++sum.second;
    }
    return sums;
  }

  // Whether `c` is a total that only adds up the component targets; reports
  // it as a fact.
  bool IsComponentSum(const Candidate& c, const ComponentSums& sums) {
    if (!c.subject.component.empty() || c.measure != cv1::MEASURE_SCORE) return false;
    const auto it = sums.find({c.subject.framework, c.year});
    if (it == sums.end() || it->second.second < 2 || it->second.first != c.thousandths) {
      return false;
    }
    report_->Fact("objectives.component_sum",
                  absl::StrCat(c.value, " is the sum of the ", it->second.second, " ",
                               c.subject.framework, " component targets, not an aim of its own"),
                  *c.block);
    return true;
  }

  // Whether `c` can be an objective: a component of its own and a year.
  bool Usable(const Candidate& c) {
    if (c.generic) {
      report_->Warn("NO_COMPONENT",
                    "a target for components named only in general (\"các chỉ số thành "
                    "phần\") was left out: add one objective per component",
                    *c.block);
      return false;
    }
    if (c.year < civil::kMinYear || c.year > civil::kMaxYear) {
      report_->Warn("NO_YEAR",
                    absl::StrCat("the target ", c.value,
                                 " has no year and the plan's years are unknown; left out"),
                    *c.block);
      return false;
    }
    return true;
  }

  // Whether `kept` has a target for the same subject, measure and year; a
  // different value for it is a warning.
  bool IsRepeated(const Candidate& c, const std::vector<const Candidate*>& kept) {
    for (const Candidate* k : kept) {
      if (k->subject.framework != c.subject.framework ||
          k->subject.component != c.subject.component || k->measure != c.measure ||
          k->year != c.year) {
        continue;
      }
      if (k->value != c.value || k->comparator != c.comparator) {
        report_->Warn("DUPLICATE_TARGET",
                      absl::StrCat("a second target for ", Name(c.subject), " in ", c.year, " (",
                                   c.value, ") was left out; the first (", k->value, ", line ",
                                   k->block->first_line, ") is kept"),
                      *c.block);
      }
      return true;
    }
    return false;
  }

  static std::string Name(const Subject& s) {
    return s.component.empty() ? s.framework : absl::StrCat(s.framework, "/", s.component);
  }

  // The latest rank of `subject` before `year` (exactly `year` when given).
  const RankFact* RankFor(const Subject& subject, int before, int exact) const {
    const RankFact* best = nullptr;
    for (const RankFact& r : ranks_) {
      if (r.subject.framework != subject.framework || r.subject.component != subject.component) {
        continue;
      }
      if (exact != 0 ? r.year != exact : (r.year == 0 || r.year >= before)) continue;
      if (best == nullptr || r.year > best->year) best = &r;
    }
    return best;
  }

  void Add(const Candidate& c) {
    const int index = plan_->objectives_size();
    v1::Objective* o = plan_->add_objectives();
    o->set_id(absl::StrCat("o", index + 1));
    o->set_framework(c.subject.framework);
    o->set_component(c.subject.component);
    o->set_measure(c.measure);
    v1::Target* target = o->mutable_target();
    target->set_year(c.year);
    target->set_comparator(c.comparator);
    if (c.measure == cv1::MEASURE_GRADE) {
      target->set_grade(c.value);
    } else {
      target->mutable_value()->set_value(c.value);
    }
    std::string description = scan::OriginalWords(*c.block, c.words.begin, c.words.end, " ;,");
    text::CutToBytes(&description, kMaxDescription);
    o->set_description(description);
    const std::string field = absl::StrCat("objectives[", index, "]");
    report_->Fact(absl::StrCat(field, ".target"),
                  absl::StrCat(Name(c.subject), " ", Describe(c.measure, c.comparator), " ",
                               c.value, " in ", c.year),
                  *c.block);
    AddBaseline(c, o, field);
  }

  void AddBaseline(const Candidate& c, v1::Objective* o, const std::string& field) {
    int year = c.base_year;
    const RankFact* rank = nullptr;
    if (c.base_rank == 0) rank = RankFor(c.subject, c.year, year);
    if (year == 0 && rank != nullptr) year = rank->year;
    if (year < civil::kMinYear || year > civil::kMaxYear) return;
    v1::Baseline* base = o->mutable_baseline();
    base->set_year(year);
    if (!c.base_value.empty() && c.measure != cv1::MEASURE_RANK) {
      base->mutable_value()->set_value(c.base_value);
      report_->Fact(absl::StrCat(field, ".baseline"), absl::StrCat(c.base_value, " in ", year),
                    *c.block);
    }
    if (c.base_rank > 0) {
      base->set_rank(c.base_rank);
      base->set_rank_of(c.base_rank_of);
    } else if (rank != nullptr) {
      base->set_rank(rank->rank);
      base->set_rank_of(rank->rank_of);
      report_->Fact(absl::StrCat(field, ".baseline.rank"),
                    absl::StrCat(rank->rank, "/", rank->rank_of, " in ", rank->year),
                    rank->first_line, rank->last_line);
    }
    if (c.measure == cv1::MEASURE_RANK && base->rank() > 0) {
      base->mutable_value()->set_value(absl::StrCat(base->rank()));
    }
  }

  static std::string Describe(cv1::Measure measure, cv1::Comparator comparator) {
    std::string m = measure == cv1::MEASURE_RANK      ? "rank"
                    : measure == cv1::MEASURE_PERCENT ? "percent"
                    : measure == cv1::MEASURE_GRADE   ? "grade"
                                                      : "score";
    const char* c = comparator == cv1::COMPARATOR_ABOVE     ? "above"
                    : comparator == cv1::COMPARATOR_AT_MOST ? "at most"
                    : comparator == cv1::COMPARATOR_BELOW   ? "below"
                                                            : "at least";
    return absl::StrCat(m, " ", c);
  }

  const Document& doc_;
  const ComponentMatcher& matcher_;
  v1::Plan* plan_;
  Report* report_;
  Sections sections_;
  bool in_list_ = false;
  int list_year_ = 0;
  int target_level_ = -1;
  std::vector<RankFact> ranks_;
  std::vector<Candidate> found_;
};

}  // namespace

void ExtractObjectives(const Document& doc, const ExtractContext& ctx, v1::Plan* plan,
                       Report* report) {
  if (ctx.components == nullptr) return;
  ObjectiveReader(doc, *ctx.components, plan, report).Run();
}

}  // namespace chiso::plan::document
