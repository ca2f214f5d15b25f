#include "services/scoring/scoring_store.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/audit/audit_log.h"
#include "common/storage/query.h"
#include "common/text/text.h"
#include "common/unitdir/unit_directory.h"
#include "google/protobuf/util/time_util.h"
#include "services/scoring/framework_domain.h"

namespace chiso::scoring {
namespace {

using google::protobuf::util::TimeUtil;
using storage::Blob;
using storage::Params;
using storage::Row;
using storage::Tx;

// Version 1 of the schema. The dialects differ only in type names, written
// here as {blob} and {int64}. Only API-origin versions are stored (catalog
// versions are data compiled into the binary), so results.framework is not a
// foreign key; the store checks it when a version is deleted.
constexpr absl::string_view kSchemaV1 = R"sql(
CREATE TABLE frameworks (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  level INTEGER NOT NULL,
  start_year INTEGER NOT NULL,
  end_year INTEGER NOT NULL,
  measured_by TEXT NOT NULL,
  revision {int64} NOT NULL,
  body {blob} NOT NULL,
  create_time TEXT NOT NULL,
  update_time TEXT NOT NULL
);
CREATE INDEX frameworks_by_code ON frameworks (code, level, start_year);
CREATE TABLE results (
  id TEXT PRIMARY KEY,
  subject_key TEXT NOT NULL,
  subject_unit TEXT NOT NULL,
  subject_order TEXT NOT NULL,
  framework_code TEXT NOT NULL,
  level INTEGER NOT NULL,
  year INTEGER NOT NULL,
  peer_group TEXT NOT NULL,
  framework TEXT NOT NULL,
  total_mismatch INTEGER NOT NULL,
  subject_name TEXT NOT NULL,
  revision {int64} NOT NULL,
  body {blob} NOT NULL,
  create_time TEXT NOT NULL,
  update_time TEXT NOT NULL,
  UNIQUE (subject_key, framework_code, year)
);
CREATE INDEX results_by_group ON results (framework_code, year, peer_group, level);
CREATE INDEX results_by_list ON results (framework_code, year, subject_order, id);
CREATE INDEX results_by_framework ON results (framework);
CREATE INDEX results_by_unit ON results (subject_unit, year);
)sql";

constexpr absl::string_view kFrameworkPrefix = "frameworks/";
constexpr absl::string_view kResultPrefix = "results/";

std::string FrameworkNameOf(absl::string_view id) { return absl::StrCat(kFrameworkPrefix, id); }
std::string ResultNameOf(absl::string_view id) { return absl::StrCat(kResultPrefix, id); }

// The id of a resource name already validated by the manager.
std::string IdOf(absl::string_view name) {
  const size_t slash = name.find('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

std::string TimeText(const google::protobuf::Timestamp& t) { return TimeUtil::ToString(t); }

template <typename Message>
absl::StatusOr<Message> Decode(const Row& row, absl::string_view table) {
  Message message;
  if (!message.ParseFromString(row.Text(2))) {
    return absl::DataLossError(
        absl::StrCat(table, " row ", row.Text(0), ": stored body cannot be decoded"));
  }
  message.set_etag(absl::StrCat(row.Int(1)));
  return message;
}

// Every query reads "id, revision, body" first so that Decode applies.
constexpr absl::string_view kFrameworkColumns = "SELECT id, revision, body FROM frameworks";
constexpr absl::string_view kResultColumns = "SELECT id, revision, body FROM results";

absl::StatusOr<std::vector<Framework>> DecodeFrameworks(const std::vector<Row>& rows) {
  std::vector<Framework> out;
  out.reserve(rows.size());
  for (const Row& row : rows) {
    absl::StatusOr<Framework> f = Decode<Framework>(row, "frameworks");
    if (!f.ok()) return f.status();
    out.push_back(*std::move(f));
  }
  return out;
}

absl::StatusOr<std::vector<Result>> DecodeResults(const std::vector<Row>& rows) {
  std::vector<Result> out;
  out.reserve(rows.size());
  for (const Row& row : rows) {
    absl::StatusOr<Result> r = Decode<Result>(row, "results");
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<Framework>> AllFrameworks(Tx& tx) {
  absl::StatusOr<std::vector<Row>> rows = tx.Query(absl::StrCat(kFrameworkColumns, " ORDER BY id"));
  if (!rows.ok()) return rows.status();
  return DecodeFrameworks(*rows);
}

absl::StatusOr<Framework> LoadFramework(Tx& tx, const std::string& id) {
  Params param;
  const std::string sql = absl::StrCat(kFrameworkColumns, " WHERE id = ", param(id));
  absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, param.values);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(FrameworkNameOf(id), " not found"));
  return Decode<Framework>(rows->front(), "frameworks");
}

absl::StatusOr<Result> LoadResult(Tx& tx, const std::string& id) {
  Params param;
  const std::string sql = absl::StrCat(kResultColumns, " WHERE id = ", param(id));
  absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, param.values);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(ResultNameOf(id), " not found"));
  return Decode<Result>(rows->front(), "results");
}

// Text of a blob column: the message without its etag (held as the
// revision).
template <typename Message>
Blob BodyOf(const Message& message) {
  Message copy = message;
  copy.clear_etag();
  return Blob{copy.SerializeAsString()};
}

std::string SubjectOrder(const Result& result) {
  return text::MatchKey(result.subject().display_name());
}

std::string SubjectUnit(const Result& result) {
  return result.subject().kind_case() == chiso::scoring::v1::Subject::kUnit
             ? result.subject().unit()
             : std::string();
}

std::string Describe(const Result& result) {
  return absl::StrCat(result.framework_code(), " ", result.year(), " for \"",
                      result.subject().display_name(), "\"");
}

// The result already recorded for the subject, code and year of `result`
// (other than itself), or "".
absl::StatusOr<std::string> Holder(Tx& tx, const Result& result) {
  Params param;
  const std::string sql = absl::StrCat(
      "SELECT id FROM results WHERE subject_key = ", param(SubjectKey(result.subject())),
      " AND framework_code = ", param(result.framework_code()),
      " AND year = ", param(static_cast<int64_t>(result.year())), " AND id <> ",
      param(IdOf(result.name())));
  absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, param.values);
  if (!rows.ok()) return rows.status();
  return rows->empty() ? std::string() : ResultNameOf(rows->front().Text(0));
}

// Turns a unique-constraint failure of a result write into AlreadyExists
// naming the result that holds the key; other failures pass through.
absl::Status ExplainResultConflict(Tx& tx, const absl::Status& failure, const Result& result) {
  if (!absl::IsAlreadyExists(failure)) return failure;
  absl::StatusOr<std::string> holder = Holder(tx, result);
  if (!holder.ok()) return holder.status();
  if (holder->empty()) return failure;
  return absl::AlreadyExistsError(absl::StrCat("result: ", *holder, " already records ",
                                               Describe(result),
                                               " (one result per subject, framework and year)"));
}

// Adds a blob parameter; returns its placeholder.
std::string BlobParam(Params& param, Blob blob) {
  param.values.emplace_back(std::in_place_type<Blob>, std::move(blob));
  return absl::StrCat("$", param.values.size());
}

absl::Status InsertResult(Tx& tx, const Result& result) {
  Params param;
  std::string sql = absl::StrCat(
      "INSERT INTO results (id, subject_key, subject_unit, subject_order, framework_code, level, "
      "year, peer_group, framework, total_mismatch, subject_name, revision, body, create_time, "
      "update_time) VALUES (",
      param(IdOf(result.name())), ", ", param(SubjectKey(result.subject())), ", ",
      param(SubjectUnit(result)), ", ", param(SubjectOrder(result)), ", ",
      param(result.framework_code()), ", ", param(static_cast<int64_t>(result.level())), ", ",
      param(static_cast<int64_t>(result.year())), ", ", param(result.peer_group()), ", ",
      param(result.framework()), ", ", param(int64_t{result.total_mismatch() ? 1 : 0}), ", ",
      param(result.subject().display_name()), ", 1, ");
  absl::StrAppend(&sql, BlobParam(param, BodyOf(result)), ", ",
                  param(TimeText(result.create_time())), ", ",
                  param(TimeText(result.update_time())), ")");
  absl::StatusOr<int64_t> n = tx.Exec(sql, param.values);
  if (!n.ok()) return ExplainResultConflict(tx, n.status(), result);
  return absl::OkStatus();
}

// Writes `result` over the row at `read_revision` and returns the new
// revision. Aborted when the row moved on.
absl::StatusOr<int64_t> RewriteResult(Tx& tx, const Result& result, int64_t read_revision) {
  Params param;
  std::string sql = absl::StrCat(
      "UPDATE results SET subject_order = ", param(SubjectOrder(result)),
      ", peer_group = ", param(result.peer_group()), ", framework = ", param(result.framework()),
      ", total_mismatch = ", param(int64_t{result.total_mismatch() ? 1 : 0}),
      ", subject_name = ", param(result.subject().display_name()),
      ", revision = ", param(read_revision + 1), ", body = ");
  absl::StrAppend(&sql, BlobParam(param, BodyOf(result)),
                  ", update_time = ", param(TimeText(result.update_time())),
                  " WHERE id = ", param(IdOf(result.name())),
                  " AND subject_key = ", param(SubjectKey(result.subject())),
                  " AND framework_code = ", param(result.framework_code()),
                  " AND year = ", param(static_cast<int64_t>(result.year())),
                  " AND revision = ", param(read_revision));
  absl::StatusOr<int64_t> n = tx.Exec(sql, param.values);
  if (!n.ok()) return ExplainResultConflict(tx, n.status(), result);
  if (*n == 0) {
    return absl::AbortedError(
        absl::StrCat(result.name(), " was changed by another writer; read it again"));
  }
  return read_revision + 1;
}

absl::StatusOr<int64_t> RevisionOf(absl::string_view name, const std::string& etag) {
  int64_t revision = 0;
  if (!absl::SimpleAtoi(etag, &revision)) {
    return absl::DataLossError(absl::StrCat(name, ": stored revision is not a number"));
  }
  return revision;
}

// Passes each result of `rows` to `rescore` with `framework` and writes it
// back, stamped with the version's update time. Stops at the first error.
absl::Status RescoreResults(Tx& tx, const std::vector<Row>& rows, const Framework& framework,
                            const std::function<absl::Status(Result&, const Framework&)>& rescore) {
  absl::StatusOr<std::vector<Result>> results = DecodeResults(rows);
  if (!results.ok()) return results.status();
  for (Result& result : *results) {
    absl::StatusOr<int64_t> revision = RevisionOf(result.name(), result.etag());
    if (!revision.ok()) return revision.status();
    if (absl::Status s = rescore(result, framework); !s.ok()) return s;
    *result.mutable_update_time() = framework.update_time();
    if (absl::StatusOr<int64_t> r = RewriteResult(tx, result, *revision); !r.ok()) {
      return r.status();
    }
  }
  return absl::OkStatus();
}

// The parts of a ResultOrderKey.
struct OrderKey {
  std::string code;
  int64_t year = 0;
  std::string subject_order;
  std::string id;
};

absl::StatusOr<OrderKey> ParseOrderKey(const std::string& key) {
  std::vector<std::string> parts = absl::StrSplit(key, '\n');
  OrderKey out;
  if (parts.size() != 4 || !absl::SimpleAtoi(parts[1], &out.year)) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  out.code = std::move(parts[0]);
  out.subject_order = std::move(parts[2]);
  out.id = std::move(parts[3]);
  return out;
}

class SqlScoringStore : public ScoringStore {
 public:
  explicit SqlScoringStore(storage::Database* db) : db_(db) {}

  // ---- Framework versions ---------------------------------------------------

  using ScoringStore::CreateFramework;
  absl::StatusOr<Framework> CreateFramework(
      const Framework& input,
      const std::function<absl::Status(const std::vector<Framework>&)>& check,
      const Adoption& adopt) override {
    Framework framework = input;
    framework.clear_etag();
    const std::string id = IdOf(framework.name());
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Framework>> stored = AllFrameworks(tx);
      if (!stored.ok()) return stored.status();
      for (const Framework& f : *stored) {
        if (f.name() == framework.name()) {
          return absl::AlreadyExistsError(
              absl::StrCat("framework_id: ", framework.name(), " already exists"));
        }
      }
      if (absl::Status s = check(*stored); !s.ok()) return s;
      Params param;
      std::string sql = absl::StrCat(
          "INSERT INTO frameworks (id, code, level, start_year, end_year, measured_by, revision, "
          "body, create_time, update_time) VALUES (",
          param(id), ", ", param(framework.code()), ", ",
          param(static_cast<int64_t>(framework.level())), ", ",
          param(static_cast<int64_t>(framework.valid_years().start_year())), ", ",
          param(static_cast<int64_t>(framework.valid_years().end_year())), ", ",
          param(framework.measured_by().unit()), ", 1, ");
      absl::StrAppend(&sql, BlobParam(param, BodyOf(framework)), ", ",
                      param(TimeText(framework.create_time())), ", ",
                      param(TimeText(framework.update_time())), ")");
      absl::StatusOr<int64_t> n = tx.Exec(sql, param.values);
      if (absl::IsAlreadyExists(n.status())) {
        return absl::AlreadyExistsError(
            absl::StrCat("framework_id: ", framework.name(), " already exists"));
      }
      if (!n.ok()) return n.status();
      if (adopt.from.empty()) return absl::OkStatus();

      // The results of the overridden versions in the new span follow it.
      Params adopt_param;
      std::vector<std::string> names;
      for (const std::string& from : adopt.from) names.push_back(adopt_param(from));
      absl::StatusOr<std::vector<Row>> rows = tx.Query(
          absl::StrCat(kResultColumns, " WHERE framework IN (", absl::StrJoin(names, ", "),
                       ") AND year >= ",
                       adopt_param(static_cast<int64_t>(framework.valid_years().start_year())),
                       " AND year <= ",
                       adopt_param(static_cast<int64_t>(framework.valid_years().end_year())),
                       " ORDER BY id"),
          adopt_param.values);
      if (!rows.ok()) return rows.status();
      return RescoreResults(tx, *rows, framework, adopt.rescore);
    });
    if (!status.ok()) return status;
    framework.set_etag("1");
    return framework;
  }

  absl::StatusOr<Framework> GetFramework(const std::string& id) override {
    absl::StatusOr<Framework> framework;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      framework = LoadFramework(tx, id);
      return framework.status();
    });
    if (!status.ok()) return status;
    return framework;
  }

  absl::StatusOr<std::vector<Framework>> ListFrameworks() override {
    absl::StatusOr<std::vector<Framework>> frameworks;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      frameworks = AllFrameworks(tx);
      return frameworks.status();
    });
    if (!status.ok()) return status;
    return frameworks;
  }

  using ScoringStore::UpdateFramework;
  absl::StatusOr<Framework> UpdateFramework(
      const std::string& id,
      const std::function<absl::Status(Framework&, const std::vector<Framework>&)>& mutate,
      const std::function<absl::Status(Result&, const Framework&)>& rescore,
      const std::function<std::vector<std::string>(const Framework&)>& adopt_from) override {
    Framework out;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Framework>> stored = AllFrameworks(tx);
      if (!stored.ok()) return stored.status();
      std::vector<Framework> others;
      std::optional<Framework> framework;
      for (Framework& f : *stored) {
        if (IdOf(f.name()) == id) {
          framework = std::move(f);
        } else {
          others.push_back(std::move(f));
        }
      }
      if (!framework.has_value()) {
        return absl::NotFoundError(absl::StrCat(FrameworkNameOf(id), " not found"));
      }
      absl::StatusOr<int64_t> read_revision = RevisionOf(framework->name(), framework->etag());
      if (!read_revision.ok()) return read_revision.status();
      if (absl::Status s = mutate(*framework, others); !s.ok()) return s;
      framework->set_name(FrameworkNameOf(id));

      Params param;
      std::string sql = absl::StrCat(
          "UPDATE frameworks SET start_year = ",
          param(static_cast<int64_t>(framework->valid_years().start_year())),
          ", end_year = ", param(static_cast<int64_t>(framework->valid_years().end_year())),
          ", revision = ", param(*read_revision + 1), ", body = ");
      absl::StrAppend(&sql, BlobParam(param, BodyOf(*framework)),
                      ", update_time = ", param(TimeText(framework->update_time())),
                      " WHERE id = ", param(id), " AND revision = ", param(*read_revision));
      absl::StatusOr<int64_t> n = tx.Exec(sql, param.values);
      if (!n.ok()) return n.status();
      if (*n == 0) {
        return absl::AbortedError(
            absl::StrCat(framework->name(), " was changed by another writer; read it again"));
      }

      // Results scored by this version follow its new definition, and so do
      // those of the versions it now takes years over.
      Params using_param;
      std::vector<std::string> names = {using_param(framework->name())};
      std::string sql_using = absl::StrCat(kResultColumns, " WHERE framework = ", names.front());
      const std::vector<std::string> adopted =
          adopt_from ? adopt_from(*framework) : std::vector<std::string>();
      if (!adopted.empty()) {
        std::vector<std::string> from;
        for (const std::string& name : adopted) from.push_back(using_param(name));
        absl::StrAppend(
            &sql_using, " OR (framework IN (", absl::StrJoin(from, ", "), ") AND year >= ",
            using_param(static_cast<int64_t>(framework->valid_years().start_year())),
            " AND year <= ", using_param(static_cast<int64_t>(framework->valid_years().end_year())),
            ")");
      }
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query(absl::StrCat(sql_using, " ORDER BY id"), using_param.values);
      if (!rows.ok()) return rows.status();
      if (absl::Status s = RescoreResults(tx, *rows, *framework, rescore); !s.ok()) return s;
      framework->set_etag(absl::StrCat(*read_revision + 1));
      out = *std::move(framework);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return out;
  }

  absl::Status DeleteFramework(
      const std::string& id, const std::function<absl::Status(const Framework&)>& check) override {
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Framework> framework = LoadFramework(tx, id);
      if (!framework.ok()) return framework.status();
      if (absl::Status s = check(*framework); !s.ok()) return s;
      Params param;
      const std::string name = param(framework->name());
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query(absl::StrCat("SELECT MIN(id), COUNT(*) FROM results WHERE framework = ", name),
                   param.values);
      if (!rows.ok()) return rows.status();
      if (!rows->empty() && rows->front().Int(1) > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            framework->name(), " scores ", rows->front().Int(1), " recorded result(s), e.g. ",
            ResultNameOf(rows->front().Text(0)), "; delete or re-record those results first"));
      }
      Params del;
      return tx.Exec(absl::StrCat("DELETE FROM frameworks WHERE id = ", del(id)), del.values)
          .status();
    });
  }

  // ---- Results --------------------------------------------------------------

  absl::StatusOr<Result> CreateResult(
      const Result& input,
      const std::function<absl::Status(Result&, const std::vector<Framework>&)>& prepare) override {
    Result result = input;
    result.clear_etag();
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Framework>> stored = AllFrameworks(tx);
      if (!stored.ok()) return stored.status();
      if (absl::Status s = prepare(result, *stored); !s.ok()) return s;
      return InsertResult(tx, result);
    });
    if (!status.ok()) return status;
    result.set_etag("1");
    return result;
  }

  absl::StatusOr<Result> GetResult(const std::string& id) override {
    absl::StatusOr<Result> result;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      result = LoadResult(tx, id);
      return result.status();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::StatusOr<Result> UpdateResult(
      const std::string& id,
      const std::function<absl::Status(Result&, const std::vector<Framework>&)>& mutate) override {
    Result out;
    absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Result> result = LoadResult(tx, id);
      if (!result.ok()) return result.status();
      absl::StatusOr<int64_t> read_revision = RevisionOf(result->name(), result->etag());
      if (!read_revision.ok()) return read_revision.status();
      absl::StatusOr<std::vector<Framework>> stored = AllFrameworks(tx);
      if (!stored.ok()) return stored.status();
      const std::string key = SubjectKey(result->subject());
      const std::string code = result->framework_code();
      const int year = result->year();
      if (absl::Status s = mutate(*result, *stored); !s.ok()) return s;
      result->set_name(ResultNameOf(id));
      if (SubjectKey(result->subject()) != key || result->framework_code() != code ||
          result->year() != year) {
        return absl::InvalidArgumentError("result: subject, framework_code and year are immutable");
      }
      absl::StatusOr<int64_t> revision = RewriteResult(tx, *result, *read_revision);
      if (!revision.ok()) return revision.status();
      result->set_etag(absl::StrCat(*revision));
      out = *std::move(result);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return out;
  }

  absl::Status DeleteResult(const std::string& id,
                            const std::function<absl::Status(const Result&)>& check) override {
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<Result> result = LoadResult(tx, id);
      if (!result.ok()) return result.status();
      if (absl::Status s = check(*result); !s.ok()) return s;
      Params param;
      return tx.Exec(absl::StrCat("DELETE FROM results WHERE id = ", param(id)), param.values)
          .status();
    });
  }

  absl::StatusOr<ResultPage> ListResults(const ResultQuery& query) override {
    Params param;
    std::string sql = absl::StrCat(kResultColumns, " WHERE 1 = 1");
    if (!query.subject_key.empty()) {
      absl::StrAppend(&sql, " AND subject_key = ", param(query.subject_key));
    }
    if (!query.framework_code.empty()) {
      absl::StrAppend(&sql, " AND framework_code = ", param(query.framework_code));
    }
    if (query.level != chiso::scoring::v1::LEVEL_UNSPECIFIED) {
      absl::StrAppend(&sql, " AND level = ", param(static_cast<int64_t>(query.level)));
    }
    if (query.from_year != 0) {
      absl::StrAppend(&sql, " AND year >= ", param(static_cast<int64_t>(query.from_year)));
    }
    if (query.to_year != 0) {
      absl::StrAppend(&sql, " AND year <= ", param(static_cast<int64_t>(query.to_year)));
    }
    if (query.peer_group.has_value()) {
      absl::StrAppend(&sql, " AND peer_group = ", param(*query.peer_group));
    }
    if (query.mismatch_only) absl::StrAppend(&sql, " AND total_mismatch = 1");
    if (query.within_unit.has_value()) {
      absl::StrAppend(&sql,
                      " AND (subject_key LIKE 'entity:%' OR subject_key IN ("
                      "WITH RECURSIVE scope(unit) AS (SELECT CAST(",
                      param(*query.within_unit),
                      " AS TEXT) UNION SELECT unit_tree.unit FROM unit_tree JOIN scope"
                      " ON unit_tree.parent = scope.unit)"
                      " SELECT 'unit:' || unit FROM scope))");
    }
    if (!query.after.empty()) {
      absl::StatusOr<OrderKey> after = ParseOrderKey(query.after);
      if (!after.ok()) return after.status();
      const std::string c = param(after->code);
      const std::string y = param(after->year);
      const std::string o = param(after->subject_order);
      const std::string i = param(after->id);
      absl::StrAppend(&sql, " AND (framework_code > ", c, " OR (framework_code = ", c,
                      " AND (year < ", y, " OR (year = ", y, " AND (subject_order > ", o,
                      " OR (subject_order = ", o, " AND id > ", i, "))))))");
    }
    absl::StrAppend(&sql, " ORDER BY framework_code, year DESC, subject_order, id LIMIT ",
                    param(static_cast<int64_t>(query.limit) + 1));
    ResultPage page;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, param.values);
      if (!rows.ok()) return rows.status();
      if (static_cast<int64_t>(rows->size()) > query.limit) {
        page.more = true;
        rows->erase(rows->begin() + query.limit, rows->end());
      }
      absl::StatusOr<std::vector<Result>> results = DecodeResults(*rows);
      if (!results.ok()) return results.status();
      page.results = *std::move(results);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return page;
  }

  absl::Status ImportResults(
      const std::vector<ImportRow>& rows,
      const std::function<absl::Status(const std::vector<Framework>&)>& verify) override {
    return db_->Transact([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Framework>> stored = AllFrameworks(tx);
      if (!stored.ok()) return stored.status();
      if (absl::Status s = verify(*stored); !s.ok()) return s;
      for (const ImportRow& row : rows) {
        if (row.replace.empty()) {
          if (absl::Status s = InsertResult(tx, row.result); !s.ok()) return s;
          continue;
        }
        absl::StatusOr<Result> existing = LoadResult(tx, IdOf(row.replace));
        if (!existing.ok()) return existing.status();
        absl::StatusOr<int64_t> revision = RevisionOf(existing->name(), existing->etag());
        if (!revision.ok()) return revision.status();
        Result replacement = row.result;
        replacement.set_name(existing->name());
        *replacement.mutable_create_time() = existing->create_time();
        absl::StatusOr<int64_t> written = RewriteResult(tx, replacement, *revision);
        if (absl::IsAborted(written.status())) {
          return absl::NotFoundError(absl::StrCat(existing->name(), " no longer records ",
                                                  Describe(row.result), "; import again"));
        }
        if (!written.ok()) return written.status();
      }
      return absl::OkStatus();
    });
  }

  // ---- Reads ------------------------------------------------------------------

  absl::StatusOr<std::optional<Result>> FindResult(const std::string& subject_key,
                                                   const std::string& framework_code,
                                                   int year) override {
    Params param;
    const std::string sql =
        absl::StrCat(kResultColumns, " WHERE subject_key = ", param(subject_key),
                     " AND framework_code = ", param(framework_code),
                     " AND year = ", param(static_cast<int64_t>(year)));
    return ReadOne(sql, param);
  }

  absl::StatusOr<std::optional<Result>> LatestResult(const std::string& subject_key,
                                                     const std::string& framework_code,
                                                     int up_to_year) override {
    Params param;
    const std::string sql = absl::StrCat(
        kResultColumns, " WHERE subject_key = ", param(subject_key),
        " AND framework_code = ", param(framework_code),
        " AND year <= ", param(static_cast<int64_t>(up_to_year)), " ORDER BY year DESC LIMIT 1");
    return ReadOne(sql, param);
  }

  absl::StatusOr<std::vector<Result>> SubjectResults(const std::string& subject_key,
                                                     const std::string& framework_code,
                                                     int from_year, int to_year) override {
    Params param;
    std::string sql = absl::StrCat(kResultColumns, " WHERE subject_key = ", param(subject_key),
                                   " AND framework_code = ", param(framework_code));
    if (from_year != 0) {
      absl::StrAppend(&sql, " AND year >= ", param(static_cast<int64_t>(from_year)));
    }
    if (to_year != 0) absl::StrAppend(&sql, " AND year <= ", param(static_cast<int64_t>(to_year)));
    absl::StrAppend(&sql, " ORDER BY year");
    return ReadMany(sql, param);
  }

  absl::StatusOr<std::vector<Result>> GroupResults(const GroupQuery& query) override {
    Params param;
    std::string sql =
        absl::StrCat(kResultColumns, " WHERE framework_code = ", param(query.framework_code),
                     " AND year = ", param(static_cast<int64_t>(query.year)),
                     " AND peer_group = ", param(query.peer_group));
    if (query.level != chiso::scoring::v1::LEVEL_UNSPECIFIED) {
      absl::StrAppend(&sql, " AND level = ", param(static_cast<int64_t>(query.level)));
    }
    absl::StrAppend(&sql, " ORDER BY id");
    return ReadMany(sql, param);
  }

  absl::StatusOr<MetricsSnapshot> Snapshot(int years) override {
    MetricsSnapshot snapshot;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> counts = tx.Query(
          "SELECT (SELECT COUNT(*) FROM results), (SELECT COUNT(*) FROM frameworks), "
          "(SELECT MAX(year) FROM results WHERE subject_unit <> '')");
      if (!counts.ok()) return counts.status();
      const Row& row = counts->front();
      snapshot.result_count = row.Int(0);
      snapshot.api_framework_count = row.Int(1);
      if (row.IsNull(2)) return absl::OkStatus();
      Params param;
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query(absl::StrCat(kResultColumns, " WHERE subject_unit <> '' AND year > ",
                                param(row.Int(2) - years), " ORDER BY id"),
                   param.values);
      if (!rows.ok()) return rows.status();
      absl::StatusOr<std::vector<Result>> results = DecodeResults(*rows);
      if (!results.ok()) return results.status();
      snapshot.unit_results = *std::move(results);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return snapshot;
  }

  storage::Database* database() override { return db_; }

 private:
  absl::StatusOr<std::vector<Result>> ReadMany(const std::string& sql, const Params& param) {
    absl::StatusOr<std::vector<Result>> results;
    absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, param.values);
      if (!rows.ok()) return rows.status();
      results = DecodeResults(*rows);
      return results.status();
    });
    if (!status.ok()) return status;
    return results;
  }

  absl::StatusOr<std::optional<Result>> ReadOne(const std::string& sql, const Params& param) {
    absl::StatusOr<std::vector<Result>> results = ReadMany(sql, param);
    if (!results.ok()) return results.status();
    if (results->empty()) return std::optional<Result>();
    return std::optional<Result>(std::move(results->front()));
  }

  storage::Database* db_;
};

}  // namespace

std::string ResultOrderKey(const Result& result) {
  return absl::StrCat(result.framework_code(), "\n", result.year(), "\n", SubjectOrder(result),
                      "\n", IdOf(result.name()));
}

const std::vector<storage::Migration>& ScoringMigrations() {
  static const auto* migrations = [] {
    auto* list = new std::vector<storage::Migration>{
        storage::PortableMigration(1, "create frameworks and results", kSchemaV1),
    };
    // New versions go at the end; a number once released never changes.
    for (storage::Migration& m : audit::AuditMigrations(static_cast<int>(list->size()) + 1)) {
      list->push_back(std::move(m));
    }
    for (storage::Migration& m :
         unitdir::UnitDirectoryMigrations(static_cast<int>(list->size()) + 1)) {
      list->push_back(std::move(m));
    }
    return list;
  }();
  return *migrations;
}

std::unique_ptr<ScoringStore> NewSqlScoringStore(storage::Database* db) {
  return std::make_unique<SqlScoringStore>(db);
}

}  // namespace chiso::scoring
