#include "services/notification/notification_store.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit_log.h"
#include "common/civil/proto_time.h"
#include "common/storage/query.h"

namespace chiso::notification {
namespace {

using civil::ToTimestamp;
using storage::Blob;
using storage::Params;
using storage::Row;
using storage::Tx;
using storage::Value;

// Version 1 of the schema.
// - notifications.seq is the delivery-log position (see the header);
//   reminder_id UNIQUE is the idempotency key of delivery.
// - recipients has one row per recipient of a notification, in the order of
//   the notification's recipients; `inbox` is NULL for a post (no inbox).
// - recipient_scopes lets a listing find the notifications of an inbox, or
//   of every inbox under a unit, with one index lookup: one row for each
//   inbox recipient itself (direct = 1) and one per ancestor (direct = 0).
// - webhooks keep the secret apart from the body (never returned) and the
//   delivery status in columns, so the sender's updates do not change the
//   etag an administrator holds.
// - webhook_deliveries is the outbox: 'pending' rows wait for their next
//   attempt, 'dead' rows are the webhook dead letters.
constexpr absl::string_view kSchemaV1 = R"sql(
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  seq {int64} NOT NULL UNIQUE,
  reminder_id TEXT NOT NULL UNIQUE,
  kind INTEGER NOT NULL,
  task TEXT,
  plan TEXT,
  fire_ms {int64} NOT NULL,
  deliver_ms {int64} NOT NULL,
  late INTEGER NOT NULL,
  body {blob} NOT NULL
);
CREATE INDEX notifications_by_fire ON notifications (fire_ms, id);
CREATE INDEX notifications_by_deliver ON notifications (deliver_ms, seq);
CREATE INDEX notifications_by_plan ON notifications (plan, fire_ms);
CREATE INDEX notifications_by_task ON notifications (task, fire_ms);
CREATE TABLE recipients (
  notification_id TEXT NOT NULL REFERENCES notifications (id),
  position INTEGER NOT NULL,
  inbox TEXT,
  read_ms {int64},
  PRIMARY KEY (notification_id, position)
);
CREATE INDEX recipients_by_inbox ON recipients (inbox, notification_id);
CREATE TABLE recipient_scopes (
  scope TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  direct INTEGER NOT NULL,
  PRIMARY KEY (scope, notification_id, position),
  FOREIGN KEY (notification_id, position) REFERENCES recipients (notification_id, position)
);
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  state INTEGER NOT NULL,
  secret {blob} NOT NULL,
  revision {int64} NOT NULL,
  body {blob} NOT NULL,
  last_success_ms {int64},
  last_failure_ms {int64},
  last_error TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_by_display_name ON webhooks (display_name, id);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  notification_id TEXT NOT NULL REFERENCES notifications (id),
  reminder_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'dead')),
  attempts INTEGER NOT NULL,
  next_ms {int64} NOT NULL,
  last_error TEXT,
  dead_ms {int64},
  UNIQUE (webhook_id, notification_id)
);
CREATE INDEX webhook_deliveries_by_next ON webhook_deliveries (state, next_ms);
CREATE INDEX webhook_deliveries_by_dead ON webhook_deliveries (state, dead_ms, id);
)sql";

// Columns of a webhook row, in this order, for WebhookFromRow.
constexpr absl::string_view kWebhookColumns =
    "id, revision, body, last_success_ms, last_failure_ms, last_error, consecutive_failures";

template <typename M>
absl::StatusOr<M> DecodeBody(const std::string& bytes, absl::string_view what,
                             absl::string_view id) {
  M message;
  if (!message.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat(what, " ", id, ": stored body cannot be decoded"));
  }
  return message;
}

absl::StatusOr<pb::Webhook> WebhookFromRow(const Row& row) {
  absl::StatusOr<pb::Webhook> webhook =
      DecodeBody<pb::Webhook>(row.Text(2), "webhook", row.Text(0));
  if (!webhook.ok()) return webhook.status();
  webhook->set_name(WebhookName(row.Text(0)));
  webhook->set_etag(absl::StrCat(row.Int(1)));
  webhook->clear_secret();
  if (!row.IsNull(3)) {
    *webhook->mutable_last_success_time() = ToTimestamp(absl::FromUnixMillis(row.Int(3)));
  }
  if (!row.IsNull(4)) {
    *webhook->mutable_last_failure_time() = ToTimestamp(absl::FromUnixMillis(row.Int(4)));
  }
  webhook->set_last_error(row.Text(5));
  webhook->set_consecutive_failures(static_cast<int32_t>(row.Int(6)));
  return webhook;
}

// The body stored for a webhook: what an administrator set, without the
// secret and the columns kept apart.
std::string WebhookBody(pb::Webhook webhook) {
  webhook.clear_name();
  webhook.clear_secret();
  webhook.clear_etag();
  webhook.clear_last_success_time();
  webhook.clear_last_failure_time();
  webhook.clear_last_error();
  webhook.clear_consecutive_failures();
  return webhook.SerializeAsString();
}

int64_t Millis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

absl::StatusOr<pb::Webhook> LoadWebhook(Tx& tx, const std::string& id) {
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query(absl::StrCat("SELECT ", kWebhookColumns, " FROM webhooks WHERE id = $1"), {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(WebhookName(id), " not found"));
  return WebhookFromRow(rows->front());
}

// Writes the recipients of a new notification and their scopes.
absl::Status WriteRecipients(Tx& tx, const pb::Notification& n, const std::string& id) {
  for (int i = 0; i < n.recipients_size(); ++i) {
    const pb::Recipient& r = n.recipients(i);
    const std::string inbox = InboxOf(r);
    std::vector<Value> values = {id, int64_t{i}};
    if (inbox.empty()) {
      values.emplace_back(nullptr);
    } else {
      values.emplace_back(std::in_place_type<std::string>, inbox);
    }
    if (absl::Status s =
            tx.Exec("INSERT INTO recipients (notification_id, position, inbox) VALUES ($1, $2, $3)",
                    values)
                .status();
        !s.ok()) {
      return s;
    }
    if (inbox.empty()) continue;
    // A snapshot may repeat an ancestor or list the recipient's own unit
    // among them: a set keeps the primary key unique.
    std::set<std::string> ancestors(r.ancestors().begin(), r.ancestors().end());
    ancestors.erase(inbox);
    ancestors.erase("");
    std::vector<std::pair<std::string, int64_t>> scopes = {{inbox, 1}};
    for (const std::string& a : ancestors) scopes.emplace_back(a, 0);
    for (const auto& [scope, direct] : scopes) {
      if (absl::Status s = tx.Exec("INSERT INTO recipient_scopes (scope, notification_id, "
                                   "position, direct) VALUES ($1, $2, $3, $4)",
                                   {scope, id, int64_t{i}, direct})
                               .status();
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

// Active webhooks and their filters, for the outbox rows of new
// notifications.
struct ActiveWebhook {
  std::string id;
  pb::DeliveryFilter filter;
};

absl::StatusOr<std::vector<ActiveWebhook>> ActiveWebhooks(Tx& tx) {
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query("SELECT id, body FROM webhooks WHERE state = $1 ORDER BY id",
               {int64_t{pb::WEBHOOK_STATE_ACTIVE}});
  if (!rows.ok()) return rows.status();
  std::vector<ActiveWebhook> out;
  for (const Row& row : *rows) {
    absl::StatusOr<pb::Webhook> w = DecodeBody<pb::Webhook>(row.Text(1), "webhook", row.Text(0));
    if (!w.ok()) return w.status();
    out.push_back({row.Text(0), w->filter()});
  }
  return out;
}

absl::StatusOr<LogEntry> EntryFromRow(const Row& row, size_t seq_col, size_t body_col) {
  LogEntry entry;
  entry.seq = row.Int(seq_col);
  absl::StatusOr<pb::Notification> n =
      DecodeBody<pb::Notification>(row.Text(body_col), "notification", row.Text(0));
  if (!n.ok()) return n.status();
  entry.notification = *std::move(n);
  return entry;
}

// A dead delivery from a row of (id, webhook_id, attempts, last_error,
// dead_ms, notification body).
absl::StatusOr<DeadDelivery> DeadDeliveryFromRow(const Row& row) {
  DeadDelivery d;
  d.id = row.Text(0);
  d.webhook_id = row.Text(1);
  d.attempts = static_cast<int>(row.Int(2));
  d.last_error = row.Text(3);
  d.dead_ms = row.Int(4);
  absl::StatusOr<pb::Notification> n =
      DecodeBody<pb::Notification>(row.Text(5), "notification of delivery", d.id);
  if (!n.ok()) return n.status();
  d.notification = *std::move(n);
  return d;
}

// The dead delivery `id`; NOT_FOUND when there is none (perhaps retried).
absl::StatusOr<DeadDelivery> ReadDeadDelivery(Tx& tx, const std::string& id) {
  absl::StatusOr<std::vector<Row>> rows = tx.Query(
      "SELECT d.id, d.webhook_id, d.attempts, d.last_error, d.dead_ms, n.body FROM "
      "webhook_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 "
      "AND d.state = 'dead'",
      {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(absl::StrCat(DeadLetterName({DeadLetterRef::Kind::kDelivery, id}),
                                            " not found (perhaps already retried)"));
  }
  return DeadDeliveryFromRow(rows->front());
}

}  // namespace

const std::vector<storage::Migration>& NotificationMigrations() {
  static const auto* migrations = [] {
    auto* list = new std::vector<storage::Migration>{
        storage::PortableMigration(1, "create notifications, recipients, webhooks and the outbox",
                                   kSchemaV1),
    };
    // The audit trail (common/audit), from version 2. New migrations of
    // this service follow them, numbered after the last one.
    for (storage::Migration& m : audit::AuditMigrations(2)) list->push_back(std::move(m));
    return list;
  }();
  return *migrations;
}

NotificationStore::NotificationStore(storage::Database* db, IdGenerator* ids,
                                     std::function<absl::Time()> now)
    : db_(db), ids_(ids), now_(std::move(now)) {}

// ---- Inbox and delivery log -------------------------------------------------

absl::StatusOr<std::vector<Delivered>> NotificationStore::Deliver(
    const std::vector<pb::Notification>& built,
    const std::function<void(pb::Notification&)>& stamp) {
  std::vector<Delivered> out;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    out.clear();
    absl::StatusOr<std::vector<ActiveWebhook>> webhooks = ActiveWebhooks(tx);
    if (!webhooks.ok()) return webhooks.status();
    absl::StatusOr<std::vector<Row>> last =
        tx.Query("SELECT COALESCE(MAX(seq), 0) FROM notifications");
    if (!last.ok()) return last.status();
    int64_t seq = last->front().Int(0);
    for (const pb::Notification& b : built) {
      Delivered d;
      absl::StatusOr<std::vector<Row>> existing = tx.Query(
          "SELECT id, seq, body FROM notifications WHERE reminder_id = $1", {b.reminder_id()});
      if (!existing.ok()) return existing.status();
      if (!existing->empty()) {
        absl::StatusOr<LogEntry> entry = EntryFromRow(existing->front(), 1, 2);
        if (!entry.ok()) return entry.status();
        d.notification = std::move(entry->notification);
        d.seq = entry->seq;
        d.duplicate = true;
        out.push_back(std::move(d));
        continue;
      }
      pb::Notification n = b;
      const std::string id = ids_->Next();
      n.set_name(NotificationName(id));
      for (pb::Recipient& r : *n.mutable_recipients()) r.clear_read_time();
      *n.mutable_deliver_time() = ToTimestamp(now_());
      if (stamp) stamp(n);
      d.seq = ++seq;
      const std::vector<Value> values = {id,
                                         d.seq,
                                         n.reminder_id(),
                                         int64_t{n.kind()},
                                         n.task(),
                                         n.plan(),
                                         Millis(n.fire_time()),
                                         Millis(n.deliver_time()),
                                         int64_t{n.late() ? 1 : 0},
                                         Blob{n.SerializeAsString()}};
      if (absl::Status s = tx.Exec("INSERT INTO notifications (id, seq, reminder_id, kind, task, "
                                   "plan, fire_ms, deliver_ms, late, body) VALUES ($1, $2, $3, "
                                   "$4, $5, $6, $7, $8, $9, $10)",
                                   values)
                               .status();
          !s.ok()) {
        return s;
      }
      if (absl::Status s = WriteRecipients(tx, n, id); !s.ok()) return s;
      for (const ActiveWebhook& w : *webhooks) {
        if (!Matches(w.filter, n)) continue;
        if (absl::Status s =
                tx.Exec("INSERT INTO webhook_deliveries (id, webhook_id, notification_id, "
                        "reminder_id, state, attempts, next_ms) VALUES ($1, $2, $3, $4, "
                        "'pending', 0, $5)",
                        {ids_->Next(), w.id, id, n.reminder_id(), Millis(n.deliver_time())})
                    .status();
            !s.ok()) {
          return s;
        }
        ++d.webhook_deliveries;
      }
      d.notification = std::move(n);
      out.push_back(std::move(d));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<NotificationPage> NotificationStore::ListNotifications(
    const InboxQuery& query, const std::optional<FireKey>& after, int limit) {
  Params p;
  std::string sql = "SELECT n.id, n.body FROM notifications n WHERE 1 = 1";
  if (!query.kinds.empty()) absl::StrAppend(&sql, " AND n.kind IN ", p.InEnums(query.kinds));
  if (!query.plan.empty()) absl::StrAppend(&sql, " AND n.plan = ", p(query.plan));
  if (!query.task.empty()) absl::StrAppend(&sql, " AND n.task = ", p(query.task));
  if (query.fired_after_ms != INT64_MIN) {
    absl::StrAppend(&sql, " AND n.fire_ms >= ", p(query.fired_after_ms));
  }
  if (query.fired_before_ms != INT64_MAX) {
    absl::StrAppend(&sql, " AND n.fire_ms < ", p(query.fired_before_ms));
  }
  if (!query.recipients.empty()) {
    absl::StrAppend(&sql,
                    " AND n.id IN (SELECT s.notification_id FROM recipient_scopes s JOIN "
                    "recipients r ON r.notification_id = s.notification_id AND r.position = "
                    "s.position WHERE s.scope IN ",
                    p.In(query.recipients));
    if (!query.include_subtree) absl::StrAppend(&sql, " AND s.direct = 1");
    if (query.unread_only) absl::StrAppend(&sql, " AND r.read_ms IS NULL");
    if (query.scope.has_value()) {
      // The recipient the filter matched must itself be in scope.
      absl::StrAppend(&sql,
                      " AND EXISTS (SELECT 1 FROM recipient_scopes v WHERE v.notification_id = "
                      "s.notification_id AND v.position = s.position AND v.scope = ",
                      p(*query.scope), ")");
    }
    absl::StrAppend(&sql, ")");
  } else if (query.scope.has_value()) {
    absl::StrAppend(&sql,
                    " AND n.id IN (SELECT v.notification_id FROM recipient_scopes v WHERE "
                    "v.scope = ",
                    p(*query.scope), ")");
  }
  if (after.has_value()) {
    const std::string fire = p(after->fire_ms);
    absl::StrAppend(&sql, " AND (n.fire_ms < ", fire, " OR (n.fire_ms = ", fire, " AND n.id < ",
                    p(after->id), "))");
  }
  absl::StrAppend(&sql, " ORDER BY n.fire_ms DESC, n.id DESC LIMIT ", p(int64_t{limit} + 1));

  NotificationPage page;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    page = NotificationPage();
    absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, p.values);
    if (!rows.ok()) return rows.status();
    std::vector<std::string> ids;
    for (const Row& row : *rows) {
      if (static_cast<int>(page.notifications.size()) == limit) {
        page.more = true;
        break;
      }
      absl::StatusOr<pb::Notification> n =
          DecodeBody<pb::Notification>(row.Text(1), "notification", row.Text(0));
      if (!n.ok()) return n.status();
      ids.push_back(row.Text(0));
      page.notifications.push_back(*std::move(n));
    }
    if (ids.empty()) return absl::OkStatus();
    Params q;
    absl::StatusOr<std::vector<Row>> reads =
        tx.Query(absl::StrCat("SELECT notification_id, position, read_ms FROM recipients WHERE "
                              "read_ms IS NOT NULL AND notification_id IN ",
                              q.In(ids)),
                 q.values);
    if (!reads.ok()) return reads.status();
    absl::flat_hash_map<std::string, size_t> index;
    for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
    for (const Row& row : *reads) {
      pb::Notification& n = page.notifications[index[row.Text(0)]];
      const int64_t position = row.Int(1);
      if (position < 0 || position >= n.recipients_size()) continue;
      *n.mutable_recipients(static_cast<int>(position))->mutable_read_time() =
          ToTimestamp(absl::FromUnixMillis(row.Int(2)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<int> NotificationStore::MarkRead(const std::string& inbox,
                                                const std::vector<std::string>& ids) {
  int marked = 0;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    Params p;
    const std::string inbox_param = p(inbox);
    const std::string id_list = p.In(ids);
    const std::string where =
        absl::StrCat(" WHERE inbox = ", inbox_param, " AND notification_id IN ", id_list);
    const std::string in_inbox = absl::StrCat(" FROM recipients", where);
    absl::StatusOr<std::vector<Row>> found =
        tx.Query(absl::StrCat("SELECT DISTINCT notification_id", in_inbox), p.values);
    if (!found.ok()) return found.status();
    absl::flat_hash_set<std::string> present;
    for (const Row& row : *found) present.insert(row.Text(0));
    for (const std::string& id : ids) {
      if (!present.contains(id)) {
        return absl::NotFoundError(
            absl::StrCat(NotificationName(id), " not found in the inbox of ", inbox));
      }
    }
    absl::StatusOr<std::vector<Row>> unread = tx.Query(
        absl::StrCat("SELECT COUNT(DISTINCT notification_id)", in_inbox, " AND read_ms IS NULL"),
        p.values);
    if (!unread.ok()) return unread.status();
    marked = static_cast<int>(unread->front().Int(0));
    std::vector<Value> values = p.values;
    values.emplace_back(std::in_place_type<int64_t>, absl::ToUnixMillis(now_()));
    return tx
        .Exec(absl::StrCat("UPDATE recipients SET read_ms = $", values.size(), where,
                           " AND read_ms IS NULL"),
              values)
        .status();
  });
  if (!status.ok()) return status;
  return marked;
}

absl::StatusOr<int> NotificationStore::MarkReadFiredBefore(const std::string& inbox,
                                                           absl::Time before) {
  int marked = 0;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    const std::string where =
        " WHERE inbox = $1 AND read_ms IS NULL AND notification_id IN (SELECT id FROM "
        "notifications WHERE fire_ms < $2)";
    absl::StatusOr<std::vector<Row>> unread =
        tx.Query(absl::StrCat("SELECT COUNT(DISTINCT notification_id) FROM recipients", where),
                 {inbox, absl::ToUnixMillis(before)});
    if (!unread.ok()) return unread.status();
    marked = static_cast<int>(unread->front().Int(0));
    return tx
        .Exec(absl::StrCat("UPDATE recipients SET read_ms = $3", where),
              {inbox, absl::ToUnixMillis(before), absl::ToUnixMillis(now_())})
        .status();
  });
  if (!status.ok()) return status;
  return marked;
}

absl::StatusOr<bool> NotificationStore::InboxInScope(const std::string& inbox,
                                                     const std::string& unit) {
  bool found = false;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT 1 FROM recipients r JOIN recipient_scopes s ON s.notification_id = "
        "r.notification_id AND s.position = r.position WHERE r.inbox = $1 AND s.scope = $2 "
        "LIMIT 1",
        {inbox, unit});
    if (!rows.ok()) return rows.status();
    found = !rows->empty();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::string> NotificationStore::ReadState(const std::string& inbox,
                                                         const std::vector<std::string>& ids,
                                                         std::optional<int64_t> fired_before_ms) {
  Params p;
  std::string sql = absl::StrCat(
      "SELECT r.notification_id, r.position, r.read_ms FROM recipients r WHERE r.inbox = ",
      p(inbox));
  if (fired_before_ms.has_value()) {
    absl::StrAppend(&sql,
                    " AND r.notification_id IN (SELECT id FROM notifications WHERE fire_ms < ",
                    p(*fired_before_ms), ")");
  } else if (ids.empty()) {
    return std::string();
  } else {
    absl::StrAppend(&sql, " AND r.notification_id IN ", p.In(ids));
  }
  absl::StrAppend(&sql, " ORDER BY r.notification_id, r.position");
  std::string out;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    out.clear();
    absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, p.values);
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      absl::StrAppend(&out, NotificationName(row.Text(0)), " ", row.Int(1), " ",
                      row.IsNull(2) ? std::string("unread") : absl::StrCat(row.Int(2)), "\n");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<LogEntry>> NotificationStore::ReadLog(int64_t after_seq, int limit) {
  std::vector<LogEntry> out;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    out.clear();
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT id, seq, body FROM notifications WHERE seq > $1 ORDER BY seq LIMIT $2",
                 {after_seq, int64_t{limit}});
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      absl::StatusOr<LogEntry> entry = EntryFromRow(row, 1, 2);
      if (!entry.ok()) return entry.status();
      out.push_back(*std::move(entry));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> NotificationStore::LastSeq() {
  int64_t seq = 0;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT COALESCE(MAX(seq), 0) FROM notifications");
    if (!rows.ok()) return rows.status();
    seq = rows->front().Int(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return seq;
}

absl::StatusOr<int64_t> NotificationStore::SeqBefore(absl::Time t) {
  int64_t seq = 0;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT COALESCE(MIN(seq) - 1, (SELECT COALESCE(MAX(seq), 0) FROM notifications)) FROM "
        "notifications WHERE deliver_ms >= $1",
        {absl::ToUnixMillis(t)});
    if (!rows.ok()) return rows.status();
    seq = rows->front().Int(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return seq;
}

// ---- Webhooks -----------------------------------------------------------------

absl::StatusOr<pb::Webhook> NotificationStore::CreateWebhook(pb::Webhook webhook,
                                                             const std::string& secret) {
  const std::string id = ids_->Next();
  const google::protobuf::Timestamp now = ToTimestamp(now_());
  *webhook.mutable_create_time() = now;
  *webhook.mutable_update_time() = now;
  *webhook.mutable_secret_update_time() = now;
  absl::StatusOr<pb::Webhook> created;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = tx.Exec("INSERT INTO webhooks (id, display_name, state, secret, "
                                 "revision, body) VALUES ($1, $2, $3, $4, 1, $5)",
                                 {id, webhook.display_name(), int64_t{webhook.state()},
                                  Blob{secret}, Blob{WebhookBody(webhook)}})
                             .status();
        !s.ok()) {
      return s;
    }
    created = LoadWebhook(tx, id);
    return created.status();
  });
  if (!status.ok()) return status;
  return created;
}

absl::StatusOr<pb::Webhook> NotificationStore::GetWebhook(const std::string& id) {
  absl::StatusOr<pb::Webhook> webhook;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    webhook = LoadWebhook(tx, id);
    return webhook.status();
  });
  if (!status.ok()) return status;
  return webhook;
}

absl::StatusOr<std::vector<pb::Webhook>> NotificationStore::ListWebhooks(
    const std::string& after_key, int limit, bool* more) {
  *more = false;
  Params p;
  std::string sql = absl::StrCat("SELECT ", kWebhookColumns, " FROM webhooks");
  if (!after_key.empty()) {
    const size_t cut = after_key.rfind('\n');
    const std::string display = after_key.substr(0, cut == std::string::npos ? 0 : cut);
    const std::string name = cut == std::string::npos ? after_key : after_key.substr(cut + 1);
    const std::string id =
        name.size() > kWebhooks.size() ? name.substr(kWebhooks.size()) : std::string();
    const std::string d = p(display);
    absl::StrAppend(&sql, " WHERE display_name > ", d, " OR (display_name = ", d, " AND id > ",
                    p(id), ")");
  }
  absl::StrAppend(&sql, " ORDER BY display_name, id LIMIT ", p(int64_t{limit} + 1));
  std::vector<pb::Webhook> out;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    out.clear();
    absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, p.values);
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      if (static_cast<int>(out.size()) == limit) {
        *more = true;
        break;
      }
      absl::StatusOr<pb::Webhook> w = WebhookFromRow(row);
      if (!w.ok()) return w.status();
      out.push_back(*std::move(w));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<pb::Webhook> NotificationStore::UpdateWebhook(const std::string& id,
                                                             const WebhookUpdate& update) {
  absl::StatusOr<pb::Webhook> updated;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<pb::Webhook> webhook = LoadWebhook(tx, id);
    if (!webhook.ok()) return webhook.status();
    int64_t revision = 0;
    if (!absl::SimpleAtoi(webhook->etag(), &revision)) {
      return absl::DataLossError(
          absl::StrCat(WebhookName(id), ": stored revision is not a number"));
    }
    std::string secret;
    bool secret_changed = false;
    if (absl::Status s = update(*webhook, &secret, &secret_changed); !s.ok()) return s;
    const google::protobuf::Timestamp now = ToTimestamp(now_());
    *webhook->mutable_update_time() = now;
    if (secret_changed) *webhook->mutable_secret_update_time() = now;
    std::vector<Value> values = {id, revision, webhook->display_name(), int64_t{webhook->state()},
                                 Blob{WebhookBody(*webhook)}};
    std::string sql =
        "UPDATE webhooks SET display_name = $3, state = $4, body = $5, revision = revision + 1";
    if (secret_changed) {
      values.emplace_back(std::in_place_type<Blob>, Blob{secret});
      sql += ", secret = $6";
    }
    sql += " WHERE id = $1 AND revision = $2";
    absl::StatusOr<int64_t> n = tx.Exec(sql, values);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return absl::AbortedError(
          absl::StrCat(WebhookName(id), " was changed by another writer; read it again"));
    }
    updated = LoadWebhook(tx, id);
    return updated.status();
  });
  if (!status.ok()) return status;
  return updated;
}

absl::Status NotificationStore::DeleteWebhook(
    const std::string& id, const std::function<absl::Status(const pb::Webhook&)>& check) {
  return db_->Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<pb::Webhook> webhook = LoadWebhook(tx, id);
    if (!webhook.ok()) return webhook.status();
    if (check) {
      if (absl::Status s = check(*webhook); !s.ok()) return s;
    }
    // Explicit rather than relying on the cascade, which needs foreign keys
    // switched on in every backend.
    if (absl::Status s =
            tx.Exec("DELETE FROM webhook_deliveries WHERE webhook_id = $1", {id}).status();
        !s.ok()) {
      return s;
    }
    return tx.Exec("DELETE FROM webhooks WHERE id = $1", {id}).status();
  });
}

// ---- Webhook outbox -----------------------------------------------------------

absl::StatusOr<std::vector<OutboxDelivery>> NotificationStore::ClaimDeliveries(absl::Time now,
                                                                               absl::Duration lease,
                                                                               int limit) {
  std::vector<OutboxDelivery> out;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    out.clear();
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT d.id, d.webhook_id, d.attempts, w.secret, w.body, n.body, n.id FROM "
        "webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN notifications n ON "
        "n.id = d.notification_id WHERE d.state = 'pending' AND w.state = $1 AND d.next_ms <= $2 "
        "ORDER BY d.next_ms, d.id LIMIT $3",
        {int64_t{pb::WEBHOOK_STATE_ACTIVE}, absl::ToUnixMillis(now), int64_t{limit}});
    if (!rows.ok()) return rows.status();
    std::vector<std::string> ids;
    for (const Row& row : *rows) {
      OutboxDelivery d;
      d.id = row.Text(0);
      d.webhook_id = row.Text(1);
      d.attempts = static_cast<int>(row.Int(2));
      d.secret = row.Text(3);
      absl::StatusOr<pb::Webhook> w = DecodeBody<pb::Webhook>(row.Text(4), "webhook", d.webhook_id);
      if (!w.ok()) return w.status();
      d.url = w->url();
      d.max_attempts = w->max_attempts();
      absl::StatusOr<pb::Notification> n =
          DecodeBody<pb::Notification>(row.Text(5), "notification", row.Text(6));
      if (!n.ok()) return n.status();
      d.notification = *std::move(n);
      ids.push_back(d.id);
      out.push_back(std::move(d));
    }
    if (ids.empty()) return absl::OkStatus();
    Params p;
    const std::string next = p(absl::ToUnixMillis(now + lease));
    const std::string sql =
        absl::StrCat("UPDATE webhook_deliveries SET next_ms = ", next, " WHERE id IN ", p.In(ids));
    return tx.Exec(sql, p.values).status();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::optional<absl::Time>> NotificationStore::NextDeliveryTime() {
  std::optional<absl::Time> next;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "SELECT MIN(d.next_ms) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
        "WHERE d.state = 'pending' AND w.state = $1",
        {int64_t{pb::WEBHOOK_STATE_ACTIVE}});
    if (!rows.ok()) return rows.status();
    if (!rows->front().IsNull(0)) next = absl::FromUnixMillis(rows->front().Int(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return next;
}

absl::Status NotificationStore::DeliverySucceeded(const std::string& delivery_id, absl::Time now) {
  return db_->Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT webhook_id FROM webhook_deliveries WHERE id = $1 AND state = 'pending'",
                 {delivery_id});
    if (!rows.ok()) return rows.status();
    // Gone: its webhook was deleted while the request was in flight.
    if (rows->empty()) return absl::OkStatus();
    const std::string webhook_id = rows->front().Text(0);
    if (absl::Status s =
            tx.Exec("DELETE FROM webhook_deliveries WHERE id = $1", {delivery_id}).status();
        !s.ok()) {
      return s;
    }
    return tx
        .Exec("UPDATE webhooks SET last_success_ms = $1, consecutive_failures = 0 WHERE id = $2",
              {absl::ToUnixMillis(now), webhook_id})
        .status();
  });
}

absl::Status NotificationStore::DeliveryFailed(const std::string& delivery_id,
                                               const std::string& error, absl::Time now,
                                               std::optional<absl::Time> retry_at) {
  return db_->Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query("SELECT webhook_id FROM webhook_deliveries WHERE id = $1 AND state = 'pending'",
                 {delivery_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::OkStatus();
    const std::string webhook_id = rows->front().Text(0);
    const std::string sql =
        retry_at.has_value()
            ? "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, next_ms = "
              "$3 WHERE id = $1"
            : "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, state = "
              "'dead', dead_ms = $3 WHERE id = $1";
    const int64_t at_ms = absl::ToUnixMillis(retry_at.value_or(now));
    if (absl::Status s = tx.Exec(sql, {delivery_id, error, at_ms}).status(); !s.ok()) return s;
    return tx
        .Exec(
            "UPDATE webhooks SET last_failure_ms = $1, last_error = $2, consecutive_failures = "
            "consecutive_failures + 1 WHERE id = $3",
            {absl::ToUnixMillis(now), error, webhook_id})
        .status();
  });
}

absl::StatusOr<std::vector<DeadDelivery>> NotificationStore::ListDeadDeliveries(
    const DeadDeliveryQuery& query) {
  Params p;
  std::string sql =
      "SELECT d.id, d.webhook_id, d.attempts, d.last_error, d.dead_ms, n.body FROM "
      "webhook_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.state = "
      "'dead'";
  if (!query.webhook_id.empty()) absl::StrAppend(&sql, " AND d.webhook_id = ", p(query.webhook_id));
  if (!query.reminder_id_prefix.empty()) {
    const std::string prefix = p(query.reminder_id_prefix);
    absl::StrAppend(&sql, " AND substr(d.reminder_id, 1, length(", prefix, ")) = ", prefix);
  }
  if (query.dead_after_ms != INT64_MIN) {
    absl::StrAppend(&sql, " AND d.dead_ms >= ", p(query.dead_after_ms));
  }
  if (query.before.has_value()) {
    const std::string ms = p(query.before->first);
    absl::StrAppend(&sql, " AND (d.dead_ms < ", ms, " OR (d.dead_ms = ", ms, " AND d.id < ",
                    p(query.before->second), "))");
  }
  absl::StrAppend(&sql, " ORDER BY d.dead_ms DESC, d.id DESC LIMIT ", p(int64_t{query.limit}));
  std::vector<DeadDelivery> out;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    out.clear();
    absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, p.values);
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      absl::StatusOr<DeadDelivery> d = DeadDeliveryFromRow(row);
      if (!d.ok()) return d.status();
      out.push_back(*std::move(d));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<DeadDelivery> NotificationStore::GetDeadDelivery(const std::string& id) {
  DeadDelivery out;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<DeadDelivery> read = ReadDeadDelivery(tx, id);
    if (!read.ok()) return read.status();
    out = *std::move(read);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<DeadDelivery> NotificationStore::RetryDeadDelivery(const std::string& id,
                                                                  absl::Time at) {
  DeadDelivery out;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<DeadDelivery> read = ReadDeadDelivery(tx, id);
    if (!read.ok()) return read.status();
    out = *std::move(read);
    return tx
        .Exec(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_ms = $1, "
            "last_error = NULL, dead_ms = NULL WHERE id = $2",
            {absl::ToUnixMillis(at), id})
        .status();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace chiso::notification
