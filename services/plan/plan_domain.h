#ifndef CHISO_SERVICES_PLAN_PLAN_DOMAIN_H_
#define CHISO_SERVICES_PLAN_PLAN_DOMAIN_H_

// The rules of plans, free of I/O: validation, the life cycle, what may
// change when, and the keys the store indexes. Every error names the field
// and the rule, e.g. "plan.objectives[2].target.comparator: required …".

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "google/protobuf/field_mask.pb.h"

namespace chiso::plan {

using chiso::plan::v1::Plan;
using chiso::plan::v1::PlanStatus;

// Limits on what a plan may hold.
inline constexpr int kMaxObjectives = 200;
inline constexpr int kMaxReportingRules = 20;
inline constexpr int kMaxReferences = 50;
inline constexpr int kMaxRecipients = 100;

// Returns the id of a plan resource name "plans/{id}". Errors:
// InvalidArgument "<field>: …" when `name` is not of that form.
absl::StatusOr<std::string> ParsePlanName(absl::string_view field, absl::string_view name);
std::string PlanName(absl::string_view id);

// A document number split into its parts: "60/KH-STNMT" is {"60",
// "KH-STNMT"}; a draft's "/KH-UBND" has an empty `serial`.
struct PlanNumber {
  std::string serial;  // the digits, possibly empty
  std::string symbol;  // the document symbol after the first "/"
  std::string ToString() const { return serial + "/" + symbol; }
};
// Parses a number as written: spaces around "/" are dropped ("60 /KH-STNMT"),
// the symbol is upper-case letters (Vietnamese included), digits, "-", "&",
// "." and further "/" parts. Errors: InvalidArgument naming `field`.
absl::StatusOr<PlanNumber> ParsePlanNumber(absl::string_view field, absl::string_view number);

// Checks every field of `plan` as a draft may hold it and normalises it in
// place: trims text, canonicalises the number and decimals, assigns missing
// objective ids. Output-only fields are not examined. Errors: InvalidArgument
// naming the first offending field.
absl::Status ValidateAndNormalize(const Catalog& catalog, Plan& plan);

// Checks what issuing needs beyond a valid draft: a number with its serial,
// a date of issue, a title. Errors: FailedPrecondition naming what is missing.
absl::Status CheckReadyToIssue(const Plan& plan);

// Checks `mask` against Plan and the plan's status: output-only paths are
// InvalidArgument; on an issued plan only the paths kPathsMutableWhenIssued
// may change (else FailedPrecondition); closed and archived plans are
// read-only (FailedPrecondition). An empty mask is InvalidArgument.
absl::Status CheckUpdateMask(const Plan& current, const google::protobuf::FieldMask& mask);

// Copies the fields named in `mask` from `patch` to `plan` (repeated and
// message fields are replaced, not merged).
void ApplyUpdate(const Plan& patch, const google::protobuf::FieldMask& mask, Plan& plan);

// The status transitions of the life cycle. Each returns FailedPrecondition
// naming the current status when the transition is not allowed.
absl::Status CheckCanDelete(const Plan& plan);
absl::Status CheckCanIssue(const Plan& plan);
absl::Status CheckCanClose(const Plan& plan, bool archive);

// Normalises the reason given to ClosePlan (NFC, whitespace collapsed).
// Errors: InvalidArgument "reason: at most 2000 characters".
absl::StatusOr<std::string> CleanCloseReason(absl::string_view reason);

// Checks that `etag`, when non-empty, matches the plan's. Errors: Aborted.
absl::Status CheckEtag(const Plan& plan, absl::string_view etag);

// The values the store indexes for filtering and uniqueness.
struct PlanKeys {
  // "<serial>/<symbol>|<issuer name key>|<year>" when the number has a serial
  // and the plan a date of issue: unique across plans. Empty otherwise.
  std::string number_key;
  // The same with the issuer's unit instead of its name, when the unit is
  // known: also unique, so two spellings of one issuer cannot share a number.
  std::string number_unit_key;
  // The issuer's unit resource name, or empty.
  std::string issuer_unit;
  // The diacritic-insensitive key of the issuer's name.
  std::string issuer_name_key;
  // Years the plan covers for filtering: its period, else the year of issue,
  // else the years of its targets. 0 when nothing gives a year.
  int start_year = 0;
  int end_year = 0;
};
PlanKeys KeysOf(const Plan& plan);

// Lower-case status name for metric labels: "draft", "issued", …
absl::string_view StatusLabel(PlanStatus status);

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_DOMAIN_H_
