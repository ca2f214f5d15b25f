// The audit trail (common/audit/audit_log.h) on both storage backends.

#include "common/audit/audit_log.h"

#include <openssl/sha.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "chiso/common/v1/audit.pb.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace chiso::audit {
namespace {

namespace pb = ::chiso::common::v1;
using storage::Row;
using storage::Tx;
using test_support::Backend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The resource the tests change: any message with a `name` will do; this one
// keeps its value in `resource`.
using Thing = pb::AuditEvent;

Thing MakeThing(const std::string& name, const std::string& value) {
  Thing thing;
  thing.set_name(name);
  thing.set_resource(value);
  return thing;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

auth::Caller Person(const std::string& id) {
  auth::Caller caller;
  caller.principal.id = id;
  caller.principal.kind = auth::Principal::Kind::kPerson;
  caller.principal.unit = "units/hanoi";
  caller.principal.credential = "jwt:k1";
  caller.request_id = "req-1";
  caller.client_certificate = "portal.example";
  caller.rpc = "chiso.test.v1.ThingService/PutThing";
  return caller;
}

auth::Caller Anonymous(const std::string& rpc) {
  auth::Caller caller;
  caller.anonymous = true;
  caller.rpc = rpc;
  return caller;
}

// A store of things, each call its own transaction as service stores are.
class ThingStore {
 public:
  explicit ThingStore(storage::Database* db) : db_(db) {}

  absl::StatusOr<Thing> Put(const Thing& thing) {
    absl::Status s = db_->Transact([&](Tx& tx) {
      return tx
          .Exec(
              "INSERT INTO things (name, value) VALUES ($1, $2) "
              "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
              {thing.name(), thing.resource()})
          .status();
    });
    if (!s.ok()) return s;
    return thing;
  }

  absl::StatusOr<Thing> Get(const std::string& name) {
    Thing thing;
    absl::Status s = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows =
          tx.Query("SELECT name, value FROM things WHERE name = $1", {name});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return absl::NotFoundError(absl::StrCat(name, " not found"));
      thing = MakeThing((*rows)[0].Text(0), (*rows)[0].Text(1));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return thing;
  }

  absl::Status Delete(const std::string& name) {
    return db_->Transact(
        [&](Tx& tx) { return tx.Exec("DELETE FROM things WHERE name = $1", {name}).status(); });
  }

 private:
  storage::Database* db_;
};

class AuditLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    std::vector<storage::Migration> migrations = {storage::PortableMigration(
        1, "create things", "CREATE TABLE things (name TEXT PRIMARY KEY, value TEXT NOT NULL)")};
    for (storage::Migration& m : AuditMigrations(2)) migrations.push_back(std::move(m));
    ASSERT_TRUE(storage::Migrate(*db_, migrations).ok());
    store_ = std::make_unique<ThingStore>(db_.get());
    log_ = std::make_unique<AuditLog>(db_.get(), [this] { return now_; });
  }

  // Puts `thing` through Mutate, as a handler would.
  absl::StatusOr<Thing> Put(const auth::Caller& caller, const Thing& thing) {
    return log_->Mutate<Thing>(
        caller, thing.name(), [&] { return Before(store_->Get(thing.name())); },
        [&] { return store_->Put(thing); });
  }

  std::vector<pb::AuditEvent> All(pb::ListAuditEventsRequest request = {}) {
    std::vector<pb::AuditEvent> events;
    request.set_page_size(1000);
    absl::StatusOr<pb::ListAuditEventsResponse> page = log_->List(request);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return events;
    EXPECT_EQ(page->next_page_token(), "");
    for (const pb::AuditEvent& e : page->events()) events.push_back(e);
    return events;
  }

  int64_t CountRows(const std::string& sql) {
    int64_t n = -1;
    absl::Status s = db_->Read([&](Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<Row>> rows = tx.Query(sql);
      if (!rows.ok()) return rows.status();
      n = (*rows)[0].Int(0);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }
  int64_t Events() { return CountRows("SELECT COUNT(*) FROM audit_events"); }
  int64_t Things() { return CountRows("SELECT COUNT(*) FROM things"); }

  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ThingStore> store_;
  std::unique_ptr<AuditLog> log_;
};
INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(AuditLogTest, EachSuccessfulMutationLeavesExactlyOneEvent) {
  const Thing first = MakeThing("things/a", "one");
  const Thing second = MakeThing("things/a", "two");
  ASSERT_TRUE(Put(Person("people/lan"), first).ok());
  EXPECT_EQ(Events(), 1);
  now_ += absl::Seconds(1);
  absl::StatusOr<Thing> updated = Put(Person("people/lan"), second);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->resource(), "two");
  EXPECT_EQ(Events(), 2);

  std::vector<pb::AuditEvent> events = All();
  ASSERT_THAT(events, SizeIs(2));
  // Newest first.
  const pb::AuditEvent& update = events[0];
  const pb::AuditEvent& create = events[1];
  EXPECT_EQ(create.before_sha256(), "");
  EXPECT_EQ(create.after_sha256(), Sha256Hex(Serialize(first)));
  EXPECT_EQ(update.before_sha256(), Sha256Hex(Serialize(first)));
  EXPECT_EQ(update.after_sha256(), Sha256Hex(Serialize(second)));
  EXPECT_THAT(update.after_sha256(), ::testing::MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(update.resource(), "things/a");
  EXPECT_EQ(update.principal(), "people/lan");
  EXPECT_EQ(update.principal_kind(), "person");
  EXPECT_EQ(update.principal_unit(), "units/hanoi");
  EXPECT_EQ(update.credential(), "jwt:k1");
  EXPECT_EQ(update.client_certificate(), "portal.example");
  EXPECT_EQ(update.rpc(), "chiso.test.v1.ThingService/PutThing");
  EXPECT_EQ(update.request_id(), "req-1");
  EXPECT_EQ(update.time().seconds(), 1800000001);
  EXPECT_EQ(create.time().seconds(), 1800000000);
  EXPECT_THAT(update.name(), ::testing::StartsWith("auditEvents/"));
  EXPECT_NE(update.name(), create.name());
}

TEST_P(AuditLogTest, AnAnonymousCallerIsRecordedAsAnonymous) {
  ASSERT_TRUE(
      Put(Anonymous("chiso.test.v1.ThingService/PutThing"), MakeThing("things/a", "1")).ok());
  std::vector<pb::AuditEvent> events = All();
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].principal(), "anonymous");
  EXPECT_EQ(events[0].principal_kind(), "");
  EXPECT_EQ(events[0].principal_unit(), "");
  EXPECT_EQ(events[0].credential(), "");
}

TEST_P(AuditLogTest, ADeleteHasNoAfterDigestAndACreateNoBeforeDigest) {
  const Thing thing = MakeThing("things/a", "1");
  ASSERT_TRUE(Put(Person("people/lan"), thing).ok());
  absl::Status deleted = log_->Record(
      Person("people/lan"), "things/a", [&] { return Before(store_->Get("things/a")); },
      [&]() -> absl::StatusOr<Change> {
        if (absl::Status s = store_->Delete("things/a"); !s.ok()) return s;
        return Change{};
      });
  ASSERT_TRUE(deleted.ok()) << deleted;
  std::vector<pb::AuditEvent> events = All();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[0].resource(), "things/a");
  EXPECT_EQ(events[0].before_sha256(), Sha256Hex(Serialize(thing)));
  EXPECT_EQ(events[0].after_sha256(), "");
}

TEST_P(AuditLogTest, AMutateWithoutAResourceNamesTheCreatedOne) {
  absl::StatusOr<Thing> made = log_->Mutate<Thing>(
      Person("people/lan"), "", nullptr, [&] { return store_->Put(MakeThing("things/new", "1")); });
  ASSERT_TRUE(made.ok()) << made.status();
  // The resource given wins over the name of what the call answered.
  ASSERT_TRUE(log_->Mutate<Thing>(Person("people/lan"), "plans/p", nullptr,
                                  [&] { return store_->Put(MakeThing("things/other", "1")); })
                  .ok());
  std::vector<pb::AuditEvent> events = All();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[1].resource(), "things/new");
  EXPECT_EQ(events[0].resource(), "plans/p");
}

TEST_P(AuditLogTest, AFailedChangeLeavesNoEvent) {
  absl::StatusOr<Thing> failed =
      log_->Mutate<Thing>(Person("people/lan"), "things/a", nullptr,
                          []() -> absl::StatusOr<Thing> { return absl::NotFoundError("gone"); });
  EXPECT_EQ(failed.status(), absl::NotFoundError("gone"));
  EXPECT_EQ(Events(), 0);
}

TEST_P(AuditLogTest, AChangeThatWritesThenFailsLeavesNeitherTheWriteNorAnEvent) {
  absl::StatusOr<Thing> failed = log_->Mutate<Thing>(
      Person("people/lan"), "things/a", nullptr, [&]() -> absl::StatusOr<Thing> {
        absl::StatusOr<Thing> put = store_->Put(MakeThing("things/a", "1"));
        if (!put.ok()) return put.status();
        return absl::FailedPreconditionError("changed my mind");
      });
  EXPECT_EQ(failed.status(), absl::FailedPreconditionError("changed my mind"));
  EXPECT_EQ(Things(), 0);
  EXPECT_EQ(Events(), 0);
}

TEST_P(AuditLogTest, AFailedBeforeStopsTheChange) {
  bool changed = false;
  absl::Status s = log_->Record(
      Person("people/lan"), "things/a",
      []() -> absl::StatusOr<std::string> { return absl::UnavailableError("down"); },
      [&]() -> absl::StatusOr<Change> {
        changed = true;
        return Change{};
      });
  EXPECT_EQ(s, absl::UnavailableError("down"));
  EXPECT_FALSE(changed);
  EXPECT_EQ(Events(), 0);
}

TEST_P(AuditLogTest, AChangeIsRolledBackWhenItsEventCannotBeRecorded) {
  // A caller the event cannot name (the table refuses an empty principal):
  // the change succeeds, the insert of its event fails, and both go.
  auth::Caller nameless = Person("");
  absl::StatusOr<Thing> put = Put(nameless, MakeThing("things/a", "1"));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kFailedPrecondition) << put.status();
  EXPECT_THAT(put.status().message(), HasSubstr("audit"));
  EXPECT_EQ(Things(), 0);
  EXPECT_EQ(Events(), 0);
}

TEST_P(AuditLogTest, AChangeIsRolledBackWhenTheAuditTableIsMissing) {
  ASSERT_TRUE(db_->Transact([](Tx& tx) {
                   return tx.ExecScript("ALTER TABLE audit_events RENAME TO audit_events_gone");
                 })
                  .ok());
  absl::StatusOr<Thing> put = Put(Person("people/lan"), MakeThing("things/a", "1"));
  EXPECT_FALSE(put.ok());
  EXPECT_EQ(Things(), 0);
}

TEST_P(AuditLogTest, AMutationInsideAFailedTransactionLeavesNothing) {
  absl::Status outer = db_->Transact([&](Tx&) -> absl::Status {
    absl::StatusOr<Thing> put = Put(Person("people/lan"), MakeThing("things/a", "1"));
    if (!put.ok()) return put.status();
    return absl::AbortedError("the caller gives up");
  });
  EXPECT_EQ(outer, absl::AbortedError("the caller gives up"));
  EXPECT_EQ(Things(), 0);
  EXPECT_EQ(Events(), 0);
}

TEST_P(AuditLogTest, TheDatabaseRefusesToChangeOrDeleteEvents) {
  ASSERT_TRUE(Put(Person("people/lan"), MakeThing("things/a", "1")).ok());
  const std::vector<pb::AuditEvent> before = All();
  for (const char* sql :
       {"UPDATE audit_events SET principal = 'people/mallory'",
        "UPDATE audit_events SET principal = 'x' WHERE id = 'none'", "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE id = 'none'"}) {
    SCOPED_TRACE(sql);
    absl::Status s = db_->Transact([&](Tx& tx) { return tx.Exec(sql).status(); });
    if (GetParam() == Backend::kSqlite && absl::StrContains(sql, "'none'")) {
      // SQLite's row triggers fire only for rows the statement touches.
      EXPECT_TRUE(s.ok() || s.code() == absl::StatusCode::kFailedPrecondition) << s;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(s.message(), HasSubstr("append-only"));
  }
  if (GetParam() == Backend::kPostgres) {
    absl::Status s = db_->Transact([](Tx& tx) { return tx.ExecScript("TRUNCATE audit_events"); });
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  }
  const std::vector<pb::AuditEvent> after = All();
  ASSERT_THAT(after, SizeIs(1));
  EXPECT_EQ(after[0].SerializeAsString(), before[0].SerializeAsString());
}

class AuditListTest : public AuditLogTest {
 protected:
  void SetUp() override {
    AuditLogTest::SetUp();
    if (HasFatalFailure()) return;
    // Six events: two people, three things, two methods, one per second.
    struct Spec {
      const char* principal;
      const char* thing;
      const char* rpc;
    };
    const Spec specs[] = {
        {"people/lan", "things/a", "chiso.test.v1.ThingService/PutThing"},
        {"people/minh", "things/b", "chiso.test.v1.ThingService/PutThing"},
        {"people/lan", "things/b", "chiso.test.v1.ThingService/RenameThing"},
        {"people/minh", "things/c", "chiso.other.v1.OtherService/PutThing"},
        {"people/lan", "things/a", "chiso.test.v1.ThingService/PutThing"},
        {"people/minh", "things/a", "chiso.test.v1.ThingService/RenameThing"},
    };
    int i = 0;
    for (const Spec& spec : specs) {
      auth::Caller caller = Person(spec.principal);
      caller.rpc = spec.rpc;
      caller.request_id = absl::StrCat("req-", i++);
      ASSERT_TRUE(Put(caller, MakeThing(spec.thing, caller.request_id)).ok());
      now_ += absl::Seconds(1);
    }
  }

  // The request ids of the events `request` lists, in order.
  std::vector<std::string> RequestIds(pb::ListAuditEventsRequest request) {
    std::vector<std::string> ids;
    for (const pb::AuditEvent& e : All(std::move(request))) ids.push_back(e.request_id());
    return ids;
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, AuditListTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(AuditListTest, ListsNewestFirst) {
  EXPECT_THAT(RequestIds({}), ElementsAre("req-5", "req-4", "req-3", "req-2", "req-1", "req-0"));
}

TEST_P(AuditListTest, FiltersByPrincipalResourceAndRequestId) {
  pb::ListAuditEventsRequest request;
  request.set_principal("people/lan");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-4", "req-2", "req-0"));
  request.set_resource("things/a");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-4", "req-0"));
  request.Clear();
  request.set_resource("things/b");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-2", "req-1"));
  request.Clear();
  request.set_request_id("req-3");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-3"));
  request.set_principal("people/lan");
  EXPECT_THAT(RequestIds(request), IsEmpty());
}

TEST_P(AuditListTest, FiltersByMethodNameOrFullName) {
  pb::ListAuditEventsRequest request;
  request.set_rpc("PutThing");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-4", "req-3", "req-1", "req-0"));
  request.set_rpc("chiso.test.v1.ThingService/PutThing");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-4", "req-1", "req-0"));
  request.set_rpc("RenameThing");
  EXPECT_THAT(RequestIds(request), ElementsAre("req-5", "req-2"));
  // Neither a part of a name nor a pattern.
  request.set_rpc("Thing");
  EXPECT_THAT(RequestIds(request), IsEmpty());
  request.set_rpc("%");
  EXPECT_THAT(RequestIds(request), IsEmpty());
  request.set_rpc("_utThing");
  EXPECT_THAT(RequestIds(request), IsEmpty());
}

TEST_P(AuditListTest, FiltersByTimeSinceInclusiveUntilExclusive) {
  pb::ListAuditEventsRequest request;
  request.mutable_since()->set_seconds(1800000001);
  request.mutable_until()->set_seconds(1800000004);
  EXPECT_THAT(RequestIds(request), ElementsAre("req-3", "req-2", "req-1"));
  request.clear_until();
  request.mutable_since()->set_nanos(1);
  EXPECT_THAT(RequestIds(request), ElementsAre("req-5", "req-4", "req-3", "req-2"));
  request.clear_since();
  request.mutable_until()->set_seconds(1800000001);
  EXPECT_THAT(RequestIds(request), ElementsAre("req-0"));
}

TEST_P(AuditListTest, PagesCoverEveryEventOnceAndStayStable) {
  pb::ListAuditEventsRequest request;
  request.set_page_size(4);
  request.set_principal("people/lan");
  absl::StatusOr<pb::ListAuditEventsResponse> first = log_->List(request);
  ASSERT_TRUE(first.ok()) << first.status();
  request.set_page_size(2);
  request.clear_principal();
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    request.set_page_token(token);
    absl::StatusOr<pb::ListAuditEventsResponse> page = log_->List(request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const pb::AuditEvent& e : page->events()) seen.push_back(e.request_id());
    token = page->next_page_token();
    if (++pages == 1) {
      // A change made meanwhile is newer: it does not shift later pages.
      auth::Caller caller = Person("people/lan");
      caller.request_id = "req-new";
      ASSERT_TRUE(Put(caller, MakeThing("things/z", "z")).ok());
    }
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("req-5", "req-4", "req-3", "req-2", "req-1", "req-0"));
}

TEST_P(AuditListTest, AFullLastPageHasNoToken) {
  pb::ListAuditEventsRequest request;
  request.set_page_size(3);
  request.set_principal("people/lan");
  absl::StatusOr<pb::ListAuditEventsResponse> page = log_->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->events(), SizeIs(3));
  EXPECT_EQ(page->next_page_token(), "");
}

TEST_P(AuditListTest, APageTokenIsBoundToItsFilter) {
  pb::ListAuditEventsRequest request;
  request.set_page_size(1);
  request.set_resource("things/a");
  absl::StatusOr<pb::ListAuditEventsResponse> page = log_->List(request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_NE(page->next_page_token(), "");
  request.set_page_token(page->next_page_token());
  // Another page size is the same listing.
  request.set_page_size(5);
  EXPECT_TRUE(log_->List(request).ok());
  request.set_resource("things/b");
  absl::StatusOr<pb::ListAuditEventsResponse> other = log_->List(request);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument) << other.status();
  request.set_resource("things/a");
  request.set_rpc("PutThing");
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.clear_rpc();
  request.set_page_token("garbage");
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(AuditListTest, RejectsBadPageSizesAndTimeRanges) {
  pb::ListAuditEventsRequest request;
  request.set_page_size(-1);
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.set_page_size(1001);
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.set_page_size(1000);
  EXPECT_TRUE(log_->List(request).ok());
  request.set_page_size(0);
  request.mutable_since()->set_seconds(1800000003);
  request.mutable_until()->set_seconds(1800000003);
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.mutable_until()->set_seconds(1800000002);
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.clear_until();
  request.mutable_since()->set_nanos(-1);
  EXPECT_EQ(log_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(AuditLogTest, AZeroPageSizeMeansAHundred) {
  absl::Status s = db_->Transact([&](Tx&) -> absl::Status {
    for (int i = 0; i < 101; ++i) {
      absl::StatusOr<Thing> put =
          Put(Person("people/lan"), MakeThing(absl::StrCat("things/", i), "1"));
      if (!put.ok()) return put.status();
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  absl::StatusOr<pb::ListAuditEventsResponse> page = log_->List({});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->events(), SizeIs(100));
  EXPECT_NE(page->next_page_token(), "");
}

TEST_P(AuditLogTest, ConcurrentMutationsEachLeaveOneEvent) {
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::vector<absl::Status> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auth::Caller caller = Person(absl::StrCat("people/p", t));
        caller.request_id = absl::StrCat("req-", t, "-", i);
        absl::StatusOr<Thing> put = Put(caller, MakeThing(absl::StrCat("things/", t), "x"));
        if (!put.ok()) failures[t] = put.status();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& failure : failures) EXPECT_TRUE(failure.ok()) << failure;
  EXPECT_EQ(Events(), kThreads * kEach);
  std::set<std::string> request_ids;
  for (const pb::AuditEvent& e : All()) request_ids.insert(e.request_id());
  EXPECT_THAT(request_ids, SizeIs(kThreads * kEach));
}

TEST_P(AuditLogTest, RecordingInsideAReadIsRefused) {
  absl::Status inner;
  ASSERT_TRUE(db_->Read([&](Tx&) {
                   inner = Put(Person("people/lan"), MakeThing("things/a", "1")).status();
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition) << inner;
  EXPECT_EQ(Things(), 0);
  EXPECT_EQ(Events(), 0);
}

TEST(AuditMigrations, AreNumberedFromTheFirstVersion) {
  std::vector<storage::Migration> migrations = AuditMigrations(7);
  ASSERT_THAT(migrations, ::testing::Not(IsEmpty()));
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, 7 + static_cast<int>(i));
    EXPECT_THAT(migrations[i].sqlite, HasSubstr("audit_events"));
    EXPECT_THAT(migrations[i].postgres, HasSubstr("audit_events"));
  }
}

TEST(Serialize, IsDeterministicAndEmptyForAnEmptyMessage) {
  EXPECT_EQ(Serialize(Thing()), "");
  const Thing thing = MakeThing("things/a", "1");
  EXPECT_EQ(Serialize(thing), Serialize(thing));
  Thing parsed;
  ASSERT_TRUE(parsed.ParseFromString(Serialize(thing)));
  EXPECT_EQ(parsed.name(), "things/a");
}

TEST(Before, IsEmptyForNotFoundAndTheErrorOtherwise) {
  EXPECT_EQ(*Before<Thing>(absl::StatusOr<Thing>(absl::NotFoundError("x"))), "");
  EXPECT_EQ(Before<Thing>(absl::StatusOr<Thing>(absl::UnavailableError("x"))).status(),
            absl::UnavailableError("x"));
  const Thing thing = MakeThing("things/a", "1");
  EXPECT_EQ(*Before<Thing>(absl::StatusOr<Thing>(thing)), Serialize(thing));
}

}  // namespace
}  // namespace chiso::audit
