#ifndef CHISO_SERVICES_ASSIGNMENT_UNIT_MANAGER_H_
#define CHISO_SERVICES_ASSIGNMENT_UNIT_MANAGER_H_

// The unit and people operations of the assignment service, one per RPC, in
// domain terms: each takes the request message, applies the rules of
// unit_domain, uses the store, and returns absl::Status. The gRPC adapter only
// converts. Errors are those the proto comments list, with messages that name
// the field or resource; the store's errors (Unavailable, DataLoss…) pass
// through unchanged.
//
// Every returned Unit carries `state` computed on the business day (UTC+7)
// of the clock; the stored state is never trusted.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/unit_resolver.h"

namespace chiso::assignment {

namespace pb = chiso::assignment::v1;

// What MergeUnit did: the response, and the ids of the tasks that moved to
// the successor (ascending), whose reminders the caller reschedules. Empty on
// validate_only.
struct MergeUnitOutcome {
  pb::MergeUnitResponse response;
  std::vector<std::string> moved_task_ids;
};

class UnitManager {
 public:
  // None of the arguments is owned; all must outlive the manager.
  UnitManager(AssignmentStore* store, const civil::Clock* clock, IdGenerator* ids);

  // ---- Units ---------------------------------------------------------------

  // Creates a unit with a new id; name, state, etag and times of the request
  // are ignored. Errors: InvalidArgument (ValidateUnit); NotFound for an
  // unknown parent, head or merged_into; AlreadyExists for a taken code.
  absl::StatusOr<Unit> CreateUnit(const pb::CreateUnitRequest& request);
  // Errors: InvalidArgument for a malformed name; NotFound.
  absl::StatusOr<Unit> GetUnit(const pb::GetUnitRequest& request);
  // Units matching the filter, ordered by code then resource name; the page
  // token carries the last (code, name) and a fingerprint of the filter.
  // Errors: InvalidArgument for a negative page size, a malformed or foreign
  // page token, or a bad filter field (named); NotFound for an unknown
  // filter.parent or filter.ancestor.
  // `scope`, when set, limits the units to the subtree of that unit id (the
  // scope of a restricted caller; "" lists nothing).
  absl::StatusOr<pb::ListUnitsResponse> ListUnits(
      const pb::ListUnitsRequest& request, const std::optional<std::string>& scope = std::nullopt);
  // Applies the masked fields. Errors: InvalidArgument for a bad mask (empty,
  // unknown, output-only, valid_to / merged_into / state), invalid values or
  // a parent cycle; NotFound; AlreadyExists (code); FailedPrecondition when
  // the unit has ended or merged; Aborted on etag mismatch.
  absl::StatusOr<Unit> UpdateUnit(const pb::UpdateUnitRequest& request);
  // Sets valid_to. Errors: InvalidArgument for a missing or invalid date or
  // one before valid_from; NotFound; FailedPrecondition when the unit already
  // has an end (valid_to or merged_into), has a child unit still existing
  // after valid_to, or leads or coordinates an open task; Aborted on etag
  // mismatch.
  absl::StatusOr<Unit> EndUnit(const pb::EndUnitRequest& request);
  // Merges `name` into `successor` from `effective_date` (valid_to becomes the
  // day before), moving open tasks and active children (AssignmentStore::Merge).
  // Errors: InvalidArgument for a missing/malformed successor or date, the
  // unit itself or a unit of its subtree as successor, or an effective date
  // not after valid_from; NotFound for either unit; FailedPrecondition when
  // the unit already has an end or the successor has ended by the effective
  // date or merged; Aborted on etag mismatch. With validate_only nothing
  // changes and the response says what would move.
  absl::StatusOr<MergeUnitOutcome> MergeUnit(const pb::MergeUnitRequest& request);
  // Ranks the units `request.text` may name, against the directory as it is
  // now (including ended and merged units), on request.as_of or else today.
  // Errors: those of ResolveUnit (unit_resolver.h).
  absl::StatusOr<pb::ResolveUnitResponse> ResolveUnit(const pb::ResolveUnitRequest& request);
  // The whole directory (every unit, every state) for resolution by other
  // managers.
  absl::StatusOr<UnitDirectory> Directory();

  // ---- People --------------------------------------------------------------

  // Errors: InvalidArgument (ValidatePerson); NotFound for an unknown unit.
  absl::StatusOr<Person> CreatePerson(const pb::CreatePersonRequest& request);
  // Errors: InvalidArgument for a malformed name; NotFound.
  absl::StatusOr<Person> GetPerson(const pb::GetPersonRequest& request);
  // People matching the filter, ordered by display name then resource name.
  // Errors: InvalidArgument for a bad page size, token or filter field;
  // NotFound for an unknown filter.unit.
  // `scope` as for ListUnits: only people of the units of that subtree.
  absl::StatusOr<pb::ListPeopleResponse> ListPeople(
      const pb::ListPeopleRequest& request, const std::optional<std::string>& scope = std::nullopt);
  // Errors: InvalidArgument for a bad mask or values; NotFound for the
  // person or a new unit; Aborted on etag mismatch.
  absl::StatusOr<Person> UpdatePerson(const pb::UpdatePersonRequest& request);
  // Errors: NotFound; FailedPrecondition while the person heads a unit or
  // supervises a task; Aborted on etag mismatch.
  absl::Status DeletePerson(const pb::DeletePersonRequest& request);

  // The store the manager works on.
  AssignmentStore* store() const { return store_; }

 private:
  absl::CivilDay Today() const;
  // `unit` with its state computed for today.
  Unit Present(Unit unit) const;

  AssignmentStore* store_;
  const civil::Clock* clock_;
  IdGenerator* ids_;
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_UNIT_MANAGER_H_
