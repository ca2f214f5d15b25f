#include "services/scoring/framework_domain.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/ids/ids.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace chiso::scoring {
namespace internal {
// services/scoring/framework_versions.textproto, compiled in by CMake
// (builtin_frameworks.cc.in).
extern const absl::string_view kBuiltinFrameworks;
}  // namespace internal

namespace {

using chiso::common::v1::ComponentDefinition;
using chiso::common::v1::Decimal;
using chiso::common::v1::IndexDefinition;
using chiso::common::v1::Measure;
using chiso::scoring::v1::Aggregation;
using chiso::scoring::v1::Component;
using chiso::scoring::v1::ComponentScore;
using chiso::scoring::v1::FrameworkCatalog;
using chiso::scoring::v1::FrameworkOrigin;
using chiso::scoring::v1::GradeBand;
using chiso::scoring::v1::Level;
using chiso::scoring::v1::ProvenanceNote;
using chiso::scoring::v1::Subject;

constexpr int kMaxNameChars = 300;
constexpr int kMaxGradeChars = 50;
constexpr int kMaxLabelChars = 100;
constexpr int kMaxNoteSubjectChars = 200;
constexpr int kMaxNoteChars = 2000;
constexpr int kMaxEntityChars = 300;
constexpr int kMaxPeerGroupChars = 200;
constexpr int kMaxTierChars = 100;
constexpr int kMaxResultNoteChars = 2000;
constexpr int kMaxFrameworkIdChars = 63;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

absl::Status CheckLength(absl::string_view field, absl::string_view value, int max_chars) {
  const int n = text::CodePointCount(value);
  if (n > max_chars) {
    return Invalid(field, absl::StrCat("at most ", max_chars, " characters (got ", n, ")"));
  }
  return absl::OkStatus();
}

bool IsBlank(absl::string_view value) { return text::CollapseWhitespace(value).empty(); }

// A framework id: 1–63 of a–z, 0–9 and '-', starting with a letter
// (CreateFrameworkRequest.framework_id). Not IsValidId: built-in and
// operator-named versions read as words ("pci-2022-province").
bool IsFrameworkId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxFrameworkIdChars) return false;
  if (!(id[0] >= 'a' && id[0] <= 'z')) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::Status CheckFrameworkName(absl::string_view field, absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "frameworks/") || !IsFrameworkId(id)) {
    return Invalid(field, absl::StrCat("must be \"frameworks/{id}\" with an id of 1–63 a–z, 0–9 "
                                       "and '-' starting with a letter (got ",
                                       text::QuoteForMessage(name), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckUnitName(absl::string_view field, absl::string_view unit) {
  absl::string_view id = unit;
  if (!absl::ConsumePrefix(&id, "units/") || !IsValidId(id)) {
    return Invalid(field, absl::StrCat("must be a unit resource name \"units/{id}\" (got ",
                                       text::QuoteForMessage(unit), ")"));
  }
  return absl::OkStatus();
}

bool IsYear(int year) { return year >= kMinYear && year <= kMaxYear; }

std::string OutsideYears(int year) {
  return absl::StrCat(year, " is outside ", kMinYear, "–", kMaxYear);
}

absl::string_view LevelWord(Level level) {
  switch (level) {
    case Level::LEVEL_PROVINCE:
      return "province";
    case Level::LEVEL_DEPARTMENT:
      return "department";
    case Level::LEVEL_DISTRICT:
      return "district";
    case Level::LEVEL_COMMUNE:
      return "commune";
    default:
      return "unspecified";
  }
}

// A required decimal within ±1,000,000, in thousandths.
absl::StatusOr<int64_t> ParseBounded(absl::string_view field, const Decimal& value) {
  if (IsBlank(value.value())) return Invalid(field, "required");
  absl::StatusOr<int64_t> parsed = ParseThousandths(field, value);
  if (!parsed.ok()) return parsed.status();
  if (*parsed > kMaxAbsScore || *parsed < -kMaxAbsScore) {
    return Invalid(
        field, absl::StrCat(text::FormatDecimal(*parsed, 3), " is outside −1,000,000 … 1,000,000"));
  }
  return *parsed;
}

// The value as written, in canonical form ("7,80" -> "7.80"); the text itself
// when it does not parse.
std::string Canonical(absl::string_view value) {
  absl::StatusOr<std::string> canonical = text::CanonicalDecimal(value);
  return canonical.ok() ? *canonical : std::string(value);
}

bool NeedsScale(Aggregation aggregation) {
  return aggregation == Aggregation::AGGREGATION_WEIGHTED_SUM_SCALED ||
         aggregation == Aggregation::AGGREGATION_MEAN_SCALED;
}

absl::Status CheckComponents(const Framework& framework, const IndexDefinition* index) {
  const int n = framework.components_size();
  if (n == 0) return Invalid("framework.components", "at least one component is required");
  if (n > kMaxComponents) {
    return Invalid("framework.components",
                   absl::StrCat("at most ", kMaxComponents, " components (got ", n, ")"));
  }
  absl::flat_hash_map<std::string, int> seen;
  int weight_sum = 0;
  for (int i = 0; i < n; ++i) {
    const Component& c = framework.components(i);
    const std::string field = absl::StrCat("framework.components[", i, "]");
    if (c.code().empty()) return Invalid(absl::StrCat(field, ".code"), "required");
    if (!IsValidCode(c.code())) {
      return Invalid(
          absl::StrCat(field, ".code"),
          absl::StrCat(text::QuoteForMessage(c.code()),
                       " is not a code: 1–64 of A–Z, 0–9 and _, starting with a letter"));
    }
    if (auto [it, inserted] = seen.emplace(c.code(), i); !inserted) {
      return Invalid(absl::StrCat(field, ".code"),
                     absl::StrCat(c.code(), " repeats components[", it->second, "]"));
    }
    const ComponentDefinition* known = nullptr;
    if (index != nullptr) {
      for (const ComponentDefinition& d : index->components()) {
        if (d.code() == c.code()) known = &d;
      }
      if (known == nullptr) {
        std::vector<absl::string_view> codes;
        for (const ComponentDefinition& d : index->components()) codes.push_back(d.code());
        return Invalid(absl::StrCat(field, ".code"),
                       absl::StrCat(c.code(), " is not a component of ", index->code(),
                                    " (components: ", absl::StrJoin(codes, ", "), ")"));
      }
    }
    // An empty name is filled from the catalog (FillNamesFromCatalog).
    if (IsBlank(c.name_vi()) && (known == nullptr || known->name_vi().empty())) {
      return Invalid(absl::StrCat(field, ".name_vi"), "required");
    }
    if (absl::Status s = CheckLength(absl::StrCat(field, ".name_vi"), c.name_vi(), kMaxNameChars);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckLength(absl::StrCat(field, ".name_en"), c.name_en(), kMaxNameChars);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<int64_t> min = ParseBounded(absl::StrCat(field, ".min"), c.min());
    if (!min.ok()) return min.status();
    absl::StatusOr<int64_t> max = ParseBounded(absl::StrCat(field, ".max"), c.max());
    if (!max.ok()) return max.status();
    if (*max <= *min) {
      return Invalid(absl::StrCat(field, ".max"),
                     absl::StrCat(Canonical(c.max().value()), " is not above the minimum ",
                                  Canonical(c.min().value())));
    }
    // A percentage is of the maxima's sum: scores below zero would make it
    // meaningless (and unbounded as that sum nears zero).
    if (framework.aggregation() == Aggregation::AGGREGATION_PERCENTAGE && *min < 0) {
      return Invalid(absl::StrCat(field, ".min"),
                     absl::StrCat(Canonical(c.min().value()),
                                  " is below 0, which AGGREGATION_PERCENTAGE does not allow"));
    }
    if (c.weight() < 0 || c.weight() > 100) {
      return Invalid(absl::StrCat(field, ".weight"),
                     absl::StrCat("must be 0–100 percent (got ", c.weight(), ")"));
    }
    weight_sum += c.weight();
  }
  if (framework.aggregation() == Aggregation::AGGREGATION_WEIGHTED_SUM_SCALED &&
      weight_sum != 100) {
    return Invalid("framework.components",
                   absl::StrCat("weights sum to ", weight_sum,
                                ", not 100, as AGGREGATION_WEIGHTED_SUM_SCALED needs"));
  }
  return absl::OkStatus();
}

absl::Status CheckGradeBands(const Framework& framework) {
  const int n = framework.grade_bands_size();
  if (n > kMaxGradeBands) {
    return Invalid("framework.grade_bands",
                   absl::StrCat("at most ", kMaxGradeBands, " bands (got ", n, ")"));
  }
  absl::flat_hash_map<std::string, int> seen;
  std::optional<int64_t> previous;
  for (int i = 0; i < n; ++i) {
    const GradeBand& band = framework.grade_bands(i);
    const std::string field = absl::StrCat("framework.grade_bands[", i, "]");
    if (IsBlank(band.grade())) return Invalid(absl::StrCat(field, ".grade"), "required");
    if (absl::Status s = CheckLength(absl::StrCat(field, ".grade"), band.grade(), kMaxGradeChars);
        !s.ok()) {
      return s;
    }
    if (auto [it, inserted] = seen.emplace(band.grade(), i); !inserted) {
      return Invalid(absl::StrCat(field, ".grade"),
                     absl::StrCat(text::QuoteForMessage(band.grade()), " repeats grade_bands[",
                                  it->second, "]"));
    }
    if (absl::Status s = CheckLength(absl::StrCat(field, ".label"), band.label(), kMaxLabelChars);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<int64_t> lower =
        ParseBounded(absl::StrCat(field, ".lower_bound"), band.lower_bound());
    if (!lower.ok()) return lower.status();
    if (previous.has_value() && *lower >= *previous) {
      return Invalid(absl::StrCat(field, ".lower_bound"),
                     absl::StrCat(Canonical(band.lower_bound().value()), " is not below ",
                                  Canonical(framework.grade_bands(i - 1).lower_bound().value()),
                                  " of grade_bands[", i - 1,
                                  "]: bands go highest first with strictly decreasing bounds"));
    }
    previous = *lower;
  }
  return absl::OkStatus();
}

absl::Status CheckProvenance(const Framework& framework) {
  const int n = framework.provenance_size();
  if (n > kMaxProvenanceNotes) {
    return Invalid("framework.provenance",
                   absl::StrCat("at most ", kMaxProvenanceNotes, " notes (got ", n, ")"));
  }
  for (int i = 0; i < n; ++i) {
    const ProvenanceNote& note = framework.provenance(i);
    const std::string field = absl::StrCat("framework.provenance[", i, "]");
    if (absl::Status s =
            CheckLength(absl::StrCat(field, ".subject"), note.subject(), kMaxNoteSubjectChars);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckLength(absl::StrCat(field, ".note"), note.note(), kMaxNoteChars);
        !s.ok()) {
      return s;
    }
    if (!v1::Provenance_IsValid(note.provenance())) {
      return Invalid(absl::StrCat(field, ".provenance"),
                     absl::StrCat("unknown value ", static_cast<int>(note.provenance())));
    }
  }
  return absl::OkStatus();
}

// Collects text-format parser errors into one message.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    absl::StrAppend(&errors_, errors_.empty() ? "" : "; ", "line ", line + 1, ":", column + 1, ": ",
                    message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

// Each version of `all` against the ones before it.
absl::Status CheckNoOverlaps(const std::vector<Framework>& all) {
  std::vector<Framework> before;
  before.reserve(all.size());
  for (const Framework& f : all) {
    if (absl::Status s = CheckNoOverlap(f, before); !s.ok()) return s;
    before.push_back(f);
  }
  return absl::OkStatus();
}

std::string ComponentCodes(const Framework& framework) {
  std::vector<absl::string_view> codes;
  for (const Component& c : framework.components()) codes.push_back(c.code());
  return absl::StrJoin(codes, ", ");
}

}  // namespace

bool SameMeasuringBody(const Framework& a, const Framework& b) {
  const chiso::common::v1::UnitRef& x = a.measured_by();
  const chiso::common::v1::UnitRef& y = b.measured_by();
  if (!x.unit().empty() && !y.unit().empty()) return x.unit() == y.unit();
  const std::string x_name = text::MatchKey(x.display_name());
  const std::string y_name = text::MatchKey(y.display_name());
  // A body known only by its unit is not a national index (no body at all).
  if (x.unit().empty() != y.unit().empty() && (x_name.empty() || y_name.empty())) return false;
  return x_name == y_name;
}

bool IsValidCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  if (!(code[0] >= 'A' && code[0] <= 'Z')) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

absl::Status ValidateFramework(const Framework& framework, const Catalog* catalog) {
  if (framework.code().empty()) return Invalid("framework.code", "required");
  if (!IsValidCode(framework.code())) {
    return Invalid("framework.code",
                   absl::StrCat(text::QuoteForMessage(framework.code()),
                                " is not a code: 1–64 of A–Z, 0–9 and _, starting with a letter"));
  }
  const IndexDefinition* index =
      catalog != nullptr ? catalog->FindIndex(framework.code()) : nullptr;
  // An empty display name is filled from the catalog (FillNamesFromCatalog).
  if (IsBlank(framework.display_name()) && index == nullptr) {
    return Invalid("framework.display_name", "required");
  }
  if (absl::Status s =
          CheckLength("framework.display_name", framework.display_name(), kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (framework.level() == Level::LEVEL_UNSPECIFIED) return Invalid("framework.level", "required");
  if (!v1::Level_IsValid(framework.level())) {
    return Invalid("framework.level",
                   absl::StrCat("unknown value ", static_cast<int>(framework.level())));
  }
  const int start = framework.valid_years().start_year();
  const int end = framework.valid_years().end_year();
  if (!IsYear(start)) return Invalid("framework.valid_years.start_year", OutsideYears(start));
  if (!IsYear(end)) return Invalid("framework.valid_years.end_year", OutsideYears(end));
  if (start > end) {
    return Invalid("framework.valid_years",
                   absl::StrCat("start_year ", start, " is after end_year ", end));
  }
  if (absl::Status s = CheckLength("framework.measured_by.display_name",
                                   framework.measured_by().display_name(), kMaxNameChars);
      !s.ok()) {
    return s;
  }
  if (!framework.measured_by().unit().empty()) {
    if (absl::Status s =
            CheckUnitName("framework.measured_by.unit", framework.measured_by().unit());
        !s.ok()) {
      return s;
    }
  }
  if (framework.aggregation() == Aggregation::AGGREGATION_UNSPECIFIED) {
    return Invalid("framework.aggregation", "required");
  }
  if (!v1::Aggregation_IsValid(framework.aggregation())) {
    return Invalid("framework.aggregation",
                   absl::StrCat("unknown value ", static_cast<int>(framework.aggregation())));
  }
  if (absl::Status s = CheckComponents(framework, index); !s.ok()) return s;
  if (NeedsScale(framework.aggregation())) {
    if (IsBlank(framework.scale().value())) {
      return Invalid("framework.scale",
                     absl::StrCat("required by ", v1::Aggregation_Name(framework.aggregation())));
    }
    absl::StatusOr<int64_t> scale = ParseThousandths("framework.scale", framework.scale());
    if (!scale.ok()) return scale.status();
    if (*scale <= 0 || *scale > kMaxScale) {
      return Invalid("framework.scale", absl::StrCat("must be above 0 and at most 1000 (got ",
                                                     Canonical(framework.scale().value()), ")"));
    }
  }
  const Measure measure = framework.total_measure();
  if (measure != Measure::MEASURE_UNSPECIFIED && measure != Measure::MEASURE_SCORE &&
      measure != Measure::MEASURE_PERCENT) {
    return Invalid("framework.total_measure", "must be MEASURE_SCORE or MEASURE_PERCENT");
  }
  if (framework.total_decimals() < 0 || framework.total_decimals() > 3) {
    return Invalid("framework.total_decimals",
                   absl::StrCat("must be 0–3 (got ", framework.total_decimals(), ")"));
  }
  if (absl::Status s = CheckGradeBands(framework); !s.ok()) return s;
  return CheckProvenance(framework);
}

void FillNamesFromCatalog(Framework& framework, const Catalog& catalog) {
  const IndexDefinition* index = catalog.FindIndex(framework.code());
  if (index == nullptr) return;
  if (IsBlank(framework.display_name())) {
    // "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", "… (PAR INDEX)".
    framework.set_display_name(absl::StrCat(
        index->name_vi(), " (", absl::StrReplaceAll(framework.code(), {{"_", " "}}), ")"));
  }
  for (Component& c : *framework.mutable_components()) {
    const ComponentDefinition* known = catalog.FindComponent(framework.code(), c.code());
    if (known == nullptr) continue;
    if (IsBlank(c.name_vi())) c.set_name_vi(known->name_vi());
    if (IsBlank(c.name_en())) c.set_name_en(known->name_en());
  }
}

absl::Status CheckNoOverlap(const Framework& candidate, const std::vector<Framework>& existing) {
  const int start = candidate.valid_years().start_year();
  const int end = candidate.valid_years().end_year();
  for (const Framework& other : existing) {
    if (!candidate.name().empty() && other.name() == candidate.name()) continue;
    if (other.code() != candidate.code() || other.level() != candidate.level() ||
        !SameMeasuringBody(other, candidate)) {
      continue;
    }
    const int other_start = other.valid_years().start_year();
    const int other_end = other.valid_years().end_year();
    if (other_start > end || start > other_end) continue;
    std::string message =
        absl::StrCat(other.name(), " already covers ", other_start, "–", other_end, " for ",
                     other.code(), " at ", LevelWord(other.level()), " level");
    if (!other.measured_by().unit().empty() || !other.measured_by().display_name().empty()) {
      absl::StrAppend(&message, " measured by ",
                      other.measured_by().display_name().empty()
                          ? other.measured_by().unit()
                          : other.measured_by().display_name());
    }
    absl::StrAppend(&message, "; ", start, "–", end, " overlaps it");
    return absl::AlreadyExistsError(message);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Framework>> BuiltinFrameworks(const Catalog& catalog) {
  absl::StatusOr<std::vector<Framework>> versions =
      ParseFrameworkFile(internal::kBuiltinFrameworks, catalog);
  if (!versions.ok()) {
    return absl::InternalError(
        absl::StrCat("built-in framework versions: ", versions.status().message()));
  }
  if (absl::Status s = CheckNoOverlaps(*versions); !s.ok()) {
    return absl::InternalError(absl::StrCat("built-in framework versions: ", s.message()));
  }
  return versions;
}

absl::StatusOr<std::vector<Framework>> ParseFrameworkFile(absl::string_view textproto,
                                                          const Catalog& catalog) {
  FrameworkCatalog file;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(textproto), &file)) {
    return absl::InvalidArgumentError(absl::StrCat("framework file: ", errors.errors()));
  }
  std::vector<Framework> out;
  out.reserve(static_cast<size_t>(file.frameworks_size()));
  absl::flat_hash_map<std::string, int> names;
  for (int i = 0; i < file.frameworks_size(); ++i) {
    Framework& framework = *file.mutable_frameworks(i);
    const std::string label = framework.name().empty()
                                  ? absl::StrCat("frameworks[", i, "]")
                                  : absl::StrCat("frameworks[", i, "] (", framework.name(), ")");
    if (absl::Status s = CheckFrameworkName("name", framework.name()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": ", s.message()));
    }
    if (auto [it, inserted] = names.emplace(framework.name(), i); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": name: ", framework.name(),
                                                     " repeats frameworks[", it->second, "]"));
    }
    FillNamesFromCatalog(framework, catalog);
    if (absl::Status s = ValidateFramework(framework, &catalog); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": ", s.message()));
    }
    framework.set_origin(FrameworkOrigin::FRAMEWORK_ORIGIN_CATALOG);
    out.push_back(std::move(framework));
  }
  return out;
}

absl::StatusOr<std::vector<Framework>> LoadCatalogFrameworks(const Catalog& catalog,
                                                             const std::string& path) {
  absl::StatusOr<std::vector<Framework>> all = BuiltinFrameworks(catalog);
  if (!all.ok() || path.empty()) return all;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("framework file ", path, ": cannot be read"));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<std::vector<Framework>> extra = ParseFrameworkFile(contents.str(), catalog);
  if (!extra.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", extra.status().message()));
  }
  absl::flat_hash_set<std::string> builtin_names;
  for (const Framework& f : *all) builtin_names.insert(f.name());
  for (Framework& f : *extra) {
    if (builtin_names.contains(f.name())) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, ": ", f.name(), " is already a built-in version"));
    }
    if (absl::Status s = CheckNoOverlap(f, *all); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
    }
    all->push_back(std::move(f));
  }
  return all;
}

std::vector<const Framework*> VersionsFor(const std::vector<Framework>& all, absl::string_view code,
                                          Level level, int year) {
  std::vector<const Framework*> out;
  for (const Framework& f : all) {
    if (f.code() == code && f.level() == level && f.valid_years().start_year() <= year &&
        year <= f.valid_years().end_year()) {
      out.push_back(&f);
    }
  }
  return out;
}

std::string SubjectKey(const Subject& subject) {
  switch (subject.kind_case()) {
    case Subject::kUnit:
      return absl::StrCat("unit:", subject.unit());
    case Subject::kEntity:
      return absl::StrCat("entity:", text::MatchKey(subject.entity()));
    default:
      return "";
  }
}

absl::Status ValidateResultShape(const Result& result) {
  const Subject& subject = result.subject();
  switch (subject.kind_case()) {
    case Subject::kUnit:
      if (absl::Status s = CheckUnitName("result.subject.unit", subject.unit()); !s.ok()) return s;
      break;
    case Subject::kEntity: {
      const std::string entity = text::CollapseWhitespace(subject.entity());
      if (entity.empty() || text::MatchKey(entity).empty()) {
        return Invalid("result.subject.entity", "a name is required");
      }
      if (absl::Status s = CheckLength("result.subject.entity", entity, kMaxEntityChars); !s.ok())
        return s;
      break;
    }
    default:
      return Invalid("result.subject", "required: a unit (\"units/{id}\") or an entity");
  }
  if (result.framework_code().empty()) return Invalid("result.framework_code", "required");
  if (!IsValidCode(result.framework_code())) {
    return Invalid("result.framework_code",
                   absl::StrCat(text::QuoteForMessage(result.framework_code()),
                                " is not a code: 1–64 of A–Z, 0–9 and _, starting with a letter"));
  }
  if (result.level() == Level::LEVEL_UNSPECIFIED) return Invalid("result.level", "required");
  if (!v1::Level_IsValid(result.level())) {
    return Invalid("result.level",
                   absl::StrCat("unknown value ", static_cast<int>(result.level())));
  }
  if (!IsYear(result.year())) return Invalid("result.year", OutsideYears(result.year()));
  if (!result.framework().empty()) {
    if (absl::Status s = CheckFrameworkName("result.framework", result.framework()); !s.ok())
      return s;
  }
  if (absl::Status s = CheckLength("result.peer_group", result.peer_group(), kMaxPeerGroupChars);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLength("result.published_tier", result.published_tier(), kMaxTierChars);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLength("result.note", result.note(), kMaxResultNoteChars); !s.ok())
    return s;
  if (result.published_rank() < 0) {
    return Invalid("result.published_rank",
                   absl::StrCat("must be 0 or more (got ", result.published_rank(), ")"));
  }
  if (result.published_rank_of() < 0) {
    return Invalid("result.published_rank_of",
                   absl::StrCat("must be 0 or more (got ", result.published_rank_of(), ")"));
  }
  if (result.published_rank() > 0 && result.published_rank_of() > 0 &&
      result.published_rank() > result.published_rank_of()) {
    return Invalid("result.published_rank",
                   absl::StrCat(result.published_rank(), " is above published_rank_of ",
                                result.published_rank_of()));
  }
  if (result.component_scores_size() > kMaxComponents) {
    return Invalid("result.component_scores",
                   absl::StrCat("at most ", kMaxComponents, " component scores (got ",
                                result.component_scores_size(), ")"));
  }
  return absl::OkStatus();
}

absl::Status ScoreResult(Result& result, const Framework& framework) {
  result.clear_computed_total();
  result.clear_display_total();
  result.clear_grade();
  result.clear_total_difference();
  result.clear_total_mismatch();
  const int start = framework.valid_years().start_year();
  const int end = framework.valid_years().end_year();
  if (result.framework_code() != framework.code() || result.level() != framework.level() ||
      result.year() < start || result.year() > end) {
    return Invalid("result.framework",
                   absl::StrCat(framework.name(), " scores ", framework.code(), " at ",
                                LevelWord(framework.level()), " level in ", start, "–", end,
                                ", not ", result.framework_code(), " at ",
                                LevelWord(result.level()), " level in ", result.year()));
  }
  absl::StatusOr<FrameworkRules> rules = RulesOf(framework);
  if (!rules.ok()) return rules.status();
  const size_t n = rules->components.size();
  std::vector<std::optional<int64_t>> scores(n);
  std::vector<int> given_at(n, -1);
  std::vector<ComponentScore> ordered(n);
  const absl::string_view version = framework.name().empty() ? framework.code() : framework.name();

  for (int i = 0; i < result.component_scores_size(); ++i) {
    const ComponentScore& given = result.component_scores(i);
    const std::string field = absl::StrCat("result.component_scores[", i, "]");
    const int j = rules->IndexOf(given.component());
    if (j < 0) {
      return Invalid(
          absl::StrCat(field, ".component"),
          absl::StrCat(text::QuoteForMessage(given.component()), " is not a component of ", version,
                       " (components: ", ComponentCodes(framework), ")"));
    }
    if (given_at[j] >= 0) {
      return Invalid(absl::StrCat(field, ".component"),
                     absl::StrCat(given.component(), " is given twice (also component_scores[",
                                  given_at[j], "])"));
    }
    given_at[j] = i;
    if (IsBlank(given.score().value())) return Invalid(absl::StrCat(field, ".score"), "required");
    absl::StatusOr<int64_t> score = ParseThousandths(absl::StrCat(field, ".score"), given.score());
    if (!score.ok()) return score.status();
    const std::string written = Canonical(given.score().value());
    const ComponentRule& rule = rules->components[j];
    const Component& definition = framework.components(j);
    if (*score < rule.min) {
      return Invalid(absl::StrCat(field, ".score"),
                     absl::StrCat(written, " is below the minimum ",
                                  Canonical(definition.min().value()), " of ", rule.code));
    }
    if (*score > rule.max) {
      return Invalid(absl::StrCat(field, ".score"),
                     absl::StrCat(written, " is above the maximum ",
                                  Canonical(definition.max().value()), " of ", rule.code));
    }
    if (given.rank() < 0) {
      return Invalid(absl::StrCat(field, ".rank"),
                     absl::StrCat("must be 0 or more (got ", given.rank(), ")"));
    }
    if (given.rank_of() < 0) {
      return Invalid(absl::StrCat(field, ".rank_of"),
                     absl::StrCat("must be 0 or more (got ", given.rank_of(), ")"));
    }
    if (given.rank() > 0 && given.rank_of() > 0 && given.rank() > given.rank_of()) {
      return Invalid(
          absl::StrCat(field, ".rank"),
          absl::StrCat(given.rank(), " is above rank_of ", given.rank_of(), " of ", rule.code));
    }
    ordered[j] = given;
    ordered[j].mutable_score()->set_value(written);
    scores[j] = *score;
  }

  std::optional<Exact> published;
  if (result.has_published_total()) {
    if (IsBlank(result.published_total().value())) {
      result.clear_published_total();
    } else {
      absl::StatusOr<int64_t> total =
          ParseBounded("result.published_total", result.published_total());
      if (!total.ok()) return total.status();
      result.mutable_published_total()->set_value(Canonical(result.published_total().value()));
      published = Exact::FromThousandths(*total);
    }
  }

  result.clear_component_scores();
  for (size_t j = 0; j < n; ++j) {
    if (given_at[j] >= 0) *result.add_component_scores() = std::move(ordered[j]);
  }

  const std::optional<Exact> computed = ComputeTotal(*rules, scores);
  if (computed.has_value()) {
    *result.mutable_computed_total() = ToDecimal(*computed, rules->total_decimals);
  }
  if (published.has_value()) {
    *result.mutable_display_total() = result.published_total();
  } else if (computed.has_value()) {
    result.mutable_display_total()->set_value(Format(*computed, rules->total_decimals));
  }
  if (published.has_value() || computed.has_value()) {
    result.set_grade(GradeOf(*rules, published.has_value() ? *published : *computed));
  }
  if (published.has_value() && computed.has_value()) {
    const Exact difference = *published - *computed;
    *result.mutable_total_difference() = ToDecimal(difference);
    result.set_total_mismatch(Abs(difference) > Exact::FromThousandths(kRoundingTolerance));
  }
  result.set_framework(framework.name());
  return absl::OkStatus();
}

}  // namespace chiso::scoring
