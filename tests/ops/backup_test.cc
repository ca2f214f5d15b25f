// storage::BackupSqlite and RestoreSqlite on real files: an online backup of
// a database another connection keeps writing, the errors, a restore refused
// while the database is open, a restore over a database with a stale WAL;
// and chiso-db's arguments and read-only version.
#include "common/storage/backup.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/storage/database.h"
#include "gtest/gtest.h"
#include "tools/chiso-db/cli.h"

namespace chiso::storage {
namespace {

std::vector<Migration> TestMigrations() {
  return {PortableMigration(1, "create t and u",
                            "CREATE TABLE t (id INTEGER PRIMARY KEY, pad {blob} NOT NULL);"
                            "CREATE TABLE u (id INTEGER PRIMARY KEY)")};
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.insert(name);
  }
  closedir(d);
  return names;
}

// Row count of `table` in the SQLite file `path`, through a read-only
// connection; -1 when it cannot be read.
int64_t Count(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = absl::StrCat("SELECT count(*) FROM ", table);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

// Inserts `n` rows into t and u in one transaction.
absl::Status Insert(Database& db, int n) {
  return db.Transact([&](Tx& tx) -> absl::Status {
    for (int i = 0; i < n; ++i) {
      if (absl::Status s = tx.Exec("INSERT INTO t (pad) VALUES (randomblob(1000))").status();
          !s.ok()) {
        return s;
      }
      if (absl::Status s = tx.Exec("INSERT INTO u DEFAULT VALUES").status(); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/chiso-backup-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) (void)std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  std::string Path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

  // A migrated database at `name` with `batches` transactions of 10 rows.
  std::unique_ptr<Database> MakeDatabase(const std::string& name, int batches) {
    absl::StatusOr<std::unique_ptr<Database>> db = OpenSqlite(Path(name));
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return nullptr;
    EXPECT_TRUE(Migrate(**db, TestMigrations()).ok());
    for (int i = 0; i < batches; ++i) EXPECT_TRUE(Insert(**db, 10).ok());
    return *std::move(db);
  }

  std::string dir_;
};

TEST_F(BackupTest, OnlineBackupWhileAnotherConnectionWritesIsOneCommittedState) {
  std::unique_ptr<Database> db = MakeDatabase("live.db", 100);  // ~270 pages
  ASSERT_NE(db, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    while (!stop.load()) {
      if (Insert(*db, 10).ok()) {
        commits.fetch_add(1);
      } else {
        errors.fetch_add(1);
      }
    }
  });
  while (commits.load() < 5) absl::SleepFor(absl::Milliseconds(1));
  const int64_t before = Count(Path("live.db"), "t");

  SqliteBackupOptions options;
  options.pages_per_step = 8;  // many steps, with commits in between
  absl::StatusOr<SqliteCopyInfo> info = BackupSqlite(Path("live.db"), Path("copy.db"), options);
  const int during = commits.load();
  // The writer goes on after the backup.
  while (commits.load() < during + 5) absl::SleepFor(absl::Milliseconds(1));
  stop = true;
  writer.join();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(errors.load(), 0) << "the writer was blocked or failed during the backup";

  EXPECT_EQ(info->schema_version, 1);
  EXPECT_GT(info->pages, 200);
  EXPECT_TRUE(VerifySqliteBackup(Path("copy.db")).ok());
  const int64_t t = Count(Path("copy.db"), "t");
  const int64_t u = Count(Path("copy.db"), "u");
  EXPECT_EQ(t, u) << "t and u are written in the same transactions";
  EXPECT_EQ(t % 10, 0) << "a transaction was copied in part";
  EXPECT_GE(t, before);
  EXPECT_LT(t, Count(Path("live.db"), "t"));
  // One self-contained file in rollback-journal mode (header bytes 18/19 = 1),
  // nothing beside it, no temporary file left.
  const std::string bytes = ReadFile(Path("copy.db"));
  ASSERT_GT(bytes.size(), 20u);
  EXPECT_EQ(bytes[18], 1);
  EXPECT_EQ(bytes[19], 1);
  for (const std::string& name : Files(dir_)) {
    EXPECT_TRUE(absl::StartsWith(name, "live.db") || name == "copy.db") << name;
  }
}

TEST_F(BackupTest, BackupDoesNotWaitForAnOpenWriteTransactionAndLeavesItOut) {
  std::unique_ptr<Database> db = MakeDatabase("live.db", 3);
  ASSERT_NE(db, nullptr);
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(Path("live.db").c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer,
                         "BEGIN IMMEDIATE; INSERT INTO t (pad) VALUES (x'00'); "
                         "INSERT INTO u DEFAULT VALUES",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  SqliteBackupOptions options;
  options.busy_limit = absl::Seconds(2);
  const absl::Time start = absl::Now();
  absl::StatusOr<SqliteCopyInfo> info = BackupSqlite(Path("live.db"), Path("copy.db"), options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(Count(Path("copy.db"), "t"), 30);
  EXPECT_EQ(Count(Path("live.db"), "t"), 31);
}

TEST_F(BackupTest, BackupErrors) {
  std::unique_ptr<Database> db = MakeDatabase("live.db", 1);
  ASSERT_NE(db, nullptr);

  EXPECT_EQ(BackupSqlite(Path("missing.db"), Path("copy.db")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(BackupSqlite(Path("live.db"), Path("no/such/dir/copy.db")).status().code(),
            absl::StatusCode::kNotFound);

  WriteFile(Path("copy.db"), "keep me");
  EXPECT_EQ(BackupSqlite(Path("live.db"), Path("copy.db")).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadFile(Path("copy.db")), "keep me");
  SqliteBackupOptions overwrite;
  overwrite.overwrite = true;
  ASSERT_TRUE(BackupSqlite(Path("live.db"), Path("copy.db"), overwrite).ok());
  EXPECT_EQ(Count(Path("copy.db"), "t"), 10);

  // Not a database: nothing is written, no temporary file stays.
  WriteFile(Path("text.db"), std::string(8192, 'x'));
  EXPECT_EQ(BackupSqlite(Path("text.db"), Path("bad-copy.db")).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_FALSE(Exists(Path("bad-copy.db")));
  for (const std::string& name : Files(dir_)) {
    EXPECT_FALSE(absl::StrContains(name, ".tmp-")) << name;
  }
}

TEST_F(BackupTest, RestoreRefusesADatabaseInUse) {
  std::unique_ptr<Database> source = MakeDatabase("source.db", 2);
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(BackupSqlite(Path("source.db"), Path("backup.db")).ok());
  source.reset();

  std::unique_ptr<Database> live = MakeDatabase("live.db", 5);
  ASSERT_NE(live, nullptr);
  live.reset();

  // Another connection in a transaction.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(Path("live.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO u DEFAULT VALUES", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  absl::StatusOr<SqliteRestoreInfo> refused = RestoreSqlite(Path("backup.db"), Path("live.db"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "stop the service"));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  // A service that has it open and idle (its pool's connection).
  live = *OpenSqlite(Path("live.db"));
  ASSERT_TRUE(live->Ping().ok());
  refused = RestoreSqlite(Path("backup.db"), Path("live.db"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  live.reset();

  EXPECT_EQ(Count(Path("live.db"), "t"), 50);
  EXPECT_FALSE(Exists(Path("live.db.before-restore")));
  for (const std::string& name : Files(dir_)) {
    EXPECT_FALSE(absl::StrContains(name, ".tmp-")) << name;
  }

  // Stopped: the restore goes through.
  absl::StatusOr<SqliteRestoreInfo> restored = RestoreSqlite(Path("backup.db"), Path("live.db"));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->restored.schema_version, 1);
  EXPECT_EQ(restored->previous_path, Path("live.db.before-restore"));
  EXPECT_EQ(Count(Path("live.db"), "t"), 20);
  EXPECT_EQ(Count(Path("live.db.before-restore"), "t"), 50);
}

TEST_F(BackupTest, RestoreOverADatabaseWithAStaleWalYieldsExactlyTheBackup) {
  // The old database: 1000 rows, all of them only in its WAL so far.
  sqlite3* old = nullptr;
  ASSERT_EQ(sqlite3_open(Path("live.db").c_str(), &old), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(old,
                         "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                         "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                         " name TEXT NOT NULL, applied_at TEXT NOT NULL);"
                         "INSERT INTO schema_migrations VALUES (1, 'old', 'then');"
                         "CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB NOT NULL);"
                         "CREATE TABLE u (id INTEGER PRIMARY KEY);"
                         "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c"
                         " WHERE n < 1000) INSERT INTO t (pad) SELECT randomblob(100) FROM c",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string wal = ReadFile(Path("live.db-wal"));
  ASSERT_GT(wal.size(), 4096u);
  sqlite3_close(old);                   // checkpoints and deletes the WAL …
  WriteFile(Path("live.db-wal"), wal);  // … which a crash would have left

  // The backup: 3 rows.
  std::unique_ptr<Database> source = MakeDatabase("source.db", 0);
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source
                  ->Transact([](Tx& tx) {
                    return tx.ExecScript("INSERT INTO t (pad) VALUES (x'01'), (x'02'), (x'03')");
                  })
                  .ok());
  ASSERT_TRUE(BackupSqlite(Path("source.db"), Path("backup.db")).ok());
  source.reset();

  absl::StatusOr<SqliteRestoreInfo> restored = RestoreSqlite(Path("backup.db"), Path("live.db"));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_FALSE(Exists(Path("live.db-wal"))) << "a WAL of the old database beside the new one";
  EXPECT_FALSE(Exists(Path("live.db-shm")));

  // Opened as the service opens it: exactly the backup's data.
  absl::StatusOr<std::unique_ptr<Database>> db = OpenSqlite(Path("live.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  int64_t rows = -1;
  ASSERT_TRUE((*db)
                  ->Read([&](Tx& tx) -> absl::Status {
                    absl::StatusOr<std::vector<Row>> r = tx.Query("SELECT count(*) FROM t");
                    if (!r.ok()) return r.status();
                    rows = (*r)[0].Int(0);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows, 3);
  EXPECT_EQ(*SchemaVersion(**db), 1);
  db->reset();
  // The old database is kept, whole.
  EXPECT_EQ(Count(Path("live.db.before-restore"), "t"), 1000);

  // A stray WAL where there is no database at all goes too.
  WriteFile(Path("fresh.db-wal"), wal);
  ASSERT_TRUE(RestoreSqlite(Path("backup.db"), Path("fresh.db")).ok());
  EXPECT_FALSE(Exists(Path("fresh.db-wal")));
  db = OpenSqlite(Path("fresh.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  db->reset();
  EXPECT_EQ(Count(Path("fresh.db"), "t"), 3);
}

TEST_F(BackupTest, RestoreRejectsABadBackupAndKeepsTheDatabase) {
  std::unique_ptr<Database> live = MakeDatabase("live.db", 2);
  ASSERT_NE(live, nullptr);
  ASSERT_TRUE(BackupSqlite(Path("live.db"), Path("good.db")).ok());
  live.reset();

  // An SQLite file that is not a chiso database.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(Path("other.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "CREATE TABLE x (y)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(RestoreSqlite(Path("other.db"), Path("live.db")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(VerifySqliteBackup(Path("other.db")).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // A damaged backup: pages overwritten in the middle.
  std::string bytes = ReadFile(Path("good.db"));
  ASSERT_GT(bytes.size(), 3u * 4096);
  for (size_t i = 4096; i < 3 * 4096; ++i) bytes[i] = static_cast<char>(0xA5);
  WriteFile(Path("damaged.db"), bytes);
  EXPECT_EQ(RestoreSqlite(Path("damaged.db"), Path("live.db")).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifySqliteBackup(Path("damaged.db")).status().code(), absl::StatusCode::kDataLoss);

  EXPECT_EQ(RestoreSqlite(Path("missing.db"), Path("live.db")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Count(Path("live.db"), "t"), 20);
  EXPECT_FALSE(Exists(Path("live.db.before-restore")));
  for (const std::string& name : Files(dir_)) {
    EXPECT_FALSE(absl::StrContains(name, ".tmp-")) << name;
  }
}

TEST_F(BackupTest, SchemaVersionReadsWithoutWriting) {
  // A database without schema_migrations stays without it.
  absl::StatusOr<std::unique_ptr<Database>> empty = OpenSqlite(Path("empty.db"));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*SchemaVersion(**empty), 0);
  empty->reset();
  EXPECT_EQ(*SqliteFileSchemaVersion(Path("empty.db")), 0);
  // Nothing left beside the stopped database (a read-only connection would
  // leave a -wal and -shm of its own).
  EXPECT_FALSE(Exists(Path("empty.db-wal")));
  EXPECT_FALSE(Exists(Path("empty.db-shm")));
  EXPECT_EQ(Count(Path("empty.db"), "schema_migrations"), -1);

  EXPECT_EQ(SqliteFileSchemaVersion(Path("missing.db")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(Exists(Path("missing.db")));

  std::unique_ptr<Database> live = MakeDatabase("live.db", 1);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(*SqliteFileSchemaVersion(Path("live.db")), 1);  // while it is open
}

// chiso-db in-process: usage errors, the read-only version, PostgreSQL.
class ChisoDbCliTest : public BackupTest {
 protected:
  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return chisodb::RunChisoDb(args, out_, err_);
  }
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ChisoDbCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({"backup", "--database", Path("a.db")}), 2);  // no --to
  EXPECT_TRUE(absl::StrContains(err_.str(), "missing --to")) << err_.str();
  EXPECT_EQ(Run({"backup", "--database", Path("a.db"), "--to", Path("b.db"), "--bogus"}), 2);
  EXPECT_EQ(Run({"restore", "--from"}), 2);
  EXPECT_EQ(Run({"version", "--database=a", "--database=b"}), 2);
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_TRUE(absl::StrContains(out_.str(), "chiso-db backup"));
}

TEST_F(ChisoDbCliTest, BackupVerifyRestoreAndVersion) {
  std::unique_ptr<Database> live = MakeDatabase("live.db", 2);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(Run({"backup", "--database", Path("live.db"), "--to", Path("b.db")}), 0) << err_.str();
  EXPECT_EQ(Run({"backup", "--database", Path("live.db"), "--to", Path("b.db")}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "ALREADY_EXISTS")) << err_.str();
  EXPECT_EQ(Run({"backup", "--database", Path("live.db"), "--to", Path("b.db"), "--overwrite"}), 0);
  EXPECT_EQ(Run({"verify", "--from", Path("b.db")}), 0) << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "schema version 1")) << out_.str();
  // Refused while live.db is open.
  EXPECT_EQ(Run({"restore", "--from", Path("b.db"), "--database", Path("live.db")}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "stop the service")) << err_.str();
  live.reset();
  EXPECT_EQ(Run({"restore", "--from", Path("b.db"), "--database", Path("new.db")}), 0)
      << err_.str();
  EXPECT_EQ(Run({"version", "--database", Path("new.db")}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "1\n");
  EXPECT_EQ(Run({"version", "--database", Path("missing.db")}), 1);
  EXPECT_FALSE(Exists(Path("missing.db")));
}

TEST_F(ChisoDbCliTest, PostgresPrintsThePgDumpCommandWithoutThePassword) {
  EXPECT_EQ(Run({"backup", "--database", "postgresql://chiso:s3cret@db:5432/plan", "--to",
                 "/backup/plan.dump"}),
            1);
  EXPECT_EQ(out_.str(),
            "PGPASSWORD=\"$PASSWORD\" pg_dump --format=custom --file='/backup/plan.dump' "
            "--dbname='postgresql://chiso@db:5432/plan'\n");
  EXPECT_FALSE(absl::StrContains(out_.str() + err_.str(), "s3cret"));
  EXPECT_EQ(Run({"backup", "--database",
                 "postgresql://chiso@db/plan?password=s3cret&sslmode=require", "--to", "x.dump"}),
            1);
  EXPECT_TRUE(
      absl::StrContains(out_.str(), "--dbname='postgresql://chiso@db/plan?sslmode=require'"))
      << out_.str();
  EXPECT_EQ(Run({"backup", "--database",
                 "postgresql://chiso@db/plan?sslmode=require&password=s3cret", "--to", "x.dump"}),
            1);
  EXPECT_TRUE(
      absl::StrContains(out_.str(), "--dbname='postgresql://chiso@db/plan?sslmode=require'"))
      << out_.str();
  EXPECT_FALSE(absl::StrContains(out_.str() + err_.str(), "s3cret"));
  EXPECT_EQ(Run({"restore", "--from", "/backup/plan.dump", "--database",
                 "postgresql://chiso@db:5432/plan"}),
            1);
  EXPECT_TRUE(absl::StrContains(out_.str(), "pg_restore --no-owner")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "'/backup/plan.dump'")) << out_.str();
}

}  // namespace
}  // namespace chiso::storage
