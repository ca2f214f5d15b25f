#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "common/storage/query.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::storage {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Database> Memory() {
  absl::StatusOr<std::unique_ptr<Database>> db = OpenSqlite(":memory:");
  EXPECT_TRUE(db.ok()) << db.status();
  return *std::move(db);
}

absl::Status Exec(Database& db, const std::string& sql, std::vector<Value> params = {}) {
  return db.Transact([&](Tx& tx) { return tx.Exec(sql, params).status(); });
}

std::vector<Row> Query(Database& db, const std::string& sql, std::vector<Value> params = {}) {
  std::vector<Row> out;
  absl::Status s = db.Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows = tx.Query(sql, params);
    if (!rows.ok()) return rows.status();
    out = *std::move(rows);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Memory();
    ASSERT_TRUE(Exec(*db_, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, d REAL, b BLOB)").ok());
  }
  std::unique_ptr<Database> db_;
};

TEST_F(StorageTest, BindsDollarPlaceholdersByNumberNotByFirstAppearance) {
  // SQLite numbers "$2" as parameter 1 here because it appears first.
  ASSERT_TRUE(
      Exec(*db_, "INSERT INTO t (n, k) VALUES ($2, $1)", {std::string("a"), int64_t{7}}).ok());
  std::vector<Row> rows =
      Query(*db_, "SELECT k, n FROM t WHERE n = $1 AND k = $2", {int64_t{7}, std::string("a")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "a");
  EXPECT_EQ(rows[0].Int(1), 7);
}

TEST_F(StorageTest, ReusesAParameterThatAppearsTwice) {
  ASSERT_TRUE(
      Exec(*db_, "INSERT INTO t (k, n, d) VALUES ($1, $2, $2)", {std::string("x"), int64_t{3}})
          .ok());
  EXPECT_EQ(Query(*db_, "SELECT d FROM t")[0].Double(0), 3.0);
}

TEST_F(StorageTest, WrongParameterCountIsAnError) {
  absl::Status s = Exec(*db_, "INSERT INTO t (k) VALUES ($1)", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()), HasSubstr("takes 1 parameters, got 0"));
}

TEST_F(StorageTest, RoundTripsEveryValueKind) {
  const std::string bytes("\0\x01\xff plan", 8);
  ASSERT_TRUE(Exec(*db_, "INSERT INTO t (k, n, d, b) VALUES ($1, $2, $3, $4)",
                   {std::string("Sở TN&MT"), int64_t{-5}, 2.5, Blob{bytes}})
                  .ok());
  ASSERT_TRUE(
      Exec(*db_, "INSERT INTO t (k, n) VALUES ($1, $2)", {std::string("null"), nullptr}).ok());
  std::vector<Row> rows = Query(*db_, "SELECT k, n, d, b FROM t ORDER BY k");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Text(0), "Sở TN&MT");
  EXPECT_EQ(rows[0].Int(1), -5);
  EXPECT_EQ(rows[0].Double(2), 2.5);
  EXPECT_EQ(rows[0].Text(3), bytes);
  EXPECT_TRUE(rows[1].IsNull(1));
}

TEST_F(StorageTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(Exec(*db_, "INSERT INTO t (k) VALUES ($1)", {std::string("a")}).ok());
  EXPECT_EQ(Exec(*db_, "INSERT INTO t (k) VALUES ($1)", {std::string("a")}).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(StorageTest, AFailedCallbackRollsBackEverything) {
  absl::Status s = db_->Transact([](Tx& tx) -> absl::Status {
    if (auto n = tx.Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")}); !n.ok())
      return n.status();
    return absl::FailedPreconditionError("plan is issued");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Query(*db_, "SELECT k FROM t").empty());
}

TEST_F(StorageTest, SqlErrorsAreReportedNotCrashed) {
  EXPECT_EQ(Exec(*db_, "SELEC nonsense").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Exec(*db_, "SELECT 1; SELECT 2").code(), absl::StatusCode::kInternal);
}

TEST_F(StorageTest, ConcurrentTransactionsDoNotLoseUpdates) {
  ASSERT_TRUE(Exec(*db_, "INSERT INTO t (k, n) VALUES ('c', 0)").ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([this] {
      for (int j = 0; j < 100; ++j) {
        absl::Status s = db_->Transact([](Tx& tx) -> absl::Status {
          auto rows = tx.Query("SELECT n FROM t WHERE k = 'c'");
          if (!rows.ok()) return rows.status();
          return tx.Exec("UPDATE t SET n = $1 WHERE k = 'c'", {(*rows)[0].Int(0) + 1}).status();
        });
        ASSERT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Query(*db_, "SELECT n FROM t WHERE k = 'c'")[0].Int(0), 400);
}

const std::vector<Migration>& TwoMigrations() {
  static const auto* m = new std::vector<Migration>{
      {1, "create a", "CREATE TABLE a (x INTEGER);", ""},
      {2, "create b", "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);", ""},
  };
  return *m;
}

TEST(Migrate, AppliesEachMigrationOnceAndRecordsIt) {
  auto db = Memory();
  ASSERT_EQ(*SchemaVersion(*db), 0);
  ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());
  EXPECT_EQ(*SchemaVersion(*db), 2);
  ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());  // no-op, no duplicate rows
  EXPECT_EQ(Query(*db, "SELECT COUNT(*) FROM b")[0].Int(0), 1);
}

TEST(Migrate, RefusesADatabaseFromANewerRelease) {
  auto db = Memory();
  ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());
  std::vector<Migration> older(TwoMigrations().begin(), TwoMigrations().begin() + 1);
  absl::Status s = Migrate(*db, older);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("newer"));
}

TEST(Migrate, AFailingMigrationLeavesTheEarlierVersion) {
  auto db = Memory();
  std::vector<Migration> bad = {
      {1, "ok", "CREATE TABLE a (x INTEGER);", ""},
      {2, "broken", "CREATE TABLE c (x INTEGER); CREATE TABLE a (x);", ""}};
  absl::Status s = Migrate(*db, bad);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("migration 2 (broken)"));
  EXPECT_EQ(*SchemaVersion(*db), 1);
  // Table c from the failed migration was rolled back with it.
  EXPECT_FALSE(Exec(*db, "SELECT * FROM c").ok());
}

TEST(Migrate, RejectsGapsInTheList) {
  auto db = Memory();
  EXPECT_EQ(Migrate(*db, {{2, "x", "SELECT 1", ""}}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SqliteFile, DataSurvivesReopeningAndUsesWal) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("chiso-storage-", ::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.db").string();
  {
    auto db = *OpenSqlite(path);
    ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());
    ASSERT_TRUE(Exec(*db, "INSERT INTO a VALUES (42)").ok());
    EXPECT_EQ(Query(*db, "PRAGMA journal_mode")[0].Text(0), "wal");
  }
  {
    auto db = *OpenSqlite(path);
    EXPECT_EQ(*SchemaVersion(*db), 2);
    EXPECT_EQ(Query(*db, "SELECT x FROM a")[0].Int(0), 42);
  }
  std::filesystem::remove_all(dir);
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("chiso-storage-", ::getpid(), "-", counter_++)) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const char* name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// Two processes (replicas, or a service and a backup tool) each hold their
// own connection: SQLite's file lock, not our mutex, must serialise them.
TEST(SqliteFile, TwoConnectionsDoNotLoseUpdates) {
  TempDir dir;
  auto a = *OpenSqlite(dir.File("t.db"));
  auto b = *OpenSqlite(dir.File("t.db"));
  ASSERT_TRUE(Exec(*a, "CREATE TABLE c (n INTEGER)").ok());
  ASSERT_TRUE(Exec(*a, "INSERT INTO c VALUES (0)").ok());
  auto bump = [](Database* db) {
    for (int i = 0; i < 100; ++i) {
      absl::Status s = db->Transact([](Tx& tx) -> absl::Status {
        auto rows = tx.Query("SELECT n FROM c");
        if (!rows.ok()) return rows.status();
        return tx.Exec("UPDATE c SET n = $1", {(*rows)[0].Int(0) + 1}).status();
      });
      ASSERT_TRUE(s.ok()) << s;
    }
  };
  std::thread ta(bump, a.get()), tb(bump, b.get());
  ta.join();
  tb.join();
  EXPECT_EQ(Query(*a, "SELECT n FROM c")[0].Int(0), 200);
}

TEST(SqliteFile, ConcurrentMigrationsFromTwoProcessesBothSucceed) {
  for (int round = 0; round < 40; ++round) {
    TempDir dir;
    auto a = *OpenSqlite(dir.File("m.db"));
    auto b = *OpenSqlite(dir.File("m.db"));
    absl::Status sa, sb;
    std::thread ta([&] { sa = Migrate(*a, TwoMigrations()); });
    std::thread tb([&] { sb = Migrate(*b, TwoMigrations()); });
    ta.join();
    tb.join();
    ASSERT_TRUE(sa.ok()) << sa;
    ASSERT_TRUE(sb.ok()) << sb;
    EXPECT_EQ(Query(*a, "SELECT COUNT(*) FROM b")[0].Int(0), 1) << "migration 2 ran twice";
  }
}

TEST_F(StorageTest, AReadTransactionSeesDataAndCannotWrite) {
  ASSERT_TRUE(Exec(*db_, "INSERT INTO t (k) VALUES ('a')").ok());
  absl::Status s = db_->Read([](Tx& tx) -> absl::Status {
    auto rows = tx.Query("SELECT COUNT(*) FROM t");
    if (!rows.ok()) return rows.status();
    EXPECT_EQ((*rows)[0].Int(0), 1);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(db_->Ping().ok());
}

TEST_F(StorageTest, ManyDistinctStatementsStayCorrectPastTheCache) {
  // SQL built from request data (e.g. IN lists) must not grow the statement
  // cache without bound; statements past the cap still run correctly.
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(Exec(*db_, absl::StrCat("INSERT INTO t (k, n) VALUES ($1, ", i, ")"),
                     {absl::StrCat("k", i)})
                    .ok());
  }
  EXPECT_EQ(Query(*db_, "SELECT COUNT(*), SUM(n) FROM t")[0].Int(1), 399 * 400 / 2);
}

TEST(PortableMigration, SubstitutesTheTypeNamesPerDialect) {
  Migration m = PortableMigration(3, "create t", "CREATE TABLE t (n {int64}, b {blob});");
  EXPECT_EQ(m.version, 3);
  EXPECT_EQ(m.sqlite, "CREATE TABLE t (n INTEGER, b BLOB);");
  EXPECT_EQ(m.postgres, "CREATE TABLE t (n BIGINT, b BYTEA);");
}

TEST_F(StorageTest, ParamsAndContainsPatternKeepValuesOutOfTheSql) {
  ASSERT_TRUE(
      Exec(*db_, "INSERT INTO t (k, n) VALUES ('100%_done', 1), ('100 done', 2), ('x', 3)").ok());
  Params param;
  const std::string sql =
      absl::StrCat("SELECT n FROM t WHERE k LIKE ", param(ContainsPattern("0%_")),
                   " ESCAPE '\\' AND n IN ", param.In({"1", "2"}), " AND n > ", param(int64_t{0}));
  std::vector<Row> rows = Query(*db_, sql, param.values);
  ASSERT_EQ(rows.size(), 1u) << "% and _ must match only themselves";
  EXPECT_EQ(rows[0].Int(0), 1);
}

TEST(SqliteFile, UnopenablePathIsUnavailable) {
  EXPECT_EQ(OpenSqlite("/nonexistent-dir/x/y.db").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace chiso::storage
