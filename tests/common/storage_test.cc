#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "common/storage/query.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace chiso::storage {
namespace {

using ::testing::HasSubstr;

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

// Adds one to the counter of table c a hundred times, each a read-then-write
// transaction: what a lost update would show.
void BumpCounter(Database* db) {
  for (int i = 0; i < 100; ++i) {
    absl::Status s = db->Transact([](Tx& tx) -> absl::Status {
      auto rows = tx.Query("SELECT n FROM c");
      if (!rows.ok()) return rows.status();
      return tx.Exec("UPDATE c SET n = $1", {(*rows)[0].Int(0) + 1}).status();
    });
    ASSERT_TRUE(s.ok()) << s;
  }
}

using test_support::Backend;

// Runs on SQLite and on PostgreSQL: the same SQL must behave the same.
class StorageTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(
        Exec(*db_,
             GetParam() == Backend::kSqlite
                 ? "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, d REAL, b BLOB)"
                 : "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, d DOUBLE PRECISION, b BYTEA)")
            .ok());
  }
  std::unique_ptr<Database> db_;
};
INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(StorageTest, BindsDollarPlaceholdersByNumberNotByFirstAppearance) {
  // SQLite numbers "$2" as parameter 1 here because it appears first.
  ASSERT_TRUE(
      Exec(*db_, "INSERT INTO t (n, k) VALUES ($2, $1)", {std::string("a"), int64_t{7}}).ok());
  std::vector<Row> rows =
      Query(*db_, "SELECT k, n FROM t WHERE n = $1 AND k = $2", {int64_t{7}, std::string("a")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "a");
  EXPECT_EQ(rows[0].Int(1), 7);
}

TEST_P(StorageTest, ReusesAParameterThatAppearsTwice) {
  ASSERT_TRUE(
      Exec(*db_, "INSERT INTO t (k, n, d) VALUES ($1, $2, $2)", {std::string("x"), int64_t{3}})
          .ok());
  EXPECT_EQ(Query(*db_, "SELECT d FROM t")[0].Double(0), 3.0);
}

TEST_P(StorageTest, WrongParameterCountIsAnError) {
  absl::Status s = Exec(*db_, "INSERT INTO t (k) VALUES ($1)", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(GetParam() == Backend::kSqlite ? "takes 1 parameters, got 0"
                                                       : "supplies 0 parameters"));
}

TEST_P(StorageTest, RoundTripsEveryValueKind) {
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

TEST_P(StorageTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(Exec(*db_, "INSERT INTO t (k) VALUES ($1)", {std::string("a")}).ok());
  EXPECT_EQ(Exec(*db_, "INSERT INTO t (k) VALUES ($1)", {std::string("a")}).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(StorageTest, AFailedCallbackRollsBackEverything) {
  absl::Status s = db_->Transact([](Tx& tx) -> absl::Status {
    if (auto n = tx.Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")}); !n.ok())
      return n.status();
    return absl::FailedPreconditionError("plan is issued");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Query(*db_, "SELECT k FROM t").empty());
}

TEST_P(StorageTest, SqlErrorsAreReportedNotCrashed) {
  EXPECT_EQ(Exec(*db_, "SELEC nonsense").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Exec(*db_, "SELECT 1; SELECT 2").code(), absl::StatusCode::kInternal);
}

TEST_P(StorageTest, ConcurrentTransactionsDoNotLoseUpdates) {
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

class MigrateTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { ASSERT_NE(db_, nullptr); }
  std::unique_ptr<Database> db_ = test_support::OpenTestDatabase(GetParam());
};
INSTANTIATE_TEST_SUITE_P(Backends, MigrateTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(MigrateTest, AppliesEachMigrationOnceAndRecordsIt) {
  auto& db = db_;
  ASSERT_EQ(*SchemaVersion(*db), 0);
  ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());
  EXPECT_EQ(*SchemaVersion(*db), 2);
  ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());  // no-op, no duplicate rows
  EXPECT_EQ(Query(*db, "SELECT COUNT(*) FROM b")[0].Int(0), 1);
}

TEST_P(MigrateTest, RefusesADatabaseFromANewerRelease) {
  auto& db = db_;
  ASSERT_TRUE(Migrate(*db, TwoMigrations()).ok());
  std::vector<Migration> older(TwoMigrations().begin(), TwoMigrations().begin() + 1);
  absl::Status s = Migrate(*db, older);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("newer"));
}

TEST_P(MigrateTest, AFailingMigrationLeavesTheEarlierVersion) {
  auto& db = db_;
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

TEST_P(MigrateTest, RejectsGapsInTheList) {
  auto& db = db_;
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
  std::thread ta(BumpCounter, a.get()), tb(BumpCounter, b.get());
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

TEST_P(StorageTest, AReadTransactionSeesDataAndCannotWrite) {
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

TEST_P(StorageTest, ManyDistinctStatementsStayCorrectPastTheCache) {
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

TEST_P(StorageTest, ParamsAndContainsPatternKeepValuesOutOfTheSql) {
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

TEST_P(StorageTest, WritingInsideAReadTransactionFails) {
  absl::Status s = db_->Read(
      [](Tx& tx) { return tx.Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")}).status(); });
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Query(*db_, "SELECT k FROM t").empty());
}

TEST_P(StorageTest, TextParametersTakeTheTypeOfTheirColumn) {
  // Stores bind filter values as text (Params::In) whatever the column.
  ASSERT_TRUE(Exec(*db_, "INSERT INTO t (k, n) VALUES ('a', 1), ('b', 2)").ok());
  std::vector<Row> rows = Query(*db_, "SELECT k FROM t WHERE n IN ($1, $2) ORDER BY k",
                                {std::string("2"), std::string("9")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "b");
}

// --- PostgreSQL only ---------------------------------------------------------

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = test_support::FreshPostgresUrl();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    app_ = absl::StrCat("storage-test-", ::getpid(), "-", apps_++);
  }
  // Server processes of this test's connections.
  int64_t Backends(Database& observer) {
    return Query(observer,
                 "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 "
                 "AND pid <> pg_backend_pid()",
                 {app_})[0]
        .Int(0);
  }
  std::unique_ptr<Database> Open(int pool_size = 4, PostgresOptions options = {}) {
    options.url = absl::StrCat(url_, "&application_name=", app_);
    options.pool_size = pool_size;
    absl::StatusOr<std::unique_ptr<Database>> db = OpenPostgres(options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }
  std::string url_;
  std::string app_;
  static inline int apps_ = 0;
};

TEST_F(PostgresTest, APoolNeverOpensMoreThanItsSize) {
  auto db = Open(/*pool_size=*/2);
  auto observer = Open(1);
  ASSERT_TRUE(db && observer);
  std::vector<std::thread> readers;
  for (int i = 0; i < 5; ++i) {
    readers.emplace_back([&] {
      EXPECT_TRUE(db->Read([](Tx& tx) { return tx.Query("SELECT pg_sleep(0.4)").status(); }).ok());
    });
  }
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(Backends(*observer), 2) << "five readers share the pool's two connections";
  for (auto& t : readers) t.join();
}

TEST_F(PostgresTest, ACallWaitingTooLongForAConnectionIsUnavailable) {
  PostgresOptions options;
  options.acquire_timeout = absl::Milliseconds(200);
  auto db = Open(/*pool_size=*/1, options);
  ASSERT_TRUE(db);
  std::thread holder([&] {
    EXPECT_TRUE(db->Read([](Tx& tx) { return tx.Query("SELECT pg_sleep(1)").status(); }).ok());
  });
  absl::SleepFor(absl::Milliseconds(100));
  absl::Status s = db->Ping();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("busy"));
  holder.join();
  EXPECT_TRUE(db->Ping().ok());
}

// A replica that freezes inside a write transaction (a stopped process, a
// cut network) must not hold every other replica's writes forever: the
// server ends its session once it sits idle in the transaction too long.
TEST_F(PostgresTest, AFrozenWriterLosesTheWriteLock) {
  PostgresOptions frozen_options;
  frozen_options.idle_in_transaction_timeout = absl::Seconds(1);
  auto frozen = Open(1, frozen_options);
  auto other = Open(1);
  ASSERT_TRUE(frozen && other);
  ASSERT_TRUE(Exec(*other, "CREATE TABLE w (n BIGINT)").ok());
  absl::Status frozen_status;
  std::thread t([&] {
    frozen_status = frozen->Transact([](Tx& tx) -> absl::Status {
      if (auto n = tx.Exec("INSERT INTO w VALUES (1)"); !n.ok()) return n.status();
      absl::SleepFor(absl::Seconds(3));  // frozen, holding the lock
      return tx.Exec("INSERT INTO w VALUES (2)").status();
    });
  });
  absl::SleepFor(absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(Exec(*other, "INSERT INTO w VALUES (3)").ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2.5)) << "waited for the frozen writer";
  t.join();
  EXPECT_FALSE(frozen_status.ok());
  EXPECT_EQ(Query(*other, "SELECT COUNT(*) FROM w")[0].Int(0), 1) << "only the other write";
}

TEST_F(PostgresTest, ACommitOfAFailedTransactionIsNotASuccess) {
  auto db = Open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(Exec(*db, "CREATE TABLE z (n BIGINT)").ok());
  // A failed script aborts the transaction; a callback that ignores the
  // error must not hear that its work was saved.
  absl::Status s = db->Transact([](Tx& tx) -> absl::Status {
    (void)tx.ExecScript("INSERT INTO z VALUES (1); SELECT 1/0");
    return absl::OkStatus();
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Query(*db, "SELECT COUNT(*) FROM z")[0].Int(0), 0);
}

// Two replicas of a service: two processes, each with its own pool of
// connections to one database. Their read-then-write transactions must not
// interleave.
TEST_F(PostgresTest, TwoReplicasDoNotLoseUpdates) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Exec(*a, "CREATE TABLE c (n BIGINT)").ok());
  ASSERT_TRUE(Exec(*a, "INSERT INTO c VALUES (0)").ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(BumpCounter, a.get());
    threads.emplace_back(BumpCounter, b.get());
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Query(*a, "SELECT n FROM c")[0].Int(0), 600);
}

// Uniqueness decided by a read ("is the number free?") then an insert, from
// two replicas at once: exactly one wins, the other sees it taken.
TEST_F(PostgresTest, CheckThenInsertFromTwoReplicasAdmitsOne) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Exec(*a, "CREATE TABLE plans (id BIGINT, number TEXT)").ok());
  for (int round = 0; round < 20; ++round) {
    const std::string number = absl::StrCat(round, "/KH-UBND");
    std::atomic<int> created{0};
    auto create = [&](Database* db, int64_t id) {
      absl::Status s = db->Transact([&](Tx& tx) -> absl::Status {
        auto taken = tx.Query("SELECT 1 FROM plans WHERE number = $1", {number});
        if (!taken.ok()) return taken.status();
        if (!taken->empty()) return absl::AlreadyExistsError(number);
        return tx.Exec("INSERT INTO plans VALUES ($1, $2)", {id, number}).status();
      });
      if (s.ok()) ++created;
      EXPECT_TRUE(s.ok() || s.code() == absl::StatusCode::kAlreadyExists) << s;
    };
    std::thread ta(create, a.get(), int64_t{2 * round}),
        tb(create, b.get(), int64_t{2 * round + 1});
    ta.join();
    tb.join();
    EXPECT_EQ(created.load(), 1);
  }
  EXPECT_EQ(Query(*a, "SELECT COUNT(*) FROM plans")[0].Int(0), 20);
}

TEST_F(PostgresTest, ConcurrentMigrationsFromTwoReplicasBothSucceed) {
  for (int round = 0; round < 5; ++round) {
    SetUp();  // a fresh schema per round
    auto a = Open();
    auto b = Open();
    ASSERT_TRUE(a && b);
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

TEST_F(PostgresTest, ANulByteInTextIsTheCallersErrorNotACrash) {
  auto db = Open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(Exec(*db, "CREATE TABLE s (v TEXT)").ok());
  absl::Status s = Exec(*db, "INSERT INTO s VALUES ($1)", {std::string("a\0b", 3)});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  // Invalid UTF-8 too; neither message shows the caller the SQL.
  absl::Status utf8 = Exec(*db, "INSERT INTO s VALUES ($1)", {std::string("\xff\xfe")});
  EXPECT_EQ(utf8.code(), absl::StatusCode::kInvalidArgument) << utf8;
  for (const absl::Status& e : {s, utf8}) {
    EXPECT_THAT(std::string(e.message()), ::testing::Not(HasSubstr("INSERT"))) << e;
  }
  // The connection is still usable afterwards.
  EXPECT_TRUE(Exec(*db, "INSERT INTO s VALUES ($1)", {std::string("ok")}).ok());
}

TEST_F(PostgresTest, AConnectionLostWhileIdleIsReplaced) {
  auto db = Open(/*pool_size=*/1);
  ASSERT_TRUE(db);
  auto killer = Open(1);
  ASSERT_TRUE(killer);
  // The one pooled connection's server process.
  std::vector<Row> pid = Query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(pid.size(), 1u);
  // The server ends it, as a restart or a failover would.
  ASSERT_TRUE(Exec(*killer, "SELECT pg_terminate_backend($1::integer)",
                   {static_cast<int64_t>(pid[0].Int(0))})
                  .ok());
  // Nothing had run on it yet, so the call retries on a fresh connection
  // instead of failing.
  EXPECT_TRUE(db->Ping().ok()) << "the first call after the loss must not fail";
  EXPECT_TRUE(db->Ping().ok()) << "the pool must reconnect";
  std::vector<Row> again = Query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].Int(0), pid[0].Int(0)) << "a new server process";
}

TEST(Postgres, AnUnreachableServerIsUnavailableAndHidesThePassword) {
  PostgresOptions options;
  options.url = "postgresql://chiso:s3cret@127.0.0.1:1/chiso?connect_timeout=2";
  absl::StatusOr<std::unique_ptr<Database>> db = OpenPostgres(options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(db.status().message()), ::testing::Not(HasSubstr("s3cret")));
}

TEST(OpenDatabase, ChoosesTheBackendByTheUrl) {
  TempDir dir;
  auto sqlite = OpenDatabase("", dir.File("default.db"));
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  EXPECT_EQ((*sqlite)->dialect(), Dialect::kSqlite);
  EXPECT_TRUE(std::filesystem::exists(dir.File("default.db")));
  auto named = OpenDatabase(absl::StrCat("sqlite:", dir.File("named.db")), "unused");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_TRUE(std::filesystem::exists(dir.File("named.db")));
  absl::StatusOr<std::string> url = test_support::FreshPostgresUrl();
  ASSERT_TRUE(url.ok()) << url.status();
  auto pg = OpenDatabase(*url, "unused");
  ASSERT_TRUE(pg.ok()) << pg.status();
  EXPECT_EQ((*pg)->dialect(), Dialect::kPostgres);
  auto bad = OpenDatabase("mysql://root:pw@db/x", "unused");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::Not(HasSubstr(":pw@")));
}

TEST(WithConnectionDefaults, AddsTimeoutsTheUrlDoesNotSet) {
  EXPECT_EQ(WithConnectionDefaults("postgresql://u@h/d"),
            "postgresql://u@h/d?connect_timeout=10&keepalives_idle=30&keepalives_interval=10&"
            "keepalives_count=3");
  EXPECT_EQ(WithConnectionDefaults("postgresql://u@h/d?sslmode=require&connect_timeout=3&"
                                   "keepalives_idle=5&keepalives_interval=1&keepalives_count=9"),
            "postgresql://u@h/d?sslmode=require&connect_timeout=3&keepalives_idle=5&"
            "keepalives_interval=1&keepalives_count=9");
}

TEST(RedactedUrl, HidesPasswordsWhereverTheyAre) {
  EXPECT_EQ(RedactedUrl("postgresql://u:p@h:5432/d"), "postgresql://u:***@h:5432/d");
  EXPECT_EQ(RedactedUrl("postgresql://u@h/d?password=p&sslmode=require"),
            "postgresql://u@h/d?password=***&sslmode=require");
  EXPECT_EQ(RedactedUrl("postgresql://h/d"), "postgresql://h/d");
  EXPECT_EQ(RedactedUrl("sqlite:/var/x.db"), "sqlite:/var/x.db");
}

}  // namespace
}  // namespace chiso::storage
