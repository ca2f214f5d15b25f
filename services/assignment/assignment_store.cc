#include "services/assignment/assignment_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/audit/audit_log.h"
#include "common/storage/query.h"
#include "common/text/text.h"

namespace chiso::assignment {
namespace {

using chiso::common::v1::Date;
using chiso::common::v1::UnitRef;
using storage::Blob;
using storage::Params;
using storage::Row;
using storage::Tx;
using storage::Value;
using text::MatchKey;

// Version 1 of the schema. The dialects differ only in type names, written
// here as {blob} and {int64}. Dates are 'YYYY-MM-DD' text, so they compare as
// dates. units.head_id has no foreign key (people are created after units
// and reference them); the store checks it. A NULL source_draft_id (a task
// made by hand) never collides in the UNIQUE constraint.
constexpr absl::string_view kSchemaV1 = R"sql(
CREATE TABLE units (
  id TEXT PRIMARY KEY,
  code TEXT UNIQUE,
  parent_id TEXT REFERENCES units (id),
  kind INTEGER NOT NULL,
  name_key TEXT NOT NULL,
  valid_from TEXT,
  valid_to TEXT,
  merged_into_id TEXT REFERENCES units (id),
  head_id TEXT,
  revision {int64} NOT NULL,
  body {blob} NOT NULL
);
CREATE INDEX units_by_parent ON units (parent_id, id);
CREATE INDEX units_by_kind ON units (kind, id);
CREATE INDEX units_by_merged_into ON units (merged_into_id);
CREATE INDEX units_by_head ON units (head_id);
CREATE TABLE unit_keys (
  unit_id TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
  match_key TEXT NOT NULL,
  PRIMARY KEY (unit_id, match_key)
);
CREATE INDEX unit_keys_by_key ON unit_keys (match_key, unit_id);
CREATE TABLE people (
  id TEXT PRIMARY KEY,
  unit_id TEXT REFERENCES units (id),
  name_key TEXT NOT NULL,
  revision {int64} NOT NULL,
  body {blob} NOT NULL
);
CREATE INDEX people_by_unit ON people (unit_id, id);
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  plan_id TEXT NOT NULL,
  lead_unit_id TEXT NOT NULL REFERENCES units (id),
  framework TEXT NOT NULL,
  component TEXT NOT NULL,
  objective_id TEXT NOT NULL,
  supervisor_person_id TEXT REFERENCES people (id),
  status INTEGER NOT NULL,
  timeliness INTEGER NOT NULL,
  next_due TEXT,
  source_draft_id TEXT,
  revision {int64} NOT NULL,
  body {blob} NOT NULL,
  UNIQUE (plan_id, source_draft_id, lead_unit_id)
);
CREATE INDEX tasks_by_plan ON tasks (plan_id, id);
CREATE INDEX tasks_by_objective ON tasks (plan_id, objective_id);
CREATE INDEX tasks_by_lead ON tasks (lead_unit_id, timeliness);
CREATE INDEX tasks_by_component ON tasks (framework, component, id);
CREATE INDEX tasks_by_status ON tasks (status, id);
CREATE INDEX tasks_by_timeliness ON tasks (timeliness, id);
CREATE INDEX tasks_by_next_due ON tasks (next_due, id);
CREATE INDEX tasks_by_supervisor ON tasks (supervisor_person_id);
CREATE TABLE task_units (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  unit_id TEXT NOT NULL REFERENCES units (id),
  role TEXT NOT NULL CHECK (role IN ('lead', 'coordinating')),
  PRIMARY KEY (task_id, role, unit_id)
);
CREATE INDEX task_units_by_unit ON task_units (unit_id, role, task_id);
CREATE TABLE progress_reports (
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  reporting_unit_id TEXT,
  occurrence_due TEXT,
  create_time TEXT,
  body {blob} NOT NULL
);
CREATE INDEX progress_reports_by_task ON progress_reports (task_id, id);
CREATE INDEX progress_reports_by_unit ON progress_reports (task_id, reporting_unit_id, id);
)sql";

// What task reminders need of each plan, kept from the plan service's answers.
constexpr absl::string_view kSchemaV2 = R"sql(
CREATE TABLE remembered_plans (
  id TEXT PRIMARY KEY,
  body {blob} NOT NULL
);
)sql";

// The issuer of each remembered plan, so that lists can be limited to the
// plans of a caller's subtree in SQL.
constexpr absl::string_view kSchemaV3 = R"sql(
ALTER TABLE remembered_plans ADD COLUMN issuer_unit_id TEXT;
CREATE INDEX remembered_plans_by_issuer ON remembered_plans (issuer_unit_id, id);
)sql";

// The first version of the audit trail's migrations.
constexpr int kAuditFirstVersion = 4;

// The idempotency key of a progress report (ReportProgressRequest.request_id),
// unique per task. NULL (no key) never collides, on either backend. Added
// after the audit trail's migrations, so it is numbered after them.
constexpr absl::string_view kSchemaV5 = R"sql(
ALTER TABLE progress_reports ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX progress_reports_by_request ON progress_reports (task_id, request_id);
)sql";
constexpr int kRequestIdVersion = 5;

constexpr absl::string_view kUnits = "units/";
constexpr absl::string_view kPeople = "people/";
constexpr absl::string_view kTasks = "tasks/";
constexpr absl::string_view kPlans = "plans/";
constexpr absl::string_view kReports = "/progressReports/";

// The id in a resource name "{prefix}{id}"; "" when empty or not of that form.
std::string IdOf(absl::string_view name, absl::string_view prefix) {
  if (!absl::StartsWith(name, prefix)) return std::string();
  return std::string(name.substr(prefix.size()));
}

std::string ReportName(const std::string& task_id, const std::string& id) {
  return absl::StrCat(kTasks, task_id, kReports, id);
}

Value NullIfEmpty(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

std::string DateText(const Date& d) {
  if (d.year() == 0) return std::string();
  return absl::StrCat(absl::Dec(d.year(), absl::kZeroPad4), "-",
                      absl::Dec(d.month(), absl::kZeroPad2), "-",
                      absl::Dec(d.day(), absl::kZeroPad2));
}

Value DateValue(const Date& d) { return NullIfEmpty(DateText(d)); }

absl::Status Exec(Tx& tx, absl::string_view sql, const std::vector<Value>& params) {
  return tx.Exec(sql, params).status();
}

template <typename M>
void SetEtag(M& message, int64_t revision) {
  message.set_etag(absl::StrCat(revision));
}
void SetEtag(ProgressReport&, int64_t) {}

// Decodes the body in `column` of a row whose column 0 is the id and column 1
// the revision, and sets the etag.
template <typename M>
absl::StatusOr<M> Decode(const Row& row, size_t column, absl::string_view what) {
  M message;
  if (!message.ParseFromString(row.Text(column))) {
    return absl::DataLossError(
        absl::StrCat(what, " row ", row.Text(0), ": stored body cannot be decoded"));
  }
  SetEtag(message, row.Int(1));
  return message;
}

// The resource of `table` with this id, or NotFound "{prefix}{id} not found".
template <typename M>
absl::StatusOr<M> Load(Tx& tx, absl::string_view table, absl::string_view prefix,
                       const std::string& id) {
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query(absl::StrCat("SELECT id, revision, body FROM ", table, " WHERE id = $1"), {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(prefix, id, " not found"));
  return Decode<M>(rows->front(), 2, table);
}

absl::StatusOr<bool> Exists(Tx& tx, absl::string_view table, const std::string& id) {
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query(absl::StrCat("SELECT 1 FROM ", table, " WHERE id = $1"), {id});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

// NotFound "{field}: {name} not found" unless `name` ("{prefix}{id}") is empty
// or names a row of `table`.
absl::Status CheckRef(Tx& tx, absl::string_view field, absl::string_view table,
                      absl::string_view prefix, const std::string& name) {
  if (name.empty()) return absl::OkStatus();
  const std::string id = IdOf(name, prefix);
  if (!id.empty()) {
    absl::StatusOr<bool> exists = Exists(tx, table, id);
    if (!exists.ok()) return exists.status();
    if (*exists) return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat(field, ": ", name, " not found"));
}

absl::StatusOr<int64_t> RevisionOf(const std::string& etag, absl::string_view name) {
  int64_t revision = 0;
  if (!absl::SimpleAtoi(etag, &revision)) {
    return absl::DataLossError(absl::StrCat(name, ": stored revision is not a number"));
  }
  return revision;
}

absl::Status Changed(absl::string_view name) {
  return absl::AbortedError(absl::StrCat(name, " was changed by another writer; read it again"));
}

// Reads one page of `sql` (which selects id, revision, body and ends in
// ORDER BY … LIMIT limit + 1).
template <typename M>
absl::Status ReadPage(Tx& tx, const std::string& sql, const std::vector<Value>& params, int limit,
                      absl::string_view what, std::vector<M>& out, bool& more) {
  absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, params);
  if (!rows.ok()) return rows.status();
  for (const Row& row : *rows) {
    if (limit >= 0 && static_cast<int>(out.size()) == limit) {
      more = true;
      break;
    }
    absl::StatusOr<M> m = Decode<M>(row, 2, what);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return absl::OkStatus();
}

// ---- Units ----------------------------------------------------------------

// "(SELECT id FROM …)": the ids of the unit `unit_param` (a placeholder) and
// of every unit below it, at most kMaxUnitDepth levels down.
std::string SubtreeSql(const std::string& unit_param) {
  return absl::StrCat(
      "(WITH RECURSIVE sub (id, depth) AS (SELECT id, 0 FROM units WHERE id = ", unit_param,
      " UNION SELECT c.id, s.depth + 1 FROM units c JOIN sub s ON c.parent_id = s.id "
      "WHERE s.depth < ",
      kMaxUnitDepth, ") SELECT id FROM sub)");
}

absl::StatusOr<std::vector<std::string>> SubtreeIn(Tx& tx, const std::string& id) {
  absl::StatusOr<std::vector<Row>> rows = tx.Query(
      absl::StrCat("WITH RECURSIVE sub (id, depth) AS (SELECT id, 0 FROM units WHERE id = $1 "
                   "UNION SELECT u.id, s.depth + 1 FROM units u JOIN sub s ON u.parent_id = s.id "
                   "WHERE s.depth < ",
                   kMaxUnitDepth, ") SELECT DISTINCT id FROM sub ORDER BY id"),
      {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(kUnits, id, " not found"));
  std::vector<std::string> ids = {id};
  for (const Row& row : *rows) {
    if (row.Text(0) != id) ids.push_back(row.Text(0));
  }
  return ids;
}

// What writing `unit` would violate, to explain a constraint failure.
absl::Status UnitConflicts(Tx& tx, const Unit& unit, const std::string& id, bool insert) {
  if (insert) {
    absl::StatusOr<bool> exists = Exists(tx, "units", id);
    if (!exists.ok()) return exists.status();
    if (*exists) return absl::AlreadyExistsError(absl::StrCat(kUnits, id, " already exists"));
  }
  if (!unit.code().empty()) {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT id FROM units WHERE code = $1 AND id <> $2", {unit.code(), id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      return absl::AlreadyExistsError(absl::StrCat("unit.code: \"", unit.code(),
                                                   "\" is already used by ", kUnits,
                                                   rows->front().Text(0), " (codes are unique)"));
    }
  }
  if (absl::Status s = CheckRef(tx, "unit.parent", "units", kUnits, unit.parent()); !s.ok()) {
    return s;
  }
  return CheckRef(tx, "unit.merged_into", "units", kUnits, unit.merged_into());
}

absl::Status ExplainUnitFailure(Tx& tx, const absl::Status& failure, const Unit& unit,
                                const std::string& id, bool insert) {
  if (!absl::IsAlreadyExists(failure) && !absl::IsFailedPrecondition(failure)) return failure;
  absl::Status explained = UnitConflicts(tx, unit, id, insert);
  return explained.ok() ? failure : explained;
}

// Inserts (read_revision 0) or updates `unit` and its keys; sets its etag.
absl::Status WriteUnit(Tx& tx, const std::string& id, Unit& unit, int64_t read_revision) {
  unit.clear_etag();
  if (absl::Status s = CheckRef(tx, "unit.head", "people", kPeople, unit.head()); !s.ok()) {
    return s;
  }
  const bool insert = read_revision == 0;
  std::vector<Value> params = {id,
                               NullIfEmpty(unit.code()),
                               NullIfEmpty(IdOf(unit.parent(), kUnits)),
                               static_cast<int64_t>(unit.kind()),
                               MatchKey(unit.display_name()),
                               DateValue(unit.valid_from()),
                               DateValue(unit.valid_to()),
                               NullIfEmpty(IdOf(unit.merged_into(), kUnits)),
                               NullIfEmpty(IdOf(unit.head(), kPeople)),
                               read_revision + 1,
                               Blob{unit.SerializeAsString()}};
  absl::StatusOr<int64_t> n;
  if (insert) {
    n = tx.Exec(
        "INSERT INTO units (id, code, parent_id, kind, name_key, valid_from, valid_to, "
        "merged_into_id, head_id, revision, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11)",
        params);
  } else {
    params.push_back(read_revision);
    n = tx.Exec(
        "UPDATE units SET code = $2, parent_id = $3, kind = $4, name_key = $5, valid_from = $6, "
        "valid_to = $7, merged_into_id = $8, head_id = $9, revision = $10, body = $11 "
        "WHERE id = $1 AND revision = $12",
        params);
  }
  if (!n.ok()) return ExplainUnitFailure(tx, n.status(), unit, id, insert);
  if (*n == 0) return Changed(absl::StrCat(kUnits, id));
  if (absl::Status s = Exec(tx, "DELETE FROM unit_keys WHERE unit_id = $1", {id}); !s.ok()) {
    return s;
  }
  std::set<std::string> keys = {MatchKey(unit.display_name())};
  for (const std::string& alias : unit.aliases()) keys.insert(MatchKey(alias));
  keys.erase("");
  for (const std::string& key : keys) {
    if (absl::Status s =
            Exec(tx, "INSERT INTO unit_keys (unit_id, match_key) VALUES ($1, $2)", {id, key});
        !s.ok()) {
      return s;
    }
  }
  unit.set_etag(absl::StrCat(read_revision + 1));
  return absl::OkStatus();
}

// ---- People ---------------------------------------------------------------

absl::Status WritePerson(Tx& tx, const std::string& id, Person& person, int64_t read_revision) {
  person.clear_etag();
  const bool insert = read_revision == 0;
  std::vector<Value> params = {id, NullIfEmpty(IdOf(person.unit(), kUnits)),
                               MatchKey(person.display_name()), read_revision + 1,
                               Blob{person.SerializeAsString()}};
  absl::StatusOr<int64_t> n;
  if (insert) {
    n = tx.Exec(
        "INSERT INTO people (id, unit_id, name_key, revision, body) VALUES ($1, $2, $3, $4, $5)",
        params);
  } else {
    params.push_back(read_revision);
    n = tx.Exec(
        "UPDATE people SET unit_id = $2, name_key = $3, revision = $4, body = $5 "
        "WHERE id = $1 AND revision = $6",
        params);
  }
  if (!n.ok()) {
    if (!absl::IsAlreadyExists(n.status()) && !absl::IsFailedPrecondition(n.status())) {
      return n.status();
    }
    if (insert) {
      absl::StatusOr<bool> exists = Exists(tx, "people", id);
      if (!exists.ok()) return exists.status();
      if (*exists) return absl::AlreadyExistsError(absl::StrCat(kPeople, id, " already exists"));
    }
    absl::Status explained = CheckRef(tx, "person.unit", "units", kUnits, person.unit());
    return explained.ok() ? n.status() : explained;
  }
  if (*n == 0) return Changed(absl::StrCat(kPeople, id));
  person.set_etag(absl::StrCat(read_revision + 1));
  return absl::OkStatus();
}

// ---- Tasks ----------------------------------------------------------------

// What writing `task` would violate, to explain a constraint failure.
absl::Status TaskConflicts(Tx& tx, const Task& task, const std::string& id, bool insert) {
  if (insert) {
    absl::StatusOr<bool> exists = Exists(tx, "tasks", id);
    if (!exists.ok()) return exists.status();
    if (*exists) return absl::AlreadyExistsError(absl::StrCat(kTasks, id, " already exists"));
  }
  if (!task.source_draft_id().empty()) {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT id FROM tasks WHERE plan_id = $1 AND source_draft_id = $2 AND lead_unit_id = $3 "
        "AND id <> $4",
        {IdOf(task.plan(), kPlans), task.source_draft_id(), IdOf(task.lead_unit().unit(), kUnits),
         id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      return absl::AlreadyExistsError(
          absl::StrCat("task.source_draft_id: draft \"", task.source_draft_id(), "\" of ",
                       task.plan(), " with lead ", task.lead_unit().unit(),
                       " was already imported as ", kTasks, rows->front().Text(0)));
    }
  }
  if (absl::Status s = CheckRef(tx, "task.lead_unit", "units", kUnits, task.lead_unit().unit());
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < task.coordinating_units_size(); ++i) {
    if (absl::Status s = CheckRef(tx, absl::StrCat("task.coordinating_units[", i, "]"), "units",
                                  kUnits, task.coordinating_units(i).unit());
        !s.ok()) {
      return s;
    }
  }
  if (task.has_supervisor_person()) {
    return CheckRef(tx, "task.supervisor_person", "people", kPeople, task.supervisor_person());
  }
  return absl::OkStatus();
}

// Inserts (read_revision 0) or updates `task` and its unit rows; sets its etag.
absl::Status WriteTask(Tx& tx, const std::string& id, Task& task, int64_t read_revision) {
  task.clear_etag();
  const std::string lead = IdOf(task.lead_unit().unit(), kUnits);
  if (lead.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kTasks, id,
                     ": task.lead_unit.unit: required (the store takes tasks whose "
                     "lead unit is resolved)"));
  }
  const bool insert = read_revision == 0;
  std::vector<Value> params = {id,
                               IdOf(task.plan(), kPlans),
                               lead,
                               task.effective_component().framework(),
                               task.effective_component().component(),
                               task.objective_id(),
                               task.has_supervisor_person()
                                   ? NullIfEmpty(IdOf(task.supervisor_person(), kPeople))
                                   : Value(nullptr),
                               static_cast<int64_t>(task.status()),
                               static_cast<int64_t>(task.timeliness()),
                               DateValue(task.next_due_date()),
                               NullIfEmpty(task.source_draft_id()),
                               read_revision + 1,
                               Blob{task.SerializeAsString()}};
  absl::StatusOr<int64_t> n;
  if (insert) {
    n = tx.Exec(
        "INSERT INTO tasks (id, plan_id, lead_unit_id, framework, component, objective_id, "
        "supervisor_person_id, status, timeliness, next_due, source_draft_id, revision, body) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        params);
  } else {
    params.push_back(read_revision);
    n = tx.Exec(
        "UPDATE tasks SET plan_id = $2, lead_unit_id = $3, framework = $4, component = $5, "
        "objective_id = $6, supervisor_person_id = $7, status = $8, timeliness = $9, "
        "next_due = $10, source_draft_id = $11, revision = $12, body = $13 "
        "WHERE id = $1 AND revision = $14",
        params);
  }
  absl::Status failure = n.status();
  if (n.ok() && *n == 0) return Changed(absl::StrCat(kTasks, id));
  if (failure.ok()) {
    failure = Exec(tx, "DELETE FROM task_units WHERE task_id = $1", {id});
    if (!failure.ok()) return failure;
    std::set<std::pair<std::string, std::string>> rows = {{"lead", lead}};
    for (const UnitRef& ref : task.coordinating_units()) {
      rows.insert({"coordinating", IdOf(ref.unit(), kUnits)});
    }
    for (const auto& [role, unit_id] : rows) {
      if (unit_id.empty()) continue;
      failure = Exec(tx, "INSERT INTO task_units (task_id, unit_id, role) VALUES ($1, $2, $3)",
                     {id, unit_id, role});
      if (!failure.ok()) break;
    }
  }
  if (!failure.ok()) {
    if (!absl::IsAlreadyExists(failure) && !absl::IsFailedPrecondition(failure)) return failure;
    // Once the task row is written, its id is no longer the conflict.
    absl::Status explained = TaskConflicts(tx, task, id, insert && !n.ok());
    return explained.ok() ? failure : explained;
  }
  task.set_etag(absl::StrCat(read_revision + 1));
  return absl::OkStatus();
}

// Loads the task, applies `mutate` and writes it back.
absl::StatusOr<Task> MutateTask(Tx& tx, const std::string& id,
                                const std::function<absl::Status(Task&)>& mutate) {
  absl::StatusOr<Task> task = Load<Task>(tx, "tasks", kTasks, id);
  if (!task.ok()) return task.status();
  absl::StatusOr<int64_t> revision = RevisionOf(task->etag(), absl::StrCat(kTasks, id));
  if (!revision.ok()) return revision.status();
  if (absl::Status s = mutate(*task); !s.ok()) return s;
  if (absl::Status s = WriteTask(tx, id, *task, *revision); !s.ok()) return s;
  return task;
}

absl::StatusOr<std::vector<Task>> AllTasks(storage::Database* db, const std::string& sql,
                                           const std::vector<Value>& params) {
  std::vector<Task> tasks;
  bool more = false;
  absl::Status status =
      db->Read([&](Tx& tx) { return ReadPage<Task>(tx, sql, params, -1, "tasks", tasks, more); });
  if (!status.ok()) return status;
  return tasks;
}

// Status that makes Transact roll back a dry run.
absl::Status DryRunDone() { return absl::CancelledError("assignment store: dry run"); }

class SqlAssignmentStore : public AssignmentStore {
 public:
  explicit SqlAssignmentStore(storage::Database* db) : db_(db) {}

  // ---- Units --------------------------------------------------------------

  absl::StatusOr<Unit> CreateUnit(const Unit& input) override {
    Unit unit = input;
    const std::string id = IdOf(unit.name(), kUnits);
    if (id.empty()) return absl::InvalidArgumentError("unit.name: \"units/{id}\" required");
    absl::Status status = db_->Transact([&](Tx& tx) { return WriteUnit(tx, id, unit, 0); });
    if (!status.ok()) return status;
    return unit;
  }

  absl::StatusOr<Unit> GetUnit(const std::string& id) override {
    return Get<Unit>("units", kUnits, id);
  }

  absl::StatusOr<Unit> UpdateUnit(const std::string& id,
                                  const std::function<absl::Status(Unit&)>& mutate) override {
    Unit result;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Unit> unit = Load<Unit>(tx, "units", kUnits, id);
      if (!unit.ok()) return unit.status();
      absl::StatusOr<int64_t> revision = RevisionOf(unit->etag(), unit->name());
      if (!revision.ok()) return revision.status();
      const std::string old_parent = unit->parent();
      if (absl::Status s = mutate(*unit); !s.ok()) return s;
      if (!unit->parent().empty() && unit->parent() != old_parent) {
        const std::string parent_id = IdOf(unit->parent(), kUnits);
        absl::StatusOr<std::vector<std::string>> subtree = SubtreeIn(tx, id);
        if (!subtree.ok()) return subtree.status();
        if (std::find(subtree->begin(), subtree->end(), parent_id) != subtree->end()) {
          return absl::InvalidArgumentError(absl::StrCat("unit.parent: ", unit->parent(),
                                                         " lies inside the subtree of ", kUnits, id,
                                                         " (a unit cannot be its own ancestor)"));
        }
      }
      if (absl::Status s = WriteUnit(tx, id, *unit, *revision); !s.ok()) return s;
      result = *std::move(unit);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::StatusOr<UnitPage> ListUnits(const UnitQuery& query) override {
    Params param;
    std::string sql = absl::StrCat("SELECT u.id, u.revision, u.body FROM units u WHERE u.id > ",
                                   param(query.after_id));
    if (!query.parent_id.empty()) {
      absl::StrAppend(&sql, " AND u.parent_id = ", param(query.parent_id));
    }
    if (!query.ancestor_id.empty()) {
      absl::StrAppend(&sql, " AND u.id IN ", SubtreeSql(param(query.ancestor_id)));
    }
    if (query.scope_id.has_value()) {
      absl::StrAppend(&sql, " AND u.id IN ", SubtreeSql(param(*query.scope_id)));
    }
    if (!query.kinds.empty()) absl::StrAppend(&sql, " AND u.kind IN ", param.InEnums(query.kinds));
    if (!query.code.empty()) absl::StrAppend(&sql, " AND u.code = ", param(query.code));
    if (!query.name_key.empty()) {
      absl::StrAppend(&sql,
                      " AND EXISTS (SELECT 1 FROM unit_keys k WHERE k.unit_id = u.id AND "
                      "k.match_key LIKE ",
                      param(storage::ContainsPattern(query.name_key)), " ESCAPE '\\')");
    }
    if (!query.include_ended) {
      absl::StrAppend(&sql, " AND u.valid_to IS NULL AND u.merged_into_id IS NULL");
    }
    if (!query.valid_on.empty()) {
      const std::string day = param(query.valid_on);
      absl::StrAppend(&sql, " AND (u.valid_from IS NULL OR u.valid_from <= ", day,
                      ") AND (u.valid_to IS NULL OR u.valid_to >= ", day, ")");
    }
    absl::StrAppend(&sql, " ORDER BY u.id LIMIT ", param(static_cast<int64_t>(query.limit + 1)));
    UnitPage page;
    absl::Status status = db_->Read([&](Tx& tx) {
      return ReadPage<Unit>(tx, sql, param.values, query.limit, "units", page.units, page.more);
    });
    if (!status.ok()) return status;
    return page;
  }

  absl::StatusOr<std::vector<Unit>> AllUnits() override {
    std::vector<Unit> units;
    bool more = false;
    absl::Status status = db_->Read([&](Tx& tx) {
      return ReadPage<Unit>(tx, "SELECT id, revision, body FROM units ORDER BY id", {}, -1, "units",
                            units, more);
    });
    if (!status.ok()) return status;
    return units;
  }

  absl::StatusOr<bool> InSubtree(const std::string& ancestor_id,
                                 const std::string& unit_id) override {
    if (ancestor_id.empty() || unit_id.empty()) return false;
    bool found = false;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(
          absl::StrCat("WITH RECURSIVE up (id, depth) AS (SELECT id, 0 FROM units WHERE id = $1 "
                       "UNION SELECT u.parent_id, a.depth + 1 FROM units u JOIN up a ON u.id = "
                       "a.id WHERE u.parent_id IS NOT NULL AND a.depth < ",
                       kMaxUnitDepth, ") SELECT 1 FROM up WHERE id = $2 LIMIT 1"),
          {unit_id, ancestor_id});
      if (!rows.ok()) return rows.status();
      found = !rows->empty();
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return found;
  }

  absl::StatusOr<std::vector<UnitParent>> UnitParents() override {
    std::vector<UnitParent> links;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT id, parent_id FROM units ORDER BY id");
      if (!rows.ok()) return rows.status();
      links.reserve(rows->size());
      for (const Row& row : *rows) links.push_back(UnitParent{row.Text(0), row.Text(1)});
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return links;
  }

  storage::Database* database() override { return db_; }

  absl::StatusOr<std::vector<std::string>> Subtree(const std::string& id) override {
    absl::StatusOr<std::vector<std::string>> ids;
    absl::Status status = db_->Read([&](Tx& tx) {
      ids = SubtreeIn(tx, id);
      return ids.status();
    });
    if (!status.ok()) return status;
    return ids;
  }

  absl::StatusOr<MergeResult> Merge(
      const std::string& from_id, const std::string& into_id, const Date& valid_to,
      const std::function<absl::Status(const Unit& from, const Unit& into)>& check,
      bool dry_run) override {
    const std::string day = DateText(valid_to);
    if (day.empty()) return absl::InvalidArgumentError("merge: valid_to is required");
    MergeResult result;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Unit> from = Load<Unit>(tx, "units", kUnits, from_id);
      if (!from.ok()) return from.status();
      absl::StatusOr<Unit> into = Load<Unit>(tx, "units", kUnits, into_id);
      if (!into.ok()) return into.status();
      if (from_id == into_id) {
        return absl::FailedPreconditionError(
            absl::StrCat(from->name(), " cannot be merged into itself"));
      }
      absl::StatusOr<std::vector<std::string>> subtree = SubtreeIn(tx, from_id);
      if (!subtree.ok()) return subtree.status();
      if (std::find(subtree->begin(), subtree->end(), into_id) != subtree->end()) {
        return absl::FailedPreconditionError(absl::StrCat(from->name(), " cannot be merged into ",
                                                          into->name(),
                                                          ", which lies inside its own subtree"));
      }
      if (check) {
        if (absl::Status s = check(*from, *into); !s.ok()) return s;
      }
      if (absl::Status s = MoveTasks(tx, *from, *into, result); !s.ok()) return s;
      if (absl::Status s = MoveChildren(tx, from_id, *into, day, result); !s.ok()) return s;
      absl::StatusOr<int64_t> revision = RevisionOf(from->etag(), from->name());
      if (!revision.ok()) return revision.status();
      *from->mutable_valid_to() = valid_to;
      from->set_merged_into(into->name());
      from->set_state(chiso::assignment::v1::UNIT_STATE_MERGED);
      if (absl::Status s = WriteUnit(tx, from_id, *from, *revision); !s.ok()) return s;
      result.unit = *std::move(from);
      result.successor = *std::move(into);
      return dry_run ? DryRunDone() : absl::OkStatus();
    });
    if (dry_run && status == DryRunDone()) status = absl::OkStatus();
    if (!status.ok()) return status;
    return result;
  }

  // ---- People -------------------------------------------------------------

  absl::StatusOr<Person> CreatePerson(const Person& input) override {
    Person person = input;
    const std::string id = IdOf(person.name(), kPeople);
    if (id.empty()) return absl::InvalidArgumentError("person.name: \"people/{id}\" required");
    absl::Status status = db_->Transact([&](Tx& tx) { return WritePerson(tx, id, person, 0); });
    if (!status.ok()) return status;
    return person;
  }

  absl::StatusOr<Person> GetPerson(const std::string& id) override {
    return Get<Person>("people", kPeople, id);
  }

  absl::StatusOr<Person> UpdatePerson(const std::string& id,
                                      const std::function<absl::Status(Person&)>& mutate) override {
    Person result;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Person> person = Load<Person>(tx, "people", kPeople, id);
      if (!person.ok()) return person.status();
      absl::StatusOr<int64_t> revision = RevisionOf(person->etag(), person->name());
      if (!revision.ok()) return revision.status();
      if (absl::Status s = mutate(*person); !s.ok()) return s;
      if (absl::Status s = WritePerson(tx, id, *person, *revision); !s.ok()) return s;
      result = *std::move(person);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::Status DeletePerson(const std::string& id,
                            const std::function<absl::Status(const Person&)>& check) override {
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Person> person = Load<Person>(tx, "people", kPeople, id);
      if (!person.ok()) return person.status();
      if (check) {
        if (absl::Status s = check(*person); !s.ok()) return s;
      }
      absl::StatusOr<std::vector<Row>> headed =
          tx.Query("SELECT id FROM units WHERE head_id = $1 ORDER BY id LIMIT 1", {id});
      if (!headed.ok()) return headed.status();
      if (!headed->empty()) {
        return absl::FailedPreconditionError(absl::StrCat(person->name(), " is the head of ",
                                                          kUnits, headed->front().Text(0),
                                                          " and cannot be deleted"));
      }
      absl::StatusOr<std::vector<Row>> supervised = tx.Query(
          "SELECT id FROM tasks WHERE supervisor_person_id = $1 ORDER BY id LIMIT 1", {id});
      if (!supervised.ok()) return supervised.status();
      if (!supervised->empty()) {
        return absl::FailedPreconditionError(absl::StrCat(person->name(), " supervises ", kTasks,
                                                          supervised->front().Text(0),
                                                          " and cannot be deleted"));
      }
      return Exec(tx, "DELETE FROM people WHERE id = $1", {id});
    });
  }

  absl::StatusOr<PersonPage> ListPeople(const PersonQuery& query) override {
    Params param;
    std::string sql = absl::StrCat("SELECT p.id, p.revision, p.body FROM people p WHERE p.id > ",
                                   param(query.after_id));
    if (!query.unit_ids.empty()) {
      absl::StrAppend(&sql, " AND p.unit_id IN ", param.In(query.unit_ids));
    }
    if (!query.name_key.empty()) {
      absl::StrAppend(&sql, " AND p.name_key LIKE ",
                      param(storage::ContainsPattern(query.name_key)), " ESCAPE '\\'");
    }
    if (query.scope_id.has_value()) {
      absl::StrAppend(&sql, " AND p.unit_id IN ", SubtreeSql(param(*query.scope_id)));
    }
    absl::StrAppend(&sql, " ORDER BY p.id LIMIT ", param(static_cast<int64_t>(query.limit + 1)));
    PersonPage page;
    absl::Status status = db_->Read([&](Tx& tx) {
      return ReadPage<Person>(tx, sql, param.values, query.limit, "people", page.people, page.more);
    });
    if (!status.ok()) return status;
    return page;
  }

  // ---- Tasks --------------------------------------------------------------

  absl::StatusOr<Task> CreateTask(const Task& task) override {
    absl::StatusOr<std::vector<Task>> tasks = CreateTasks({task});
    if (!tasks.ok()) return tasks.status();
    return std::move(tasks->front());
  }

  absl::StatusOr<std::vector<Task>> CreateTasks(const std::vector<Task>& input) override {
    std::vector<Task> tasks = input;
    for (const Task& task : tasks) {
      if (IdOf(task.name(), kTasks).empty()) {
        return absl::InvalidArgumentError("task.name: \"tasks/{id}\" required");
      }
    }
    std::map<std::string, int64_t> adding;  // plan id -> tasks in this call
    for (const Task& task : tasks) ++adding[IdOf(task.plan(), kPlans)];
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      for (const auto& [plan_id, n] : adding) {
        absl::StatusOr<std::vector<Row>> rows =
            tx.Query("SELECT COUNT(*) FROM tasks WHERE plan_id = $1", {plan_id});
        if (!rows.ok()) return rows.status();
        const int64_t has = (*rows)[0].Int(0);
        if (has + n > kMaxTasksPerPlan) {
          return absl::ResourceExhaustedError(
              absl::StrCat("plans/", plan_id, " has ", has, " tasks; adding ", n,
                           " would pass the ", "limit of ", kMaxTasksPerPlan, " tasks per plan"));
        }
      }
      for (Task& task : tasks) {
        if (absl::Status s = WriteTask(tx, IdOf(task.name(), kTasks), task, 0); !s.ok()) {
          if (tasks.size() == 1) return s;
          return absl::Status(s.code(), absl::StrCat("creating ", task.name(), ": ", s.message()));
        }
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return tasks;
  }

  absl::StatusOr<Task> GetTask(const std::string& id) override {
    return Get<Task>("tasks", kTasks, id);
  }

  absl::StatusOr<Task> UpdateTask(const std::string& id,
                                  const std::function<absl::Status(Task&)>& mutate) override {
    absl::StatusOr<Task> result;
    absl::Status status = db_->Transact([&](Tx& tx) {
      result = MutateTask(tx, id, mutate);
      return result.status();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::StatusOr<std::pair<Task, ProgressReport>> UpdateTaskWithReport(
      const std::string& task_id, const std::function<absl::Status(Task&)>& mutate,
      const ProgressReport& report, const std::string& request_id) override {
    const std::string prefix = absl::StrCat(kTasks, task_id, kReports);
    const std::string report_id = IdOf(report.name(), prefix);
    if (report_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("progress_report.name: \"", report.name(),
                                                     "\" is not of the form \"", prefix, "{id}\""));
    }
    std::pair<Task, ProgressReport> result;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Task> task = MutateTask(tx, task_id, mutate);
      if (!task.ok()) return task.status();
      std::string create_time;
      if (report.has_create_time()) {
        create_time = absl::StrCat(absl::Dec(report.create_time().seconds(), absl::kZeroPad12), ".",
                                   absl::Dec(report.create_time().nanos(), absl::kZeroPad9));
      }
      absl::StatusOr<int64_t> n = tx.Exec(
          "INSERT INTO progress_reports (id, task_id, reporting_unit_id, occurrence_due, "
          "create_time, body, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {report_id, task_id, NullIfEmpty(IdOf(report.reporting_unit(), kUnits)),
           DateValue(report.occurrence_due_date()), NullIfEmpty(create_time),
           Blob{report.SerializeAsString()}, NullIfEmpty(request_id)});
      if (!n.ok()) {
        if (!absl::IsAlreadyExists(n.status())) return n.status();
        if (!request_id.empty()) {
          absl::StatusOr<std::vector<Row>> used =
              tx.Query("SELECT id FROM progress_reports WHERE task_id = $1 AND request_id = $2",
                       {task_id, request_id});
          if (!used.ok()) return used.status();
          if (!used->empty()) {
            return absl::AlreadyExistsError(
                absl::StrCat("request_id: already used for ", kTasks, task_id, " by ",
                             ReportName(task_id, used->front().Text(0))));
          }
        }
        return absl::AlreadyExistsError(absl::StrCat(report.name(), " already exists"));
      }
      result = {*std::move(task), report};
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::Status DeleteTask(const std::string& id,
                          const std::function<absl::Status(const Task&)>& check) override {
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Task> task = Load<Task>(tx, "tasks", kTasks, id);
      if (!task.ok()) return task.status();
      if (check) {
        if (absl::Status s = check(*task); !s.ok()) return s;
      }
      for (absl::string_view sql :
           {"DELETE FROM progress_reports WHERE task_id = $1",
            "DELETE FROM task_units WHERE task_id = $1", "DELETE FROM tasks WHERE id = $1"}) {
        if (absl::Status s = Exec(tx, sql, {id}); !s.ok()) return s;
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<TaskPage> ListTasks(const TaskQuery& query) override {
    Params param;
    std::string sql = absl::StrCat("SELECT t.id, t.revision, t.body FROM tasks t WHERE t.id > ",
                                   param(query.after_id));
    if (!query.plan_id.empty()) absl::StrAppend(&sql, " AND t.plan_id = ", param(query.plan_id));
    if (!query.unit_ids.empty()) {
      absl::StrAppend(&sql,
                      " AND EXISTS (SELECT 1 FROM task_units tu WHERE tu.task_id = t.id AND "
                      "tu.unit_id IN ",
                      param.In(query.unit_ids));
      if (query.unit_role == chiso::assignment::v1::UNIT_ROLE_LEAD) {
        absl::StrAppend(&sql, " AND tu.role = 'lead'");
      } else if (query.unit_role == chiso::assignment::v1::UNIT_ROLE_COORDINATOR) {
        absl::StrAppend(&sql, " AND tu.role = 'coordinating'");
      }
      absl::StrAppend(&sql, ")");
    }
    if (!query.framework.empty()) {
      absl::StrAppend(&sql, " AND t.framework = ", param(query.framework));
    }
    if (!query.component.empty()) {
      absl::StrAppend(&sql, " AND t.component = ", param(query.component));
    }
    if (!query.objective_id.empty()) {
      absl::StrAppend(&sql, " AND t.objective_id = ", param(query.objective_id));
    }
    if (!query.supervisor_person_id.empty()) {
      absl::StrAppend(&sql, " AND t.supervisor_person_id = ", param(query.supervisor_person_id));
    }
    if (!query.statuses.empty()) {
      absl::StrAppend(&sql, " AND t.status IN ", param.InEnums(query.statuses));
    }
    if (!query.timeliness.empty()) {
      absl::StrAppend(&sql, " AND t.timeliness IN ", param.InEnums(query.timeliness));
    }
    if (!query.due_from.empty()) {
      absl::StrAppend(&sql, " AND t.next_due >= ", param(query.due_from));
    }
    if (!query.due_to.empty()) absl::StrAppend(&sql, " AND t.next_due <= ", param(query.due_to));
    if (query.scope_id.has_value()) {
      const std::string scope = param(*query.scope_id);
      absl::StrAppend(&sql,
                      " AND (EXISTS (SELECT 1 FROM task_units su WHERE su.task_id = t.id AND "
                      "su.unit_id IN ",
                      SubtreeSql(scope),
                      ") OR t.plan_id IN (SELECT rp.id FROM remembered_plans rp WHERE "
                      "rp.issuer_unit_id IN ",
                      SubtreeSql(scope), "))");
    }
    absl::StrAppend(&sql, " ORDER BY t.id LIMIT ", param(static_cast<int64_t>(query.limit + 1)));
    TaskPage page;
    absl::Status status = db_->Read([&](Tx& tx) {
      return ReadPage<Task>(tx, sql, param.values, query.limit, "tasks", page.tasks, page.more);
    });
    if (!status.ok()) return status;
    return page;
  }

  absl::StatusOr<std::vector<Task>> ListAllTasksForPlan(const std::string& plan_id) override {
    return AllTasks(db_, "SELECT id, revision, body FROM tasks WHERE plan_id = $1 ORDER BY id",
                    {plan_id});
  }

  absl::StatusOr<std::vector<Task>> ListAllTasksForUnits(
      const std::vector<std::string>& unit_ids) override {
    if (unit_ids.empty()) return std::vector<Task>();
    Params param;
    const std::string sql = absl::StrCat(
        "SELECT t.id, t.revision, t.body FROM tasks t WHERE EXISTS (SELECT 1 FROM task_units tu "
        "WHERE tu.task_id = t.id AND tu.unit_id IN ",
        param.In(unit_ids), ") ORDER BY t.id");
    return AllTasks(db_, sql, param.values);
  }

  absl::StatusOr<std::vector<std::string>> OpenTaskIds() override {
    std::vector<std::string> ids;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT id FROM tasks WHERE status <> $1 AND status <> $2 ORDER BY id",
                   {static_cast<int64_t>(chiso::assignment::v1::TASK_STATUS_DONE),
                    static_cast<int64_t>(chiso::assignment::v1::TASK_STATUS_CANCELLED)});
      if (!rows.ok()) return rows.status();
      for (const Row& row : *rows) ids.push_back(row.Text(0));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return ids;
  }

  absl::StatusOr<std::optional<absl::Time>> LastReportTime(const std::string& task_id) override {
    std::optional<absl::Time> last;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      // create_time is stored as zero-padded seconds.nanos, so text order is
      // time order.
      absl::StatusOr<std::vector<Row>> rows = tx.Query(
          "SELECT body FROM progress_reports WHERE task_id = $1 AND create_time IS NOT NULL "
          "ORDER BY create_time DESC LIMIT 1",
          {task_id});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return absl::OkStatus();
      ProgressReport report;
      if (!report.ParseFromString((*rows)[0].Text(0))) {
        return absl::DataLossError(
            absl::StrCat("a progress report of tasks/", task_id, " cannot be decoded"));
      }
      last = absl::FromUnixSeconds(report.create_time().seconds()) +
             absl::Nanoseconds(report.create_time().nanos());
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return last;
  }

  absl::Status RememberPlan(const chiso::plan::v1::Plan& plan) override {
    const std::string id = IdOf(plan.name(), "plans/");
    if (id.empty()) return absl::InvalidArgumentError("plan.name: \"plans/{id}\" required");
    chiso::plan::v1::Plan kept;
    kept.set_name(plan.name());
    kept.set_number(plan.number());
    kept.set_title(plan.title());
    kept.set_status(plan.status());
    *kept.mutable_period() = plan.period();
    *kept.mutable_issued_on() = plan.issued_on();
    *kept.mutable_reminder_policy() = plan.reminder_policy();
    *kept.mutable_issuer() = plan.issuer();
    const std::string body = kept.SerializeAsString();
    const Value issuer = NullIfEmpty(IdOf(plan.issuer().unit(), kUnits));
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<int64_t> n =
          tx.Exec("UPDATE remembered_plans SET body = $2, issuer_unit_id = $3 WHERE id = $1",
                  {id, Blob{body}, issuer});
      if (!n.ok()) return n.status();
      if (*n > 0) return absl::OkStatus();
      return tx
          .Exec("INSERT INTO remembered_plans (id, body, issuer_unit_id) VALUES ($1, $2, $3)",
                {id, Blob{body}, issuer})
          .status();
    });
  }

  absl::StatusOr<std::optional<chiso::plan::v1::Plan>> RememberedPlan(
      const std::string& plan_id) override {
    std::optional<chiso::plan::v1::Plan> plan;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT body FROM remembered_plans WHERE id = $1", {plan_id});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return absl::OkStatus();
      plan.emplace();
      if (!plan->ParseFromString((*rows)[0].Text(0))) {
        return absl::DataLossError(
            absl::StrCat("remembered plans/", plan_id, " cannot be decoded"));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return plan;
  }

  absl::StatusOr<std::vector<TaskCount>> CountTasksByLeadAndTimeliness() override {
    std::vector<TaskCount> counts;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(
          "SELECT lead_unit_id, timeliness, COUNT(*) FROM tasks WHERE status <> $1 "
          "GROUP BY lead_unit_id, timeliness ORDER BY lead_unit_id, timeliness",
          {static_cast<int64_t>(chiso::assignment::v1::TASK_STATUS_CANCELLED)});
      if (!rows.ok()) return rows.status();
      for (const Row& row : *rows) {
        TaskCount count;
        count.lead_unit_id = row.Text(0);
        count.timeliness = static_cast<Timeliness>(row.Int(1));
        count.count = row.Int(2);
        counts.push_back(std::move(count));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return counts;
  }

  // ---- Progress reports ---------------------------------------------------

  absl::StatusOr<ProgressReport> GetReport(const std::string& task_id,
                                           const std::string& report_id) override {
    absl::StatusOr<ProgressReport> report;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT id, 0, body FROM progress_reports WHERE id = $1 AND task_id = $2",
                   {report_id, task_id});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) {
        return absl::NotFoundError(absl::StrCat(ReportName(task_id, report_id), " not found"));
      }
      report = Decode<ProgressReport>(rows->front(), 2, "progress_reports");
      return report.status();
    });
    if (!status.ok()) return status;
    return report;
  }

  absl::StatusOr<std::optional<ProgressReport>> ReportByRequestId(
      const std::string& task_id, const std::string& request_id) override {
    std::optional<ProgressReport> report;
    if (request_id.empty()) return report;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(
          "SELECT id, 0, body FROM progress_reports WHERE task_id = $1 AND request_id = $2",
          {task_id, request_id});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return absl::OkStatus();
      absl::StatusOr<ProgressReport> found =
          Decode<ProgressReport>(rows->front(), 2, "progress_reports");
      if (!found.ok()) return found.status();
      report = *std::move(found);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return report;
  }

  absl::StatusOr<ReportPage> ListReports(const ReportQuery& query) override {
    Params param;
    std::string sql = absl::StrCat("SELECT id, 0, body FROM progress_reports WHERE task_id = ",
                                   param(query.task_id), " AND id > ", param(query.after_id));
    if (!query.reporting_unit_id.empty()) {
      absl::StrAppend(&sql, " AND reporting_unit_id = ", param(query.reporting_unit_id));
    }
    if (!query.occurrence_due.empty()) {
      absl::StrAppend(&sql, " AND occurrence_due = ", param(query.occurrence_due));
    }
    absl::StrAppend(&sql, " ORDER BY id LIMIT ", param(static_cast<int64_t>(query.limit + 1)));
    ReportPage page;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<bool> exists = Exists(tx, "tasks", query.task_id);
      if (!exists.ok()) return exists.status();
      if (!*exists) return absl::NotFoundError(absl::StrCat(kTasks, query.task_id, " not found"));
      return ReadPage<ProgressReport>(tx, sql, param.values, query.limit, "progress_reports",
                                      page.reports, page.more);
    });
    if (!status.ok()) return status;
    return page;
  }

 private:
  template <typename M>
  absl::StatusOr<M> Get(absl::string_view table, absl::string_view prefix, const std::string& id) {
    absl::StatusOr<M> m;
    absl::Status status = db_->Read([&](Tx& tx) {
      m = Load<M>(tx, table, prefix, id);
      return m.status();
    });
    if (!status.ok()) return status;
    return m;
  }

  // Moves the open tasks that name `from` as lead or coordinator to `into`.
  static absl::Status MoveTasks(Tx& tx, const Unit& from, const Unit& into, MergeResult& result) {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT DISTINCT t.id FROM tasks t JOIN task_units tu ON tu.task_id = t.id "
        "WHERE tu.unit_id = $1 AND t.status NOT IN ($2, $3) ORDER BY t.id",
        {IdOf(from.name(), kUnits), static_cast<int64_t>(chiso::assignment::v1::TASK_STATUS_DONE),
         static_cast<int64_t>(chiso::assignment::v1::TASK_STATUS_CANCELLED)});
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      const std::string id = row.Text(0);
      bool led = false;
      absl::StatusOr<Task> moved = MutateTask(tx, id, [&](Task& task) {
        if (task.lead_unit().unit() == from.name()) {
          led = true;
          task.mutable_lead_unit()->set_unit(into.name());
          task.mutable_lead_unit()->set_display_name(into.display_name());
          // An import split one draft between `from` and `into`: the draft
          // key (unique per lead) now names two tasks of one lead, so the
          // moved one gives it up rather than fail the whole merge.
          if (!task.source_draft_id().empty()) {
            absl::StatusOr<std::vector<Row>> twin = tx.Query(
                "SELECT 1 FROM tasks WHERE plan_id = $1 AND source_draft_id = $2 AND "
                "lead_unit_id = $3 AND id <> $4",
                {IdOf(task.plan(), kPlans), task.source_draft_id(), IdOf(into.name(), kUnits), id});
            if (!twin.ok()) return twin.status();
            if (!twin->empty()) task.clear_source_draft_id();
          }
        }
        bool has_into = false;
        google::protobuf::RepeatedPtrField<UnitRef> kept;
        for (UnitRef& ref : *task.mutable_coordinating_units()) {
          if (ref.unit() == from.name() || ref.unit() == into.name()) {
            if (has_into || task.lead_unit().unit() == into.name()) continue;
            has_into = true;
            if (ref.unit() == from.name()) {
              ref.set_unit(into.name());
              ref.set_display_name(into.display_name());
            }
          }
          *kept.Add() = std::move(ref);
        }
        task.mutable_coordinating_units()->Swap(&kept);
        return absl::OkStatus();
      });
      if (!moved.ok()) return moved.status();
      ++result.moved_task_count;
      if (led) ++result.moved_lead_task_count;
      result.moved_task_ids.push_back(id);
    }
    return absl::OkStatus();
  }

  // Re-parents the children of `from_id` still active after `last_day`.
  static absl::Status MoveChildren(Tx& tx, const std::string& from_id, const Unit& into,
                                   const std::string& last_day, MergeResult& result) {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT id, revision, body FROM units WHERE parent_id = $1 AND merged_into_id IS NULL "
        "AND (valid_to IS NULL OR valid_to > $2) ORDER BY id",
        {from_id, last_day});
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      absl::StatusOr<Unit> child = Decode<Unit>(row, 2, "units");
      if (!child.ok()) return child.status();
      child->set_parent(into.name());
      if (absl::Status s = WriteUnit(tx, row.Text(0), *child, row.Int(1)); !s.ok()) return s;
      ++result.moved_child_unit_count;
    }
    return absl::OkStatus();
  }

  storage::Database* db_;
};

}  // namespace

const std::vector<storage::Migration>& AssignmentMigrations() {
  static const auto* migrations = [] {
    auto* list = new std::vector<storage::Migration>{
        storage::PortableMigration(1, "create units, people, tasks and progress reports",
                                   kSchemaV1),
        storage::PortableMigration(2, "remember plans for reminders", kSchemaV2),
        storage::PortableMigration(3, "remember the issuer of plans", kSchemaV3),
    };
    for (storage::Migration& m : audit::AuditMigrations(kAuditFirstVersion)) {
      list->push_back(std::move(m));
    }
    // Numbered explicitly, not from the list's length: should the audit
    // trail ever gain a migration, the versions would repeat and Migrate
    // would refuse the list, rather than silently renumbering one released
    // migration onto another's number.
    list->push_back(storage::PortableMigration(kRequestIdVersion,
                                               "idempotency keys of progress reports", kSchemaV5));
    return list;
  }();
  return *migrations;
}

std::unique_ptr<AssignmentStore> NewSqlAssignmentStore(storage::Database* db) {
  return std::make_unique<SqlAssignmentStore>(db);
}

}  // namespace chiso::assignment
