#include "services/plan/plan_store.h"

#include "absl/strings/str_cat.h"
#include "common/audit/audit_log.h"
#include "common/storage/query.h"
#include "common/unitdir/unit_directory.h"
#include "services/plan/plan_domain.h"

namespace chiso::plan {
namespace {

using storage::Blob;
using storage::Row;
using storage::Tx;
using storage::Value;

// Version 1 of the schema. The dialects differ only in type names, written
// here as {blob} and {int64}. supersedes_id references plans, so the database
// itself refuses a dangling "supersedes" and the deletion of a superseded plan.
constexpr absl::string_view kSchemaV1 = R"sql(
CREATE TABLE plans (
  id TEXT PRIMARY KEY,
  status INTEGER NOT NULL,
  number_key TEXT UNIQUE,
  number_unit_key TEXT UNIQUE,
  issuer_unit TEXT NOT NULL,
  issuer_name_key TEXT NOT NULL,
  start_year INTEGER NOT NULL,
  end_year INTEGER NOT NULL,
  supersedes_id TEXT REFERENCES plans (id),
  revision {int64} NOT NULL,
  body {blob} NOT NULL
);
CREATE INDEX plans_by_status ON plans (status, id);
CREATE INDEX plans_by_issuer_unit ON plans (issuer_unit, id);
CREATE INDEX plans_by_supersedes ON plans (supersedes_id);
CREATE TABLE plan_frameworks (
  plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  framework TEXT NOT NULL,
  PRIMARY KEY (plan_id, framework)
);
CREATE INDEX plan_frameworks_by_framework ON plan_frameworks (framework, plan_id);
)sql";

// The id of a resource name already validated as "plans/{id}".
std::string IdOf(absl::string_view name) {
  return std::string(name.substr(absl::string_view("plans/").size()));
}

Value NullIfEmpty(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

absl::StatusOr<Plan> Decode(const Row& row, size_t column) {
  Plan plan;
  if (!plan.ParseFromString(row.Text(column))) {
    return absl::DataLossError(
        absl::StrCat("plan row ", row.Text(0), ": stored plan cannot be decoded"));
  }
  return plan;
}

absl::StatusOr<Plan> Load(Tx& tx, const std::string& id) {
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query("SELECT id, revision, body FROM plans WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(PlanName(id), " not found"));
  absl::StatusOr<Plan> plan = Decode(rows->front(), 2);
  if (!plan.ok()) return plan.status();
  plan->set_etag(absl::StrCat(rows->front().Int(1)));
  return plan;
}

// The plan holding `key` in `column` (number_key or number_unit_key), or "".
absl::StatusOr<std::string> NumberHolder(Tx& tx, absl::string_view column, const std::string& key,
                                         const std::string& except_id) {
  if (key.empty()) return std::string();
  absl::StatusOr<std::vector<Row>> rows = tx.Query(
      absl::StrCat("SELECT id FROM plans WHERE ", column, " = $1 AND id <> $2"), {key, except_id});
  if (!rows.ok()) return rows.status();
  return rows->empty() ? std::string() : PlanName(rows->front().Text(0));
}

// What writing `plan` would violate: its number taken for the issuer and year
// (AlreadyExists naming the holder) or a `supersedes` that names no plan
// (NotFound). Used to explain a constraint failure, and by CheckConflicts.
absl::Status Conflicts(Tx& tx, const Plan& plan, const PlanKeys& keys, const std::string& id) {
  for (const auto& [column, key] :
       {std::pair<absl::string_view, const std::string*>{"number_key", &keys.number_key},
        {"number_unit_key", &keys.number_unit_key}}) {
    absl::StatusOr<std::string> holder = NumberHolder(tx, column, *key, id);
    if (!holder.ok()) return holder.status();
    if (!holder->empty()) {
      return absl::AlreadyExistsError(
          absl::StrCat("plan.number: \"", plan.number(), "\" of ", plan.issuer().display_name(),
                       " in ", plan.issued_on().year(), " is already used by ", *holder,
                       " (numbers are unique per issuer and year)"));
    }
  }
  if (!plan.supersedes().empty()) {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT 1 FROM plans WHERE id = $1", {IdOf(plan.supersedes())});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      return absl::NotFoundError(
          absl::StrCat("plan.supersedes: ", plan.supersedes(), " not found"));
    }
  }
  return absl::OkStatus();
}

// Turns a constraint failure of a write into the precise error; other
// failures pass through.
absl::Status ExplainWriteFailure(Tx& tx, const absl::Status& failure, const Plan& plan,
                                 const PlanKeys& keys, const std::string& id) {
  if (!absl::IsAlreadyExists(failure) && !absl::IsFailedPrecondition(failure)) return failure;
  absl::Status explained = Conflicts(tx, plan, keys, id);
  return explained.ok() ? failure : explained;
}

// Writes the index columns and the framework rows of `plan`.
absl::Status WriteIndexes(Tx& tx, const std::string& id, const Plan& plan) {
  if (absl::StatusOr<int64_t> n = tx.Exec("DELETE FROM plan_frameworks WHERE plan_id = $1", {id});
      !n.ok()) {
    return n.status();
  }
  std::set<std::string> frameworks;
  for (const auto& o : plan.objectives()) frameworks.insert(o.framework());
  for (const std::string& f : frameworks) {
    if (absl::StatusOr<int64_t> n =
            tx.Exec("INSERT INTO plan_frameworks (plan_id, framework) VALUES ($1, $2)", {id, f});
        !n.ok()) {
      return n.status();
    }
  }
  return absl::OkStatus();
}

// The values of the indexed columns of `plan`, in the order of kColumns.
std::vector<Value> Columns(const Plan& plan, const PlanKeys& keys) {
  return {static_cast<int64_t>(plan.status()),
          NullIfEmpty(keys.number_key),
          NullIfEmpty(keys.number_unit_key),
          keys.issuer_unit,
          keys.issuer_name_key,
          static_cast<int64_t>(keys.start_year),
          static_cast<int64_t>(keys.end_year),
          plan.supersedes().empty() ? Value(nullptr) : Value(IdOf(plan.supersedes()))};
}

class SqlPlanStore : public PlanStore {
 public:
  explicit SqlPlanStore(storage::Database* db) : db_(db) {}

  absl::StatusOr<Plan> Create(const Plan& input) override {
    Plan plan = input;
    plan.clear_etag();
    const std::string id = IdOf(plan.name());
    const PlanKeys keys = KeysOf(plan);
    std::vector<Value> params = {id};
    for (Value& v : Columns(plan, keys)) params.push_back(std::move(v));
    params.push_back(Blob{plan.SerializeAsString()});
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<int64_t> n = tx.Exec(
          "INSERT INTO plans (id, status, number_key, number_unit_key, issuer_unit, "
          "issuer_name_key, "
          "start_year, end_year, supersedes_id, revision, body) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)",
          params);
      if (!n.ok()) return ExplainWriteFailure(tx, n.status(), plan, keys, id);
      return WriteIndexes(tx, id, plan);
    });
    if (!status.ok()) return status;
    plan.set_etag("1");
    return plan;
  }

  absl::Status CheckConflicts(const Plan& plan) override {
    return db_->Read([&](Tx& tx) { return Conflicts(tx, plan, KeysOf(plan), IdOf(plan.name())); });
  }

  absl::StatusOr<Plan> Get(const std::string& id) override {
    absl::StatusOr<Plan> plan;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      plan = Load(tx, id);
      return plan.status();
    });
    if (!status.ok()) return status;
    return plan;
  }

  absl::StatusOr<Plan> Update(const std::string& id,
                              const std::function<absl::Status(Plan&)>& mutate) override {
    Plan result;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Plan> plan = Load(tx, id);
      if (!plan.ok()) return plan.status();
      int64_t read_revision = 0;
      if (!absl::SimpleAtoi(plan->etag(), &read_revision)) {
        return absl::DataLossError(absl::StrCat(PlanName(id), ": stored revision is not a number"));
      }
      if (absl::Status s = mutate(*plan); !s.ok()) return s;
      plan->clear_etag();
      const PlanKeys keys = KeysOf(*plan);
      // The revision guard makes a concurrent writer (another replica on a
      // database without SQLite's single-writer lock) fail instead of being
      // silently overwritten.
      std::vector<Value> params = {id};
      for (Value& v : Columns(*plan, keys)) params.push_back(std::move(v));
      params.push_back(read_revision + 1);
      params.push_back(Blob{plan->SerializeAsString()});
      params.push_back(read_revision);
      absl::StatusOr<int64_t> n = tx.Exec(
          "UPDATE plans SET status = $2, number_key = $3, number_unit_key = $4, issuer_unit = $5, "
          "issuer_name_key = $6, start_year = $7, end_year = $8, supersedes_id = $9, revision = "
          "$10, "
          "body = $11 WHERE id = $1 AND revision = $12",
          params);
      if (!n.ok()) return ExplainWriteFailure(tx, n.status(), *plan, keys, id);
      if (*n == 0) {
        return absl::AbortedError(
            absl::StrCat(PlanName(id), " was changed by another writer; read it again"));
      }
      if (absl::Status s = WriteIndexes(tx, id, *plan); !s.ok()) return s;
      plan->set_etag(absl::StrCat(read_revision + 1));
      result = *std::move(plan);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::Status Delete(const std::string& id,
                      const std::function<absl::Status(const Plan&)>& check) override {
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Plan> plan = Load(tx, id);
      if (!plan.ok()) return plan.status();
      if (absl::Status s = check(*plan); !s.ok()) return s;
      absl::StatusOr<std::vector<Row>> successors =
          tx.Query("SELECT id FROM plans WHERE supersedes_id = $1 ORDER BY id LIMIT 1", {id});
      if (!successors.ok()) return successors.status();
      if (!successors->empty()) {
        return absl::FailedPreconditionError(absl::StrCat(PlanName(id), " is superseded by ",
                                                          PlanName(successors->front().Text(0)),
                                                          " and cannot be deleted"));
      }
      if (absl::StatusOr<int64_t> n =
              tx.Exec("DELETE FROM plan_frameworks WHERE plan_id = $1", {id});
          !n.ok()) {
        return n.status();
      }
      return tx.Exec("DELETE FROM plans WHERE id = $1", {id}).status();
    });
  }

  absl::StatusOr<PlanPage> List(const PlanQuery& query) override {
    if (query.within_unit.has_value() && query.within_unit->empty()) return PlanPage{};
    storage::Params param;
    std::string sql = absl::StrCat("SELECT p.id, p.revision, p.body FROM plans p WHERE p.id > ",
                                   param(query.after_id));
    if (!query.issuer_unit.empty()) {
      absl::StrAppend(&sql, " AND p.issuer_unit = ", param(query.issuer_unit));
    }
    if (!query.issuer_name_key.empty()) {
      absl::StrAppend(&sql, " AND p.issuer_name_key LIKE ",
                      param(storage::ContainsPattern(query.issuer_name_key)), " ESCAPE '\\'");
    }
    if (query.year != 0) {
      const std::string y = param(static_cast<int64_t>(query.year));
      absl::StrAppend(&sql, " AND p.start_year <= ", y, " AND p.end_year >= ", y);
    }
    if (!query.framework.empty()) {
      absl::StrAppend(&sql,
                      " AND EXISTS (SELECT 1 FROM plan_frameworks f WHERE f.plan_id = p.id AND "
                      "f.framework = ",
                      param(query.framework), ")");
    }
    if (!query.statuses.empty()) {
      absl::StrAppend(&sql, " AND p.status IN ", param.InEnums(query.statuses));
    }
    if (query.within_unit.has_value()) {
      absl::StrAppend(&sql, " AND p.issuer_unit IN (",
                      unitdir::SubtreeSubquery(param(*query.within_unit)), ")");
    }
    absl::StrAppend(&sql, " ORDER BY p.id LIMIT ", param(static_cast<int64_t>(query.limit + 1)));

    PlanPage page;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, param.values);
      if (!rows.ok()) return rows.status();
      for (const Row& row : *rows) {
        if (static_cast<int>(page.plans.size()) == query.limit) {
          page.more = true;
          break;
        }
        absl::StatusOr<Plan> plan = Decode(row, 2);
        if (!plan.ok()) return plan.status();
        plan->set_etag(absl::StrCat(row.Int(1)));
        page.plans.push_back(*std::move(plan));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return page;
  }

  absl::StatusOr<std::map<PlanStatus, int64_t>> CountByStatus() override {
    std::map<PlanStatus, int64_t> counts;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT status, COUNT(*) FROM plans GROUP BY status");
      if (!rows.ok()) return rows.status();
      for (const Row& row : *rows) counts[static_cast<PlanStatus>(row.Int(0))] = row.Int(1);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return counts;
  }

  storage::Database* database() const override { return db_; }

 private:
  storage::Database* db_;
};

}  // namespace

const std::vector<storage::Migration>& PlanMigrations() {
  static const auto* migrations = [] {
    auto* list = new std::vector<storage::Migration>{
        storage::PortableMigration(1, "create plans", kSchemaV1),
    };
    // Later versions go at the end; numbers never change once released.
    for (storage::Migration& m : unitdir::UnitDirectoryMigrations(2)) list->push_back(std::move(m));
    for (storage::Migration& m : audit::AuditMigrations(3)) list->push_back(std::move(m));
    return list;
  }();
  return *migrations;
}

std::unique_ptr<PlanStore> NewSqlPlanStore(storage::Database* db) {
  return std::make_unique<SqlPlanStore>(db);
}

}  // namespace chiso::plan
