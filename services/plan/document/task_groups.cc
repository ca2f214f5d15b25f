#include "services/plan/document/task_groups.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"
#include "services/plan/document/scan.h"

namespace chiso::plan::document {
namespace {

namespace pv1 = chiso::plan::v1;

enum class Section { kPreamble, kPurpose, kBody, kClosing, kOther, kAppendix, kEnd };

// Levels of the blocks that open groups.
constexpr int kNumberLevel = 1;
constexpr int kLetterLevel = 2;
constexpr int kParagraphLevel = 3;
constexpr int kBulletLevel = 4;
constexpr int kTableLevel = 100;

// Words of a heading that give its colon a title ("h) Nâng cao chất lượng …:
// Các đơn vị …").
constexpr size_t kMaxTitleWords = 30;

struct Topic {
  std::string framework;
  std::string component;
  bool empty() const { return framework.empty(); }
};

absl::string_view Trimmed(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  while (!text.empty() && (text.front() == ':' || text.front() == '-')) {
    text.remove_prefix(1);
    text = absl::StripAsciiWhitespace(text);
  }
  return text;
}

bool StartsWithAny(absl::string_view folded, std::initializer_list<absl::string_view> starts) {
  for (absl::string_view start : starts) {
    if (absl::StartsWith(folded, start)) return true;
  }
  return false;
}

// Labels of the lines that describe a group rather than add to it.
constexpr absl::string_view kTimeframeLabels[] = {"thoi gian thuc hien", "thoi gian hoan thanh",
                                                  "thoi han hoan thanh", "thoi han thuc hien",
                                                  "tien do thuc hien",   "thoi gian:"};
constexpr absl::string_view kSupervisorLabels[] = {"lanh dao phu trach"};
constexpr absl::string_view kDeliverableLabels[] = {"san pham dau ra:", "san pham:"};

// The label of `labels` that `block` opens with, or "".
template <size_t N>
absl::string_view LabelOf(const Block& block, const absl::string_view (&labels)[N]) {
  for (absl::string_view label : labels) {
    if (absl::StartsWith(block.folded.text, label)) return label;
  }
  return {};
}

// What follows the label `label` of `block` and its ":" ("Thời gian thực
// hiện: Thường xuyên").
std::string AfterLabel(const Block& block, absl::string_view label) {
  const size_t colon = block.text.find(':');
  if (colon != std::string::npos) {
    return std::string(Trimmed(absl::string_view(block.text).substr(colon + 1)));
  }
  return std::string(Trimmed(block.Original(label.size(), block.folded.text.size())));
}

Section ClassifyHeading(absl::string_view folded) {
  if (StartsWithAny(folded, {"muc dich", "yeu cau"})) return Section::kPurpose;
  if (absl::StartsWith(folded, "muc tieu") && !absl::StrContains(folded, "nhiem vu") &&
      !absl::StrContains(folded, "giai phap")) {
    return Section::kPurpose;
  }
  if (StartsWithAny(folded, {"to chuc thuc hien", "trach nhiem thuc hien", "to chuc trien khai",
                             "dieu khoan thi hanh"})) {
    return Section::kClosing;
  }
  if (StartsWithAny(folded, {"phu luc"})) return Section::kAppendix;
  if ((absl::StrContains(folded, "kinh phi") || absl::StartsWith(folded, "che do bao cao")) &&
      !absl::StrContains(folded, "nhiem vu")) {
    return Section::kOther;
  }
  return Section::kBody;
}

std::string Supervisor(const Block& block) {
  std::string text = AfterLabel(block, LabelOf(block, kSupervisorLabels));
  for (absl::string_view honorific : {"Đồng chí ", "đồng chí ", "Đ/c ", "đ/c ", "Đ/C "}) {
    if (absl::StartsWith(text, honorific)) text.erase(0, honorific.size());
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ';' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// "… hoàn thành trước ngày 30/4/2024", "xong trước 30/6/2024", "hoàn thành
// trước ngày 15/12 hằng năm".
const RE2& ExplicitDeadlineRe() {
  static const RE2* re = new RE2(
      "(?:hoan thanh|xong)(?: [a-z]+){0,3}? (?:truoc|cham nhat(?: la)?|han chot)(?: ngay)? "
      "\\d{1,2}/\\d{1,2}(?:/\\d{2,4})?(?: (?:hang|moi) (?:nam|quy|thang))?");
  return *re;
}

// A column layout of an appendix table, by its header row.
struct TableColumns {
  int number = -1;
  int content = -1;
  int task = -1;
  int deliverable = -1;
  int timeframe = -1;
  int lead = -1;
  int coordinating = -1;
  bool known() const { return lead >= 0 && (timeframe >= 0 || task >= 0); }
};

// The columns of a header row ("TT | Nội dung | Nhiệm vụ cụ thể | Sản phẩm |
// Thời gian thực hiện | Cơ quan chủ trì"): short cells that open with the
// usual labels.
TableColumns HeaderColumns(const Block& row) {
  constexpr size_t kMaxHeaderCell = 60;
  TableColumns columns;
  for (size_t i = 0; i < row.cells.size(); ++i) {
    if (row.cells[i].size() > kMaxHeaderCell) return TableColumns();
    const std::string cell = Fold(row.cells[i]).text;
    const int index = static_cast<int>(i);
    if (cell == "tt" || cell == "stt") {
      columns.number = index;
    } else if (StartsWithAny(cell, {"don vi phoi hop", "co quan phoi hop", "phoi hop"})) {
      columns.coordinating = index;
    } else if (StartsWithAny(cell,
                             {"co quan chu tri", "don vi chu tri", "chu tri", "co quan thuc hien",
                              "don vi thuc hien", "don vi", "co quan"})) {
      columns.lead = index;
    } else if (StartsWithAny(cell, {"thoi gian", "thoi han", "tien do"})) {
      columns.timeframe = index;
    } else if (StartsWithAny(cell, {"san pham", "ket qua"})) {
      columns.deliverable = index;
    } else if (StartsWithAny(cell, {"nhiem vu", "cong viec", "giai phap"})) {
      columns.task = index;
    } else if (StartsWithAny(cell, {"noi dung", "linh vuc", "chi so"})) {
      columns.content = index;
    }
  }
  if (columns.task < 0) columns.task = columns.content;
  return columns;
}

absl::string_view Cell(const Block& row, int index) {
  if (index < 0 || static_cast<size_t>(index) >= row.cells.size()) return {};
  return row.cells[static_cast<size_t>(index)];
}

// The units of a table's lead cell: the names when the whole cell is a
// list of them, else the cell as one name.
std::vector<UnitName> CellUnits(absl::string_view cell, bool* truncated) {
  Block block;
  block.text = std::string(cell);
  block.folded = Fold(block.text);
  const Clause clause(block);
  size_t end = 0;
  std::vector<UnitName> units = ParseUnitList(clause, 0, &end, truncated);
  bool whole = !units.empty();
  for (size_t k = end; k < clause.size() && whole; ++k) {
    if (clause.word(k).kind == Word::Kind::kWord) whole = false;
  }
  if (whole) return units;
  *truncated = false;
  UnitName one;
  one.text = std::string(absl::StripAsciiWhitespace(cell));
  one.collective = IsCollectiveName(one.text);
  return {one};
}

std::vector<std::string> UnitTexts(const std::vector<UnitName>& units,
                                   const std::vector<UnitName>& leads) {
  std::vector<std::string> out;
  std::vector<std::string> seen;
  for (const UnitName& lead : leads) seen.push_back(UnitKey(lead.text));
  for (const UnitName& unit : units) {
    const std::string key = UnitKey(unit.text);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    out.push_back(unit.text);
  }
  return out;
}

class GroupFinder {
 public:
  GroupFinder(const Document& doc, const ExtractContext& ctx, const pv1::Plan& plan, Report* report)
      : doc_(doc), ctx_(ctx), plan_(plan), report_(report) {}

  std::vector<TaskGroup> Run() {
    has_roman_ = std::any_of(doc_.blocks.begin(), doc_.blocks.end(),
                             [](const Block& b) { return b.kind == BlockKind::kRoman; });
    section_ = has_roman_ ? Section::kPreamble : Section::kBody;
    document_index_ = DocumentIndex();
    for (const Block& block : doc_.blocks) Visit(block);
    WarnIfTruncated();
    CloseFrom(0);
    std::vector<TaskGroup> out;
    out.reserve(done_.size());
    std::stable_sort(done_.begin(), done_.end(),
                     [](const Open& a, const Open& b) { return a.seq < b.seq; });
    for (Open& open : done_) out.push_back(std::move(open.group));
    return out;
  }

 private:
  struct Open {
    TaskGroup group;
    int level = 0;
    int seq = 0;
    bool ends_with_colon = false;
  };

  // ---- Context --------------------------------------------------------

  // The index a plan is about: the one most of its objectives are on, else
  // the one the document is about (ComponentMatcher::MainIndex).
  std::string DocumentIndex() const {
    std::map<std::string, int> counts;
    for (const auto& objective : plan_.objectives()) ++counts[objective.framework()];
    std::string best;
    int best_count = 0;
    for (const auto& [framework, count] : counts) {
      if (!framework.empty() && count > best_count) {
        best = framework;
        best_count = count;
      }
    }
    if (!best.empty() || ctx_.components == nullptr) return best;
    return ctx_.components->MainIndex(doc_);
  }

  std::string PreferredIndex() const {
    if (!number_topic_.empty()) return number_topic_.framework;
    if (!section_index_.empty()) return section_index_;
    return document_index_;
  }

  // The component (else the index) a heading names.
  Topic TopicOf(absl::string_view folded) const {
    if (ctx_.components == nullptr) return {};
    const std::string preferred = PreferredIndex();
    const std::vector<Mention> components = ctx_.components->Components(folded, preferred);
    if (!components.empty()) {
      const Mention* chosen = &components.front();
      for (const Mention& m : components) {
        if (m.begin == components.front().begin && m.framework == preferred) chosen = &m;
      }
      return {chosen->framework, chosen->component};
    }
    const std::vector<Mention> indices = ctx_.components->Indices(folded);
    if (!indices.empty()) return {indices.front().framework, ""};
    return {};
  }

  Topic CurrentTopic() const {
    if (!letter_topic_.empty()) return letter_topic_;
    return number_topic_;
  }

  bool InTaskSection() const { return section_ == Section::kBody || section_ == Section::kClosing; }

  // ---- Blocks ---------------------------------------------------------

  void Visit(const Block& block) {
    switch (block.kind) {
      case BlockKind::kRoman:
        OnRoman(block);
        return;
      case BlockKind::kRule:
      case BlockKind::kFootnote:
        return;
      case BlockKind::kTableRow:
        OnTableRow(block);
        return;
      default:
        break;
    }
    const std::string& folded = block.folded.text;
    if (absl::StartsWith(folded, "noi nhan")) {
      CloseFrom(0);
      section_ = Section::kEnd;
      return;
    }
    if (scan::IsAppendixHeading(block)) {
      CloseFrom(0);
      section_ = Section::kAppendix;
      columns_ = TableColumns();
      return;
    }
    if (!has_roman_ && OnSectionWithoutRoman(block)) return;
    if (!InTaskSection()) return;
    if (OnLabelledLine(block)) return;
    switch (block.kind) {
      case BlockKind::kNumber:
        // "1.2." sits below "1." like a lettered item.
        if (absl::StrContains(block.marker, '.')) {
          OnLetter(block);
        } else {
          OnNumber(block);
        }
        return;
      case BlockKind::kLetter:
        OnLetter(block);
        return;
      case BlockKind::kParagraph:
        markers_.clear();
        OnItem(block, kParagraphLevel, 0);
        return;
      default:
        OnItem(block, kBulletLevel + BulletDepth(block.marker), 0);
        return;
    }
  }

  // In a plan without Roman headings, "1. MỤC ĐÍCH" or "## TỔ CHỨC THỰC
  // HIỆN" open the sections. Returns true when `block` was such a heading.
  bool OnSectionWithoutRoman(const Block& block) {
    const bool top = (block.kind == BlockKind::kNumber && !absl::StrContains(block.marker, '.')) ||
                     (block.kind == BlockKind::kParagraph && block.hashes > 0);
    if (!top) return false;
    const Section section = ClassifyHeading(block.folded.text);
    if (section == Section::kBody || section == Section::kAppendix) {
      // A numbered item after "Mục đích" starts the body again; items of
      // the closing section stay in it.
      if (section_ == Section::kPurpose || section_ == Section::kOther) section_ = Section::kBody;
      return false;
    }
    CloseFrom(0);
    section_ = section;
    number_topic_ = letter_topic_ = Topic();
    supervisor_.clear();
    return true;
  }

  void OnRoman(const Block& block) {
    CloseFrom(0);
    section_ = ClassifyHeading(block.folded.text);
    number_topic_ = letter_topic_ = Topic();
    supervisor_.clear();
    markers_.clear();
    columns_ = TableColumns();
    section_index_.clear();
    if (ctx_.components != nullptr) {
      const std::vector<Mention> indices = ctx_.components->Indices(block.folded.text);
      if (!indices.empty()) section_index_ = indices.front().framework;
    }
  }

  // "Thời gian thực hiện: …", "Lãnh đạo phụ trách: …", "Sản phẩm: …".
  bool OnLabelledLine(const Block& block) {
    if (const absl::string_view label = LabelOf(block, kTimeframeLabels); !label.empty()) {
      OnTimeframeLine(block, AfterLabel(block, label));
      return true;
    }
    if (!LabelOf(block, kSupervisorLabels).empty()) {
      if (section_ == Section::kBody) supervisor_ = Supervisor(block);
      return true;
    }
    if (const absl::string_view label = LabelOf(block, kDeliverableLabels); !label.empty()) {
      if (!open_.empty()) {
        open_.back().group.deliverable = AfterLabel(block, label);
        open_.back().group.last_line = std::max(open_.back().group.last_line, block.last_line);
      }
      return true;
    }
    return false;
  }

  // A timeframe line gives its phrase to the innermost open group.
  void OnTimeframeLine(const Block& block, std::string phrase) {
    if (open_.empty()) {
      report_->Warn("NO_LEAD", "a timeframe line follows no task with a lead unit; it was not used",
                    block);
      return;
    }
    TaskGroup& group = open_.back().group;
    if (!phrase.empty()) {
      group.timeframes.push_back({std::move(phrase), block.first_line, block.last_line});
    }
    group.last_line = std::max(group.last_line, block.last_line);
  }

  void OnNumber(const Block& block) {
    CloseFrom(0);
    markers_.clear();
    letter_topic_ = Topic();
    if (section_ == Section::kBody) {
      supervisor_.clear();
      number_topic_ = Topic();
      number_topic_ = TopicOf(block.folded.text);
    }
    OnItem(block, kNumberLevel, 0);
  }

  void OnLetter(const Block& block) {
    CloseFrom(kLetterLevel);
    markers_.clear();
    letter_topic_ = Topic();
    if (section_ != Section::kBody) {
      OnItem(block, kLetterLevel, 0);
      return;
    }
    const Clause clause(block);
    bool assigned = false;
    if (!FindLeadAt(clause, 0, &assigned).empty()) {
      // "a) Giao Văn phòng … chủ trì …": the numbered section's component,
      // else the one the clause names.
      if (number_topic_.component.empty()) {
        const Topic own = TopicOf(block.folded.text);
        if (!own.empty()) letter_topic_ = own;
      }
      OnItem(clause, kLetterLevel, 0);
      return;
    }
    // "h) Nâng cao chất lượng …: Các đơn vị thuộc Sở triển khai …": a title,
    // then the text of the item.
    size_t colon = clause.size();
    for (size_t k = 0; k < clause.size() && k < kMaxTitleWords; ++k) {
      if (clause.word(k).kind == Word::Kind::kColon) {
        colon = k;
        break;
      }
    }
    const size_t title_end =
        colon < clause.size() ? clause.word(colon).begin : block.folded.text.size();
    const Topic own = TopicOf(absl::string_view(block.folded.text).substr(0, title_end));
    if (!own.empty()) letter_topic_ = own;
    if (colon + 1 < clause.size()) OnItem(clause, kLetterLevel, colon + 1);
  }

  int BulletDepth(const std::string& marker) {
    for (size_t i = 0; i < markers_.size(); ++i) {
      if (markers_[i] == marker) {
        markers_.resize(i + 1);
        return static_cast<int>(i);
      }
    }
    markers_.push_back(marker);
    return static_cast<int>(markers_.size()) - 1;
  }

  // A lead found at a sentence start of the block.
  struct LeadSegment {
    size_t begin = 0;  // first word
    std::vector<UnitName> leads;
    bool truncated = false;  // the list named more than kMaxListUnits
  };

  // The leads of the clause at word `at`; in the closing section only units
  // that are not groups count.
  std::vector<UnitName> LeadsAt(const Clause& clause, size_t at, bool* assigned,
                                bool* truncated = nullptr) const {
    std::vector<UnitName> leads = FindLeadAt(clause, at, assigned, truncated);
    if (section_ == Section::kClosing) {
      leads.erase(std::remove_if(leads.begin(), leads.end(),
                                 [](const UnitName& u) { return u.collective; }),
                  leads.end());
    }
    return leads;
  }

  // The sentences from word `start` on that open with a lead. A bullet that
  // joins a group does not open one for a group of units as its subject
  // ("- Các đơn vị căn cứ chức năng …" under "c) Thủ trưởng các cơ quan …").
  // Inside a lead's group (`in_group`, or after a lead of the same block) a
  // unit as the subject opens a group only before a lead predicate ("Phòng
  // Nội vụ tập huấn …"), not in a description ("Phòng họp trực tuyến được
  // trang bị …", "Đài truyền thanh các xã phát sóng …").
  std::vector<LeadSegment> LeadSegments(const Clause& clause, size_t start, bool child_bullet,
                                        bool in_group) const {
    std::vector<size_t> starts = {start};
    for (size_t at : SentenceStarts(clause)) {
      if (at > start) starts.push_back(at);
    }
    std::vector<LeadSegment> segments;
    for (size_t at : starts) {
      bool assigned = false;
      bool truncated = false;
      std::vector<UnitName> leads = LeadsAt(clause, at, &assigned, &truncated);
      if (leads.empty()) continue;
      const bool all_collective =
          std::all_of(leads.begin(), leads.end(), [](const UnitName& u) { return u.collective; });
      if (child_bullet && !assigned && all_collective) continue;
      if (!assigned && (in_group || !segments.empty()) &&
          !PredicateAt(clause, ListEnd(clause, at))) {
        continue;
      }
      segments.push_back({at, std::move(leads), truncated});
    }
    return segments;
  }

  // The first word after the unit list at word `at`, all of it (also the
  // names past kMaxListUnits).
  static size_t ListEnd(const Clause& clause, size_t at) {
    size_t end = at;
    ParseUnitList(clause, at, &end);
    return end;
  }

  // Whether `open` takes a block at `level` without a lead of its own.
  static bool Takes(const Open& open, int level) {
    return open.level < level || (open.ends_with_colon && open.level == level);
  }

  // The open group a block at `level` would join, or nullptr.
  const Open* JoinTarget(int level) const {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (Takes(*it, level)) return &*it;
    }
    return nullptr;
  }

  void OnItem(const Block& block, int level, size_t start) { OnItem(Clause(block), level, start); }

  void OnItem(const Clause& clause, int level, size_t start) {
    const Block& block = clause.block();
    const Open* target = JoinTarget(level);
    const bool child_bullet = level >= kBulletLevel && target != nullptr && target->level < level;
    const std::vector<LeadSegment> segments =
        LeadSegments(clause, start, child_bullet, target != nullptr);
    if (segments.empty()) {
      if (start == 0) Join(clause, level, clause.size());
      return;
    }
    if (segments.front().begin > start && start == 0) {
      Join(clause, level, segments.front().begin);
    }
    for (size_t i = 0; i < segments.size(); ++i) {
      const size_t end = i + 1 < segments.size() ? segments[i + 1].begin : clause.size();
      OpenGroup(block, clause, level, segments[i], end, i + 1 == segments.size());
    }
  }

  void OpenGroup(const Block& block, const Clause& clause, int level, const LeadSegment& segment,
                 size_t end, bool last_segment) {
    CloseFrom(level);
    Open open;
    open.level = level;
    open.seq = seq_++;
    open.ends_with_colon = last_segment && block.ends_with_colon;
    TaskGroup& group = open.group;
    group.leads = segment.leads;
    bool coordinating_truncated = false;
    group.coordinating = UnitTexts(
        CoordinatingUnits(clause, segment.begin, end, &coordinating_truncated), segment.leads);
    if (segment.truncated) WarnListCut("lead", block);
    if (coordinating_truncated) WarnListCut("coordinating", block);
    if (section_ == Section::kBody) {
      Topic topic = CurrentTopic();
      if (topic.empty() && ctx_.components != nullptr) {
        const size_t from = clause.word(segment.begin).begin;
        const size_t to = end < clause.size() ? clause.word(end).begin : block.folded.text.size();
        topic = TopicOf(absl::string_view(block.folded.text).substr(from, to - from));
      }
      group.framework = topic.framework;
      group.component = topic.component;
      group.supervisor = supervisor_;
    }
    group.parts.push_back(std::string(clause.Original(segment.begin, end)));
    group.first_line = group.clause_first_line = block.first_line;
    group.last_line = group.clause_last_line = block.last_line;
    AddDeadlines(clause, segment.begin, end, &group);
    open_.push_back(std::move(open));
  }

  void WarnListCut(absl::string_view what, const Block& block) {
    report_->Warn("TRUNCATED",
                  absl::StrCat("the clause names more than ", kMaxListUnits, " ", what,
                               " units; only the first ", kMaxListUnits, " were kept"),
                  block);
  }

  // Adds words [0, end) of the clause to the innermost group that takes a
  // block at `level`, closing the groups it passes.
  void Join(const Clause& clause, int level, size_t end) {
    while (!open_.empty() && !Takes(open_.back(), level)) Close();
    if (open_.empty()) return;
    const Block& block = clause.block();
    TaskGroup& group = open_.back().group;
    group.parts.push_back(end >= clause.size() ? block.text : std::string(clause.Original(0, end)));
    group.last_line = std::max(group.last_line, block.last_line);
    AddDeadlines(clause, 0, end, &group);
  }

  // The explicit completion dates among words [from, to) of the clause.
  static void AddDeadlines(const Clause& clause, size_t from, size_t to, TaskGroup* group) {
    const Block& block = clause.block();
    const absl::string_view all(block.folded.text);
    const size_t begin = from < clause.size() ? clause.word(from).begin : all.size();
    const size_t end = to < clause.size() ? clause.word(to).begin : all.size();
    const absl::string_view text = all.substr(begin, end - begin);
    if (!absl::StrContains(text, "hoan thanh") && !absl::StrContains(text, "xong")) return;
    re2::StringPiece match;
    size_t pos = begin;
    while (pos < end &&
           ExplicitDeadlineRe().Match(scan::Piece(all), pos, end, RE2::UNANCHORED, &match, 1)) {
      const scan::Span span = scan::SpanOf(all, match);
      group->deadlines.push_back(
          {std::string(block.Original(span.begin, span.end)), block.first_line, block.last_line});
      pos = std::max(span.end, pos + 1);
    }
  }

  // ---- Tables ---------------------------------------------------------

  void OnTableRow(const Block& row) {
    if (section_ == Section::kPreamble || section_ == Section::kPurpose ||
        section_ == Section::kOther) {
      return;
    }
    const TableColumns header = HeaderColumns(row);
    if (header.known()) {
      CloseFrom(0);
      columns_ = header;
      table_topic_ = Topic();
      return;
    }
    if (!columns_.known()) return;
    const bool new_group =
        !Cell(row, columns_.number).empty() ||
        (columns_.content != columns_.task && !Cell(row, columns_.content).empty());
    if (new_group) {
      const absl::string_view heading =
          columns_.content >= 0 ? Cell(row, columns_.content) : Cell(row, columns_.number);
      table_topic_ = TopicOf(Fold(heading).text);
    }
    const absl::string_view lead = Cell(row, columns_.lead);
    const absl::string_view task = Cell(row, columns_.task);
    const absl::string_view timeframe = Cell(row, columns_.timeframe);
    if (lead.empty()) {
      ContinueRow(row, task, timeframe);
      return;
    }
    CloseFrom(0);
    Open open;
    open.level = kTableLevel;
    open.seq = seq_++;
    TaskGroup& group = open.group;
    bool leads_truncated = false;
    group.leads = CellUnits(lead, &leads_truncated);
    if (leads_truncated) WarnListCut("lead", row);
    if (section_ == Section::kClosing) {
      group.leads.erase(std::remove_if(group.leads.begin(), group.leads.end(),
                                       [](const UnitName& u) { return u.collective; }),
                        group.leads.end());
      if (group.leads.empty()) return;
    } else {
      const Topic topic = table_topic_.empty() ? CurrentTopic() : table_topic_;
      group.framework = topic.framework;
      group.component = topic.component;
    }
    if (!Cell(row, columns_.coordinating).empty()) {
      bool coordinating_truncated = false;
      group.coordinating = UnitTexts(
          CellUnits(Cell(row, columns_.coordinating), &coordinating_truncated), group.leads);
      if (coordinating_truncated) WarnListCut("coordinating", row);
    }
    if (!task.empty()) {
      group.parts.emplace_back(task);
    } else if (!Cell(row, columns_.content).empty()) {
      group.parts.emplace_back(Cell(row, columns_.content));
    }
    group.deliverable = std::string(Cell(row, columns_.deliverable));
    if (!timeframe.empty()) {
      group.timeframes.push_back({std::string(timeframe), row.first_line, row.last_line});
    }
    group.first_line = group.clause_first_line = row.first_line;
    group.last_line = group.clause_last_line = row.last_line;
    open_.push_back(std::move(open));
  }

  void ContinueRow(const Block& row, absl::string_view task, absl::string_view timeframe) {
    if (open_.empty() || open_.back().level != kTableLevel) {
      if (!task.empty()) {
        report_->Warn("NO_LEAD", "a table row names no lead unit (Cơ quan chủ trì); it was skipped",
                      row);
      }
      return;
    }
    TaskGroup& group = open_.back().group;
    if (!task.empty()) group.parts.emplace_back(task);
    if (!timeframe.empty()) {
      group.timeframes.push_back({std::string(timeframe), row.first_line, row.last_line});
    }
    group.last_line = row.last_line;
  }

  // ---- Closing --------------------------------------------------------

  void Close() {
    done_.push_back(std::move(open_.back()));
    open_.pop_back();
  }

  void CloseFrom(int level) {
    while (!open_.empty() && open_.back().level >= level) Close();
  }

  // The document ends inside a task: its last block belongs to an open group
  // and stops mid-sentence, or announces items that never come. A table row
  // is whole however it ends (a complete appendix table ends many plans).
  void WarnIfTruncated() {
    if (open_.empty() || doc_.blocks.empty()) return;
    const Block& last = doc_.blocks.back();
    if (last.kind == BlockKind::kTableRow) return;
    const TaskGroup& group = open_.back().group;
    if (group.last_line < last.last_line) return;
    static constexpr absl::string_view kEnds[] = {".", ";", "!", "?", "…", ")", "”", "\""};
    bool ended = false;
    for (absl::string_view end : kEnds) {
      if (absl::EndsWith(last.text, end)) ended = true;
    }
    if (ended && !(open_.back().ends_with_colon && group.parts.size() == 1)) return;
    report_->Warn(
        "TRUNCATED",
        absl::StrCat("the document ends inside the task of line ", group.clause_first_line,
                     "; its text may be incomplete: check it against the original"),
        last);
  }

  const Document& doc_;
  const ExtractContext& ctx_;
  const pv1::Plan& plan_;
  Report* report_;

  bool has_roman_ = false;
  Section section_ = Section::kBody;
  std::string document_index_;
  std::string section_index_;
  Topic number_topic_;
  Topic letter_topic_;
  Topic table_topic_;
  std::string supervisor_;
  std::vector<std::string> markers_;
  TableColumns columns_;
  std::vector<Open> open_;
  std::vector<Open> done_;
  int seq_ = 0;
};

}  // namespace

std::vector<TaskGroup> FindTaskGroups(const Document& doc, const ExtractContext& ctx,
                                      const pv1::Plan& plan, Report* report) {
  return GroupFinder(doc, ctx, plan, report).Run();
}

}  // namespace chiso::plan::document
