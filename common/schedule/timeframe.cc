#include "common/schedule/timeframe.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chiso/common/v1/schedule.pb.h"
#include "chiso/common/v1/types.pb.h"
#include "common/civil/date.h"
#include "common/civil/period.h"
#include "common/text/text.h"

namespace chiso::schedule {
namespace {

namespace v1 = ::chiso::common::v1;

using Phrases = std::initializer_list<absl::string_view>;

// Stands in for an unknown plan year while a yearless date may still turn
// into a recurrence; a leap year, so that 29/2 parses.
constexpr int kPlaceholderYear = 2024;

// ---------------------------------------------------------------------------
// Word lists, as MatchKey spells them.

constexpr Phrases kCompletionWords = {"hoan thanh xong", "hoan thanh", "xong"};
constexpr Phrases kLimitWords = {
    "cham nhat la vao", "cham nhat la", "cham nhat vao", "cham nhat", "han chot la", "han chot",
    "thoi han la",      "thoi han",     "han",           "den",       "toi",         "vao"};
constexpr Phrases kEndWords = {"ket thuc", "cuoi", "het"};

constexpr Phrases kLastMonthOfQuarter = {"thang cuoi quy",     "thang cuoi moi quy",
                                         "thang cuoi cua quy", "thang cuoi cua moi quy",
                                         "cua thang cuoi quy", "cua thang cuoi moi quy"};

constexpr Phrases kYearBefore = {"nam truoc lien ke nam ke hoach",
                                 "nam truoc lien ke",
                                 "nam truoc nam ke hoach",
                                 "nam truoc",
                                 "cua nam truoc lien ke nam ke hoach",
                                 "cua nam truoc lien ke",
                                 "cua nam truoc"};
constexpr Phrases kSameYear = {"nam ke hoach", "cua nam ke hoach", "hang nam", "moi nam",
                               "cua moi nam"};
constexpr Phrases kYearAfter = {"nam sau", "cua nam sau", "nam tiep theo", "nam ke tiep"};

constexpr Phrases kFirstHalf = {"6 thang dau nam", "sau thang dau nam", "nua dau nam",
                                "nua nam dau"};
constexpr Phrases kSecondHalf = {"6 thang cuoi nam", "sau thang cuoi nam", "nua cuoi nam",
                                 "nua nam cuoi"};

constexpr Phrases kSemiannual = {"hang 6 thang",  "hang sau thang",    "moi 6 thang",
                                 "moi sau thang", "6 thang mot lan",   "6 thang 1 lan",
                                 "6 thang lan",   "sau thang mot lan", "nua nam mot lan"};
constexpr Phrases kSemiannualAfterPeriodic = {"6 thang", "sau thang", "nua nam"};
constexpr Phrases kMonthly = {"hang thang", "moi thang"};
constexpr Phrases kQuarterly = {"hang quy", "moi quy"};
constexpr Phrases kAnnual = {"hang nam", "moi nam", "thuong nien"};

constexpr Phrases kContinuous = {
    "thuong xuyen",     "ngay tu dau nam", "tu dau nam",          "lien tuc",
    "hang ngay",        "moi ngay",        "hang tuan",           "moi tuan",
    "khi co phat sinh", "khi phat sinh",   "khi co yeu cau",      "ca nam",
    "suot nam",         "quanh nam",       "suot ca nam",         "ca giai doan",
    "suot giai doan",   "toan giai doan",  "trong suot giai doan"};
constexpr Phrases kRegularlyTail = {"trong ca nam",         "trong nam",       "ca nam",
                                    "trong suot nam",       "suot nam",        "lien tuc",
                                    "trong ca giai doan",   "trong giai doan", "ca giai doan",
                                    "trong suot giai doan", "suot giai doan"};

// Words that open a label without naming anything.
constexpr Phrases kLabelLeading = {"va", "roi", "hoac", "dong thoi", "sau do"};
// Words that end a label without naming anything ("… thực hiện xong").
constexpr Phrases kLabelTrailing = {"trien khai thuc hien",
                                    "trien khai",
                                    "thuc hien",
                                    "tien hanh",
                                    "hoan thanh",
                                    "xong",
                                    "va",
                                    "de",
                                    "phai",
                                    "can",
                                    "se",
                                    "duoc",
                                    "bat dau",
                                    "tiep tuc"};
// A label made only of these says "do the tasks": it is left empty.
constexpr Phrases kGenericWords = {
    "trien", "khai", "thuc", "hien", "tien", "hanh", "hoan", "thanh", "xong", "va",  "cac",
    "nhiem", "vu",   "to",   "chuc", "tiep", "tuc",  "dong", "thoi",  "bat",  "dau", "duoc",
    "se",    "can",  "phai", "de",   "cong", "viec", "nay",  "do",    "hoac", "roi"};

bool Contains(Phrases words, absl::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// ---------------------------------------------------------------------------
// Tokens: the words of MatchKey with their place in the text.

struct Token {
  // One word of text::MatchKey: lower case, no diacritics.
  std::string key;
  // Bytes [begin, end) of the written word it comes from.
  size_t begin = 0;
  size_t end = 0;
  // Clauses are separated by ";", ":" and a sentence-ending ".".
  int clause = 0;
};

size_t CodePointLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

uint32_t DecodeCodePoint(absl::string_view bytes) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  switch (bytes.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

// Combining marks and invisible format characters stay inside a word.
bool IsJoiner(uint32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F) || c == 0x00AD || (c >= 0x200B && c <= 0x200D) ||
         c == 0x2060 || c == 0xFEFF;
}

bool IsClauseBreak(absl::string_view text, size_t i) {
  const char c = text[i];
  if (c == ';' || c == ':') return true;
  if (c != '.') return false;
  const bool dot_before = i > 0 && text[i - 1] == '.';
  const bool space_after = i + 1 == text.size() || text[i + 1] == ' ';
  return !dot_before && space_after;
}

std::vector<Token> Tokenize(absl::string_view text) {
  std::vector<Token> tokens;
  int clause = 0;
  size_t word_begin = absl::string_view::npos;
  auto flush = [&](size_t end) {
    if (word_begin == absl::string_view::npos) return;
    const std::string key = text::MatchKey(text.substr(word_begin, end - word_begin));
    for (absl::string_view part : absl::StrSplit(key, ' ', absl::SkipEmpty())) {
      tokens.push_back(Token{std::string(part), word_begin, end, clause});
    }
    word_begin = absl::string_view::npos;
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t length =
        std::min(CodePointLength(static_cast<unsigned char>(text[i])), text.size() - i);
    const absl::string_view bytes = text.substr(i, length);
    const uint32_t c = DecodeCodePoint(bytes);
    bool word;
    if (c < 0x80) {
      word = absl::ascii_isalnum(static_cast<unsigned char>(c));
    } else if (IsJoiner(c)) {
      word = word_begin != absl::string_view::npos;
    } else {
      word = !text::MatchKey(bytes).empty();
    }
    if (word) {
      if (word_begin == absl::string_view::npos) word_begin = i;
    } else {
      flush(i);
      if (IsClauseBreak(text, i)) ++clause;
    }
    i += length;
  }
  flush(text.size());
  return tokens;
}

void SetDate(absl::CivilDay day, v1::Date* out) {
  out->set_year(static_cast<int32_t>(day.year()));
  out->set_month(day.month());
  out->set_day(day.day());
}

// ---------------------------------------------------------------------------
// Anchors: the wordings that make milestones.

enum class Kind {
  // A due date or a calendar period.
  kDated,
  kRecurrence,
  // A frequency word on its own ("hằng năm", "định kỳ 6 tháng"): a
  // recurrence unless it qualifies a dated anchor of its clause.
  kFrequency,
  kContinuous,
};

struct Anchor {
  // Tokens [begin, end), lead words ("hoàn thành trước") included.
  size_t begin = 0;
  size_t end = 0;
  int clause = 0;
  Kind kind = Kind::kDated;
  v1::Milestone milestone;
  // Dated with the plan year implied ("trong Quý I").
  bool yearless = false;
  // Yearless while the plan year is unknown.
  bool needs_year = false;
  // "trong năm": absorbed by continuous wording next to it.
  bool bare_year = false;
  // Came from a frequency word on its own.
  bool standalone = false;
  bool dropped = false;
  // The written words, for error messages.
  std::string written;
};

// What precedes the core of a deadline: "hoàn thành trước ngày", "trong",
// "định kỳ".
struct Lead {
  // First token after the lead words.
  size_t end = 0;
  // Any deadline word (all but "định kỳ").
  bool deadline = false;
  bool before = false;
  bool within = false;
  bool end_of = false;
  bool periodic = false;

  bool OnlyBefore() const { return before && !within && !end_of; }
};

struct Core {
  size_t end = 0;
  // A date, month or year that is a reference, not a deadline.
  bool reference = false;
  Anchor anchor;
};

using CoreResult = absl::StatusOr<std::optional<Core>>;

class Parser {
 public:
  Parser(std::string text, const TimeframeContext& ctx)
      : text_(std::move(text)), ctx_(ctx), tokens_(Tokenize(text_)) {}

  absl::StatusOr<v1::Schedule> Parse() {
    if (absl::Status s = FindAnchors(); !s.ok()) return s;
    CombineFrequencies();
    std::vector<Anchor> anchors = MergeContinuous();
    if (anchors.empty()) {
      return Fail(
          "no date, quarter, half year, recurrence or continuous wording "
          "found");
    }
    v1::Schedule schedule;
    schedule.set_phrase(text_);
    for (size_t i = 0; i < anchors.size(); ++i) {
      const Anchor& a = anchors[i];
      if (a.needs_year) {
        return Fail(absl::StrCat(text::QuoteForMessage(a.written),
                                 " has no year and the plan year is unknown"));
      }
      v1::Milestone* m = schedule.add_milestones();
      *m = a.milestone;
      m->set_phrase(Cut(a.begin, a.end));
      size_t label_begin = ClauseStart(a.begin);
      if (i > 0 && anchors[i - 1].clause == a.clause) {
        label_begin = anchors[i - 1].end;
      }
      m->set_label(Label(label_begin, a.begin));
    }
    return schedule;
  }

 private:
  // -------------------------------------------------------------------------
  // Token access. Matching never crosses the clause being read (clause_).

  const std::string* KeyAt(size_t k) const {
    if (k >= tokens_.size() || tokens_[k].clause != clause_) return nullptr;
    return &tokens_[k].key;
  }

  bool Is(size_t k, absl::string_view word) const {
    const std::string* key = KeyAt(k);
    return key != nullptr && *key == word;
  }

  // Returns how many tokens the longest of `phrases` covers at `k`, 0 when
  // none matches.
  size_t Match(size_t k, Phrases phrases) const {
    size_t best = 0;
    for (absl::string_view phrase : phrases) {
      size_t count = 0;
      bool ok = true;
      for (absl::string_view word : absl::StrSplit(phrase, ' ')) {
        if (!Is(k + count, word)) {
          ok = false;
          break;
        }
        ++count;
      }
      if (ok) best = std::max(best, count);
    }
    return best;
  }

  bool AllDigits(size_t k) const {
    const std::string* key = KeyAt(k);
    if (key == nullptr || key->empty()) return false;
    return std::all_of(key->begin(), key->end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  std::optional<int> Digits(size_t k, size_t min_digits, size_t max_digits) const {
    if (!AllDigits(k)) return std::nullopt;
    const std::string& key = tokens_[k].key;
    if (key.size() < min_digits || key.size() > max_digits) return std::nullopt;
    int value = 0;
    for (char c : key) value = value * 10 + (c - '0');
    return value;
  }

  // A year written at token *k, as "2024" or "năm 2024"; advances *k past
  // it. nullopt (and *k unchanged) when there is none.
  std::optional<int> TakeYear(size_t* k) const {
    if (std::optional<int> year = Digits(*k, 4, 4); year && IsYearGap(*k)) {
      *k += 1;
      return year;
    }
    if (Is(*k, "nam")) {
      if (std::optional<int> year = Digits(*k + 1, 4, 4)) {
        *k += 2;
        return year;
      }
    }
    return std::nullopt;
  }

  // The text between token k-1 and token k.
  absl::string_view Gap(size_t k) const {
    if (k == 0 || k >= tokens_.size()) return {};
    if (tokens_[k].begin <= tokens_[k - 1].end) return {};
    return absl::string_view(text_).substr(tokens_[k - 1].end,
                                           tokens_[k].begin - tokens_[k - 1].end);
  }

  static bool IsDateSeparator(absl::string_view gap) {
    return gap == "/" || gap == "-" || gap == ".";
  }

  // A year may follow a month or quarter after "/", "-", a dash or a space.
  bool IsYearGap(size_t k) const {
    const absl::string_view gap = absl::StripAsciiWhitespace(Gap(k));
    return gap.empty() || gap == "/" || gap == "-" || gap == "\u2013" || gap == "\u2014";
  }

  // True when token k opens its clause, follows the previous anchor, or
  // follows "và"/"hoặc" in such a place.
  bool IsFree(size_t k) const {
    while (true) {
      if (k == 0 || tokens_[k - 1].clause != tokens_[k].clause) return true;
      if (!anchors_.empty() && anchors_.back().end == k) return true;
      if (tokens_[k - 1].key != "va" && tokens_[k - 1].key != "hoac") {
        return false;
      }
      --k;
    }
  }

  size_t ClauseStart(size_t k) const {
    while (k > 0 && tokens_[k - 1].clause == tokens_[k].clause) --k;
    return k;
  }

  std::optional<int> DefaultYear() const {
    if (ctx_.plan_year != 0) return ctx_.plan_year;
    if (ctx_.period_start_year != 0 && ctx_.period_start_year == ctx_.period_end_year) {
      return ctx_.period_start_year;
    }
    return std::nullopt;
  }

  // The year of a yearless anchor: the plan year, or a placeholder that
  // fails later unless the anchor becomes a recurrence.
  int ImpliedYear(Anchor& a) const {
    a.yearless = true;
    if (std::optional<int> year = DefaultYear()) return *year;
    a.needs_year = true;
    return kPlaceholderYear;
  }

  absl::Status Fail(absl::string_view rule) const {
    return absl::InvalidArgumentError(
        absl::StrCat("timeframe ", text::QuoteForMessage(text_), ": ", rule));
  }

  // The text of tokens [a, b), with closing brackets and quotes whose opener
  // is inside.
  std::string Cut(size_t a, size_t b) const {
    const size_t begin = tokens_[a].begin;
    size_t end = tokens_[b - 1].end;
    const absl::string_view text(text_);
    auto count = [&](absl::string_view s, absl::string_view what) {
      size_t n = 0;
      for (size_t p = s.find(what); p != absl::string_view::npos;
           p = s.find(what, p + what.size())) {
        ++n;
      }
      return n;
    };
    static constexpr std::pair<absl::string_view, absl::string_view> kPairs[] = {
        {"(", ")"}, {"[", "]"}, {"\u201C", "\u201D"}, {"\u2018", "\u2019"}};
    bool extended = true;
    while (extended) {
      extended = false;
      const absl::string_view cut = text.substr(begin, end - begin);
      const absl::string_view rest = text.substr(end);
      for (const auto& [open, close] : kPairs) {
        if (count(cut, open) > count(cut, close) && absl::StartsWith(rest, close)) {
          end += close.size();
          extended = true;
          break;
        }
      }
      if (!extended && count(cut, "\"") % 2 == 1 && absl::StartsWith(rest, "\"")) {
        end += 1;
        extended = true;
      }
    }
    return std::string(text.substr(begin, end - begin));
  }

  bool KeysAt(size_t k, size_t limit, absl::string_view phrase) const {
    for (absl::string_view word : absl::StrSplit(phrase, ' ')) {
      if (k >= limit || tokens_[k].key != word) return false;
      ++k;
    }
    return true;
  }

  static size_t WordCount(absl::string_view phrase) {
    return static_cast<size_t>(std::count(phrase.begin(), phrase.end(), ' ')) + 1;
  }

  // The words of tokens [a, b) that name what is due, or "".
  std::string Label(size_t a, size_t b) const {
    bool changed = true;
    while (changed && a < b) {
      changed = false;
      for (absl::string_view phrase : kLabelLeading) {
        if (KeysAt(a, b, phrase)) {
          a += WordCount(phrase);
          changed = true;
          break;
        }
      }
    }
    changed = true;
    while (changed && a < b) {
      changed = false;
      for (absl::string_view phrase : kLabelTrailing) {
        const size_t n = WordCount(phrase);
        if (n <= b - a && KeysAt(b - n, b, phrase)) {
          b -= n;
          changed = true;
          break;
        }
      }
    }
    if (a >= b) return "";
    bool generic = true;
    for (size_t k = a; k < b && generic; ++k) {
      generic = Contains(kGenericWords, tokens_[k].key);
    }
    return generic ? "" : Cut(a, b);
  }

  // -------------------------------------------------------------------------
  // Finding anchors.

  absl::Status FindAnchors() {
    size_t i = 0;
    while (i < tokens_.size()) {
      clause_ = tokens_[i].clause;
      const Lead lead = MatchLead(i);
      CoreResult core = MatchCore(lead, i);
      if (!core.ok()) return core.status();
      if (!core->has_value()) {
        ++i;
        continue;
      }
      Core& c = **core;
      if (!c.reference) {
        c.anchor.begin = i;
        c.anchor.end = c.end;
        c.anchor.clause = clause_;
        anchors_.push_back(std::move(c.anchor));
      }
      i = c.end;
    }
    return absl::OkStatus();
  }

  Lead MatchLead(size_t i) const {
    Lead lead;
    size_t k = i;
    while (true) {
      size_t n;
      if ((n = Match(k, kCompletionWords)) || (n = Match(k, kLimitWords))) {
        lead.deadline = true;
      } else if ((n = Match(k, {"truoc"}))) {
        lead.deadline = lead.before = true;
      } else if ((n = Match(k, {"trong"}))) {
        lead.deadline = lead.within = true;
      } else if ((n = Match(k, kEndWords))) {
        lead.deadline = lead.end_of = true;
      } else if ((n = Match(k, {"dinh ky"}))) {
        lead.periodic = true;
      } else {
        break;
      }
      k += n;
    }
    lead.end = k;
    return lead;
  }

  CoreResult MatchCore(const Lead& lead, size_t start) {
    using Matcher = CoreResult (Parser::*)(const Lead&, size_t);
    static constexpr Matcher kMatchers[] = {
        &Parser::DateCore,      &Parser::QuarterCore, &Parser::HalfCore,  &Parser::SemiannualCore,
        &Parser::FrequencyCore, &Parser::YearCore,    &Parser::MonthCore, &Parser::ContinuousCore};
    for (Matcher matcher : kMatchers) {
      CoreResult result = (this->*matcher)(lead, start);
      if (!result.ok() || result->has_value()) return result;
    }
    return std::nullopt;
  }

  // "năm trước liền kề năm kế hoạch" (-1), "hằng năm" (0), "năm sau" (+1)
  // at *k: advances *k past it.
  std::optional<int> RelativeYear(size_t* k) const {
    size_t n;
    if ((n = Match(*k, kYearBefore))) {
      *k += n;
      return -1;
    }
    if ((n = Match(*k, kSameYear))) {
      *k += n;
      return 0;
    }
    if ((n = Match(*k, kYearAfter))) {
      *k += n;
      return 1;
    }
    return std::nullopt;
  }

  static Core MakeRecurrence(size_t end, v1::Frequency frequency) {
    Core core;
    core.end = end;
    core.anchor.kind = Kind::kRecurrence;
    core.anchor.milestone.mutable_recurrence()->set_frequency(frequency);
    return core;
  }

  static Core AnnualRecurrence(size_t end, int year_offset) {
    Core core = MakeRecurrence(end, v1::FREQUENCY_ANNUAL);
    core.anchor.milestone.mutable_recurrence()->set_year_offset(year_offset);
    return core;
  }

  static void SetPeriod(int year, v1::CalendarPeriod::Kind kind, int index, v1::Milestone* m) {
    v1::CalendarPeriod* p = m->mutable_period();
    p->set_year(year);
    p->set_kind(kind);
    if (kind != v1::CalendarPeriod::KIND_YEAR) p->set_index(index);
  }

  // "ngày 30/4/2024", "30/4", "ngày 11 tháng 6 năm 2020", "2024-04-30",
  // "ngày 25 tháng cuối quý", "ngày 20 hằng tháng".
  CoreResult DateCore(const Lead& lead, size_t start) {
    const size_t j = lead.end;
    size_t k = j;
    const bool ngay = Is(k, "ngay");
    if (ngay) ++k;
    if (!AllDigits(k)) return std::nullopt;
    if (std::optional<int> d = Digits(k, 1, 2); ngay && d) {
      v1::Frequency frequency = v1::FREQUENCY_UNSPECIFIED;
      size_t n;
      if ((n = Match(k + 1, kLastMonthOfQuarter))) {
        frequency = v1::FREQUENCY_QUARTERLY;
      } else if ((n = Match(k + 1, kMonthly))) {
        frequency = v1::FREQUENCY_MONTHLY;
      }
      if (frequency != v1::FREQUENCY_UNSPECIFIED) {
        if (*d < 1 || *d > 31) {
          return Fail(absl::StrCat("day ", *d, " of ", text::QuoteForMessage(Cut(j, k + 1 + n)),
                                   " is outside 1–31"));
        }
        Core core = MakeRecurrence(k + 1 + n, frequency);
        core.anchor.milestone.mutable_recurrence()->set_day(*d);
        return core;
      }
    }
    size_t end = 0;
    bool has_year = false;
    if (!ngay && Digits(k, 4, 4) && Gap(k + 1) == "-" && Digits(k + 1, 1, 2) && Gap(k + 2) == "-" &&
        Digits(k + 2, 1, 2)) {
      end = k + 3;
      has_year = true;
    } else if (Digits(k, 1, 2) && IsDateSeparator(Gap(k + 1)) && Digits(k + 1, 1, 2)) {
      end = k + 2;
      if (Gap(k + 2) == Gap(k + 1) && AllDigits(k + 2)) {
        end = k + 3;
        has_year = true;
      }
    } else if (Digits(k, 1, 2) && Is(k + 1, "thang") && Digits(k + 2, 1, 2)) {
      end = k + 3;
      if (Is(end, "nam") && AllDigits(end + 1)) {
        end += 2;
        has_year = true;
      }
    } else {
      return std::nullopt;
    }
    Core core;
    core.end = end;
    if (!lead.deadline && !IsFree(start)) {
      core.reference = true;
      return core;
    }
    Anchor& a = core.anchor;
    a.written = Cut(j, end);
    std::optional<int> year;
    if (!has_year) year = ImpliedYear(a);
    absl::StatusOr<absl::CivilDay> day = civil::ParseDate(a.written, year);
    if (!day.ok()) return Fail(day.status().message());
    if (!has_year) {
      if (std::optional<int> offset = RelativeYear(&core.end)) {
        Core recurring = AnnualRecurrence(core.end, *offset);
        v1::Recurrence* r = recurring.anchor.milestone.mutable_recurrence();
        r->set_month(day->month());
        r->set_day(day->day());
        return recurring;
      }
    }
    SetDate(*day, a.milestone.mutable_due_date());
    return core;
  }

  // "Quý I/2024", "quý 3 năm 2024", "Q2/2025", "Quý I hằng năm", "Quý III
  // năm trước liền kề năm kế hoạch".
  CoreResult QuarterCore(const Lead& lead, size_t /*start*/) {
    const size_t j = lead.end;
    size_t k = j;
    std::optional<int> quarter;
    if (Is(k, "quy") && KeyAt(k + 1) != nullptr) {
      quarter = civil::ParseQuarterNumber(*KeyAt(k + 1));
      if (quarter) k += 2;
    }
    if (!quarter && KeyAt(k) != nullptr && KeyAt(k)->size() == 2 && (*KeyAt(k))[0] == 'q') {
      quarter = civil::ParseQuarterNumber(KeyAt(k)->substr(1));
      if (quarter) k += 1;
    }
    if (!quarter) return std::nullopt;
    std::optional<int> year = TakeYear(&k);
    Core core;
    core.end = k;
    Anchor& a = core.anchor;
    a.written = Cut(j, k);
    if (!year) {
      if (std::optional<int> offset = RelativeYear(&core.end)) {
        Core recurring = AnnualRecurrence(core.end, *offset);
        recurring.anchor.milestone.mutable_recurrence()->set_quarter(*quarter);
        return recurring;
      }
      year = ImpliedYear(a);
    }
    if (absl::Status s = civil::CheckYear(*year); !s.ok()) {
      return Fail(
          absl::StrCat("invalid quarter ", text::QuoteForMessage(a.written), ": ", s.message()));
    }
    SetPeriod(*year, v1::CalendarPeriod::KIND_QUARTER, *quarter, &a.milestone);
    return core;
  }

  // "6 tháng đầu năm", "6 tháng cuối năm 2024", "nửa đầu năm".
  CoreResult HalfCore(const Lead& lead, size_t /*start*/) {
    const size_t j = lead.end;
    int half = 1;
    size_t n = Match(j, kFirstHalf);
    if (n == 0) {
      n = Match(j, kSecondHalf);
      half = 2;
    }
    if (n == 0) return std::nullopt;
    size_t k = j + n;
    std::optional<int> year = TakeYear(&k);
    Core core;
    core.end = k;
    Anchor& a = core.anchor;
    a.written = Cut(j, k);
    if (!year) {
      if (std::optional<int> offset = RelativeYear(&core.end)) {
        Core recurring = AnnualRecurrence(core.end, *offset);
        recurring.anchor.milestone.mutable_recurrence()->set_month(half * 6);
        return recurring;
      }
      year = ImpliedYear(a);
    }
    if (absl::Status s = civil::CheckYear(*year); !s.ok()) {
      return Fail(
          absl::StrCat("invalid half year ", text::QuoteForMessage(a.written), ": ", s.message()));
    }
    SetPeriod(*year, v1::CalendarPeriod::KIND_HALF, half, &a.milestone);
    return core;
  }

  static Core MakeFrequency(size_t end, v1::Frequency frequency) {
    Core core = MakeRecurrence(end, frequency);
    core.anchor.kind = Kind::kFrequency;
    core.anchor.standalone = true;
    return core;
  }

  // "Định kỳ 6 tháng", "6 tháng một lần", "hằng 6 tháng".
  CoreResult SemiannualCore(const Lead& lead, size_t /*start*/) {
    const size_t j = lead.end;
    size_t n = Match(j, kSemiannual);
    if (n == 0 && lead.periodic) {
      n = Match(j, kSemiannualAfterPeriodic);
      if (Is(j + n, "dau") || Is(j + n, "cuoi")) n = 0;
    }
    if (n == 0) return std::nullopt;
    return MakeFrequency(j + n, v1::FREQUENCY_SEMIANNUAL);
  }

  // "hằng tháng", "hàng quý", "tháng cuối quý", "cuối quý", "hằng năm".
  CoreResult FrequencyCore(const Lead& lead, size_t /*start*/) {
    const size_t j = lead.end;
    size_t n;
    if ((n = Match(j, kMonthly))) {
      return MakeFrequency(j + n, v1::FREQUENCY_MONTHLY);
    }
    if ((n = Match(j, kQuarterly)) || (n = Match(j, kLastMonthOfQuarter)) ||
        (lead.end_of && (n = Match(j, {"quy"})))) {
      return MakeFrequency(j + n, v1::FREQUENCY_QUARTERLY);
    }
    if ((n = Match(j, kAnnual))) {
      return MakeFrequency(j + n, v1::FREQUENCY_ANNUAL);
    }
    return std::nullopt;
  }

  // "trong năm 2024", "năm 2024" (opening a clause), "trong năm", "cuối
  // năm", "trước năm 2025", "cuối giai đoạn".
  CoreResult YearCore(const Lead& lead, size_t start) {
    const size_t j = lead.end;
    if (lead.end_of && Match(j, {"giai doan"})) {
      size_t k = j + 2;
      while (k < j + 4 && Digits(k, 4, 4)) ++k;
      Core core;
      core.end = k;
      if (ctx_.period_end_year == 0) {
        return Fail(absl::StrCat(text::QuoteForMessage(Cut(start, k)),
                                 " needs the plan period, which is unknown"));
      }
      if (absl::Status s = civil::CheckYear(ctx_.period_end_year); !s.ok()) {
        return Fail(
            absl::StrCat("invalid year ", text::QuoteForMessage(Cut(start, k)), ": ", s.message()));
      }
      SetPeriod(ctx_.period_end_year, v1::CalendarPeriod::KIND_YEAR, 0, &core.anchor.milestone);
      return core;
    }
    if (!Is(j, "nam")) return std::nullopt;
    Core core;
    Anchor& a = core.anchor;
    std::optional<int> year = Digits(j + 1, 4, 4);
    if (year) {
      core.end = j + 2;
      if (!lead.deadline && !IsFree(start)) {
        core.reference = true;
        return core;
      }
    } else if (lead.within || lead.end_of) {
      core.end = j + 1 + Match(j + 1, {"ke hoach"});
      a.written = Cut(start, core.end);
      year = ImpliedYear(a);
      a.bare_year = lead.within && !lead.end_of;
    } else {
      return std::nullopt;
    }
    a.written = Cut(start, core.end);
    const bool before = lead.OnlyBefore();
    if (absl::Status s = civil::CheckYear(before ? *year - 1 : *year); !s.ok()) {
      return Fail(
          absl::StrCat("invalid year ", text::QuoteForMessage(a.written), ": ", s.message()));
    }
    if (before) {
      SetDate(absl::CivilDay(*year, 1, 1) - 1, a.milestone.mutable_due_date());
    } else {
      SetPeriod(*year, v1::CalendarPeriod::KIND_YEAR, 0, &a.milestone);
    }
    return core;
  }

  // "trong tháng 3/2024", "tháng 6 năm 2024" (opening a clause), "trước
  // tháng 5/2024".
  CoreResult MonthCore(const Lead& lead, size_t start) {
    const size_t j = lead.end;
    if (!Is(j, "thang")) return std::nullopt;
    const std::optional<int> month = Digits(j + 1, 1, 2);
    if (!month) return std::nullopt;
    size_t k = j + 2;
    std::optional<int> year = TakeYear(&k);
    Core core;
    core.end = k;
    if (!lead.deadline && !IsFree(start)) {
      core.reference = true;
      return core;
    }
    Anchor& a = core.anchor;
    a.written = Cut(j, k);
    if (*month < 1 || *month > 12) {
      return Fail(absl::StrCat("invalid month ", text::QuoteForMessage(a.written), ": month ",
                               *month, " is outside 1–12"));
    }
    if (!year) {
      if (std::optional<int> offset = RelativeYear(&core.end)) {
        Core recurring = AnnualRecurrence(core.end, *offset);
        recurring.anchor.milestone.mutable_recurrence()->set_month(*month);
        return recurring;
      }
      year = ImpliedYear(a);
    }
    const absl::CivilDay first(*year, *month, 1);
    const bool before = lead.OnlyBefore();
    const int check_year = before ? static_cast<int>((first - 1).year()) : *year;
    if (absl::Status s = civil::CheckYear(check_year); !s.ok()) {
      return Fail(
          absl::StrCat("invalid month ", text::QuoteForMessage(a.written), ": ", s.message()));
    }
    if (before) {
      SetDate(first - 1, a.milestone.mutable_due_date());
    } else {
      SetPeriod(*year, v1::CalendarPeriod::KIND_MONTH, *month, &a.milestone);
    }
    return core;
  }

  // "Thường xuyên (trong năm)", "Ngay từ đầu năm", "liên tục", "khi có phát
  // sinh", "trong cả giai đoạn 2022 – 2025".
  CoreResult ContinuousCore(const Lead& lead, size_t /*start*/) {
    const size_t j = lead.end;
    size_t n = Match(j, kContinuous);
    if (n == 0 && lead.within) n = Match(j, {"giai doan"});
    if (n == 0) return std::nullopt;
    size_t k = j + n;
    if (Match(j, {"thuong xuyen"}) == n) k += Match(k, kRegularlyTail);
    const std::string& last = tokens_[k - 1].key;
    if (last == "nam" || last == "doan") {
      for (int years = 0; years < 2 && Digits(k, 4, 4); ++years) ++k;
    }
    Core core;
    core.end = k;
    core.anchor.kind = Kind::kContinuous;
    core.anchor.milestone.mutable_continuous();
    return core;
  }

  // -------------------------------------------------------------------------
  // Combining anchors.

  // Makes `dated` recur with `frequency` when it can ("Quý I" + "hằng năm").
  static bool Recur(Anchor& dated, const Anchor& frequency_anchor) {
    const v1::Frequency frequency = frequency_anchor.milestone.recurrence().frequency();
    if (dated.kind == Kind::kRecurrence) {
      return dated.milestone.recurrence().frequency() == frequency;
    }
    if (dated.kind != Kind::kDated || !dated.yearless || frequency != v1::FREQUENCY_ANNUAL) {
      return false;
    }
    v1::Recurrence r;
    r.set_frequency(v1::FREQUENCY_ANNUAL);
    if (dated.milestone.has_due_date()) {
      r.set_month(dated.milestone.due_date().month());
      r.set_day(dated.milestone.due_date().day());
    } else if (dated.milestone.has_period()) {
      const v1::CalendarPeriod& p = dated.milestone.period();
      switch (p.kind()) {
        case v1::CalendarPeriod::KIND_QUARTER:
          r.set_quarter(p.index());
          break;
        case v1::CalendarPeriod::KIND_HALF:
          r.set_month(p.index() * 6);
          break;
        case v1::CalendarPeriod::KIND_MONTH:
          r.set_month(p.index());
          break;
        default:
          break;
      }
    }
    *dated.milestone.mutable_recurrence() = r;
    dated.kind = Kind::kRecurrence;
    dated.yearless = dated.needs_year = dated.bare_year = false;
    return true;
  }

  void CombineFrequencies() {
    auto dated_in_clause = [&](size_t idx) {
      for (const Anchor& other : anchors_) {
        if (other.clause == anchors_[idx].clause && !other.dropped && !other.standalone &&
            (other.kind == Kind::kDated || other.kind == Kind::kRecurrence)) {
          return true;
        }
      }
      return false;
    };
    for (size_t idx = 0; idx < anchors_.size(); ++idx) {
      Anchor& f = anchors_[idx];
      if (f.kind != Kind::kFrequency) continue;
      bool merged = false;
      for (size_t other : {idx - 1, idx + 1}) {
        if (other >= anchors_.size()) continue;  // idx - 1 wraps at 0.
        Anchor& d = anchors_[other];
        if (d.clause != f.clause || d.dropped || d.standalone) continue;
        if (!Recur(d, f)) continue;
        if (d.end == f.begin || f.end == d.begin) {
          d.begin = std::min(d.begin, f.begin);
          d.end = std::max(d.end, f.end);
        }
        merged = true;
        break;
      }
      if (merged || dated_in_clause(idx)) {
        f.dropped = true;
      } else {
        f.kind = Kind::kRecurrence;
      }
    }
  }

  std::vector<Anchor> MergeContinuous() {
    std::vector<Anchor> out;
    for (Anchor& a : anchors_) {
      if (a.dropped) continue;
      if (!out.empty()) {
        Anchor& last = out.back();
        const bool a_continuous = a.kind == Kind::kContinuous;
        const bool last_continuous = last.kind == Kind::kContinuous;
        if (last.clause == a.clause && (a_continuous || last_continuous) &&
            (a_continuous || a.bare_year) && (last_continuous || last.bare_year)) {
          last.end = a.end;
          if (!last_continuous) {
            last.kind = Kind::kContinuous;
            last.milestone = a.milestone;
            last.yearless = last.needs_year = last.bare_year = false;
          }
          continue;
        }
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  const std::string text_;
  const TimeframeContext ctx_;
  const std::vector<Token> tokens_;
  std::vector<Anchor> anchors_;
  int clause_ = 0;
};

}  // namespace

absl::StatusOr<v1::Schedule> ParseTimeframe(absl::string_view phrase, const TimeframeContext& ctx) {
  Parser parser(text::CollapseWhitespace(text::NormalizeNfc(phrase)), ctx);
  return parser.Parse();
}

}  // namespace chiso::schedule
