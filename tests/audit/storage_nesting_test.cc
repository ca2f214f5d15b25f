// Transact and Read called inside a transaction on the same thread join it
// (common/storage/database.h), on both backends.

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace chiso::storage {
namespace {

using test_support::Backend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

absl::Status Insert(Tx& tx, const std::string& k) {
  return tx.Exec("INSERT INTO t (k) VALUES ($1)", {k}).status();
}

std::vector<std::string> Keys(Tx& tx) {
  std::vector<std::string> keys;
  absl::StatusOr<std::vector<Row>> rows = tx.Query("SELECT k FROM t ORDER BY k");
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (rows.ok()) {
    for (const Row& row : *rows) keys.push_back(row.Text(0));
  }
  return keys;
}

class StorageNestingTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(
        db_->Transact([](Tx& tx) { return tx.ExecScript("CREATE TABLE t (k TEXT PRIMARY KEY)"); })
            .ok());
  }

  // The committed keys, read in a transaction of their own.
  std::vector<std::string> Committed() {
    std::vector<std::string> keys;
    absl::Status s = db_->Read([&](Tx& tx) {
      keys = Keys(tx);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return keys;
  }

  std::unique_ptr<Database> db_;
};
INSTANTIATE_TEST_SUITE_P(Backends, StorageNestingTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(StorageNestingTest, AnInnerErrorRollsBackTheInnerChangesAndTheOuterCommits) {
  absl::Status inner;
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    inner = db_->Transact([&](Tx& nested) -> absl::Status {
      if (absl::Status s = Insert(nested, "b"); !s.ok()) return s;
      return absl::AbortedError("inner gives up");
    });
    return Insert(tx, "c");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(inner, absl::AbortedError("inner gives up"));
  EXPECT_THAT(Committed(), ElementsAre("a", "c"));
}

TEST_P(StorageNestingTest, AnInnerSuccessCommitsOnlyWithTheOuter) {
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    absl::Status inner = db_->Transact([&](Tx& nested) { return Insert(nested, "b"); });
    EXPECT_TRUE(inner.ok()) << inner;
    return absl::AbortedError("outer gives up");
  });
  EXPECT_EQ(outer, absl::AbortedError("outer gives up"));
  EXPECT_THAT(Committed(), IsEmpty());
}

TEST_P(StorageNestingTest, InnerChangesJoinTheOuterTransaction) {
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    absl::Status inner = db_->Transact([&](Tx& nested) { return Insert(nested, "b"); });
    if (!inner.ok()) return inner;
    EXPECT_THAT(Keys(tx), ElementsAre("b"));
    return Insert(tx, "a");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_THAT(Committed(), ElementsAre("a", "b"));
}

TEST_P(StorageNestingTest, AReadInsideATransactionSeesItsUncommittedWrites) {
  std::vector<std::string> seen;
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    return db_->Read([&](Tx& read) {
      seen = Keys(read);
      return absl::OkStatus();
    });
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_THAT(seen, ElementsAre("a"));
}

TEST_P(StorageNestingTest, AReadInsideATransactionCannotWriteAndTheOuterGoesOn) {
  absl::Status read;
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    read = db_->Read([&](Tx& r) { return Insert(r, "x"); });
    // Writing works again once the read is over.
    return Insert(tx, "a");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_FALSE(read.ok());
  EXPECT_THAT(Committed(), ElementsAre("a"));
}

TEST_P(StorageNestingTest, AWriteInsideAReadIsAFailedPrecondition) {
  bool ran = false;
  absl::Status inner;
  absl::Status outer = db_->Read([&](Tx&) {
    inner = db_->Transact([&](Tx& tx) {
      ran = true;
      return Insert(tx, "a");
    });
    return absl::OkStatus();
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition) << inner;
  EXPECT_THAT(inner.message(), HasSubstr("write inside a read transaction"));
  EXPECT_FALSE(ran);
  EXPECT_THAT(Committed(), IsEmpty());
}

TEST_P(StorageNestingTest, AWriteInsideAReadInsideATransactionIsAFailedPrecondition) {
  absl::Status inner;
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    absl::Status read = db_->Read([&](Tx&) {
      inner = db_->Transact([&](Tx& nested) { return Insert(nested, "x"); });
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    return Insert(tx, "a");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition) << inner;
  EXPECT_THAT(Committed(), ElementsAre("a"));
}

TEST_P(StorageNestingTest, AReadInsideAReadJoinsIt) {
  ASSERT_TRUE(db_->Transact([](Tx& tx) { return Insert(tx, "a"); }).ok());
  std::vector<std::string> seen;
  absl::Status outer = db_->Read([&](Tx&) {
    return db_->Read([&](Tx& inner) {
      seen = Keys(inner);
      return absl::OkStatus();
    });
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_THAT(seen, ElementsAre("a"));
}

// Level d inserts "d" and runs level d + 1; level 5 then fails, which undoes
// levels 5 to 10 and nothing above.
absl::Status Level(Database& db, Tx& tx, int d) {
  if (absl::Status s = Insert(tx, absl::StrCat(d < 10 ? "0" : "", d)); !s.ok()) return s;
  if (d < 10) {
    absl::Status inner = db.Transact([&](Tx& nested) { return Level(db, nested, d + 1); });
    if (d != 4 && !inner.ok()) return inner;
  }
  if (d == 5) return absl::AbortedError("level 5 gives up");
  return absl::OkStatus();
}

TEST_P(StorageNestingTest, DeepNestingRollsBackExactlyTheFailedSubtree) {
  absl::Status s = db_->Transact([&](Tx& tx) { return Level(*db_, tx, 1); });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(Committed(), ElementsAre("01", "02", "03", "04"));
}

TEST_P(StorageNestingTest, AFailedStatementInsideANestedTransactionLeavesTheOuterUsable) {
  absl::Status duplicate;
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    absl::Status inner = db_->Transact([&](Tx& nested) -> absl::Status {
      duplicate = Insert(nested, "a");
      return Insert(nested, "b");
    });
    if (!inner.ok()) return inner;
    absl::Status failed = db_->Transact([&](Tx& nested) { return Insert(nested, "a"); });
    EXPECT_EQ(failed.code(), absl::StatusCode::kAlreadyExists) << failed;
    return Insert(tx, "c");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
  EXPECT_THAT(Committed(), ElementsAre("a", "b", "c"));
}

TEST_P(StorageNestingTest, AFailedScriptInsideANestedTransactionLeavesTheOuterUsable) {
  // A script runs without the per-statement savepoint: on PostgreSQL its
  // error aborts the transaction, which the nested savepoint recovers.
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    absl::Status inner = db_->Transact([&](Tx& nested) -> absl::Status {
      if (absl::Status s = Insert(nested, "b"); !s.ok()) return s;
      return nested.ExecScript("SELECT no_such_column FROM t");
    });
    EXPECT_FALSE(inner.ok());
    return Insert(tx, "c");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_THAT(Committed(), ElementsAre("a", "c"));
}

TEST_P(StorageNestingTest, AFailedStatementAfterANestedTransactionLeavesTheOuterUsable) {
  absl::Status outer = db_->Transact([&](Tx& tx) -> absl::Status {
    absl::Status inner = db_->Transact([&](Tx& nested) { return Insert(nested, "a"); });
    if (!inner.ok()) return inner;
    absl::Status duplicate = Insert(tx, "a");
    EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
    inner = db_->Transact([&](Tx& nested) { return Insert(nested, "b"); });
    if (!inner.ok()) return inner;
    return Insert(tx, "c");
  });
  ASSERT_TRUE(outer.ok()) << outer;
  EXPECT_THAT(Committed(), ElementsAre("a", "b", "c"));
}

TEST_P(StorageNestingTest, AnotherThreadsTransactionDoesNotJoin) {
  // The other thread's Transact begins a transaction of its own: it waits
  // for the write lock and commits although this one rolls back.
  absl::Notification started;
  absl::Status theirs;
  std::thread other;
  absl::Status mine = db_->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    other = std::thread([&] {
      started.Notify();
      theirs = db_->Transact([&](Tx& t) { return Insert(t, "b"); });
    });
    started.WaitForNotification();
    return absl::AbortedError("mine gives up");
  });
  other.join();
  EXPECT_EQ(mine, absl::AbortedError("mine gives up"));
  ASSERT_TRUE(theirs.ok()) << theirs;
  EXPECT_THAT(Committed(), ElementsAre("b"));
}

TEST_P(StorageNestingTest, AnotherThreadMayWriteWhileThisOneReads) {
  absl::Notification started;
  absl::Status theirs;
  std::thread other;
  absl::Status mine = db_->Read([&](Tx&) {
    other = std::thread([&] {
      started.Notify();
      theirs = db_->Transact([&](Tx& t) { return Insert(t, "b"); });
    });
    started.WaitForNotification();
    return absl::OkStatus();
  });
  other.join();
  ASSERT_TRUE(mine.ok()) << mine;
  ASSERT_TRUE(theirs.ok()) << theirs;
  EXPECT_THAT(Committed(), ElementsAre("b"));
}

TEST(StorageNesting, ATransactionOnAnotherDatabaseDoesNotJoin) {
  std::unique_ptr<Database> one = test_support::OpenTestDatabase(Backend::kSqlite);
  std::unique_ptr<Database> two = test_support::OpenTestDatabase(Backend::kSqlite);
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  for (Database* db : {one.get(), two.get()}) {
    ASSERT_TRUE(db->Transact([](Tx& tx) {
                    return tx.ExecScript("CREATE TABLE t (k TEXT PRIMARY KEY)");
                  }).ok());
  }
  absl::Status theirs;
  absl::Status mine = one->Transact([&](Tx& tx) -> absl::Status {
    if (absl::Status s = Insert(tx, "a"); !s.ok()) return s;
    theirs = two->Transact([](Tx& t) { return Insert(t, "b"); });
    return absl::AbortedError("one gives up");
  });
  EXPECT_EQ(mine, absl::AbortedError("one gives up"));
  ASSERT_TRUE(theirs.ok()) << theirs;
  std::vector<std::string> in_two;
  ASSERT_TRUE(two->Read([&](Tx& tx) {
                   in_two = Keys(tx);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_THAT(in_two, ElementsAre("b"));
  std::vector<std::string> in_one;
  ASSERT_TRUE(one->Read([&](Tx& tx) {
                   in_one = Keys(tx);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_THAT(in_one, IsEmpty());
}

}  // namespace
}  // namespace chiso::storage
