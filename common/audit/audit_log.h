#ifndef CHISO_COMMON_AUDIT_AUDIT_LOG_H_
#define CHISO_COMMON_AUDIT_AUDIT_LOG_H_

// The audit trail of one service (chiso.common.v1.AuditEvent): one event per
// change made through the API, written in the same transaction as the change.
//
// A handler wraps the store call that makes the change:
//
//   ASSIGN_OR_RETURN(Plan plan, audit_->Mutate<Plan>(caller, request.plan().name(),
//       [&] { return audit::Before(manager_->GetPlan(name)); },
//       [&] { return manager_->UpdatePlan(...); }));
//
// Mutate opens one write transaction on the service's database and runs both
// functions inside it. Store calls made inside join that transaction
// (storage::Database::Transact and Read nest on the same thread and the same
// Database object: the log must be given the very object the store uses), so
// the change and its event commit together or not at all. Calls to other
// services must happen before Mutate, never inside it (the write lock is
// held), and so must any wait for another thread's work on the database.
//
// Events are listed newest first (List); nothing in this API changes or
// removes one, and the database refuses UPDATE, DELETE (and, on PostgreSQL,
// TRUNCATE) of the table.

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/common/v1/audit.pb.h"
#include "common/auth/access.h"
#include "common/storage/database.h"
#include "google/protobuf/message.h"

namespace chiso::audit {

// The migrations that create the append-only audit_events table (with
// triggers refusing UPDATE and DELETE), numbered from `first_version` (today
// one migration; later ones are added at the end). A service appends them to
// its own list once, after its own; their numbers never change.
std::vector<storage::Migration> AuditMigrations(int first_version);

// What the change did, for its event.
struct Change {
  // The resource changed ("plans/01HV3K"). Empty: the one the AuditLog was
  // told before the change (Mutate's `resource`).
  std::string resource;
  // The resource's stored form after the change (serialized message); empty
  // when the change deleted it.
  std::string after;
  // The call succeeded without changing anything (marking read what was
  // read, an identical unit tree): no event is written.
  bool unchanged = false;
};

// The Change of a call that succeeded and changed nothing.
inline Change NoChange() {
  Change change;
  change.unchanged = true;
  return change;
}

// The serialized form of `message` for an event's digest: deterministic, so
// the same state gives the same digest.
std::string Serialize(const google::protobuf::Message& message);

// For Mutate's `before`: the serialized resource, or "" when `got` is
// NOT_FOUND (it did not exist); any other error is returned.
template <typename M>
absl::StatusOr<std::string> Before(const absl::StatusOr<M>& got) {
  if (got.ok()) return Serialize(*got);
  if (absl::IsNotFound(got.status())) return std::string();
  return got.status();
}

class AuditLog {
 public:
  // `db` must outlive the log and carry AuditMigrations.
  explicit AuditLog(storage::Database* db, std::function<absl::Time()> clock = nullptr);

  // Runs `before` then `change` in one write transaction and, when `change`
  // succeeds, appends the event of it (digests of before and after) in the
  // same transaction. `before` may be null (a create). When `before` or
  // `change` fails, nothing is written (what `change` wrote is rolled back)
  // and its error is returned. When the event cannot be written, the change
  // is rolled back too and the error says so: FailedPrecondition for a
  // caller that is not anonymous but has no principal id; the database's
  // errors (storage::Database::Transact) otherwise. Called inside a
  // transaction of the same database, it joins it (and commits with it).
  //
  // The event: the caller's principal ("anonymous" with no kind, unit or
  // credential when `caller.anonymous`), its client certificate, rpc and
  // request id; the resource (Change::resource, or `resource` when that is
  // empty); lower-case hex SHA-256 of the before and after bytes, "" for
  // none.
  absl::Status Record(const auth::Caller& caller, absl::string_view resource,
                      const std::function<absl::StatusOr<std::string>()>& before,
                      const std::function<absl::StatusOr<Change>()>& change);

  // Record for a handler whose store call returns a message: the message is
  // the "after" (Serialize), and a message with a string field `name` names
  // the resource when `resource` is empty (creates). Returns what `change`
  // returned.
  template <typename M>
  absl::StatusOr<M> Mutate(const auth::Caller& caller, absl::string_view resource,
                           const std::function<absl::StatusOr<std::string>()>& before,
                           const std::function<absl::StatusOr<M>()>& change) {
    static_assert(std::is_base_of<google::protobuf::Message, M>::value,
                  "Mutate returns a protobuf message");
    M result;
    absl::Status status = Record(caller, resource, before, [&]() -> absl::StatusOr<Change> {
      absl::StatusOr<M> changed = change();
      if (!changed.ok()) return changed.status();
      result = *std::move(changed);
      return Change{resource.empty() ? NameOf(result) : std::string(), Serialize(result)};
    });
    if (!status.ok()) return status;
    return result;
  }

  // Lists events newest first, filtered as the request says (every filter
  // given must match; `rpc` is a method's name, "UpdatePlan", or its full
  // name, "chiso.plan.v1.PlanService/UpdatePlan"). Pages stay stable while
  // events are added: a token resumes after the last event it returned, and
  // only with the same filters (the page size may change). Errors:
  // INVALID_ARGUMENT for a bad page size (negative or over 1000), page token
  // (malformed or for another filter) or time range (a bound that is not a
  // valid timestamp, or `since` not before `until`).
  absl::StatusOr<chiso::common::v1::ListAuditEventsResponse> List(
      const chiso::common::v1::ListAuditEventsRequest& request) const;

 private:
  // The value of a string field "name", or "".
  static std::string NameOf(const google::protobuf::Message& message);

  storage::Database* db_;
  std::function<absl::Time()> clock_;
};

}  // namespace chiso::audit

#endif  // CHISO_COMMON_AUDIT_AUDIT_LOG_H_
