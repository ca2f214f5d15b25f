#ifndef CHISO_SERVICES_ASSIGNMENT_UNIT_DOMAIN_H_
#define CHISO_SERVICES_ASSIGNMENT_UNIT_DOMAIN_H_

// The rules of units and people, as pure functions (no I/O): resource names,
// validation and normalisation of the fields a caller sends, update masks,
// etags and the state a unit is in on a given day. UnitManager applies them
// around the store. Error messages name the field and the rule.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/common/v1/types.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace chiso::assignment {

// Limits of the Unit and Person fields (see the proto).
inline constexpr int kMaxUnitCodeChars = 64;
inline constexpr int kMaxUnitNameChars = 300;
inline constexpr int kMaxUnitAliases = 20;
inline constexpr int kMaxUnitAliasChars = 300;
inline constexpr int kMaxPersonNameChars = 200;
inline constexpr int kMaxPersonTitleChars = 300;
inline constexpr int kMaxFilterTextChars = 300;

// "units/{id}" and "people/{id}" for an id.
std::string UnitName(absl::string_view id);
std::string PersonName(absl::string_view id);

// The id of a resource name made by UnitName / PersonName (an id as
// IdGenerator makes them). Errors: InvalidArgument "<field>: must be a unit
// resource name \"units/{id}\" (got …)".
absl::StatusOr<std::string> ParseUnitName(absl::string_view field, absl::string_view name);
absl::StatusOr<std::string> ParsePersonName(absl::string_view field, absl::string_view name);

// True for an empty (all zero) Date.
bool IsEmptyDate(const chiso::common::v1::Date& date);

// The day of `date`, or nullopt when it is empty. Errors: InvalidArgument
// "<field>: …" when the date does not exist or lies outside 2000–2100.
absl::StatusOr<std::optional<absl::CivilDay>> ParseOptionalDate(
    absl::string_view field, const chiso::common::v1::Date& date);

// The Date of a day.
chiso::common::v1::Date ToDate(absl::CivilDay day);

// True when `code` has 1–64 ASCII letters, digits, '-', '_' or '.'.
bool IsValidUnitCode(absl::string_view code);

// Checks and normalises the caller's fields of `unit` in place (NFC and
// collapsed whitespace in display_name and aliases, empty and repeated
// aliases dropped). Output-only fields are not looked at. Errors:
// InvalidArgument naming the field: code missing or malformed; display_name
// missing or longer than 300 characters; more than 20 aliases or one longer
// than 300; kind missing or unknown; parent, head or merged_into not a
// resource name of the right kind; valid_from / valid_to not a date, or
// valid_to before valid_from.
absl::Status ValidateUnit(chiso::assignment::v1::Unit& unit);

// The state of `unit` on `today`: ACTIVE while valid_to is empty or today or
// later (and, without valid_to, while merged_into is empty); otherwise MERGED
// when merged_into is set, else ENDED.
chiso::assignment::v1::UnitState UnitStateOn(const chiso::assignment::v1::Unit& unit,
                                             absl::CivilDay today);

// True when the unit has an end recorded (valid_to or merged_into), even one
// in the future: it can be ended or merged no more.
bool HasEnd(const chiso::assignment::v1::Unit& unit);

// Checks the update mask of UpdateUnit. Errors: InvalidArgument for an empty
// mask, a path that is not a field of Unit, and a path that is output only
// or changes only through EndUnit / MergeUnit (valid_to, merged_into, state).
absl::Status CheckUnitUpdateMask(const google::protobuf::FieldMask& mask);
// Copies the masked fields (already checked) from `patch` into `unit`.
void ApplyUnitUpdate(const chiso::assignment::v1::Unit& patch,
                     const google::protobuf::FieldMask& mask, chiso::assignment::v1::Unit& unit);

// Checks and normalises a person in place: display_name required, up to 200
// characters; title up to 300; unit empty or "units/{id}". Errors:
// InvalidArgument naming the field.
absl::Status ValidatePerson(chiso::assignment::v1::Person& person);

// Like CheckUnitUpdateMask for UpdatePerson (display_name, title, unit).
absl::Status CheckPersonUpdateMask(const google::protobuf::FieldMask& mask);
void ApplyPersonUpdate(const chiso::assignment::v1::Person& patch,
                       const google::protobuf::FieldMask& mask,
                       chiso::assignment::v1::Person& person);

// OK when `etag` is empty or equals `current_etag`; otherwise Aborted naming
// `resource` and both etags.
absl::Status CheckEtag(absl::string_view resource, absl::string_view current_etag,
                       absl::string_view etag);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_UNIT_DOMAIN_H_
