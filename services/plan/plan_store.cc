#include "services/plan/plan_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/plan/plan_domain.h"

namespace chiso::plan {
namespace {

using storage::Blob;
using storage::Row;
using storage::Tx;
using storage::Value;

// Version 1 of the schema. The dialects differ only in type names, written
// here as {blob} and {int64}.
constexpr absl::string_view kSchemaV1 = R"sql(
CREATE TABLE plans (
  id TEXT PRIMARY KEY,
  status INTEGER NOT NULL,
  number_key TEXT UNIQUE,
  issuer_unit TEXT NOT NULL,
  issuer_name_key TEXT NOT NULL,
  start_year INTEGER NOT NULL,
  end_year INTEGER NOT NULL,
  revision {int64} NOT NULL,
  body {blob} NOT NULL
);
CREATE INDEX plans_by_status ON plans (status, id);
CREATE INDEX plans_by_issuer_unit ON plans (issuer_unit, id);
CREATE TABLE plan_frameworks (
  plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  framework TEXT NOT NULL,
  PRIMARY KEY (plan_id, framework)
);
CREATE INDEX plan_frameworks_by_framework ON plan_frameworks (framework, plan_id);
)sql";

std::string IdOf(const Plan& plan) { return plan.name().substr(absl::string_view("plans/").size()); }

Value NullIfEmpty(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

absl::StatusOr<Plan> Decode(const Row& row, size_t column) {
  Plan plan;
  if (!plan.ParseFromString(row.Text(column))) {
    return absl::DataLossError(absl::StrCat("plan row ", row.Text(0), ": stored plan cannot be decoded"));
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

// Explains a uniqueness violation on number_key by naming the plan that holds
// the number.
absl::Status NumberTaken(Tx& tx, const Plan& plan, const std::string& number_key) {
  std::string holder;
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query("SELECT id FROM plans WHERE number_key = $1", {number_key});
  if (rows.ok() && !rows->empty()) holder = absl::StrCat(" by ", PlanName(rows->front().Text(0)));
  return absl::AlreadyExistsError(absl::StrCat(
      "plan.number: \"", plan.number(), "\" of ", plan.issuer().display_name(), " in ",
      plan.issued_on().year(), " is already used", holder, " (numbers are unique per issuer and year)"));
}

// Writes the index columns and the framework rows of `plan`.
absl::Status WriteIndexes(Tx& tx, const std::string& id, const Plan& plan) {
  if (absl::StatusOr<int64_t> n = tx.Exec("DELETE FROM plan_frameworks WHERE plan_id = $1", {id}); !n.ok()) {
    return n.status();
  }
  std::set<std::string> frameworks;
  for (const auto& o : plan.objectives()) frameworks.insert(o.framework());
  for (const std::string& f : frameworks) {
    if (absl::StatusOr<int64_t> n = tx.Exec(
            "INSERT INTO plan_frameworks (plan_id, framework) VALUES ($1, $2)", {id, f});
        !n.ok()) {
      return n.status();
    }
  }
  return absl::OkStatus();
}

class SqlPlanStore : public PlanStore {
 public:
  explicit SqlPlanStore(storage::Database* db) : db_(db) {}

  absl::StatusOr<Plan> Create(const Plan& input) override {
    Plan plan = input;
    plan.set_etag("1");
    const std::string id = IdOf(plan);
    const PlanKeys keys = KeysOf(plan);
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      Plan body = plan;
      body.clear_etag();
      absl::StatusOr<int64_t> n = tx.Exec(
          "INSERT INTO plans (id, status, number_key, issuer_unit, issuer_name_key, start_year, "
          "end_year, revision, body) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
          {id, static_cast<int64_t>(plan.status()), NullIfEmpty(keys.number_key), keys.issuer_unit,
           keys.issuer_name_key, static_cast<int64_t>(keys.start_year),
           static_cast<int64_t>(keys.end_year), Blob{body.SerializeAsString()}});
      if (absl::IsAlreadyExists(n.status()) && !keys.number_key.empty()) {
        return NumberTaken(tx, plan, keys.number_key);
      }
      if (!n.ok()) return n.status();
      return WriteIndexes(tx, id, plan);
    });
    if (!status.ok()) return status;
    return plan;
  }

  absl::StatusOr<Plan> Get(const std::string& id) override {
    absl::StatusOr<Plan> plan;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
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
      if (absl::Status s = mutate(*plan); !s.ok()) return s;
      int64_t revision = 0;
      if (!absl::SimpleAtoi(plan->etag(), &revision)) revision = 0;
      ++revision;
      plan->clear_etag();
      const PlanKeys keys = KeysOf(*plan);
      absl::StatusOr<int64_t> n = tx.Exec(
          "UPDATE plans SET status = $2, number_key = $3, issuer_unit = $4, issuer_name_key = $5, "
          "start_year = $6, end_year = $7, revision = $8, body = $9 WHERE id = $1",
          {id, static_cast<int64_t>(plan->status()), NullIfEmpty(keys.number_key), keys.issuer_unit,
           keys.issuer_name_key, static_cast<int64_t>(keys.start_year),
           static_cast<int64_t>(keys.end_year), revision, Blob{plan->SerializeAsString()}});
      if (absl::IsAlreadyExists(n.status()) && !keys.number_key.empty()) {
        return NumberTaken(tx, *plan, keys.number_key);
      }
      if (!n.ok()) return n.status();
      if (absl::Status s = WriteIndexes(tx, id, *plan); !s.ok()) return s;
      plan->set_etag(absl::StrCat(revision));
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
      if (absl::StatusOr<int64_t> n = tx.Exec("DELETE FROM plan_frameworks WHERE plan_id = $1", {id}); !n.ok()) {
        return n.status();
      }
      return tx.Exec("DELETE FROM plans WHERE id = $1", {id}).status();
    });
  }

  absl::StatusOr<PlanPage> List(const PlanQuery& query) override {
    std::string sql = "SELECT p.id, p.revision, p.body FROM plans p WHERE p.id > $1";
    std::vector<Value> params = {query.after_id};
    // Appends a parameter and returns its placeholder. (Two overloads rather
    // than one taking a Value: GCC 12 at -O2 warns falsely about moving a
    // std::variant holding a string.)
    struct Params {
      std::vector<Value>& values;
      std::string operator()(const std::string& s) {
        values.emplace_back(std::in_place_type<std::string>, s);
        return absl::StrCat("$", values.size());
      }
      std::string operator()(int64_t n) {
        values.emplace_back(std::in_place_type<int64_t>, n);
        return absl::StrCat("$", values.size());
      }
    } param{params};
    if (!query.issuer_unit.empty()) {
      absl::StrAppend(&sql, " AND p.issuer_unit = ", param(query.issuer_unit));
    }
    if (!query.issuer_name_key.empty()) {
      const std::string escaped = absl::StrReplaceAll(
          query.issuer_name_key, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}});
      absl::StrAppend(&sql, " AND p.issuer_name_key LIKE ", param(absl::StrCat("%", escaped, "%")),
                      " ESCAPE '\\'");
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
      std::vector<std::string> placeholders;
      for (PlanStatus s : query.statuses) placeholders.push_back(param(static_cast<int64_t>(s)));
      absl::StrAppend(&sql, " AND p.status IN (", absl::StrJoin(placeholders, ", "), ")");
    }
    absl::StrAppend(&sql, " ORDER BY p.id LIMIT ", param(static_cast<int64_t>(query.limit + 1)));

    PlanPage page;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, params);
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
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT status, COUNT(*) FROM plans GROUP BY status");
      if (!rows.ok()) return rows.status();
      for (const Row& row : *rows) counts[static_cast<PlanStatus>(row.Int(0))] = row.Int(1);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return counts;
  }

 private:
  storage::Database* db_;
};

}  // namespace

const std::vector<storage::Migration>& PlanMigrations() {
  static const std::string* sqlite_v1 = new std::string(
      absl::StrReplaceAll(kSchemaV1, {{"{blob}", "BLOB"}, {"{int64}", "INTEGER"}}));
  static const std::string* postgres_v1 = new std::string(
      absl::StrReplaceAll(kSchemaV1, {{"{blob}", "BYTEA"}, {"{int64}", "BIGINT"}}));
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create plans", *sqlite_v1, *postgres_v1},
  };
  return *migrations;
}

std::unique_ptr<PlanStore> NewSqlPlanStore(storage::Database* db) {
  return std::make_unique<SqlPlanStore>(db);
}

}  // namespace chiso::plan
