#include "common/audit/audit_log.h"

#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/ids/ids.h"
#include "common/ids/page_token.h"
#include "common/storage/query.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/reflection.h"

namespace chiso::audit {
namespace {

namespace pb = ::chiso::common::v1;

constexpr absl::string_view kEventPrefix = "auditEvents/";
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
// google.protobuf.Timestamp's range: 0001-01-01 to 9999-12-31.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

// The table holds one row per event; `time` is microseconds since the Unix
// epoch. Ids are made in time order (common/ids), so "newest first" is
// "id descending" and pages are cut by id. The CHECKs refuse an event that
// could not name who made the change: its change then fails with it.
constexpr char kCreateTable[] = R"sql(
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  time {int64} NOT NULL,
  principal TEXT NOT NULL CHECK (principal <> ''),
  principal_kind TEXT NOT NULL CHECK (principal_kind IN ('', 'person', 'system', 'service')),
  principal_unit TEXT NOT NULL,
  credential TEXT NOT NULL,
  client_certificate TEXT NOT NULL,
  rpc TEXT NOT NULL,
  request_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  before_sha256 TEXT NOT NULL CHECK (length(before_sha256) IN (0, 64)),
  after_sha256 TEXT NOT NULL CHECK (length(after_sha256) IN (0, 64))
);
CREATE INDEX audit_events_by_principal ON audit_events (principal, id);
CREATE INDEX audit_events_by_resource ON audit_events (resource, id);
CREATE INDEX audit_events_by_rpc ON audit_events (rpc, id);
CREATE INDEX audit_events_by_request_id ON audit_events (request_id, id);
CREATE INDEX audit_events_by_time ON audit_events (time, id);
)sql";

// Append-only: the database itself refuses to change or remove an event.
constexpr char kSqliteTriggers[] = R"sql(
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused');
END;
)sql";

// Statement-level, so even an UPDATE or DELETE matching no row fails, and
// TRUNCATE (which fires no row trigger) is refused too. SQLSTATE 23000
// (integrity constraint violation) maps to FailedPrecondition.
constexpr char kPostgresTriggers[] = R"sql(
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE PROCEDURE audit_events_append_only();
)sql";

std::string Substitute(absl::string_view sql, absl::string_view int64_type) {
  return absl::StrReplaceAll(sql, {{"{int64}", int64_type}});
}

// Lower-case hex SHA-256 of `bytes`; "" for no bytes (nothing there).
std::string Digest(absl::string_view bytes) {
  if (bytes.empty()) return "";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// Event ids for the whole process: each is greater than the ones before, so
// two logs on one database (two services sharing it in a test) still order
// their events by when they were written.
IdGenerator& EventIds() {
  static IdGenerator* ids = new IdGenerator();
  return *ids;
}

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }

// The first microsecond at or after `ts` (the bounds are compared in whole
// microseconds, as events are stored).
int64_t CeilMicros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + (ts.nanos() + 999) / 1000;
}

absl::Status CheckTimestamp(absl::string_view field, const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid timestamp"));
  }
  return absl::OkStatus();
}

void SetTimestamp(int64_t micros, google::protobuf::Timestamp* ts) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest * 1000));
}

// A LIKE pattern matching text that ends with "/" + `method`, with "%", "_"
// and "\" in it escaped. Use with ESCAPE '\'.
std::string MethodPattern(absl::string_view method) {
  std::string out = "%/";
  for (char c : method) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

pb::AuditEvent EventOf(const storage::Row& row) {
  pb::AuditEvent event;
  event.set_name(absl::StrCat(kEventPrefix, row.Text(0)));
  SetTimestamp(row.Int(1), event.mutable_time());
  event.set_principal(row.Text(2));
  event.set_principal_kind(row.Text(3));
  event.set_principal_unit(row.Text(4));
  event.set_credential(row.Text(5));
  event.set_client_certificate(row.Text(6));
  event.set_rpc(row.Text(7));
  event.set_request_id(row.Text(8));
  event.set_resource(row.Text(9));
  event.set_before_sha256(row.Text(10));
  event.set_after_sha256(row.Text(11));
  return event;
}

}  // namespace

std::vector<storage::Migration> AuditMigrations(int first_version) {
  storage::Migration create;
  create.version = first_version;
  create.name = "create audit_events (append-only)";
  create.sqlite = absl::StrCat(Substitute(kCreateTable, "INTEGER"), kSqliteTriggers);
  create.postgres = absl::StrCat(Substitute(kCreateTable, "BIGINT"), kPostgresTriggers);
  return {std::move(create)};
}

std::string Serialize(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializePartialToCodedStream(&coded);
  }
  return out;
}

AuditLog::AuditLog(storage::Database* db, std::function<absl::Time()> clock)
    : db_(db), clock_(std::move(clock)) {
  if (clock_ == nullptr) clock_ = [] { return absl::Now(); };
}

absl::Status AuditLog::Record(const auth::Caller& caller, absl::string_view resource,
                              const std::function<absl::StatusOr<std::string>()>& before,
                              const std::function<absl::StatusOr<Change>()>& change) {
  if (change == nullptr) return absl::InternalError("audit: Record needs a change to run");
  return db_->Transact([&](storage::Tx& tx) -> absl::Status {
    std::string before_bytes;
    if (before != nullptr) {
      absl::StatusOr<std::string> got = before();
      if (!got.ok()) return got.status();
      before_bytes = *std::move(got);
    }
    absl::StatusOr<Change> changed = change();
    if (!changed.ok()) return changed.status();
    if (changed->unchanged) return absl::OkStatus();
    const std::string changed_resource =
        changed->resource.empty() ? std::string(resource) : changed->resource;
    std::string principal = "anonymous";
    std::string kind;
    std::string unit;
    std::string credential;
    if (!caller.anonymous) {
      principal = caller.principal.id;
      kind = std::string(auth::KindName(caller.principal.kind));
      unit = caller.principal.unit;
      credential = caller.principal.credential;
    }
    std::vector<storage::Value> params;
    params.emplace_back(std::in_place_type<std::string>, EventIds().Next());
    params.emplace_back(std::in_place_type<int64_t>, ToMicros(clock_()));
    params.emplace_back(std::in_place_type<std::string>, std::move(principal));
    params.emplace_back(std::in_place_type<std::string>, std::move(kind));
    params.emplace_back(std::in_place_type<std::string>, std::move(unit));
    params.emplace_back(std::in_place_type<std::string>, std::move(credential));
    params.emplace_back(std::in_place_type<std::string>, caller.client_certificate);
    params.emplace_back(std::in_place_type<std::string>, caller.rpc);
    params.emplace_back(std::in_place_type<std::string>, caller.request_id);
    params.emplace_back(std::in_place_type<std::string>, changed_resource);
    params.emplace_back(std::in_place_type<std::string>, Digest(before_bytes));
    params.emplace_back(std::in_place_type<std::string>, Digest(changed->after));
    absl::StatusOr<int64_t> inserted = tx.Exec(
        "INSERT INTO audit_events (id, time, principal, principal_kind, principal_unit, "
        "credential, client_certificate, rpc, request_id, resource, before_sha256, "
        "after_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        params);
    if (!inserted.ok()) {
      return absl::Status(inserted.status().code(),
                          absl::StrCat("audit: the change was not saved because its event could "
                                       "not be recorded: ",
                                       inserted.status().message()));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<pb::ListAuditEventsResponse> AuditLog::List(
    const pb::ListAuditEventsRequest& request) const {
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 0 to ", kMaxPageSize, ", got ", request.page_size()));
  }
  const int size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  if (request.has_since()) {
    if (absl::Status s = CheckTimestamp("since", request.since()); !s.ok()) return s;
  }
  if (request.has_until()) {
    if (absl::Status s = CheckTimestamp("until", request.until()); !s.ok()) return s;
  }
  if (request.has_since() && request.has_until() &&
      CeilMicros(request.since()) >= CeilMicros(request.until())) {
    return absl::InvalidArgumentError("since: must be before until");
  }

  pb::ListAuditEventsRequest filter = request;
  filter.clear_page_size();
  filter.clear_page_token();
  const std::string fingerprint = Fingerprint(Serialize(filter));
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    if (!IsValidId(*key)) return absl::InvalidArgumentError("page_token: malformed");
    after = *std::move(key);
  }

  storage::Params param;
  std::vector<std::string> where;
  if (!request.principal().empty()) where.push_back("principal = " + param(request.principal()));
  if (!request.resource().empty()) where.push_back("resource = " + param(request.resource()));
  if (!request.rpc().empty()) {
    if (absl::StrContains(request.rpc(), '/')) {
      where.push_back("rpc = " + param(request.rpc()));
    } else {
      const std::string exact = param(request.rpc());
      where.push_back(absl::StrCat("(rpc = ", exact, " OR rpc LIKE ",
                                   param(MethodPattern(request.rpc())), " ESCAPE '\\')"));
    }
  }
  if (!request.request_id().empty()) {
    where.push_back("request_id = " + param(request.request_id()));
  }
  if (request.has_since()) where.push_back("time >= " + param(CeilMicros(request.since())));
  if (request.has_until()) where.push_back("time < " + param(CeilMicros(request.until())));
  if (!after.empty()) where.push_back("id < " + param(after));
  std::string sql =
      "SELECT id, time, principal, principal_kind, principal_unit, credential, "
      "client_certificate, rpc, request_id, resource, before_sha256, after_sha256 "
      "FROM audit_events";
  for (size_t i = 0; i < where.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? " WHERE " : " AND ", where[i]);
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ", param(static_cast<int64_t>(size) + 1));

  std::vector<storage::Row> rows;
  absl::Status status = db_->Read([&](storage::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<storage::Row>> got = tx.Query(sql, param.values);
    if (!got.ok()) return got.status();
    rows = *std::move(got);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;

  pb::ListAuditEventsResponse response;
  const bool more = rows.size() > static_cast<size_t>(size);
  if (more) rows.erase(rows.begin() + size, rows.end());
  for (const storage::Row& row : rows) *response.add_events() = EventOf(row);
  if (more && !rows.empty()) {
    response.set_next_page_token(EncodePageToken(fingerprint, rows.back().Text(0)));
  }
  return response;
}

std::string AuditLog::NameOf(const google::protobuf::Message& message) {
  const google::protobuf::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName("name");
  if (field == nullptr || field->is_repeated() ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

}  // namespace chiso::audit
