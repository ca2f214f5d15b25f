#ifndef CHISO_SERVICES_SCORING_FRAMEWORK_DOMAIN_H_
#define CHISO_SERVICES_SCORING_FRAMEWORK_DOMAIN_H_

// The rules of framework versions and results, free of I/O: what makes a
// version or a result valid, which version scores a result, and what the
// service computes from a result (total, grade, mismatch flag).
//
// The built-in versions are a data file compiled into the service
// (services/scoring/framework_versions.textproto, a
// chiso.scoring.v1.FrameworkCatalog); names a version leaves empty come from
// the framework catalog of common/ (common/catalog/frameworks.textproto), so
// each index's words are written once. An operator adds versions with a file
// of the same form (--framework_file) or through the API.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "common/catalog/catalog.h"
#include "services/scoring/scoring_math.h"

namespace chiso::scoring {

using chiso::scoring::v1::Framework;
using chiso::scoring::v1::Result;

// Limits every version and result is checked against.
inline constexpr int kMaxComponents = 50;
inline constexpr int kMaxGradeBands = 20;
inline constexpr int kMaxProvenanceNotes = 50;
inline constexpr int64_t kMaxAbsScore = 1'000'000'000;  // thousandths: ±1,000,000
inline constexpr int64_t kMaxScale = 1'000'000;         // thousandths: 1000
inline constexpr int kMinYear = 2000;
inline constexpr int kMaxYear = 2100;
// A published total further than this from the computed one (0.05, in
// thousandths) is flagged; closer is rounding.
inline constexpr int64_t kRoundingTolerance = 50;

// True for a framework or component code: 1–64 of A–Z, 0–9 and '_',
// starting with a letter.
bool IsValidCode(absl::string_view code);

// Checks a version as CreateFramework receives it (output-only fields are
// ignored): code, display name, level, valid years (2000–2100, start ≤ end),
// 1–50 components with valid unique codes, names within length, min < max
// within ±1,000,000 (min ≥ 0 for AGGREGATION_PERCENTAGE), weights 0–100
// summing to 100 for
// AGGREGATION_WEIGHTED_SUM_SCALED, a positive scale (≤ 1000) where the
// aggregation needs one, total_decimals 0–3, grade bands with unique
// non-empty grades and strictly decreasing lower bounds, provenance notes
// within length. When `catalog` knows the code, every component code must be
// one of the catalog's components of that index. Errors: InvalidArgument
// whose message starts with the field path ("framework.components[2].max:
// …").
absl::Status ValidateFramework(const Framework& framework, const Catalog* catalog);

// Fills empty component names (name_vi, name_en) of a version whose code the
// catalog knows, and the display name from the index's Vietnamese name.
void FillNamesFromCatalog(Framework& framework, const Catalog& catalog);

// True when two versions are measured by the same body: the same unit when
// both name one, else the same name (diacritics and case folded), so a body
// given once by unit and once by name alone is still one body; national
// indices (no body) match each other.
bool SameMeasuringBody(const Framework& a, const Framework& b);

// Errors: AlreadyExists when a version in `existing` other than `candidate`
// itself (same name) has the same code, level and measured_by unit and an
// overlapping span of years; the message names it ("frameworks/pci-2022-
// province already covers 2022–2024 for PCI at province level").
absl::Status CheckNoOverlap(const Framework& candidate, const std::vector<Framework>& existing);

// The built-in versions, validated, names filled from `catalog`, origin
// FRAMEWORK_ORIGIN_CATALOG. Errors: Internal if the compiled-in file is bad
// (a test keeps it good).
absl::StatusOr<std::vector<Framework>> BuiltinFrameworks(const Catalog& catalog);

// Parses a file of versions (text format chiso.scoring.v1.FrameworkCatalog),
// validates each, fills names and sets origin FRAMEWORK_ORIGIN_CATALOG.
// Every version must have `name` "frameworks/{id}" with a valid id. Errors:
// InvalidArgument naming the file's version and field.
absl::StatusOr<std::vector<Framework>> ParseFrameworkFile(absl::string_view textproto,
                                                          const Catalog& catalog);

// The built-in versions plus those of the file at `path` (empty: none),
// checked for duplicate names and overlaps. Errors: NotFound for a missing
// file; InvalidArgument or AlreadyExists as above.
absl::StatusOr<std::vector<Framework>> LoadCatalogFrameworks(const Catalog& catalog,
                                                             const std::string& path);

// The versions among `all` with `code` and `level` whose years include
// `year`, in `all`'s order.
std::vector<const Framework*> VersionsFor(const std::vector<Framework>& all, absl::string_view code,
                                          chiso::scoring::v1::Level level, int year);

// A key identifying a subject for uniqueness and lookups: "unit:units/{id}" or
// "entity:" + the entity's match key (diacritics and case folded, spaces
// collapsed), so "Quảng Ninh" and "quang  ninh" are one subject.
std::string SubjectKey(const chiso::scoring::v1::Subject& subject);

// Checks what a result needs before a version is chosen: a subject (a
// well-formed "units/{id}" or a non-empty entity of at most 300 characters),
// a valid framework code, a level, a year in 2000–2100, peer_group ≤ 200
// characters, published_tier ≤ 100, note ≤ 2000, published rank ≥ 0 and ≤
// published_rank_of when both are given (rank_of ≥ 0), and at most 50
// component scores. Errors: InvalidArgument naming the field
// ("result.year: 1999 is outside 2000–2100").
absl::Status ValidateResultShape(const Result& result);

// Checks `result` against `framework` (the version chosen for it) and fills
// what the service computes: `framework` (the version's name),
// `computed_total` (exact, via ToDecimal; unset when a component is missing
// or the aggregation is published-only), `grade` (from the published total
// when present, else the computed one; empty without bands or below them),
// `total_difference` and `total_mismatch` (|difference| > 0.05; Bắc Giang's
// 72.80 against 72.775 is not flagged). Component scores are rewritten in
// canonical form ("7,80" -> "7.80") and ordered as the version orders them.
// Errors: InvalidArgument for a component code not in the version (the
// message lists the valid codes), a repeated component, a score outside the
// component's range ("component_scores[1].score: 11.2 is above the maximum 10
// of TIME_COSTS"), a component rank above its rank_of, or a malformed
// decimal.
absl::Status ScoreResult(Result& result, const Framework& framework);

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_FRAMEWORK_DOMAIN_H_
