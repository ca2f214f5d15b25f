#include "services/assignment/unit_resolver.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/civil/date.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "services/assignment/unit_abbreviations.h"

namespace chiso::assignment {
namespace {

using v1::MatchReason;
using v1::ResolveUnitRequest;
using v1::ResolveUnitResponse;
using v1::Unit;
using v1::UnitCandidate;

constexpr int kExactNameScore = 100;
constexpr int kExactAliasScore = 97;
constexpr int kCodeScore = 95;
constexpr int kFoldedNameScore = 92;
constexpr int kFoldedAliasScore = 90;
constexpr int kAbbreviationScore = 85;
constexpr int kRelativeChildScore = 94;
constexpr int kRelativeDeeperScore = 92;
constexpr int kRelativeOfficeChildScore = 82;
constexpr int kRelativeOfficeDeeperScore = 78;
constexpr int kPartialBase = 20;
constexpr int kPartialSpan = 50;
constexpr double kPartialMinDice = 0.4;
constexpr int kOutsideContextPenalty = 12;
constexpr int kHistoricalPenalty = 15;
constexpr int kNotYetValidPenalty = 15;

// Words that say nothing about which unit is meant.
const absl::flat_hash_set<std::string>& Connectors() {
  static const auto* s = new absl::flat_hash_set<std::string>{"cua", "thuoc", "cac", "nhung", "va"};
  return *s;
}

// Words every other unit name has; a partial match needs another shared word.
const absl::flat_hash_set<std::string>& GenericWords() {
  static const auto* s = new absl::flat_hash_set<std::string>{
      "phong", "van", "so",     "uy",  "ban",   "nhan", "dan",  "hoi",   "dong", "huyen",
      "tinh",  "xa",  "phuong", "thi", "tran",  "chi",  "cuc",  "trung", "tam",  "co",
      "quan",  "don", "vi",     "cap", "thanh", "pho",  "tong", "hop"};
  return *s;
}

// Words naming the level of a unit; a trailing one may refer to the context.
const absl::flat_hash_set<std::string>& LevelWords() {
  static const auto* s =
      new absl::flat_hash_set<std::string>{"so", "huyen", "tinh", "xa", "phuong"};
  return *s;
}

std::string ExactForm(absl::string_view s) {
  return text::NormalizeNfc(text::CollapseWhitespace(s));
}

std::vector<std::string> Words(absl::string_view key) {
  return absl::StrSplit(key, ' ', absl::SkipEmpty());
}

std::optional<absl::CivilDay> ToDay(const common::v1::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::nullopt;
  return absl::CivilDay(d.year(), d.month(), d.day());
}

bool IsValidUnitName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "units/")) return false;
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// Dice coefficient of the word sets of two expanded keys, connectors left
// out; 0 unless a shared word is not generic.
double Dice(const std::vector<std::string>& a_words, const std::vector<std::string>& b_words) {
  absl::flat_hash_set<std::string> a, b;
  for (const auto& w : a_words) {
    if (!Connectors().contains(w)) a.insert(w);
  }
  for (const auto& w : b_words) {
    if (!Connectors().contains(w)) b.insert(w);
  }
  if (a.empty() || b.empty()) return 0;
  int shared = 0;
  bool distinctive = false;
  for (const auto& w : a) {
    if (b.contains(w)) {
      ++shared;
      if (!GenericWords().contains(w)) distinctive = true;
    }
  }
  if (!distinctive) return 0;
  return 2.0 * shared / static_cast<double>(a.size() + b.size());
}

// The trailing phrases that refer to an anchor unit whose expanded key is
// `anchor_key` (see the header), each as a word list.
std::vector<std::vector<std::string>> AnchorPhrases(absl::string_view anchor_key) {
  std::vector<std::string> a = Words(anchor_key);
  std::vector<std::vector<std::string>> phrases;
  if (a.empty()) return phrases;
  phrases.push_back(a);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!LevelWords().contains(a[i])) continue;
    phrases.emplace_back(a.begin() + i, a.end());
    phrases.push_back({a[i]});
    phrases.emplace_back(a.begin(), a.begin() + i + 1);
  }
  size_t n = phrases.size();
  for (size_t i = 0; i < n; ++i) {
    for (const char* prefix : {"thuoc", "cua"}) {
      std::vector<std::string> p = {prefix};
      p.insert(p.end(), phrases[i].begin(), phrases[i].end());
      phrases.push_back(std::move(p));
    }
  }
  return phrases;
}

// Removes the longest phrase of `phrases` that ends `key`, leaving at least
// one word. Returns whether anything was removed.
bool StripTrailing(const std::vector<std::vector<std::string>>& phrases,
                   std::vector<std::string>& key) {
  size_t best = 0;
  for (const auto& p : phrases) {
    if (p.size() >= key.size() || p.size() <= best) continue;
    if (std::equal(p.begin(), p.end(), key.end() - p.size())) best = p.size();
  }
  if (best == 0) return false;
  key.resize(key.size() - best);
  return true;
}

// Everything known about one unit while ranking.
struct Scored {
  int score = -1;
  MatchReason reason = v1::MATCH_REASON_UNSPECIFIED;
  std::string matched_text;
  bool relative = false;
  int relative_score = -1;
  std::string relative_text;
};

int ReasonRank(MatchReason r) {
  switch (r) {
    case v1::MATCH_REASON_CONTEXT_RELATIVE:
      return 1;
    case v1::MATCH_REASON_CONTEXT_SUBTREE:
      return 2;
    case v1::MATCH_REASON_HISTORICAL:
      return 3;
    default:
      return 0;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// UnitDirectory
// ---------------------------------------------------------------------------

UnitDirectory::UnitDirectory(std::vector<Unit> units) : units_(std::move(units)) {
  forms_.reserve(units_.size());
  for (size_t i = 0; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    index_.emplace(u.name(), static_cast<int>(i));
    Forms f;
    f.exact_name = ExactForm(u.display_name());
    f.folded_name = text::MatchKey(u.display_name());
    f.expanded_name = ExpandAbbreviations(f.folded_name);
    for (const std::string& alias : u.aliases()) {
      f.exact_aliases.push_back(ExactForm(alias));
      f.folded_aliases.push_back(text::MatchKey(alias));
      f.expanded_aliases.push_back(ExpandAbbreviations(f.folded_aliases.back()));
    }
    forms_.push_back(std::move(f));
  }
  for (size_t i = 0; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    // Only the unit the name index points at joins the tree.
    if (!u.parent().empty() && index_.at(u.name()) == static_cast<int>(i)) {
      children_[u.parent()].push_back(static_cast<int>(i));
    }
  }
}

int UnitDirectory::IndexOf(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

const Unit* UnitDirectory::Find(absl::string_view name) const {
  int i = IndexOf(name);
  return i < 0 ? nullptr : &units_[i];
}

std::vector<const Unit*> UnitDirectory::FindByDisplayName(absl::string_view text) const {
  std::vector<const Unit*> out;
  std::string key = text::MatchKey(text);
  if (key.empty()) return out;
  for (size_t i = 0; i < units_.size(); ++i) {
    const Forms& f = forms_[i];
    if (f.folded_name == key || std::find(f.folded_aliases.begin(), f.folded_aliases.end(), key) !=
                                    f.folded_aliases.end()) {
      out.push_back(&units_[i]);
    }
  }
  return out;
}

std::vector<const Unit*> UnitDirectory::Children(absl::string_view name) const {
  std::vector<const Unit*> out;
  auto it = children_.find(name);
  if (it == children_.end()) return out;
  for (int i : it->second) out.push_back(&units_[i]);
  return out;
}

std::vector<const Unit*> UnitDirectory::Ancestors(absl::string_view name) const {
  std::vector<const Unit*> out;
  int i = IndexOf(name);
  if (i < 0) return out;
  absl::flat_hash_set<int> seen = {i};
  while (true) {
    int p = IndexOf(units_[i].parent());
    if (p < 0 || !seen.insert(p).second) break;
    out.push_back(&units_[p]);
    i = p;
  }
  return out;
}

bool UnitDirectory::InSubtree(absl::string_view name, absl::string_view root) const {
  if (name == root) return IndexOf(name) >= 0;
  for (const Unit* a : Ancestors(name)) {
    if (a->name() == root) return true;
  }
  return false;
}

bool UnitDirectory::EndedBy(const Unit& unit, absl::CivilDay as_of) {
  std::optional<absl::CivilDay> to = unit.has_valid_to() ? ToDay(unit.valid_to()) : std::nullopt;
  if (to.has_value()) return *to < as_of;
  return !unit.merged_into().empty();
}

std::string UnitDirectory::FollowMerges(absl::string_view name, const absl::CivilDay* as_of) const {
  int i = IndexOf(name);
  if (i < 0 || units_[i].merged_into().empty()) return "";
  if (as_of != nullptr && !EndedBy(units_[i], *as_of)) return "";
  absl::flat_hash_set<std::string> seen = {units_[i].name()};
  std::string last = units_[i].name();
  std::string next = units_[i].merged_into();
  while (!next.empty() && !seen.contains(next)) {
    seen.insert(next);
    last = next;
    int j = IndexOf(next);
    if (j < 0) break;
    if (as_of != nullptr && !EndedBy(units_[j], *as_of)) break;
    next = units_[j].merged_into();
  }
  return last == units_[i].name() ? "" : last;
}

std::string UnitDirectory::FinalSuccessor(absl::string_view name) const {
  return FollowMerges(name, nullptr);
}

std::string UnitDirectory::SuccessorAsOf(absl::string_view name, absl::CivilDay as_of) const {
  return FollowMerges(name, &as_of);
}

// ---------------------------------------------------------------------------
// IsCollective
// ---------------------------------------------------------------------------

bool IsCollective(absl::string_view text) {
  std::vector<std::string> w = Words(ExpandAbbreviations(text::MatchKey(text)));
  if (w.empty()) return false;
  auto starts_with = [&](size_t at, std::initializer_list<const char*> phrase) {
    if (at + phrase.size() > w.size()) return false;
    size_t k = at;
    for (const char* p : phrase) {
      if (w[k++] != p) return false;
    }
    return true;
  };
  if (w[0] == "cac" || w[0] == "nhung" || starts_with(0, {"tat", "ca"}) ||
      starts_with(0, {"toan", "bo"})) {
    return true;
  }
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] != "cac") continue;
    const std::string& prev = w[i - 1];
    if (prev == "dan" /* Ủy ban nhân dân */ || prev == "tich" /* Chủ tịch */ ||
        (prev == "truong" && i >= 2 && w[i - 2] == "thu") ||
        (prev == "dao" && i >= 2 && w[i - 2] == "lanh")) {
      return true;
    }
  }
  bool generic_start = starts_with(0, {"co", "quan"}) || starts_with(0, {"don", "vi"}) ||
                       starts_with(0, {"dia", "phuong"}) || starts_with(0, {"ban", "nganh"}) ||
                       starts_with(0, {"phong", "ban"}) || starts_with(0, {"to", "chuc"}) ||
                       starts_with(0, {"doan", "the"});
  if (!generic_start) return false;
  for (size_t i = 2; i < w.size(); ++i) {
    if (starts_with(i, {"lien", "quan"}) || starts_with(i, {"tren", "dia", "ban"}) ||
        starts_with(i, {"truc", "thuoc"}) || w[i] == "thuoc" || starts_with(i, {"chuyen", "mon"})) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// ResolveUnit
// ---------------------------------------------------------------------------

absl::StatusOr<ResolveUnitResponse> ResolveUnit(const UnitDirectory& directory,
                                                const ResolveUnitRequest& request,
                                                absl::CivilDay today) {
  const std::string exact_text = ExactForm(request.text());
  if (exact_text.empty()) {
    return absl::InvalidArgumentError("text: required (the unit name as written)");
  }
  if (text::CodePointCount(exact_text) > kMaxResolveTextChars) {
    return absl::InvalidArgumentError(absl::StrCat("text: at most ", kMaxResolveTextChars,
                                                   " characters (got ",
                                                   text::CodePointCount(exact_text), ")"));
  }
  if (request.max_candidates() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_candidates: must not be negative (got ", request.max_candidates(), ")"));
  }
  absl::CivilDay as_of = today;
  if (request.has_as_of()) {
    const common::v1::Date& d = request.as_of();
    if (d.year() != 0 || d.month() != 0 || d.day() != 0) {
      absl::StatusOr<absl::CivilDay> day = civil::MakeDate(d.year(), d.month(), d.day());
      if (!day.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("as_of: ", day.status().message()));
      }
      as_of = *day;
    }
  }
  const std::string& context = request.context_unit();
  int context_index = -1;
  if (!context.empty()) {
    if (!IsValidUnitName(context)) {
      return absl::InvalidArgumentError(
          absl::StrCat("context_unit: must be a unit resource name \"units/{id}\" (got ",
                       text::QuoteForMessage(context), ")"));
    }
    context_index = directory.IndexOf(context);
    if (context_index < 0) {
      return absl::NotFoundError(absl::StrCat("context_unit: unit \"", context, "\" not found"));
    }
  }

  ResolveUnitResponse response;
  if (IsCollective(request.text())) {
    response.set_outcome(v1::RESOLUTION_OUTCOME_COLLECTIVE);
    return response;
  }
  const std::string folded_text = text::MatchKey(request.text());
  if (folded_text.empty()) {
    response.set_outcome(v1::RESOLUTION_OUTCOME_UNRESOLVED);
    return response;
  }
  const std::string expanded_text = ExpandAbbreviations(folded_text);
  const std::vector<std::string> text_words = Words(expanded_text);

  const auto& units = directory.units_;
  const auto& forms = directory.forms_;
  std::vector<Scored> scored(units.size());

  // Absolute matches.
  for (size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    if (directory.IndexOf(u.name()) != static_cast<int>(i)) continue;
    const UnitDirectory::Forms& f = forms[i];
    Scored& s = scored[i];
    auto take = [&s](int score, MatchReason reason, const std::string& matched) {
      if (score > s.score) {
        s.score = score;
        s.reason = reason;
        s.matched_text = matched;
      }
    };
    if (exact_text == f.exact_name) {
      take(kExactNameScore, v1::MATCH_REASON_EXACT_NAME, u.display_name());
    }
    for (int a = 0; a < u.aliases_size(); ++a) {
      if (exact_text == f.exact_aliases[a]) {
        take(kExactAliasScore, v1::MATCH_REASON_EXACT_ALIAS, u.aliases(a));
      }
    }
    if (!u.code().empty() &&
        absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(request.text()), u.code())) {
      take(kCodeScore, v1::MATCH_REASON_CODE, u.code());
    }
    if (folded_text == f.folded_name) {
      take(kFoldedNameScore, v1::MATCH_REASON_FOLDED_NAME, u.display_name());
    }
    for (int a = 0; a < u.aliases_size(); ++a) {
      if (folded_text == f.folded_aliases[a]) {
        take(kFoldedAliasScore, v1::MATCH_REASON_FOLDED_ALIAS, u.aliases(a));
      }
    }
    if (expanded_text == f.expanded_name) {
      take(kAbbreviationScore, v1::MATCH_REASON_ABBREVIATION, u.display_name());
    }
    for (int a = 0; a < u.aliases_size(); ++a) {
      if (expanded_text == f.expanded_aliases[a]) {
        take(kAbbreviationScore, v1::MATCH_REASON_ABBREVIATION, u.aliases(a));
      }
    }
    if (s.score < 0) {
      auto partial = [&](const std::string& expanded, const std::string& matched) {
        double dice = Dice(text_words, Words(expanded));
        if (dice >= kPartialMinDice) {
          take(kPartialBase + static_cast<int>(kPartialSpan * dice + 1e-9),
               v1::MATCH_REASON_PARTIAL, matched);
        }
      };
      partial(f.expanded_name, u.display_name());
      for (int a = 0; a < u.aliases_size(); ++a) {
        partial(f.expanded_aliases[a], u.aliases(a));
      }
    }
  }

  // Relative matches: the context, then its ancestors, nearest first.
  if (context_index >= 0) {
    std::vector<int> anchors = {context_index};
    for (const Unit* a : directory.Ancestors(context)) {
      anchors.push_back(directory.IndexOf(a->name()));
    }
    for (int anchor : anchors) {
      const auto phrases = AnchorPhrases(forms[anchor].expanded_name);
      std::vector<std::string> stripped_text = text_words;
      const bool text_stripped = StripTrailing(phrases, stripped_text);
      const bool text_is_office = stripped_text == std::vector<std::string>{"van", "phong"};
      bool found = false;
      // Breadth-first over the anchor's subtree; `seen` guards parent cycles.
      absl::flat_hash_set<int> seen = {anchor};
      std::vector<std::pair<int, int>> queue;  // (index, depth)
      for (const Unit* c : directory.Children(units[anchor].name())) {
        int ci = directory.IndexOf(c->name());
        if (seen.insert(ci).second) queue.emplace_back(ci, 1);
      }
      for (size_t q = 0; q < queue.size(); ++q) {
        auto [i, depth] = queue[q];
        for (const Unit* c : directory.Children(units[i].name())) {
          int ci = directory.IndexOf(c->name());
          if (seen.insert(ci).second) queue.emplace_back(ci, depth + 1);
        }
        const Unit& u = units[i];
        const UnitDirectory::Forms& f = forms[i];
        Scored& s = scored[i];
        auto consider = [&](const std::string& expanded, const std::string& matched) {
          std::vector<std::string> key = Words(expanded);
          const bool key_stripped = StripTrailing(phrases, key);
          int score = -1;
          if (key == stripped_text && (text_stripped || key_stripped)) {
            score = depth == 1 ? kRelativeChildScore : kRelativeDeeperScore;
          } else if (text_is_office && u.kind() == v1::UNIT_KIND_OFFICE && key.size() > 2 &&
                     key[0] == "van" && key[1] == "phong") {
            score = depth == 1 ? kRelativeOfficeChildScore : kRelativeOfficeDeeperScore;
          }
          if (score > s.relative_score) {
            s.relative = true;
            s.relative_score = score;
            s.relative_text = matched;
            found = true;
          }
        };
        consider(f.expanded_name, u.display_name());
        for (int a = 0; a < u.aliases_size(); ++a) {
          consider(f.expanded_aliases[a], u.aliases(a));
        }
      }
      if (found) break;
    }
  }

  // Adjust, build candidates.
  std::vector<UnitCandidate> candidates;
  std::vector<bool> inside;  // in the context subtree or relative to it
  for (size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    Scored& s = scored[i];
    if (s.score < 0 && !s.relative) continue;
    std::vector<MatchReason> reasons;
    const bool in_context = context_index >= 0 && directory.InSubtree(u.name(), context);
    int score;
    std::string matched;
    if (s.relative) {
      if (s.score >= s.relative_score) {
        score = s.score;
        matched = s.matched_text;
        reasons.push_back(s.reason);
      } else {
        score = s.relative_score;
        matched = s.relative_text;
      }
      reasons.push_back(v1::MATCH_REASON_CONTEXT_RELATIVE);
    } else {
      score = s.score;
      matched = s.matched_text;
      reasons.push_back(s.reason);
      if (context_index >= 0 && !in_context) score -= kOutsideContextPenalty;
    }
    if (in_context) reasons.push_back(v1::MATCH_REASON_CONTEXT_SUBTREE);
    std::string successor;
    if (UnitDirectory::EndedBy(u, as_of)) {
      score -= kHistoricalPenalty;
      reasons.push_back(v1::MATCH_REASON_HISTORICAL);
      successor = directory.SuccessorAsOf(u.name(), as_of);
    }
    std::optional<absl::CivilDay> from = u.has_valid_from() ? ToDay(u.valid_from()) : std::nullopt;
    if (from.has_value() && *from > as_of) score -= kNotYetValidPenalty;
    score = std::clamp(score, 0, 100);
    if (score < kMinCandidateScore) continue;
    std::stable_sort(reasons.begin(), reasons.end(),
                     [](MatchReason a, MatchReason b) { return ReasonRank(a) < ReasonRank(b); });
    UnitCandidate c;
    c.set_unit(u.name());
    c.set_display_name(u.display_name());
    c.set_kind(u.kind());
    c.set_parent(u.parent());
    c.set_score(score);
    for (MatchReason r : reasons) c.add_reasons(r);
    c.set_matched_text(matched);
    c.set_successor(successor);
    candidates.push_back(std::move(c));
    inside.push_back(in_context || s.relative);
  }
  // A strong match in the context keeps every unit outside it at least one
  // margin behind.
  int best_inside = -1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (inside[i]) best_inside = std::max(best_inside, candidates[i].score());
  }
  if (best_inside >= kResolvedMinScore) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!inside[i] && candidates[i].score() > best_inside - kResolvedMargin) {
        candidates[i].set_score(best_inside - kResolvedMargin);
      }
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const UnitCandidate& a, const UnitCandidate& b) {
              if (a.score() != b.score()) return a.score() > b.score();
              if (a.display_name() != b.display_name()) {
                return a.display_name() < b.display_name();
              }
              return a.unit() < b.unit();
            });

  if (candidates.empty() || candidates[0].score() < kResolvedMinScore) {
    response.set_outcome(v1::RESOLUTION_OUTCOME_UNRESOLVED);
  } else if (candidates.size() > 1 &&
             candidates[0].score() - candidates[1].score() < kResolvedMargin) {
    response.set_outcome(v1::RESOLUTION_OUTCOME_AMBIGUOUS);
  } else {
    response.set_outcome(v1::RESOLUTION_OUTCOME_RESOLVED);
  }
  int limit = request.max_candidates() == 0 ? kDefaultMaxCandidates
                                            : std::min(request.max_candidates(), kMaxMaxCandidates);
  if (static_cast<int>(candidates.size()) > limit) candidates.resize(limit);
  for (UnitCandidate& c : candidates) *response.add_candidates() = std::move(c);
  return response;
}

}  // namespace chiso::assignment
