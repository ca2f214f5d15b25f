#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

// Longest phrase kept per rule, in bytes (ReportingRule.phrase allows 1000
// characters).
constexpr size_t kMaxPhrase = 400;
// Longest recipient name, in characters (the plan validator's limit).
constexpr size_t kMaxRecipientChars = 300;
// A frequency word counts only this close (folded bytes) to "báo cáo".
constexpr size_t kReportReach = 160;
// Deadlines read per clause.
constexpr int kMaxDatesPerClause = 8;

// The blocks [begin, end) of each closing section ("Tổ chức thực hiện",
// "Chế độ báo cáo"; a plan may split them in two), or the whole document when
// it has none.
std::vector<std::pair<size_t, size_t>> ClosingSections(const Document& doc) {
  static const RE2* re = new RE2("^(?:to chuc thuc hien|trach nhiem thuc hien|che do bao cao)");
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < doc.blocks.size(); ++i) {
    const Block& heading = doc.blocks[i];
    if (!scan::IsHeading(heading) || !RE2::PartialMatch(Piece(heading.folded.text), *re)) {
      continue;
    }
    size_t end = i + 1;
    for (; end < doc.blocks.size(); ++end) {
      const Block& block = doc.blocks[end];
      // The next heading of its level: the same marker kind ("IV." after
      // "III."), or for a bare Markdown heading one with as few "#".
      const bool same_level = heading.kind == BlockKind::kParagraph
                                  ? block.hashes > 0 && block.hashes <= heading.hashes
                                  : block.kind == heading.kind;
      if (same_level) break;
      if (block.kind == BlockKind::kRoman && heading.kind != BlockKind::kRoman) break;
      if (absl::StartsWith(block.folded.text, "noi nhan")) break;
    }
    out.emplace_back(i + 1, end);
    i = end - 1;
  }
  if (out.empty()) out.emplace_back(0, doc.blocks.size());
  return out;
}

int DaysInMonth(int month) {
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 ? kDays[month - 1] : 0;
}

// One rule as found in a clause.
struct Found {
  size_t at = 0;
  cv1::Frequency frequency = cv1::FREQUENCY_UNSPECIFIED;
  int day = 0;
  int month = 0;
  cv1::Date due;
};

// Positions of "báo cáo" that ask for a report (not "báo cáo đột xuất").
std::vector<size_t> ReportWords(absl::string_view clause) {
  static const RE2* re = new RE2("\\bbao cao\\b(\\s+dot xuat)?");
  std::vector<size_t> out;
  re2::StringPiece input = Piece(clause);
  re2::StringPiece sudden;
  while (RE2::FindAndConsume(&input, *re, &sudden)) {
    if (!sudden.empty()) continue;
    out.push_back(static_cast<size_t>(input.data() - clause.data()));
  }
  return out;
}

// Whether a report word (`reports`, ascending) is within reach of `at`.
bool NearReport(const std::vector<size_t>& reports, size_t at) {
  const auto next = std::lower_bound(reports.begin(), reports.end(), at);
  if (next != reports.end() && *next - at <= kReportReach) return true;
  return next != reports.begin() && at - *std::prev(next) <= kReportReach;
}

// Frequency words: "hàng tháng", "hằng quý", "tháng cuối Quý", "6 tháng",
// "hàng năm"; one rule per frequency in a clause.
void Frequencies(absl::string_view clause, const std::vector<size_t>& reports,
                 std::vector<Found>* out) {
  static const RE2* re = new RE2(
      "\\b(?:((?:hang|moi|tung|dinh ky) thang|thang mot lan)|"
      "((?:hang|moi|tung|dinh ky) quy|thang cuoi (?:moi |cua )?quy|cuoi (?:moi )?quy|"
      "quy mot lan)|((?:6|06|sau) thang(?: mot lan)?|nua nam)|"
      "((?:hang|moi|dinh ky) nam|thuong nien|ca nam|nam (?:truoc|cham nhat|vao) ngay))\\b");
  re2::StringPiece input = Piece(clause);
  re2::StringPiece groups[4];
  while (out->size() < 4 &&
         RE2::FindAndConsume(&input, *re, &groups[0], &groups[1], &groups[2], &groups[3])) {
    static const cv1::Frequency kFrequencies[] = {cv1::FREQUENCY_MONTHLY, cv1::FREQUENCY_QUARTERLY,
                                                  cv1::FREQUENCY_SEMIANNUAL, cv1::FREQUENCY_ANNUAL};
    for (int g = 0; g < 4; ++g) {
      if (groups[g].data() == nullptr || groups[g].empty()) continue;
      const size_t at = static_cast<size_t>(groups[g].data() - clause.data());
      if (!NearReport(reports, at)) break;
      const bool seen = std::any_of(out->begin(), out->end(),
                                    [&](const Found& f) { return f.frequency == kFrequencies[g]; });
      if (!seen) out->push_back(Found{at, kFrequencies[g], 0, 0, {}});
      break;
    }
  }
}

Found* RuleOf(std::vector<Found>* rules, cv1::Frequency frequency) {
  for (Found& f : *rules) {
    if (f.frequency == frequency) return &f;
  }
  return nullptr;
}

// The yearly or half-yearly rule a "trước ngày 15/12" belongs to: the
// nearest one written before it, else the first after it.
Found* DatedRuleNear(std::vector<Found>* rules, size_t at) {
  Found* before = nullptr;
  Found* after = nullptr;
  for (Found& f : *rules) {
    if (f.frequency != cv1::FREQUENCY_ANNUAL && f.frequency != cv1::FREQUENCY_SEMIANNUAL) continue;
    if (f.at < at && (before == nullptr || f.at > before->at)) before = &f;
    if (f.at > at && (after == nullptr || f.at < after->at)) after = &f;
  }
  return before != nullptr ? before : after;
}

// Days and dates: "trước ngày 25 tháng cuối Quý", "ngày 20 hằng tháng",
// "trước ngày 15/12", "trước ngày 15/12/2020".
void Deadlines(absl::string_view clause, const std::vector<size_t>& reports,
               std::vector<Found>* rules) {
  static const RE2* quarter_re =
      new RE2("\\bngay\\s+(\\d{1,2})\\s+(?:cua\\s+)?thang\\s+cuoi\\s+(?:moi\\s+|cua\\s+)?quy");
  static const RE2* month_re = new RE2("\\bngay\\s+(\\d{1,2})\\s+(?:hang|moi)\\s+thang");
  static const RE2* date_re = new RE2(
      "\\b(?:truoc|cham nhat|han|vao)\\s+(?:ngay\\s+)?(\\d{1,2})\\s*/\\s*(\\d{1,2})"
      "(?:\\s*/\\s*(\\d{4}))?");
  int day = 0;
  if (RE2::PartialMatch(Piece(clause), *quarter_re, &day)) {
    if (Found* f = RuleOf(rules, cv1::FREQUENCY_QUARTERLY)) f->day = day;
  }
  if (RE2::PartialMatch(Piece(clause), *month_re, &day)) {
    if (Found* f = RuleOf(rules, cv1::FREQUENCY_MONTHLY)) f->day = day;
  }
  re2::StringPiece input = Piece(clause);
  int month = 0;
  re2::StringPiece year_text;
  int dates = 0;
  while (dates++ < kMaxDatesPerClause &&
         RE2::FindAndConsume(&input, *date_re, &day, &month, &year_text)) {
    const size_t at = static_cast<size_t>(input.data() - clause.data());
    int year = 0;
    if (!year_text.empty()) (void)absl::SimpleAtoi(scan::View(year_text), &year);
    if (Found* f = DatedRuleNear(rules, at)) {
      if (f->day == 0) {
        f->day = day;
        if (f->frequency == cv1::FREQUENCY_ANNUAL) f->month = month;
      }
      continue;
    }
    if (!rules->empty()) continue;
    // A report with a deadline and no frequency: "Báo cáo kết quả thực hiện
    // của năm 2020 … trước ngày 15/12" is the yearly report; with a year it
    // is due once.
    const bool report_before =
        std::any_of(reports.begin(), reports.end(), [&](size_t r) { return r < at; });
    if (!report_before) continue;
    Found f;
    f.at = at;
    if (year == 0) {
      f.frequency = cv1::FREQUENCY_ANNUAL;
      f.day = day;
      f.month = month;
    } else {
      f.frequency = cv1::FREQUENCY_ONCE;
      f.due.set_year(year);
      f.due.set_month(month);
      f.due.set_day(day);
    }
    rules->push_back(std::move(f));
  }
}

// "gửi Phòng Kế hoạch - Tài chính, Văn phòng Sở", "gửi về UBND huyện (qua
// Phòng Tài chính - Kế hoạch)".
std::vector<std::string> Recipients(const Block& block, Span clause, bool* cut) {
  static const RE2* re = new RE2(
      "\\bgui\\s+(?:ve\\s+)?(.+?)(?:\\s+(?:truoc|de|trong|cham nhat|theo|dinh ky|hang|hoac|"
      "dong thoi)\\b|\\s*[;.]|$)");
  static const RE2* via_re = new RE2("\\(\\s*qua\\s+([^)]+)\\)");
  const absl::string_view folded = block.folded.text;
  re2::StringPiece target;
  std::vector<std::string> out;
  if (!RE2::PartialMatch(Piece(folded.substr(clause.begin, clause.end - clause.begin)), *re,
                         &target)) {
    return out;
  }
  const Span t = scan::SpanOf(folded, target);
  size_t main_end = t.end;
  const size_t paren = folded.substr(t.begin, t.end - t.begin).find('(');
  if (paren != absl::string_view::npos) main_end = t.begin + paren;
  size_t start = t.begin;
  for (size_t i = t.begin; i <= main_end; ++i) {
    if (i == main_end || (folded[i] == ',' && i + 1 < main_end && folded[i + 1] == ' ')) {
      std::string name = scan::OriginalWords(block, start, i);
      if (scan::FitChars(&name, kMaxRecipientChars)) *cut = true;
      if (!name.empty()) out.push_back(std::move(name));
      start = i + 1;
    }
  }
  re2::StringPiece via;
  if (RE2::PartialMatch(Piece(folded.substr(t.begin, t.end - t.begin)), *via_re, &via)) {
    const Span v = scan::SpanOf(folded, via);
    std::string name = scan::OriginalWords(block, v.begin, v.end);
    if (scan::FitChars(&name, kMaxRecipientChars)) *cut = true;
    if (!name.empty()) out.push_back(std::move(name));
  }
  return out;
}

bool Valid(const Found& f) {
  if (f.frequency == cv1::FREQUENCY_ONCE) {
    return civil::MakeDate(f.due.year(), f.due.month(), f.due.day()).ok();
  }
  if (f.day < 0 || f.day > 31 || f.month < 0 || f.month > 12) return false;
  return f.month == 0 || f.day <= DaysInMonth(f.month);
}

std::string Describe(const v1::ReportingRule& rule) {
  std::string text = cv1::Frequency_Name(rule.frequency()).substr(std::string("FREQUENCY_").size());
  if (rule.frequency() == cv1::FREQUENCY_ONCE) {
    absl::StrAppend(&text, " ", rule.due_date().year(), "-", rule.due_date().month(), "-",
                    rule.due_date().day());
  } else if (rule.day() > 0) {
    absl::StrAppend(&text, " day ", rule.day());
    if (rule.month() > 0) absl::StrAppend(&text, " month ", rule.month());
  }
  if (!rule.recipients().empty()) {
    std::vector<std::string> names;
    for (const auto& r : rule.recipients()) names.push_back(r.display_name());
    absl::StrAppend(&text, " to ", absl::StrJoin(names, ", "));
  }
  return text;
}

bool SameRule(const v1::ReportingRule& a, const v1::ReportingRule& b) {
  return a.frequency() == b.frequency() && a.day() == b.day() && a.month() == b.month() &&
         a.due_date().year() == b.due_date().year() &&
         a.due_date().month() == b.due_date().month() && a.due_date().day() == b.due_date().day();
}

// The clause as written, for ReportingRule.phrase.
std::string PhraseOf(const Block& block, Span clause) {
  std::string phrase = scan::OriginalWords(block, clause.begin, clause.end, " ;./");
  if (text::CutToBytes(&phrase, kMaxPhrase)) phrase += "…";
  return phrase;
}

// Adds `rule` unless the plan has it already; false when the plan holds the
// most rules it may.
bool AddRule(v1::ReportingRule rule, const Block& block, v1::Plan* plan, Report* report) {
  const bool duplicate = std::any_of(plan->reporting_rules().begin(), plan->reporting_rules().end(),
                                     [&](const v1::ReportingRule& r) { return SameRule(r, rule); });
  if (duplicate) return true;
  if (plan->reporting_rules_size() >= kMaxReportingRules) {
    report->Warn("TRUNCATED",
                 absl::StrCat("only the first ", kMaxReportingRules,
                              " reporting rules were kept (the most a plan may hold)"),
                 block);
    return false;
  }
  report->Fact(absl::StrCat("reporting_rules[", plan->reporting_rules_size(), "]"), Describe(rule),
               block);
  *plan->add_reporting_rules() = std::move(rule);
  return true;
}

// Reads the rules of one clause; false once the plan holds the most rules it
// may.
bool ReadClause(const Block& block, Span clause, v1::Plan* plan, Report* report) {
  const absl::string_view text =
      absl::string_view(block.folded.text).substr(clause.begin, clause.end - clause.begin);
  const std::vector<size_t> reports = ReportWords(text);
  if (reports.empty()) return true;
  std::vector<Found> rules;
  Frequencies(text, reports, &rules);
  Deadlines(text, reports, &rules);
  if (rules.empty()) {
    static const RE2* periodic = new RE2("\\bdinh ky\\b");
    if (RE2::PartialMatch(Piece(text), *periodic)) {
      report->Warn("NO_FREQUENCY",
                   "periodic reports are asked for without saying how often; add the reporting "
                   "rule by hand",
                   block);
    }
    return true;
  }
  std::sort(rules.begin(), rules.end(), [](const Found& a, const Found& b) { return a.at < b.at; });
  const std::string phrase = PhraseOf(block, clause);
  bool cut = false;
  const std::vector<std::string> recipients = Recipients(block, clause, &cut);
  if (cut) {
    report->Warn("TRUNCATED",
                 absl::StrCat("a recipient of reports (reporting_rules.recipients) is longer than "
                              "the ",
                              kMaxRecipientChars, " characters a plan may hold; it was cut"),
                 block);
  }
  for (const Found& f : rules) {
    if (!Valid(f)) {
      report->Warn("BAD_DATE",
                   absl::StrCat("a report is due on day ", f.day, " of month ", f.month,
                                ", which does not exist; the rule was left out"),
                   block);
      continue;
    }
    v1::ReportingRule rule;
    rule.set_frequency(f.frequency);
    rule.set_day(f.day);
    rule.set_month(f.month);
    if (f.frequency == cv1::FREQUENCY_ONCE) *rule.mutable_due_date() = f.due;
    for (const std::string& name : recipients) rule.add_recipients()->set_display_name(name);
    rule.set_phrase(phrase);
    if (!AddRule(std::move(rule), block, plan, report)) return false;
  }
  return true;
}

}  // namespace

void ExtractReportingRules(const Document& doc, const ExtractContext& /*ctx*/, v1::Plan* plan,
                           Report* report) {
  for (const auto& [begin, end] : ClosingSections(doc)) {
    for (size_t i = begin; i < end; ++i) {
      const Block& block = doc.blocks[i];
      if (block.kind == BlockKind::kTableRow || block.kind == BlockKind::kRule) continue;
      if (block.folded.text.find("bao cao") == std::string::npos) continue;
      for (const Span& clause : scan::Clauses(block.folded.text)) {
        if (!ReadClause(block, clause, plan, report)) return;
      }
    }
  }
}

}  // namespace chiso::plan::document
