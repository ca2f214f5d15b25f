#include "services/scoring/scoring_manager.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/civil/proto_time.h"
#include "common/ids/page_token.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/scoring/framework_domain.h"
#include "services/scoring/results_csv.h"
#include "services/scoring/scoring_access.h"
#include "services/scoring/scoring_math.h"

namespace chiso::scoring {
namespace {

using chiso::common::v1::Decimal;
using google::protobuf::FieldMask;
using google::protobuf::Timestamp;
using google::protobuf::util::FieldMaskUtil;

constexpr absl::string_view kFrameworkPrefix = "frameworks/";
constexpr absl::string_view kResultPrefix = "results/";
constexpr absl::string_view kUnitPrefix = "units/";
constexpr absl::string_view kPlanPrefix = "plans/";
constexpr int kMaxFrameworkIdChars = 63;
constexpr int kMaxEntityChars = 300;
constexpr int kMaxPeerGroupChars = 200;
constexpr int kMaxTierChars = 100;
constexpr int kMaxNoteChars = 2000;
constexpr int kRankingDefaultPageSize = 1000;
constexpr int kRankingMaxPageSize = 10000;
// Fractional digits of the values the service computes (types.proto Decimal).
constexpr int kMaxDecimalDigits = 6;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

// 1–63 of a–z, 0–9 and '-', starting with a letter.
bool IsValidFrameworkId(absl::string_view id) {
  if (id.empty() || static_cast<int>(id.size()) > kMaxFrameworkIdChars) return false;
  if (!absl::ascii_islower(id[0])) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseFrameworkName(absl::string_view field, absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, kFrameworkPrefix) || !IsValidFrameworkId(id)) {
    return Invalid(field, absl::StrCat("must be a framework version name \"frameworks/{id}\" (got ",
                                       text::QuoteForMessage(name), ")"));
  }
  return std::string(id);
}

absl::StatusOr<std::string> ParseResultName(absl::string_view field, absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, kResultPrefix) || !IsValidId(id)) {
    return Invalid(field, absl::StrCat("must be a result name \"results/{id}\" (got ",
                                       text::QuoteForMessage(name), ")"));
  }
  return std::string(id);
}

absl::Status CheckUnitName(absl::string_view field, absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, kUnitPrefix) || !IsValidId(id)) {
    return Invalid(field, absl::StrCat("must be a unit name \"units/{id}\" (got ",
                                       text::QuoteForMessage(name), ")"));
  }
  return absl::OkStatus();
}

absl::string_view LevelWord(pb::Level level) {
  switch (level) {
    case pb::LEVEL_PROVINCE:
      return "province";
    case pb::LEVEL_DEPARTMENT:
      return "department";
    case pb::LEVEL_DISTRICT:
      return "district";
    case pb::LEVEL_COMMUNE:
      return "commune";
    default:
      return "unspecified";
  }
}

absl::Status CheckYear(absl::string_view field, int year) {
  if (year < kMinYear || year > kMaxYear) {
    return Invalid(field, absl::StrCat(year, " is outside ", kMinYear, "–", kMaxYear));
  }
  return absl::OkStatus();
}

// Years of an optional period filter: 0 for an open end. Errors:
// InvalidArgument for a year outside 2000–2100 or an inverted span.
absl::Status CheckYears(absl::string_view field, const chiso::common::v1::Period& years) {
  if (years.start_year() != 0) {
    if (absl::Status s = CheckYear(absl::StrCat(field, ".start_year"), years.start_year());
        !s.ok()) {
      return s;
    }
  }
  if (years.end_year() != 0) {
    if (absl::Status s = CheckYear(absl::StrCat(field, ".end_year"), years.end_year()); !s.ok()) {
      return s;
    }
  }
  if (years.start_year() != 0 && years.end_year() != 0 && years.start_year() > years.end_year()) {
    return Invalid(absl::StrCat(field, ".end_year"),
                   absl::StrCat(years.end_year(), " is before start_year ", years.start_year()));
  }
  return absl::OkStatus();
}

absl::Status CheckEtag(absl::string_view name, absl::string_view current, absl::string_view given) {
  if (given.empty() || given == current) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("etag: ", name, " changed since it was read (etag \"",
                                         given, "\", now \"", current, "\"); read it again"));
}

void ClearFrameworkOutput(Framework& framework) {
  framework.clear_name();
  framework.clear_origin();
  framework.clear_etag();
  framework.clear_create_time();
  framework.clear_update_time();
}

void ClearResultOutput(Result& result) {
  result.clear_name();
  result.mutable_subject()->clear_display_name();
  result.clear_computed_total();
  result.clear_grade();
  result.clear_total_difference();
  result.clear_total_mismatch();
  result.clear_display_total();
  result.clear_etag();
  result.clear_create_time();
  result.clear_update_time();
}

// Cleans the free-text fields of a result (NFC, whitespace) so that equal
// texts compare equal. Errors: InvalidArgument for a field over its length.
absl::Status CleanResultText(Result& result) {
  if (result.subject().kind_case() == pb::Subject::kEntity) {
    if (absl::Status s = text::CleanLineField(
            "result.subject.entity", result.mutable_subject()->mutable_entity(), kMaxEntityChars);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = text::CleanLineField("result.peer_group", result.mutable_peer_group(),
                                            kMaxPeerGroupChars);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = text::CleanLineField("result.published_tier",
                                            result.mutable_published_tier(), kMaxTierChars);
      !s.ok()) {
    return s;
  }
  return text::CleanTextField("result.note", result.mutable_note(), kMaxNoteChars);
}

std::string Describe(const Result& result) {
  return absl::StrCat(result.framework_code(), " ", result.year(), " for \"",
                      result.subject().display_name(), "\"");
}

std::vector<std::string> NamesOf(const std::vector<const Framework*>& versions) {
  std::vector<std::string> names;
  for (const Framework* v : versions) names.push_back(v->name());
  return names;
}

// The version that scores `result`: the one it names, which must cover its
// code, level and year, or the only one that does. A version defined through
// the API takes precedence over a built-in one for the years they share, so
// administrators correct or extend the catalog without a release.
absl::StatusOr<const Framework*> ChooseVersion(const Result& result,
                                               const std::vector<Framework>& all) {
  std::vector<const Framework*> candidates =
      VersionsFor(all, result.framework_code(), result.level(), result.year());
  if (result.framework().empty()) {
    // Drop a catalog version when an API version of the same measuring body
    // covers the year; versions of different bodies stay ambiguous.
    std::vector<const Framework*> kept;
    for (const Framework* v : candidates) {
      const bool overridden =
          v->origin() != pb::FRAMEWORK_ORIGIN_API &&
          std::any_of(candidates.begin(), candidates.end(), [v](const Framework* other) {
            return other->origin() == pb::FRAMEWORK_ORIGIN_API && SameMeasuringBody(*other, *v);
          });
      if (!overridden) kept.push_back(v);
    }
    candidates = std::move(kept);
  }
  if (!result.framework().empty()) {
    if (absl::StatusOr<std::string> id = ParseFrameworkName("result.framework", result.framework());
        !id.ok()) {
      return id.status();
    }
    for (const Framework* v : candidates) {
      if (v->name() != result.framework()) continue;
      // A catalog version that an API version of the same body has taken the
      // year from no longer scores it: one definition per peer group.
      for (const Framework* other : candidates) {
        if (v->origin() != pb::FRAMEWORK_ORIGIN_API &&
            other->origin() == pb::FRAMEWORK_ORIGIN_API && SameMeasuringBody(*other, *v)) {
          return Invalid("result.framework",
                         absl::StrCat(v->name(), " no longer scores ", result.framework_code(),
                                      " in ", result.year(), ": ", other->name(),
                                      " took its place; name that or leave framework empty"));
        }
      }
      return v;
    }
    const bool exists = std::any_of(
        all.begin(), all.end(), [&](const Framework& f) { return f.name() == result.framework(); });
    if (!exists) {
      return absl::NotFoundError(
          absl::StrCat("result.framework: ", result.framework(), " not found"));
    }
    return Invalid("result.framework",
                   absl::StrCat(result.framework(), " does not cover ", result.framework_code(),
                                " at ", LevelWord(result.level()), " level in ", result.year(),
                                candidates.empty()
                                    ? std::string()
                                    : absl::StrCat(" (versions that do: ",
                                                   absl::StrJoin(NamesOf(candidates), ", "), ")")));
  }
  if (candidates.empty()) {
    return Invalid("result", absl::StrCat("no ", result.framework_code(), " version for ",
                                          LevelWord(result.level()), " level in ", result.year(),
                                          " (define one with CreateFramework)"));
  }
  if (candidates.size() > 1) {
    return Invalid("result.framework",
                   absl::StrCat("several ", result.framework_code(), " versions cover ",
                                LevelWord(result.level()), " level in ", result.year(), " (",
                                absl::StrJoin(NamesOf(candidates), ", "), "); name one"));
  }
  return candidates.front();
}

// ScoreResult with its field paths rooted at "result.".
absl::Status Score(Result& result, const Framework& version) {
  absl::Status s = ScoreResult(result, version);
  if (s.ok() || absl::StartsWith(s.message(), "result")) return s;
  return absl::Status(s.code(), absl::StrCat("result.", s.message()));
}

const Framework* FindVersion(const std::vector<Framework>& all, absl::string_view name) {
  for (const Framework& f : all) {
    if (f.name() == name) return &f;
  }
  return nullptr;
}

const pb::Component* FindComponent(const Framework& version, absl::string_view code) {
  for (const pb::Component& c : version.components()) {
    if (c.code() == code) return &c;
  }
  return nullptr;
}

// Number of fractional digits a decimal was written with.
int FractionDigits(absl::string_view value) {
  const size_t dot = value.find_first_of(".,");
  return dot == absl::string_view::npos ? 0 : static_cast<int>(value.size() - dot - 1);
}

// A result's value on a component ("" for the total: published, else
// computed) and its published rank there.
struct Value {
  std::optional<Exact> score;
  std::string text;  // the score as recorded
  int rank = 0;
  int rank_of = 0;
};

// The value of a decimal as the service stores it: "[-]digits[.digits]" with
// at most six fractional digits (computed values are exact to six digits;
// inputs have three), or nullopt.
std::optional<Exact> ParseExact(absl::string_view text) {
  const bool negative = absl::ConsumePrefix(&text, "-");
  const size_t dot = text.find('.');
  const absl::string_view whole = text.substr(0, dot);
  const absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 12 || fraction.size() > 6 ||
      (dot != absl::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  int64_t num = 0;
  int64_t den = 1;
  for (char c : whole) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
    num = num * 10 + (c - '0');
  }
  for (char c : fraction) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
    num = num * 10 + (c - '0');
    den *= 10;
  }
  return Exact::Ratio(negative ? -num : num, den);
}

// `hint`: where the component is expected among the result's scores (stored
// results keep their version's order), or -1; any position is still found.
absl::StatusOr<Value> ValueOf(const Result& result, absl::string_view component, int hint = -1) {
  Value out;
  const Decimal* decimal = nullptr;
  if (!component.empty() && hint >= 0 && hint < result.component_scores_size() &&
      result.component_scores(hint).component() == component) {
    const pb::ComponentScore& c = result.component_scores(hint);
    if (!c.score().value().empty()) decimal = &c.score();
    out.rank = c.rank();
    out.rank_of = c.rank_of();
  } else if (component.empty()) {
    if (!result.published_total().value().empty()) {
      decimal = &result.published_total();
    } else if (!result.computed_total().value().empty()) {
      decimal = &result.computed_total();
    }
    out.rank = result.published_rank();
    out.rank_of = result.published_rank_of();
  } else {
    for (const pb::ComponentScore& c : result.component_scores()) {
      if (c.component() != component) continue;
      if (!c.score().value().empty()) decimal = &c.score();
      out.rank = c.rank();
      out.rank_of = c.rank_of();
    }
  }
  if (decimal != nullptr) {
    out.score = ParseExact(decimal->value());
    if (!out.score.has_value()) {
      absl::StatusOr<int64_t> thousandths = ParseThousandths("score", *decimal);
      if (!thousandths.ok()) {
        return absl::DataLossError(absl::StrCat(result.name(), ": stored score ",
                                                text::QuoteForMessage(decimal->value()),
                                                " cannot be read"));
      }
      out.score = Exact::FromThousandths(*thousandths);
    }
    out.text = decimal->value();
  }
  return out;
}

// One subject's place in a group.
struct StandingEntry {
  const Result* result = nullptr;
  int rank = 0;
  Value value;
  bool below_median = false;
};

// The ranking of a peer group on a component or the total.
struct Standing {
  pb::RankingBasis basis = pb::RANKING_BASIS_UNSPECIFIED;
  int count = 0;  // n
  std::optional<Exact> median;
  int median_digits = 2;
  std::vector<StandingEntry> entries;  // best first
  int below_median_count = 0;
};

// Ranks `group` (non-empty) by scores when every result has one, else by
// published ranks (results without one are left out; n is the published
// number ranked when the results give it). Errors: InvalidArgument when
// `component` is in none of the versions the results use.
absl::StatusOr<Standing> RankGroup(const std::vector<Result>& group, absl::string_view component,
                                   const std::vector<Framework>& versions,
                                   const std::vector<std::string>* tie_keys = nullptr) {
  bool higher_is_better = true;
  int hint = -1;  // the component's position in the group's version
  if (!component.empty()) {
    bool known = false;
    const Framework* last_version = nullptr;
    for (const Result& r : group) {
      // A group is almost always scored by one version: look it up once.
      if (last_version != nullptr && last_version->name() == r.framework()) continue;
      const Framework* version = FindVersion(versions, r.framework());
      if (version == nullptr) continue;
      last_version = version;
      for (int i = 0; i < version->components_size(); ++i) {
        if (version->components(i).code() != component) continue;
        known = true;
        higher_is_better = version->components(i).higher_is_better();
        hint = i;
        break;
      }
      if (known) break;
    }
    if (!known) {
      std::set<std::string> codes;
      for (const Result& r : group) {
        const Framework* version = FindVersion(versions, r.framework());
        if (version == nullptr) continue;
        for (const pb::Component& c : version->components()) codes.insert(c.code());
      }
      return Invalid("component",
                     absl::StrCat(text::QuoteForMessage(component), " is not a component of the ",
                                  group.front().framework_code(),
                                  " versions used (components: ", absl::StrJoin(codes, ", "), ")"));
    }
  }
  auto key_of = [&](size_t i) {
    return tie_keys != nullptr ? (*tie_keys)[i] : text::MatchKey(group[i].subject().display_name());
  };
  std::vector<Value> values;
  values.reserve(group.size());
  bool all_scored = true;
  for (const Result& r : group) {
    absl::StatusOr<Value> v = ValueOf(r, component, hint);
    if (!v.ok()) return v.status();
    all_scored = all_scored && v->score.has_value();
    values.push_back(*std::move(v));
  }

  Standing standing;
  if (all_scored) {
    standing.basis = pb::RANKING_BASIS_SCORES;
    std::vector<RankItem> items;
    items.reserve(group.size());
    int digits = 0;
    for (size_t i = 0; i < group.size(); ++i) {
      items.push_back(RankItem{*values[i].score, key_of(i)});
      digits = std::max(digits, FractionDigits(values[i].text));
    }
    RankingOutcome outcome = Rank(items, higher_is_better);
    standing.count = static_cast<int>(group.size());
    standing.median = outcome.median;
    standing.median_digits = std::min(digits, kMaxDecimalDigits);
    standing.below_median_count = outcome.below_median_count;
    for (int i : outcome.order) {
      standing.entries.push_back(
          StandingEntry{&group[i], outcome.rank[i], values[i], outcome.below_median[i]});
    }
    return standing;
  }

  standing.basis = pb::RANKING_BASIS_PUBLISHED_RANKS;
  std::vector<int> ranked;
  int published_n = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    if (values[i].rank <= 0) continue;
    ranked.push_back(static_cast<int>(i));
    published_n = std::max(published_n, values[i].rank_of);
  }
  std::vector<std::string> keys(group.size());
  for (int i : ranked) keys[i] = key_of(static_cast<size_t>(i));
  std::sort(ranked.begin(), ranked.end(), [&](int a, int b) {
    if (values[a].rank != values[b].rank) return values[a].rank < values[b].rank;
    if (keys[a] != keys[b]) return keys[a] < keys[b];
    return group[a].name() < group[b].name();
  });
  standing.count = std::max(static_cast<int>(ranked.size()), published_n);
  for (int i : ranked) {
    StandingEntry entry{&group[i], values[i].rank, values[i],
                        BelowMedianByRank(values[i].rank, standing.count)};
    if (entry.below_median) ++standing.below_median_count;
    standing.entries.push_back(std::move(entry));
  }
  return standing;
}

// The subject of a request that names one. Errors: InvalidArgument for a
// missing subject, a malformed unit name or an entity without letters.
absl::StatusOr<pb::Subject> CleanSubject(absl::string_view field, const pb::Subject& input) {
  pb::Subject subject;
  switch (input.kind_case()) {
    case pb::Subject::kUnit:
      if (absl::Status s = CheckUnitName(absl::StrCat(field, ".unit"), input.unit()); !s.ok()) {
        return s;
      }
      subject.set_unit(input.unit());
      return subject;
    case pb::Subject::kEntity: {
      std::string entity = input.entity();
      if (absl::Status s =
              text::CleanLineField(absl::StrCat(field, ".entity"), &entity, kMaxEntityChars);
          !s.ok()) {
        return s;
      }
      if (text::MatchKey(entity).empty()) {
        return Invalid(absl::StrCat(field, ".entity"),
                       absl::StrCat(text::QuoteForMessage(entity), " has no letters or digits"));
      }
      subject.set_entity(entity);
      subject.set_display_name(entity);
      return subject;
    }
    default:
      return Invalid(field, "required: a unit (\"units/{id}\") or an entity");
  }
}

// The CSV column a validation message is about ("result.year: …" is the
// year column), or "" for the row as a whole.
std::string ColumnFor(const Result& row, absl::string_view message) {
  absl::string_view path = message.substr(0, message.find(':'));
  absl::ConsumePrefix(&path, "result.");
  if (absl::ConsumePrefix(&path, "component_scores[")) {
    const size_t close = path.find(']');
    int index = 0;
    if (close == absl::string_view::npos || !absl::SimpleAtoi(path.substr(0, close), &index) ||
        index < 0 || index >= row.component_scores_size()) {
      return "";
    }
    const std::string& code = row.component_scores(index).component();
    absl::string_view rest = path.substr(close + 1);
    if (rest == ".rank") return absl::StrCat(code, "_rank");
    if (rest == ".rank_of") return absl::StrCat(code, "_rank_of");
    return code;
  }
  static const auto* const kColumns =
      new std::map<std::string, std::string, std::less<>>{{"framework_code", "framework"},
                                                          {"framework", "framework"},
                                                          {"level", "level"},
                                                          {"year", "year"},
                                                          {"peer_group", "peer_group"},
                                                          {"published_total", "total"},
                                                          {"published_rank", "rank"},
                                                          {"published_rank_of", "rank_of"},
                                                          {"published_tier", "tier"},
                                                          {"note", "note"}};
  if (absl::StartsWith(path, "subject")) {
    return row.subject().kind_case() == pb::Subject::kEntity ? "entity" : "unit";
  }
  auto it = kColumns->find(path);
  return it == kColumns->end() ? std::string() : it->second;
}

pb::RowError RowErrorOf(int line, const Result& row, const absl::Status& status) {
  pb::RowError error;
  error.set_line(line);
  const std::string column = ColumnFor(row, status.message());
  error.set_column(column);
  absl::string_view reason = status.message();
  if (!column.empty()) {
    const size_t colon = reason.find(": ");
    if (colon != absl::string_view::npos) reason = reason.substr(colon + 2);
    error.set_reason(absl::StrCat(column, ": ", reason));
  } else {
    error.set_reason(std::string(reason));
  }
  return error;
}

pb::RowError MakeRowError(int line, absl::string_view column, absl::string_view reason) {
  pb::RowError error;
  error.set_line(line);
  error.set_column(std::string(column));
  error.set_reason(std::string(reason));
  return error;
}

// The sort key of ListFrameworks: code, level, first year, name.
std::string FrameworkOrderKey(const Framework& f) {
  return absl::StrFormat("%s\n%02d\n%04d\n%s", f.code(), static_cast<int>(f.level()),
                         f.valid_years().start_year(), f.name());
}

// An id for a version when the caller gives none: "ddci-2024-district".
std::string ReadableFrameworkId(const Framework& f) {
  std::string code = absl::AsciiStrToLower(f.code());
  std::replace(code.begin(), code.end(), '_', '-');
  const std::string tail =
      absl::StrCat("-", f.valid_years().start_year(), "-", LevelWord(f.level()));
  // Leave room for a "-" and 8 characters of disambiguation.
  const size_t room = kMaxFrameworkIdChars - 9 - tail.size();
  if (code.size() > room) code.resize(room);
  return absl::StrCat(code, tail);
}

// The stored result `id` when `caller` may change it: NOT_FOUND, as for a
// missing one, when the result or its subject is outside the caller's scope.
absl::StatusOr<Result> WritableResult(ScoringStore* store, const auth::Caller& caller,
                                      const auth::UnitTree* tree, const std::string& id) {
  absl::StatusOr<Result> current = store->GetResult(id);
  if (!current.ok()) return current.status();
  if (absl::Status s = CheckResultVisible(caller, tree, *current); !s.ok()) return s;
  if (absl::Status s =
          CheckSubjectWritable(caller, tree, current->subject(),
                               absl::NotFoundError(absl::StrCat(current->name(), " not found")));
      !s.ok()) {
    return s;
  }
  return current;
}

}  // namespace

ScoringManager::ScoringManager(ScoringStore* store, const Catalog* catalog,
                               std::vector<Framework> catalog_versions, DirectoryReader* directory,
                               PlanReader* plans, const civil::Clock* clock, IdGenerator* ids,
                               ScoringMetrics* metrics)
    : store_(store),
      catalog_(catalog),
      catalog_versions_(std::move(catalog_versions)),
      directory_(directory),
      plans_(plans),
      clock_(clock),
      ids_(ids),
      metrics_(metrics) {
  for (Framework& f : catalog_versions_) f.set_origin(pb::FRAMEWORK_ORIGIN_CATALOG);
  if (storage::Database* db = store_->database(); db != nullptr) {
    own_audit_ = std::make_unique<audit::AuditLog>(db);
    audit_ = own_audit_.get();
  }
}

void ScoringManager::SetAccess(const auth::UnitTree* tree, audit::AuditLog* audit) {
  tree_ = tree;
  if (audit != nullptr) audit_ = audit;
}

auth::Caller ScoringManager::Anonymous(absl::string_view method) {
  return auth::AnonymousCaller(absl::StrCat(kScoringServiceName, "/", method));
}

absl::Status ScoringManager::AuditedChange(
    const auth::Caller& caller, absl::string_view resource,
    const std::function<absl::StatusOr<std::string>()>& before,
    const std::function<absl::Status()>& change, const std::function<std::string()>& after) {
  if (audit_ == nullptr) return change();
  return audit_->Record(caller, resource, before, [&]() -> absl::StatusOr<audit::Change> {
    if (absl::Status s = change(); !s.ok()) return s;
    return audit::Change{std::string(resource), after ? after() : std::string()};
  });
}

absl::StatusOr<chiso::common::v1::ListAuditEventsResponse> ScoringManager::ListAuditEvents(
    const chiso::common::v1::ListAuditEventsRequest& request) const {
  if (audit_ == nullptr) {
    return absl::FailedPreconditionError("this scoring service keeps no audit trail");
  }
  return audit_->List(request);
}

// ---- Helpers ------------------------------------------------------------------

std::vector<Framework> ScoringManager::WithCatalog(const std::vector<Framework>& stored) const {
  std::vector<Framework> all = catalog_versions_;
  all.insert(all.end(), stored.begin(), stored.end());
  return all;
}

absl::StatusOr<std::vector<Framework>> ScoringManager::AllVersions() {
  absl::StatusOr<std::vector<Framework>> stored = store_->ListFrameworks();
  if (!stored.ok()) return stored.status();
  return WithCatalog(*stored);
}

std::vector<std::string> ScoringManager::OverriddenCatalogVersions(
    const Framework& framework) const {
  std::vector<std::string> names;
  for (const Framework& c : catalog_versions_) {
    if (c.code() != framework.code() || c.level() != framework.level() ||
        !SameMeasuringBody(c, framework) ||
        c.valid_years().end_year() < framework.valid_years().start_year() ||
        c.valid_years().start_year() > framework.valid_years().end_year()) {
      continue;
    }
    names.push_back(c.name());
  }
  return names;
}

const Framework* ScoringManager::FindCatalogVersion(absl::string_view name) const {
  return FindVersion(catalog_versions_, name);
}

absl::StatusOr<std::optional<ScoredResult>> ScoringManager::WithVersion(
    std::optional<Result> result) {
  if (!result.has_value()) return std::optional<ScoredResult>();
  absl::StatusOr<std::vector<Framework>> all = AllVersions();
  if (!all.ok()) return all.status();
  const Framework* version = FindVersion(*all, result->framework());
  if (version == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        result->name(), " is scored by ", result->framework(), ", which no longer exists"));
  }
  return std::optional<ScoredResult>(ScoredResult{*std::move(result), *version});
}

absl::Status ScoringManager::ResolveSubject(pb::Subject& subject, absl::string_view field) {
  switch (subject.kind_case()) {
    case pb::Subject::kUnit: {
      absl::StatusOr<chiso::assignment::v1::Unit> unit = directory_->GetUnit(subject.unit());
      if (absl::IsNotFound(unit.status())) {
        return absl::NotFoundError(
            absl::StrCat(field, ".unit: ", subject.unit(), " not found in the directory"));
      }
      if (!unit.ok()) return unit.status();
      subject.set_display_name(unit->display_name());
      return absl::OkStatus();
    }
    case pb::Subject::kEntity:
      subject.set_display_name(subject.entity());
      return absl::OkStatus();
    default:
      return Invalid(field, "required: a unit (\"units/{id}\") or an entity");
  }
}

void ScoringManager::AfterWrite() { metrics_stale_.store(true); }

absl::Status ScoringManager::RefreshMetrics() {
  absl::MutexLock lock(&refresh_mu_);
  const absl::Time now = absl::Now();
  if (!metrics_stale_.exchange(false) && now - last_refresh_ < absl::Minutes(1)) {
    return store_->ListFrameworks().status();  // the store answers
  }
  absl::StatusOr<MetricsSnapshot> snapshot = store_->Snapshot(kMetricsYears);
  if (!snapshot.ok()) {
    metrics_stale_.store(true);
    return snapshot.status();
  }
  last_refresh_ = now;
  if (metrics_ != nullptr) {
    metrics_->Set(snapshot->result_count, static_cast<int64_t>(catalog_versions_.size()),
                  snapshot->api_framework_count, snapshot->unit_results);
  }
  return absl::OkStatus();
}

// ---- Frameworks -----------------------------------------------------------------

absl::StatusOr<Framework> ScoringManager::CreateFramework(
    const auth::Caller& caller, const pb::CreateFrameworkRequest& request) {
  if (!request.has_framework()) return Invalid("framework", "required");
  if (!request.framework_id().empty() && !IsValidFrameworkId(request.framework_id())) {
    return Invalid("framework_id",
                   absl::StrCat("must be 1–63 of a–z, 0–9 and '-', starting with a letter (got ",
                                text::QuoteForMessage(request.framework_id()), ")"));
  }
  Framework framework = request.framework();
  ClearFrameworkOutput(framework);
  FillNamesFromCatalog(framework, *catalog_);
  if (absl::Status s = ValidateFramework(framework, catalog_); !s.ok()) return s;

  std::string id = request.framework_id();
  if (id.empty()) {
    absl::StatusOr<std::vector<Framework>> all = AllVersions();
    if (!all.ok()) return all.status();
    id = ReadableFrameworkId(framework);
    if (FindVersion(*all, absl::StrCat(kFrameworkPrefix, id)) != nullptr) {
      const std::string unique = ids_->Next();
      absl::StrAppend(&id, "-", unique.substr(unique.size() - 8));
    }
  }
  framework.set_name(absl::StrCat(kFrameworkPrefix, id));
  framework.set_origin(pb::FRAMEWORK_ORIGIN_API);
  const Timestamp now = civil::ToTimestamp(clock_->Now());
  *framework.mutable_create_time() = now;
  *framework.mutable_update_time() = now;
  // The catalog versions of the same index, level and measuring body whose
  // years the new version shares: their results in those years follow it, so
  // a peer group is never ranked on two definitions at once.
  ScoringStore::Adoption adopt;
  adopt.from = OverriddenCatalogVersions(framework);
  adopt.rescore = [&](Result& result, const Framework& version) -> absl::Status {
    Result rescored = result;
    if (absl::Status s = ScoreResult(rescored, version); !s.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "framework: ", result.name(), " (", Describe(result), "), scored by ", result.framework(),
          ", would not validate under the new version: ", s.message()));
    }
    result = std::move(rescored);
    return absl::OkStatus();
  };
  absl::StatusOr<Framework> created = Audited<Framework>(caller, "", nullptr, [&] {
    return store_->CreateFramework(
        framework,
        [&](const std::vector<Framework>& stored) {
          if (FindCatalogVersion(framework.name()) != nullptr) {
            return absl::AlreadyExistsError(absl::StrCat("framework_id: ", framework.name(),
                                                         " already exists (a catalog version)"));
          }
          // Only API versions may not overlap; over a catalog version an API
          // version takes precedence (ChooseVersion).
          return CheckNoOverlap(framework, stored);
        },
        adopt);
  });
  if (created.ok()) AfterWrite();
  return created;
}

absl::StatusOr<Framework> ScoringManager::GetFramework(const pb::GetFrameworkRequest& request) {
  absl::StatusOr<std::string> id = ParseFrameworkName("name", request.name());
  if (!id.ok()) return id.status();
  if (const Framework* f = FindCatalogVersion(request.name()); f != nullptr) return *f;
  return store_->GetFramework(*id);
}

absl::StatusOr<pb::ListFrameworksResponse> ScoringManager::ListFrameworks(
    const pb::ListFrameworksRequest& request) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::FrameworkFilter& filter = request.filter();
  if (!filter.code().empty() && !IsValidCode(filter.code())) {
    return Invalid("filter.code", absl::StrCat("must be 1–64 of A–Z, 0–9 and '_' (got ",
                                               text::QuoteForMessage(filter.code()), ")"));
  }
  if (!pb::Level_IsValid(filter.level())) return Invalid("filter.level", "unknown level");
  if (filter.year() != 0) {
    if (absl::Status s = CheckYear("filter.year", filter.year()); !s.ok()) return s;
  }
  if (!pb::FrameworkOrigin_IsValid(filter.origin())) {
    return Invalid("filter.origin", "unknown origin");
  }
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> decoded = DecodePageToken(request.page_token(), fingerprint);
    if (!decoded.ok()) return decoded.status();
    after = *std::move(decoded);
  }
  absl::StatusOr<std::vector<Framework>> all = AllVersions();
  if (!all.ok()) return all.status();
  std::vector<std::pair<std::string, const Framework*>> matched;
  for (const Framework& f : *all) {
    if (!filter.code().empty() && f.code() != filter.code()) continue;
    if (filter.level() != pb::LEVEL_UNSPECIFIED && f.level() != filter.level()) continue;
    if (filter.year() != 0 && (filter.year() < f.valid_years().start_year() ||
                               filter.year() > f.valid_years().end_year())) {
      continue;
    }
    if (filter.origin() != pb::FRAMEWORK_ORIGIN_UNSPECIFIED && f.origin() != filter.origin()) {
      continue;
    }
    std::string key = FrameworkOrderKey(f);
    if (!after.empty() && key <= after) continue;
    matched.emplace_back(std::move(key), &f);
  }
  std::sort(matched.begin(), matched.end());
  pb::ListFrameworksResponse response;
  const size_t n = std::min(matched.size(), static_cast<size_t>(*size));
  for (size_t i = 0; i < n; ++i) *response.add_frameworks() = *matched[i].second;
  if (matched.size() > n && n > 0) {
    response.set_next_page_token(EncodePageToken(fingerprint, matched[n - 1].first));
  }
  return response;
}

absl::StatusOr<Framework> ScoringManager::UpdateFramework(
    const auth::Caller& caller, const pb::UpdateFrameworkRequest& request) {
  absl::StatusOr<std::string> id = ParseFrameworkName("framework.name", request.framework().name());
  if (!id.ok()) return id.status();
  if (FindCatalogVersion(request.framework().name()) != nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("framework.name: ", request.framework().name(),
                     " is a catalog version and read only; define a new version with "
                     "CreateFramework instead"));
  }
  static const auto* const kMutable = new std::set<std::string, std::less<>>{
      "display_name",  "valid_years",    "components",  "aggregation", "scale",
      "total_measure", "total_decimals", "grade_bands", "provenance"};
  const FieldMask& mask = request.update_mask();
  if (mask.paths().empty()) {
    return Invalid("update_mask", absl::StrCat("required: name the fields to change (any of ",
                                               absl::StrJoin(*kMutable, ", "), ")"));
  }
  for (const std::string& path : mask.paths()) {
    if (kMutable->count(path) == 0) {
      return Invalid("update_mask",
                     absl::StrCat(text::QuoteForMessage(path), " cannot be updated (updatable: ",
                                  absl::StrJoin(*kMutable, ", "), ")"));
    }
  }
  const Timestamp now = civil::ToTimestamp(clock_->Now());
  const std::string& name = request.framework().name();
  absl::StatusOr<Framework> updated = Audited<Framework>(
      caller, name, [&] { return audit::Before(store_->GetFramework(*id)); },
      [&] {
        return store_->UpdateFramework(
            *id,
            [&](Framework& framework, const std::vector<Framework>& others) -> absl::Status {
              if (absl::Status s =
                      CheckEtag(framework.name(), framework.etag(), request.framework().etag());
                  !s.ok()) {
                return s;
              }
              FieldMaskUtil::MergeOptions options;
              options.set_replace_message_fields(true);
              options.set_replace_repeated_fields(true);
              FieldMaskUtil::MergeMessageTo(request.framework(), mask, options, &framework);
              FillNamesFromCatalog(framework, *catalog_);
              if (absl::Status s = ValidateFramework(framework, catalog_); !s.ok()) return s;
              if (absl::Status s = CheckNoOverlap(framework, others); !s.ok()) return s;
              *framework.mutable_update_time() = now;
              return absl::OkStatus();
            },
            [&](Result& result, const Framework& framework) -> absl::Status {
              const chiso::common::v1::Period& years = framework.valid_years();
              if (result.year() < years.start_year() || result.year() > years.end_year()) {
                return absl::FailedPreconditionError(
                    absl::StrCat("framework.valid_years: ", result.name(), " (", Describe(result),
                                 ") would no longer be covered by ", framework.name(), " (",
                                 years.start_year(), "–", years.end_year(), ")"));
              }
              Result rescored = result;
              if (absl::Status s = ScoreResult(rescored, framework); !s.ok()) {
                return absl::FailedPreconditionError(
                    absl::StrCat("framework: ", result.name(), " (", Describe(result),
                                 ") would no longer validate: ", s.message()));
              }
              result = std::move(rescored);
              return absl::OkStatus();
            },
            [this](const Framework& changed) { return OverriddenCatalogVersions(changed); });
      });
  if (updated.ok()) AfterWrite();
  return updated;
}

absl::Status ScoringManager::DeleteFramework(const auth::Caller& caller,
                                             const pb::DeleteFrameworkRequest& request) {
  absl::StatusOr<std::string> id = ParseFrameworkName("name", request.name());
  if (!id.ok()) return id.status();
  if (FindCatalogVersion(request.name()) != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "name: ", request.name(), " is a catalog version and cannot be deleted through the API"));
  }
  absl::Status status = AuditedChange(
      caller, request.name(), [&] { return audit::Before(store_->GetFramework(*id)); },
      [&] {
        return store_->DeleteFramework(*id, [&](const Framework& framework) {
          return CheckEtag(framework.name(), framework.etag(), request.etag());
        });
      },
      nullptr);
  if (status.ok()) AfterWrite();
  return status;
}

// ---- Results ----------------------------------------------------------------------

absl::StatusOr<Result> ScoringManager::CreateResult(const auth::Caller& caller,
                                                    const pb::CreateResultRequest& request) {
  if (!request.has_result()) return Invalid("result", "required");
  Result result = request.result();
  ClearResultOutput(result);
  if (absl::Status s = CleanResultText(result); !s.ok()) return s;
  if (absl::Status s = ValidateResultShape(result); !s.ok()) return s;
  // A unit outside the caller's scope answers as an unknown one.
  if (absl::Status s = CheckSubjectWritable(
          caller, tree_, result.subject(),
          absl::NotFoundError(absl::StrCat("result.subject.unit: ", result.subject().unit(),
                                           " not found in the directory")));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ResolveSubject(*result.mutable_subject(), "result.subject"); !s.ok()) {
    return s;
  }
  result.set_name(absl::StrCat(kResultPrefix, ids_->Next()));
  const Timestamp now = civil::ToTimestamp(clock_->Now());
  *result.mutable_create_time() = now;
  *result.mutable_update_time() = now;
  absl::StatusOr<Result> created = Audited<Result>(caller, "", nullptr, [&] {
    return store_->CreateResult(
        result, [&](Result& r, const std::vector<Framework>& stored) -> absl::Status {
          const std::vector<Framework> all = WithCatalog(stored);
          absl::StatusOr<const Framework*> version = ChooseVersion(r, all);
          if (!version.ok()) return version.status();
          return Score(r, **version);
        });
  });
  if (created.ok()) AfterWrite();
  return created;
}

absl::StatusOr<Result> ScoringManager::GetResult(const auth::Caller& caller,
                                                 const pb::GetResultRequest& request) {
  absl::StatusOr<std::string> id = ParseResultName("name", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<Result> result = store_->GetResult(*id);
  if (!result.ok()) return result.status();
  if (absl::Status s = CheckResultVisible(caller, tree_, *result); !s.ok()) return s;
  return result;
}

absl::StatusOr<pb::ListResultsResponse> ScoringManager::ListResults(
    const auth::Caller& caller, const pb::ListResultsRequest& request) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::ResultFilter& filter = request.filter();
  ResultQuery query;
  query.limit = *size;
  if (!filter.unit().empty() && !filter.entity().empty()) {
    return Invalid("filter", "give unit or entity, not both");
  }
  if (!filter.unit().empty()) {
    pb::Subject subject;
    subject.set_unit(filter.unit());
    absl::StatusOr<pb::Subject> clean = CleanSubject("filter", subject);
    if (!clean.ok()) return clean.status();
    query.subject_key = SubjectKey(*clean);
  } else if (!filter.entity().empty()) {
    pb::Subject subject;
    subject.set_entity(filter.entity());
    absl::StatusOr<pb::Subject> clean = CleanSubject("filter", subject);
    if (!clean.ok()) return clean.status();
    query.subject_key = SubjectKey(*clean);
  }
  if (!filter.framework_code().empty() && !IsValidCode(filter.framework_code())) {
    return Invalid("filter.framework_code",
                   absl::StrCat("must be 1–64 of A–Z, 0–9 and '_' (got ",
                                text::QuoteForMessage(filter.framework_code()), ")"));
  }
  query.framework_code = filter.framework_code();
  if (!pb::Level_IsValid(filter.level())) return Invalid("filter.level", "unknown level");
  query.level = filter.level();
  if (absl::Status s = CheckYears("filter.years", filter.years()); !s.ok()) return s;
  query.from_year = filter.years().start_year();
  query.to_year = filter.years().end_year();
  if (!filter.peer_group().empty()) {
    std::string group = filter.peer_group();
    if (absl::Status s = text::CleanLineField("filter.peer_group", &group, kMaxPeerGroupChars);
        !s.ok()) {
      return s;
    }
    query.peer_group = std::move(group);
  }
  query.mismatch_only = filter.mismatch_only();
  // A restricted caller lists the results of its subtree (and about
  // entities), filtered in the query so that pages stay full and correct.
  query.within_unit = ListScopeOf(caller);
  if (query.within_unit.has_value()) {
    if (tree_ == nullptr) {
      query.within_unit = "units/-";
    } else {
      // Learns the caller's unit when the copy does not know it yet.
      absl::StatusOr<bool> known = tree_->Contains(*query.within_unit, *query.within_unit);
      if (!known.ok()) return known.status();
    }
  }
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> after = DecodePageToken(request.page_token(), fingerprint);
    if (!after.ok()) return after.status();
    if (after->empty()) return Invalid("page_token", "malformed");
    query.after = *std::move(after);
  }
  absl::StatusOr<ResultPage> page = store_->ListResults(query);
  if (!page.ok()) return page.status();
  pb::ListResultsResponse response;
  for (Result& r : page->results) *response.add_results() = std::move(r);
  if (page->more && response.results_size() > 0) {
    response.set_next_page_token(EncodePageToken(
        fingerprint, ResultOrderKey(response.results(response.results_size() - 1))));
  }
  return response;
}

absl::StatusOr<Result> ScoringManager::UpdateResult(const auth::Caller& caller,
                                                    const pb::UpdateResultRequest& request) {
  absl::StatusOr<std::string> id = ParseResultName("result.name", request.result().name());
  if (!id.ok()) return id.status();
  static const auto* const kMutable = new std::set<std::string, std::less<>>{
      "framework",       "peer_group",     "component_scores",
      "published_total", "published_rank", "published_rank_of",
      "published_tier",  "source",         "note"};
  static const auto* const kImmutable =
      new std::set<std::string, std::less<>>{"subject", "framework_code", "level", "year"};
  const FieldMask& mask = request.update_mask();
  if (mask.paths().empty()) {
    return Invalid("update_mask", absl::StrCat("required: name the fields to change (any of ",
                                               absl::StrJoin(*kMutable, ", "), ")"));
  }
  for (const std::string& path : mask.paths()) {
    if (kMutable->count(path) != 0) continue;
    const std::string root = path.substr(0, path.find('.'));
    if (kImmutable->count(root) != 0) {
      return Invalid("update_mask", absl::StrCat(text::QuoteForMessage(path), " is immutable"));
    }
    return Invalid("update_mask",
                   absl::StrCat(text::QuoteForMessage(path), " cannot be updated (updatable: ",
                                absl::StrJoin(*kMutable, ", "), ")"));
  }
  const Timestamp now = civil::ToTimestamp(clock_->Now());
  // Scope first: a result outside it answers as a missing one. The subject
  // never changes, so the check holds for the write below.
  absl::StatusOr<Result> current = WritableResult(store_, caller, tree_, *id);
  if (!current.ok()) return current.status();
  absl::StatusOr<Result> updated = Audited<Result>(
      caller, current->name(), [&] { return audit::Before(store_->GetResult(*id)); },
      [&] {
        return store_->UpdateResult(
            *id, [&](Result& result, const std::vector<Framework>& stored) -> absl::Status {
              if (absl::Status s = CheckEtag(result.name(), result.etag(), request.result().etag());
                  !s.ok()) {
                return s;
              }
              FieldMaskUtil::MergeOptions options;
              options.set_replace_message_fields(true);
              options.set_replace_repeated_fields(true);
              FieldMaskUtil::MergeMessageTo(request.result(), mask, options, &result);
              result.clear_computed_total();
              result.clear_grade();
              result.clear_total_difference();
              result.clear_total_mismatch();
              result.clear_display_total();
              if (absl::Status s = CleanResultText(result); !s.ok()) return s;
              if (absl::Status s = ValidateResultShape(result); !s.ok()) return s;
              const std::vector<Framework> all = WithCatalog(stored);
              absl::StatusOr<const Framework*> version = ChooseVersion(result, all);
              if (!version.ok()) return version.status();
              if (absl::Status s = Score(result, **version); !s.ok()) return s;
              *result.mutable_update_time() = now;
              return absl::OkStatus();
            });
      });
  if (updated.ok()) AfterWrite();
  return updated;
}

absl::Status ScoringManager::DeleteResult(const auth::Caller& caller,
                                          const pb::DeleteResultRequest& request) {
  absl::StatusOr<std::string> id = ParseResultName("name", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<Result> current = WritableResult(store_, caller, tree_, *id);
  if (!current.ok()) return current.status();
  absl::Status status = AuditedChange(
      caller, current->name(), [&] { return audit::Before(store_->GetResult(*id)); },
      [&] {
        return store_->DeleteResult(*id, [&](const Result& result) {
          return CheckEtag(result.name(), result.etag(), request.etag());
        });
      },
      nullptr);
  if (status.ok()) AfterWrite();
  return status;
}

absl::StatusOr<pb::ImportResultsResponse> ScoringManager::ImportResults(
    const auth::Caller& caller, const pb::ImportResultsRequest& request) {
  if (request.csv().size() > kMaxCsvBytes) {
    return Invalid("csv", absl::StrCat("the file has ", request.csv().size(),
                                       " bytes; at most 10 MiB (", kMaxCsvBytes, ") are accepted"));
  }
  absl::StatusOr<CsvResults> parsed = ParseResultsCsv(request.csv());
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::vector<Framework>> all = AllVersions();
  if (!all.ok()) return all.status();

  std::vector<pb::RowError> errors = parsed->errors;
  std::vector<ImportRow> rows;
  // Versions stored when the rows were scored, by name, with their etags:
  // the write refuses if one changed in between.
  std::map<std::string, std::string> used_api_versions;
  absl::flat_hash_map<std::string, std::optional<chiso::assignment::v1::Unit>> units_by_code;
  absl::flat_hash_map<std::string, absl::StatusOr<chiso::assignment::v1::Unit>> units_by_name;
  absl::flat_hash_map<std::string, int> line_of_key;
  // Whether the caller may record results about a unit, by unit.
  absl::flat_hash_map<std::string, bool> unit_in_scope;
  auto in_scope = [&](const std::string& unit) -> absl::StatusOr<bool> {
    auto it = unit_in_scope.find(unit);
    if (it != unit_in_scope.end()) return it->second;
    pb::Subject subject;
    subject.set_unit(unit);
    absl::Status s = CheckSubjectWritable(caller, tree_, subject, absl::NotFoundError(""));
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    return unit_in_scope.emplace(unit, s.ok()).first->second;
  };
  const Timestamp now = civil::ToTimestamp(clock_->Now());

  for (const CsvResultRow& csv_row : parsed->rows) {
    Result result = csv_row.result;
    const int line = csv_row.line;
    ClearResultOutput(result);
    if (!csv_row.unit_code.empty()) {
      auto it = units_by_code.find(csv_row.unit_code);
      if (it == units_by_code.end()) {
        absl::StatusOr<std::optional<chiso::assignment::v1::Unit>> found =
            directory_->FindUnitByCode(csv_row.unit_code);
        if (!found.ok()) return found.status();
        it = units_by_code.emplace(csv_row.unit_code, *std::move(found)).first;
      }
      // A unit outside the caller's scope is reported as an unknown one.
      bool visible = false;
      if (it->second.has_value()) {
        absl::StatusOr<bool> scoped = in_scope(it->second->name());
        if (!scoped.ok()) return scoped.status();
        visible = *scoped;
      }
      if (!visible) {
        errors.push_back(MakeRowError(
            line, "unit",
            absl::StrCat("unit: no unit has the code ", text::QuoteForMessage(csv_row.unit_code))));
        continue;
      }
      result.mutable_subject()->set_unit(it->second->name());
    }
    if (absl::Status s = CleanResultText(result); !s.ok()) {
      errors.push_back(RowErrorOf(line, result, s));
      continue;
    }
    if (absl::Status s = ValidateResultShape(result); !s.ok()) {
      errors.push_back(RowErrorOf(line, result, s));
      continue;
    }
    if (result.subject().kind_case() == pb::Subject::kUnit) {
      absl::StatusOr<bool> scoped = in_scope(result.subject().unit());
      if (!scoped.ok()) return scoped.status();
      if (!*scoped) {
        errors.push_back(MakeRowError(
            line, "unit",
            absl::StrCat("unit: ", result.subject().unit(), " not found in the directory")));
        continue;
      }
      auto it = units_by_name.find(result.subject().unit());
      if (it == units_by_name.end()) {
        it = units_by_name
                 .emplace(result.subject().unit(), directory_->GetUnit(result.subject().unit()))
                 .first;
      }
      if (absl::IsNotFound(it->second.status())) {
        errors.push_back(MakeRowError(
            line, "unit",
            absl::StrCat("unit: ", result.subject().unit(), " not found in the directory")));
        continue;
      }
      if (!it->second.ok()) return it->second.status();
      result.mutable_subject()->set_display_name(it->second->display_name());
    } else {
      if (!caller.Unrestricted()) {
        errors.push_back(
            MakeRowError(line, "entity", absl::StrCat("entity: ", kEntityResultsNeedUnrestricted)));
        continue;
      }
      result.mutable_subject()->set_display_name(result.subject().entity());
    }
    absl::StatusOr<const Framework*> version = ChooseVersion(result, *all);
    if (!version.ok()) {
      pb::RowError error = RowErrorOf(line, result, version.status());
      // A version the row names is the `version` cell's fault.
      error.set_column(csv_row.result.framework().empty() ? "framework" : "version");
      errors.push_back(std::move(error));
      continue;
    }
    if (absl::Status s = Score(result, **version); !s.ok()) {
      errors.push_back(RowErrorOf(line, result, s));
      continue;
    }
    const std::string key = absl::StrCat(SubjectKey(result.subject()), "\n",
                                         result.framework_code(), "\n", result.year());
    if (auto [it, inserted] = line_of_key.emplace(key, line); !inserted) {
      errors.push_back(
          MakeRowError(line, "",
                       absl::StrCat("repeats line ", it->second, " (", Describe(result),
                                    "): one row per subject, framework and year")));
      continue;
    }
    absl::StatusOr<std::optional<Result>> existing =
        store_->FindResult(SubjectKey(result.subject()), result.framework_code(), result.year());
    if (!existing.ok()) return existing.status();
    ImportRow row;
    if (existing->has_value()) {
      if (!request.replace_existing()) {
        errors.push_back(
            MakeRowError(line, "",
                         absl::StrCat((*existing)->name(), " already records ", Describe(result),
                                      " (set replace_existing to replace it)")));
        continue;
      }
      row.replace = (*existing)->name();
    }
    if ((*version)->origin() == pb::FRAMEWORK_ORIGIN_API) {
      used_api_versions[(*version)->name()] = (*version)->etag();
    }
    result.set_name(row.replace.empty() ? absl::StrCat(kResultPrefix, ids_->Next()) : row.replace);
    *result.mutable_create_time() = now;
    *result.mutable_update_time() = now;
    row.result = std::move(result);
    rows.push_back(std::move(row));
  }

  std::stable_sort(errors.begin(), errors.end(), [](const pb::RowError& a, const pb::RowError& b) {
    return a.line() < b.line();
  });
  pb::ImportResultsResponse response;
  response.set_row_count(parsed->row_count);
  std::set<int> bad_lines;
  for (const pb::RowError& e : errors) bad_lines.insert(e.line());
  response.set_skipped_count(static_cast<int>(bad_lines.size()));
  const size_t reported = std::min(errors.size(), static_cast<size_t>(kMaxReportedRowErrors));
  for (size_t i = 0; i < reported; ++i) *response.add_errors() = std::move(errors[i]);
  response.set_errors_truncated(errors.size() > reported);
  if ((!bad_lines.empty() && !request.skip_invalid()) || request.validate_only() || rows.empty()) {
    return response;
  }
  // The API versions the rows were scored against, as they were then.
  std::map<std::string, std::string> api_versions_then;
  for (const Framework& f : *all) {
    if (f.origin() == pb::FRAMEWORK_ORIGIN_API) api_versions_then[f.name()] = f.etag();
  }
  // The event names what the import wrote (framework codes and years) and
  // its "after" is the response.
  std::set<std::string> written;
  for (const ImportRow& row : rows) {
    written.insert(absl::StrCat(row.result.framework_code(), " ", row.result.year()));
  }
  std::string resource = absl::StrCat("results (import: ");
  int listed = 0;
  for (const std::string& w : written) {
    if (listed == 10) {
      absl::StrAppend(&resource, ", …");
      break;
    }
    absl::StrAppend(&resource, listed++ == 0 ? "" : ", ", w);
  }
  absl::StrAppend(&resource, ")");
  response.set_imported_count(static_cast<int>(rows.size()));
  auto write = [&]() -> absl::Status {
    return store_->ImportResults(rows, [&](const std::vector<Framework>& stored) -> absl::Status {
      for (const auto& [name, etag] : used_api_versions) {
        const Framework* now_stored = FindVersion(stored, name);
        if (now_stored == nullptr || now_stored->etag() != etag) {
          return absl::AbortedError(
              absl::StrCat(name, " changed during the import; import the file again"));
        }
      }
      // A version created, changed or deleted meanwhile may choose another
      // version for some rows (one over a catalog version takes its years).
      std::map<std::string, std::string> api_versions_now;
      for (const Framework& f : stored) api_versions_now[f.name()] = f.etag();
      if (api_versions_now != api_versions_then) {
        return absl::AbortedError(
            "framework versions changed during the import; import the file again");
      }
      return absl::OkStatus();
    });
  };
  absl::Status status =
      AuditedChange(caller, resource, nullptr, write, [&] { return audit::Serialize(response); });
  if (!status.ok()) return status;
  AfterWrite();
  return response;
}

// ---- Rankings and trends -------------------------------------------------------------

absl::StatusOr<pb::GetRankingResponse> ScoringManager::GetRanking(
    const pb::GetRankingRequest& request) {
  if (request.framework_code().empty()) return Invalid("framework_code", "required");
  if (!IsValidCode(request.framework_code())) {
    return Invalid("framework_code",
                   absl::StrCat("must be 1–64 of A–Z, 0–9 and '_' (got ",
                                text::QuoteForMessage(request.framework_code()), ")"));
  }
  if (request.year() == 0) return Invalid("year", "required");
  if (absl::Status s = CheckYear("year", request.year()); !s.ok()) return s;
  if (!pb::Level_IsValid(request.level())) return Invalid("level", "unknown level");
  if (!request.component().empty() && !IsValidCode(request.component())) {
    return Invalid("component", absl::StrCat("must be 1–64 of A–Z, 0–9 and '_' (got ",
                                             text::QuoteForMessage(request.component()), ")"));
  }
  absl::StatusOr<int> size =
      NormalizePageSize(request.page_size(), kRankingDefaultPageSize, kRankingMaxPageSize);
  if (!size.ok()) return size.status();
  GroupQuery query;
  query.framework_code = request.framework_code();
  query.level = request.level();
  query.year = request.year();
  query.peer_group = request.peer_group();
  if (absl::Status s = text::CleanLineField("peer_group", &query.peer_group, kMaxPeerGroupChars);
      !s.ok()) {
    return s;
  }
  pb::GetRankingRequest bound = request;
  bound.clear_page_size();
  bound.clear_page_token();
  const std::string fingerprint = Fingerprint(bound.SerializeAsString());
  int64_t offset = 0;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    if (!absl::SimpleAtoi(*key, &offset) || offset < 0) return Invalid("page_token", "malformed");
  }

  absl::StatusOr<std::vector<Result>> group = store_->GroupResults(query);
  if (!group.ok()) return group.status();
  if (group->empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no ", request.framework_code(), " result in ", request.year(),
        request.level() == pb::LEVEL_UNSPECIFIED
            ? std::string()
            : absl::StrCat(" at ", LevelWord(request.level()), " level"),
        query.peer_group.empty()
            ? " without a peer group"
            : absl::StrCat(" in peer group ", text::QuoteForMessage(query.peer_group))));
  }
  absl::StatusOr<std::vector<Framework>> all = AllVersions();
  if (!all.ok()) return all.status();
  absl::StatusOr<Standing> standing = RankGroup(*group, request.component(), *all);
  if (!standing.ok()) return standing.status();

  pb::GetRankingResponse response;
  response.set_basis(standing->basis);
  response.set_count(standing->count);
  if (standing->median.has_value()) {
    *response.mutable_median_score() = ToDecimal(*standing->median, standing->median_digits);
  }
  if (standing->count > 0) *response.mutable_median_rank() = ToDecimal(MedianRank(standing->count));
  response.set_below_median_count(standing->below_median_count);
  const int64_t total = static_cast<int64_t>(standing->entries.size());
  if (offset > total) return Invalid("page_token", "malformed");
  const int64_t end = std::min(total, offset + *size);
  for (int64_t i = offset; i < end; ++i) {
    const StandingEntry& e = standing->entries[i];
    pb::RankingEntry* entry = response.add_entries();
    entry->set_rank(e.rank);
    *entry->mutable_subject() = e.result->subject();
    if (standing->basis == pb::RANKING_BASIS_SCORES)
      entry->mutable_score()->set_value(e.value.text);
    entry->set_published_rank(e.value.rank);
    entry->set_below_median(e.below_median);
    entry->set_result(e.result->name());
  }
  if (end < total) response.set_next_page_token(EncodePageToken(fingerprint, absl::StrCat(end)));
  return response;
}

absl::StatusOr<pb::GetTrendResponse> ScoringManager::GetTrend(const auth::Caller& caller,
                                                              const pb::GetTrendRequest& request) {
  absl::StatusOr<pb::Subject> subject = CleanSubject("subject", request.subject());
  if (!subject.ok()) return subject.status();
  // A unit outside the caller's scope answers as one without results.
  bool visible = true;
  if (subject->kind_case() == pb::Subject::kUnit) {
    absl::StatusOr<bool> scoped = UnitVisible(caller, tree_, subject->unit());
    if (!scoped.ok()) return scoped.status();
    visible = *scoped;
  }
  if (request.framework_code().empty()) return Invalid("framework_code", "required");
  if (!IsValidCode(request.framework_code())) {
    return Invalid("framework_code",
                   absl::StrCat("must be 1–64 of A–Z, 0–9 and '_' (got ",
                                text::QuoteForMessage(request.framework_code()), ")"));
  }
  if (!request.component().empty() && !IsValidCode(request.component())) {
    return Invalid("component", absl::StrCat("must be 1–64 of A–Z, 0–9 and '_' (got ",
                                             text::QuoteForMessage(request.component()), ")"));
  }
  if (absl::Status s = CheckYears("years", request.years()); !s.ok()) return s;
  using chiso::common::v1::Measure;
  if (request.basis() != Measure::MEASURE_UNSPECIFIED &&
      request.basis() != Measure::MEASURE_SCORE && request.basis() != Measure::MEASURE_RANK) {
    return Invalid("basis", "must be MEASURE_SCORE or MEASURE_RANK (or unspecified)");
  }
  absl::StatusOr<std::vector<Result>> results =
      store_->SubjectResults(SubjectKey(*subject), request.framework_code(),
                             request.years().start_year(), request.years().end_year());
  if (!results.ok()) return results.status();
  const std::string who = subject->kind_case() == pb::Subject::kUnit
                              ? subject->unit()
                              : text::QuoteForMessage(subject->entity());
  if (results->empty() || !visible) {
    return absl::NotFoundError(absl::StrCat(
        who, " has no ", request.framework_code(), " result",
        request.years().start_year() != 0 || request.years().end_year() != 0 ? " in the years asked"
                                                                             : ""));
  }
  bool higher_is_better = true;
  if (!request.component().empty()) {
    absl::StatusOr<std::vector<Framework>> all = AllVersions();
    if (!all.ok()) return all.status();
    bool known = false;
    for (auto it = results->rbegin(); it != results->rend() && !known; ++it) {
      const Framework* version = FindVersion(*all, it->framework());
      if (version == nullptr) continue;
      if (const pb::Component* c = FindComponent(*version, request.component()); c != nullptr) {
        known = true;
        higher_is_better = c->higher_is_better();
      }
    }
    if (!known) {
      return Invalid("component", absl::StrCat(text::QuoteForMessage(request.component()),
                                               " is not a component of the ",
                                               request.framework_code(), " versions used"));
    }
  }

  std::vector<TrendInput> inputs;
  std::vector<Value> values;
  bool all_scored = true;
  for (const Result& r : *results) {
    absl::StatusOr<Value> v = ValueOf(r, request.component());
    if (!v.ok()) return v.status();
    all_scored = all_scored && v->score.has_value();
    inputs.push_back(TrendInput{r.year(), v->score, v->rank});
    values.push_back(*std::move(v));
  }
  Measure basis = request.basis();
  if (basis == Measure::MEASURE_UNSPECIFIED) {
    basis = all_scored ? Measure::MEASURE_SCORE : Measure::MEASURE_RANK;
  }
  const TrendOutcome outcome =
      ComputeTrend(inputs, basis == Measure::MEASURE_RANK, higher_is_better);

  pb::GetTrendResponse response;
  response.set_basis(basis);
  for (size_t i = 0; i < results->size(); ++i) {
    const Result& r = (*results)[i];
    pb::TrendPoint* point = response.add_points();
    point->set_year(r.year());
    if (values[i].score.has_value()) point->mutable_score()->set_value(values[i].text);
    point->set_rank(values[i].rank);
    point->set_rank_of(values[i].rank_of);
    if (request.component().empty()) {
      point->set_grade(!r.grade().empty() ? r.grade() : r.published_tier());
    }
    if (i < outcome.points.size()) {
      const TrendPointOutcome& o = outcome.points[i];
      if (o.score_delta.has_value()) {
        const int digits = std::max(FractionDigits(values[i].text),
                                    i > 0 ? FractionDigits(values[i - 1].text) : 0);
        *point->mutable_score_delta() =
            ToDecimal(*o.score_delta, std::min(digits, kMaxDecimalDigits));
      }
      point->set_rank_delta(o.rank_delta);
      point->set_declined(o.declined);
    }
    point->set_result(r.name());
  }
  response.set_best_year(outcome.best_year);
  response.set_worst_year(outcome.worst_year);
  response.set_consecutive_declines(outcome.consecutive_declines);
  return response;
}

// ---- Scorecards -----------------------------------------------------------------------

absl::StatusOr<pb::ComputeScorecardResponse> ScoringManager::ComputeScorecard(
    const auth::Caller& caller, const pb::ComputeScorecardRequest& request) {
  absl::string_view plan_id = request.plan();
  if (!absl::ConsumePrefix(&plan_id, kPlanPrefix) || !IsValidId(plan_id)) {
    return Invalid("plan", absl::StrCat("must be a plan name \"plans/{id}\" (got ",
                                        text::QuoteForMessage(request.plan()), ")"));
  }
  if (request.year() != 0) {
    if (absl::Status s = CheckYear("year", request.year()); !s.ok()) return s;
  }
  std::optional<pb::Subject> subject;
  if (request.has_subject() && request.subject().kind_case() != pb::Subject::KIND_NOT_SET) {
    absl::StatusOr<pb::Subject> clean = CleanSubject("subject", request.subject());
    if (!clean.ok()) return clean.status();
    subject = *std::move(clean);
  }
  absl::StatusOr<chiso::plan::v1::Plan> plan = plans_->GetPlan(request.plan());
  if (!plan.ok()) return plan.status();
  // The plan service shows a restricted caller only the plans its subtree
  // issued; the scorecard, which shows the plan's objectives, does the same
  // (the plan was read with this service's own, unrestricted credential).
  absl::StatusOr<bool> plan_visible = UnitVisible(caller, tree_, plan->issuer().unit());
  if (!plan_visible.ok()) return plan_visible.status();
  if (!*plan_visible) return absl::NotFoundError(absl::StrCat(request.plan(), " not found"));
  if (subject.has_value()) {
    if (subject->kind_case() == pb::Subject::kUnit) {
      // A unit outside the caller's scope answers as an unknown one.
      absl::StatusOr<bool> scoped = UnitVisible(caller, tree_, subject->unit());
      if (!scoped.ok()) return scoped.status();
      absl::StatusOr<chiso::assignment::v1::Unit> unit =
          *scoped ? directory_->GetUnit(subject->unit())
                  : absl::StatusOr<chiso::assignment::v1::Unit>(absl::NotFoundError(""));
      if (absl::IsNotFound(unit.status())) {
        return absl::NotFoundError(absl::StrCat("subject.unit: ", subject->unit(), " not found"));
      }
      if (!unit.ok()) return unit.status();
      subject->set_display_name(unit->display_name());
    }
  } else {
    const std::string& issuer = plan->issuer().unit();
    if (issuer.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("subject: not given, and the issuer of ", request.plan(), " (",
                       text::QuoteForMessage(plan->issuer().display_name()),
                       ") is not resolved to a unit; give a subject or resolve the issuer"));
    }
    absl::StatusOr<chiso::assignment::v1::Unit> unit = directory_->GetUnit(issuer);
    if (absl::IsNotFound(unit.status()) || absl::IsInvalidArgument(unit.status())) {
      return absl::FailedPreconditionError(absl::StrCat("subject: not given, and the issuer of ",
                                                        request.plan(), " (", issuer,
                                                        ") is not a known unit; give a subject"));
    }
    if (!unit.ok()) return unit.status();
    subject.emplace();
    subject->set_unit(issuer);
    subject->set_display_name(unit->display_name());
  }
  absl::StatusOr<chiso::assignment::v1::PlanSummary> summary =
      directory_->GetPlanSummary(request.plan());
  if (!summary.ok()) return summary.status();
  absl::StatusOr<pb::ComputeScorecardResponse> card =
      JudgePlan(*plan, *subject, request.year(), *summary);
  // A malformed number comes from the stored plan, not from this request.
  if (card.status().code() == absl::StatusCode::kInvalidArgument) {
    return absl::FailedPreconditionError(
        absl::StrCat(request.plan(), " cannot be judged: ", card.status().message()));
  }
  return card;
}

// ---- ScoreSource ---------------------------------------------------------------------------

absl::StatusOr<std::optional<ScoredResult>> ScoringManager::ResultFor(
    const pb::Subject& subject, absl::string_view framework_code, int year) {
  absl::StatusOr<std::optional<Result>> result =
      store_->FindResult(SubjectKey(subject), std::string(framework_code), year);
  if (!result.ok()) return result.status();
  return WithVersion(*std::move(result));
}

absl::StatusOr<std::optional<ScoredResult>> ScoringManager::LatestResult(
    const pb::Subject& subject, absl::string_view framework_code, int up_to_year) {
  absl::StatusOr<std::optional<Result>> result =
      store_->LatestResult(SubjectKey(subject), std::string(framework_code), up_to_year);
  if (!result.ok()) return result.status();
  return WithVersion(*std::move(result));
}

namespace {

// The standing of the result named `name` in a ranked group.
PeerContext ContextOf(const Standing& standing, absl::string_view name) {
  PeerContext context;
  context.count = standing.count;
  if (standing.median.has_value()) {
    context.median = ToDecimal(*standing.median, standing.median_digits);
  }
  for (const StandingEntry& e : standing.entries) {
    if (e.result->name() != name) continue;
    context.rank = e.rank;
    context.below_median = e.below_median;
  }
  return context;
}

GroupQuery GroupOf(const Result& result) {
  GroupQuery query;
  query.framework_code = result.framework_code();
  query.level = result.level();
  query.year = result.year();
  query.peer_group = result.peer_group();
  return query;
}

}  // namespace

absl::StatusOr<PeerContext> ScoringManager::Peers(const Result& result,
                                                  absl::string_view component) {
  absl::StatusOr<std::vector<Result>> group = store_->GroupResults(GroupOf(result));
  if (!group.ok()) return group.status();
  if (group->empty()) return PeerContext();
  absl::StatusOr<std::vector<Framework>> all = AllVersions();
  if (!all.ok()) return all.status();
  absl::StatusOr<Standing> standing = RankGroup(*group, component, *all);
  if (absl::IsInvalidArgument(standing.status())) return PeerContext();  // not a component here
  if (!standing.ok()) return standing.status();
  return ContextOf(*standing, result.name());
}

// What one scorecard reads, read once: a plan's objectives mostly share one
// peer group, so the group is read, decoded and keyed a single time and every
// component is ranked on it (bench/scorecard_bench.cc).
class ScorecardReads : public ScoreSource {
 public:
  ScorecardReads(ScoringManager* manager, ScoringStore* store, std::vector<Framework> versions)
      : manager_(manager), store_(store), versions_(std::move(versions)) {}

  absl::StatusOr<std::optional<ScoredResult>> ResultFor(const pb::Subject& subject,
                                                        absl::string_view framework_code,
                                                        int year) override {
    return manager_->ResultFor(subject, framework_code, year);
  }
  absl::StatusOr<std::optional<ScoredResult>> LatestResult(const pb::Subject& subject,
                                                           absl::string_view framework_code,
                                                           int up_to_year) override {
    return manager_->LatestResult(subject, framework_code, up_to_year);
  }
  absl::StatusOr<PeerContext> Peers(const Result& result, absl::string_view component) override {
    const std::string key = absl::StrCat(result.framework_code(), "\x1f", result.level(), "\x1f",
                                         result.year(), "\x1f", result.peer_group());
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      absl::StatusOr<std::vector<Result>> results = store_->GroupResults(GroupOf(result));
      if (!results.ok()) return results.status();
      Group group;
      group.results = *std::move(results);
      group.keys.reserve(group.results.size());
      for (const Result& r : group.results) {
        group.keys.push_back(text::MatchKey(r.subject().display_name()));
      }
      it = groups_.emplace(key, std::move(group)).first;
    }
    const Group& group = it->second;
    if (group.results.empty()) return PeerContext();
    absl::StatusOr<Standing> standing = RankGroup(group.results, component, versions_, &group.keys);
    if (absl::IsInvalidArgument(standing.status())) return PeerContext();
    if (!standing.ok()) return standing.status();
    return ContextOf(*standing, result.name());
  }

 private:
  struct Group {
    std::vector<Result> results;
    std::vector<std::string> keys;  // tie keys, parallel to results
  };
  ScoringManager* manager_;
  ScoringStore* store_;
  std::vector<Framework> versions_;
  absl::flat_hash_map<std::string, Group> groups_;
};

absl::StatusOr<pb::ComputeScorecardResponse> ScoringManager::JudgePlan(
    const chiso::plan::v1::Plan& plan, const pb::Subject& subject, int year,
    const chiso::assignment::v1::PlanSummary& summary) {
  absl::StatusOr<std::vector<Framework>> all = AllVersions();
  if (!all.ok()) return all.status();
  ScorecardReads reads(this, store_, *std::move(all));
  return BuildScorecard(plan, subject, year, summary, reads, clock_->Now());
}

}  // namespace chiso::scoring
