#include "common/storage/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace chiso::storage {
namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, SqliteCloser>;

// The side files SQLite keeps beside a database file.
constexpr const char* kSideSuffixes[] = {"-wal", "-shm", "-journal"};

absl::Status ErrnoStatus(absl::string_view what, const std::string& path, int err) {
  std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(msg);
  return absl::UnavailableError(msg);
}

absl::Status SqliteStatus(sqlite3* db, int rc, absl::string_view what) {
  const std::string msg =
      absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::DataLossError(msg);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::UnavailableError(msg);
    default:
      return absl::InternalError(msg);
  }
}

bool IsBusy(int rc) { return (rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED; }

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status RemoveIfExists(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("remove", path, errno);
  return absl::OkStatus();
}

void RemoveWithSideFiles(const std::string& path) {
  (void)unlink(path.c_str());
  for (const char* suffix : kSideSuffixes) (void)unlink(absl::StrCat(path, suffix).c_str());
}

absl::Status Fsync(const std::string& path, bool directory) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return ErrnoStatus("open", path, errno);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return ErrnoStatus("fsync", path, err);
  return absl::OkStatus();
}

absl::StatusOr<Handle> Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Handle db(raw);
  if (rc != SQLITE_OK) return SqliteStatus(raw, rc, absl::StrCat("sqlite: open ", path));
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

// Runs `sql` and returns the first column of every row as text.
absl::StatusOr<std::vector<std::string>> Query(sqlite3* db, const std::string& sql,
                                               absl::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db, rc, what);
  std::vector<std::string> rows;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rows.emplace_back(text == nullptr ? "" : text);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return SqliteStatus(db, rc, what);
  return rows;
}

absl::Status Exec(sqlite3* db, const std::string& sql, absl::string_view what) {
  return Query(db, sql, what).status();
}

absl::StatusOr<int64_t> QueryInt(sqlite3* db, const std::string& sql, absl::string_view what) {
  absl::StatusOr<std::vector<std::string>> rows = Query(db, sql, what);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::InternalError(absl::StrCat(what, ": no row"));
  return std::strtoll((*rows)[0].c_str(), nullptr, 10);
}

absl::Status IntegrityCheck(sqlite3* db, const std::string& path) {
  absl::StatusOr<std::vector<std::string>> rows =
      Query(db, "PRAGMA integrity_check(20)", absl::StrCat("integrity check of ", path));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 1 && (*rows)[0] == "ok") return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("integrity check of ", path, " failed: ", absl::StrJoin(*rows, "; ")));
}

// Size and schema version of the open database `db` (in a read transaction
// or not).
absl::StatusOr<SqliteCopyInfo> Describe(sqlite3* db, const std::string& path,
                                        bool* has_migrations) {
  SqliteCopyInfo info;
  const std::string what = absl::StrCat("read ", path);
  absl::StatusOr<int64_t> pages = QueryInt(db, "PRAGMA page_count", what);
  if (!pages.ok()) return pages.status();
  absl::StatusOr<int64_t> page_size = QueryInt(db, "PRAGMA page_size", what);
  if (!page_size.ok()) return page_size.status();
  info.pages = *pages;
  info.bytes = *pages * *page_size;
  absl::StatusOr<int64_t> tables = QueryInt(
      db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
      what);
  if (!tables.ok()) return tables.status();
  *has_migrations = *tables > 0;
  if (*has_migrations) {
    absl::StatusOr<int64_t> version =
        QueryInt(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", what);
    if (!version.ok()) return version.status();
    info.schema_version = static_cast<int>(*version);
  }
  return info;
}

// A new empty file "<base>.tmp-XXXXXX" in the directory of `base`.
absl::StatusOr<std::string> MakeTemp(const std::string& base) {
  std::string name = absl::StrCat(base, ".tmp-XXXXXX");
  const int fd = mkstemp(name.data());
  if (fd < 0) return ErrnoStatus("create", name, errno);
  close(fd);
  return name;
}

// Removes a temporary file and its side files unless released.
class TempGuard {
 public:
  explicit TempGuard(std::string path) : path_(std::move(path)) {}
  ~TempGuard() {
    if (!path_.empty()) RemoveWithSideFiles(path_);
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// Copies the database `source_path` (opened with `source_flags`) into the
// empty file `temp`: one consistent snapshot (a read transaction is held on
// the source across all steps), then journal_mode=DELETE, integrity check,
// fsync. `has_migrations` receives whether the copy has schema_migrations.
absl::StatusOr<SqliteCopyInfo> CopyInto(const std::string& source_path, int source_flags,
                                        const std::string& temp, int pages_per_step,
                                        absl::Duration busy_limit, bool* has_migrations) {
  absl::StatusOr<Handle> src = Open(source_path, source_flags);
  if (!src.ok()) return src.status();
  // Waits inside SQLite first; the step loop below retries past it.
  sqlite3_busy_timeout(src->get(), 1000);
  // The snapshot: in WAL mode this read transaction lets writers go on.
  const absl::Time deadline = absl::Now() + busy_limit;
  while (true) {
    absl::Status begun = Exec(src->get(), "BEGIN", "begin");
    if (begun.ok()) {
      begun = Exec(src->get(), "SELECT count(*) FROM sqlite_master",
                   absl::StrCat("read ", source_path));
    }
    if (begun.ok()) break;
    const int rc = sqlite3_extended_errcode(src->get());
    (void)Exec(src->get(), "ROLLBACK", "rollback");
    if (!IsBusy(rc) || absl::Now() > deadline) return begun;
    absl::SleepFor(absl::Milliseconds(10));
  }

  absl::StatusOr<Handle> dst = Open(temp, SQLITE_OPEN_READWRITE);
  if (!dst.ok()) return dst.status();
  sqlite3_backup* backup = sqlite3_backup_init(dst->get(), "main", src->get(), "main");
  if (backup == nullptr) {
    return SqliteStatus(dst->get(), sqlite3_extended_errcode(dst->get()), "backup");
  }
  int rc = SQLITE_OK;
  while (true) {
    rc = sqlite3_backup_step(backup, pages_per_step);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if (IsBusy(rc) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
      continue;
    }
    break;
  }
  const int finished = sqlite3_backup_finish(backup);
  (void)Exec(src->get(), "COMMIT", "end read");
  src->reset();
  if (rc != SQLITE_DONE) {
    if (IsBusy(rc)) {
      return absl::UnavailableError(absl::StrCat("backup of ", source_path, ": still busy after ",
                                                 absl::FormatDuration(busy_limit)));
    }
    return SqliteStatus(dst->get(), finished != SQLITE_OK ? finished : rc,
                        absl::StrCat("backup of ", source_path));
  }
  if (finished != SQLITE_OK) {
    return SqliteStatus(dst->get(), finished, absl::StrCat("backup of ", source_path));
  }
  // One self-contained file: no -wal needed (or allowed) beside it.
  absl::StatusOr<std::vector<std::string>> mode =
      Query(dst->get(), "PRAGMA journal_mode=DELETE", absl::StrCat("finish ", temp));
  if (!mode.ok()) return mode.status();
  if (mode->empty() || (*mode)[0] != "delete") {
    return absl::InternalError(
        absl::StrCat("finish ", temp, ": journal mode stayed ", mode->empty() ? "?" : (*mode)[0]));
  }
  if (absl::Status s = IntegrityCheck(dst->get(), source_path); !s.ok()) return s;
  absl::StatusOr<SqliteCopyInfo> info = Describe(dst->get(), temp, has_migrations);
  if (!info.ok()) return info.status();
  sqlite3* raw = dst->release();
  if (rc = sqlite3_close(raw); rc != SQLITE_OK) {
    absl::Status s = SqliteStatus(raw, rc, absl::StrCat("close ", temp));
    sqlite3_close_v2(raw);
    return s;
  }
  for (const char* suffix : kSideSuffixes) {
    if (absl::Status s = RemoveIfExists(absl::StrCat(temp, suffix)); !s.ok()) return s;
  }
  if (absl::Status s = Fsync(temp, false); !s.ok()) return s;
  return info;
}

// Fails with FailedPrecondition when any connection has `path` open: takes
// SQLite's exclusive lock without waiting (exclusive locking mode, so in WAL
// mode an idle connection's shared lock is enough to refuse). The check
// connection is the last one to close, which checkpoints a WAL into the file.
absl::Status CheckNotInUse(const std::string& path) {
  absl::StatusOr<Handle> db = Open(path, SQLITE_OPEN_READWRITE);
  if (!db.ok()) return db.status();
  sqlite3_busy_timeout(db->get(), 0);
  const std::string in_use = absl::StrCat(
      "database ", path, " is in use (locked by another connection): stop the service first");
  absl::Status s = Exec(db->get(), "PRAGMA locking_mode=EXCLUSIVE", "locking mode");
  if (s.ok()) s = Exec(db->get(), "BEGIN EXCLUSIVE", "lock");
  if (s.ok()) s = Exec(db->get(), "SELECT count(*) FROM sqlite_master", "lock");
  const int rc = sqlite3_extended_errcode(db->get());
  if (!s.ok() && IsBusy(rc)) return absl::FailedPreconditionError(in_use);
  if (!s.ok() && !absl::IsDataLoss(s)) return s;
  // A damaged database (DataLoss) is replaced all the same: it may be why
  // the backup is being restored.
  (void)Exec(db->get(), "COMMIT", "unlock");
  return absl::OkStatus();
}

// Gives `path` the owner and mode of `like` (best effort: only root can
// chown), so a restore run as root leaves a file the service can write.
void MatchOwner(const std::string& path, const std::string& like, bool copy_mode) {
  struct stat st;
  if (stat(like.c_str(), &st) != 0) return;
  if (geteuid() == 0) (void)chown(path.c_str(), st.st_uid, st.st_gid);
  if (copy_mode) (void)chmod(path.c_str(), st.st_mode & 07777);
}

}  // namespace

absl::StatusOr<SqliteCopyInfo> BackupSqlite(const std::string& source_path,
                                            const std::string& destination_path,
                                            const SqliteBackupOptions& options) {
  if (options.pages_per_step <= 0) {
    return absl::InvalidArgumentError("backup: pages_per_step must be positive");
  }
  if (destination_path.empty()) return absl::InvalidArgumentError("backup: no destination");
  struct stat src_st;
  if (stat(source_path.c_str(), &src_st) != 0) {
    return ErrnoStatus("backup: source", source_path, errno);
  }
  if (!S_ISREG(src_st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("backup: source ", source_path, " is not a regular file"));
  }
  const std::string dir = DirOf(destination_path);
  struct stat dir_st;
  if (stat(dir.c_str(), &dir_st) != 0) {
    return ErrnoStatus("backup: destination directory", dir, errno);
  }
  struct stat dst_st;
  if (stat(destination_path.c_str(), &dst_st) == 0) {
    if (!options.overwrite) {
      return absl::AlreadyExistsError(
          absl::StrCat("backup: destination ", destination_path, " exists"));
    }
    if (dst_st.st_dev == src_st.st_dev && dst_st.st_ino == src_st.st_ino) {
      return absl::InvalidArgumentError(
          absl::StrCat("backup: ", destination_path, " is the source itself"));
    }
    if (Exists(absl::StrCat(destination_path, "-wal"))) {
      return absl::FailedPreconditionError(
          absl::StrCat("backup: ", destination_path,
                       " has a -wal file beside it: it is a live database, not a backup"));
    }
  }

  absl::StatusOr<std::string> temp = MakeTemp(destination_path);
  if (!temp.ok()) return temp.status();
  TempGuard guard(*temp);
  bool has_migrations = false;
  absl::StatusOr<SqliteCopyInfo> info =
      CopyInto(source_path, SQLITE_OPEN_READWRITE, *temp, options.pages_per_step,
               options.busy_limit, &has_migrations);
  if (!info.ok()) return info.status();

  if (options.overwrite) {
    if (rename(temp->c_str(), destination_path.c_str()) != 0) {
      return ErrnoStatus("backup: rename into", destination_path, errno);
    }
  } else if (link(temp->c_str(), destination_path.c_str()) == 0) {
    // Linked without replacing anything; the temporary name goes.
    (void)unlink(temp->c_str());
  } else if (errno == EEXIST) {
    return absl::AlreadyExistsError(
        absl::StrCat("backup: destination ", destination_path, " exists"));
  } else {
    // No hard links on this file system: check, then rename.
    if (Exists(destination_path)) {
      return absl::AlreadyExistsError(
          absl::StrCat("backup: destination ", destination_path, " exists"));
    }
    if (rename(temp->c_str(), destination_path.c_str()) != 0) {
      return ErrnoStatus("backup: rename into", destination_path, errno);
    }
  }
  guard.Release();
  if (absl::Status s = Fsync(dir, true); !s.ok()) return s;
  return info;
}

absl::StatusOr<SqliteCopyInfo> VerifySqliteBackup(const std::string& backup_path) {
  struct stat st;
  if (stat(backup_path.c_str(), &st) != 0) return ErrnoStatus("verify", backup_path, errno);
  absl::StatusOr<Handle> db = Open(backup_path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return db.status();
  if (absl::Status s = IntegrityCheck(db->get(), backup_path); !s.ok()) return s;
  bool has_migrations = false;
  absl::StatusOr<SqliteCopyInfo> info = Describe(db->get(), backup_path, &has_migrations);
  if (!info.ok()) return info.status();
  if (!has_migrations) {
    return absl::FailedPreconditionError(absl::StrCat(
        backup_path, " is not a chiso database backup: it has no schema_migrations table"));
  }
  return info;
}

absl::StatusOr<SqliteRestoreInfo> RestoreSqlite(const std::string& backup_path,
                                                const std::string& database_path) {
  struct stat st;
  if (stat(backup_path.c_str(), &st) != 0) {
    return ErrnoStatus("restore: backup", backup_path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("restore: backup ", backup_path, " is not a regular file"));
  }
  if (database_path.empty()) return absl::InvalidArgumentError("restore: no database path");
  const std::string dir = DirOf(database_path);
  if (stat(dir.c_str(), &st) != 0) {
    return ErrnoStatus("restore: database directory", dir, errno);
  }

  // 1. A verified copy of the backup next to the database (same file
  // system, so it can be renamed into place).
  absl::StatusOr<std::string> temp = MakeTemp(database_path);
  if (!temp.ok()) return temp.status();
  TempGuard guard(*temp);
  SqliteRestoreInfo result;
  bool has_migrations = false;
  absl::StatusOr<SqliteCopyInfo> info =
      CopyInto(backup_path, SQLITE_OPEN_READONLY, *temp, 1024, absl::Seconds(5), &has_migrations);
  if (!info.ok()) return info.status();
  if (!has_migrations) {
    return absl::FailedPreconditionError(absl::StrCat(
        "restore: ", backup_path, " is not a chiso database backup: no schema_migrations table"));
  }
  result.restored = *info;

  // 2. Nobody may have the database open.
  const bool had_database = Exists(database_path);
  if (had_database) {
    if (absl::Status s = CheckNotInUse(database_path); !s.ok()) return s;
  }
  MatchOwner(*temp, had_database ? database_path : dir, had_database);

  // 3. The old database goes aside together with its side files, so that no
  // WAL of it stays beside the restored file. An older set is replaced.
  const std::string previous = absl::StrCat(database_path, ".before-restore");
  if (!had_database) {
    // Side files of no database: a WAL among them would be replayed into
    // the restored file.
    for (const char* suffix : kSideSuffixes) {
      if (absl::Status s = RemoveIfExists(absl::StrCat(database_path, suffix)); !s.ok()) return s;
    }
  } else {
    if (absl::Status s = RemoveIfExists(previous); !s.ok()) return s;
    for (const char* suffix : kSideSuffixes) {
      if (absl::Status s = RemoveIfExists(absl::StrCat(previous, suffix)); !s.ok()) return s;
    }
    if (rename(database_path.c_str(), previous.c_str()) != 0) {
      return ErrnoStatus("restore: move aside", database_path, errno);
    }
    for (const char* suffix : kSideSuffixes) {
      const std::string side = absl::StrCat(database_path, suffix);
      if (Exists(side) && rename(side.c_str(), absl::StrCat(previous, suffix).c_str()) != 0) {
        return ErrnoStatus("restore: move aside", side, errno);
      }
    }
    result.previous_path = previous;
  }

  // 4. The restored file takes the database's place.
  if (rename(temp->c_str(), database_path.c_str()) != 0) {
    return ErrnoStatus("restore: rename into", database_path, errno);
  }
  guard.Release();
  if (absl::Status s = Fsync(dir, true); !s.ok()) return s;
  return result;
}

absl::StatusOr<int> SqliteFileSchemaVersion(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoStatus("schema version:", path, errno);
  // Read-write but query_only: a read-only connection would leave a -wal and
  // -shm of its own (owned by whoever ran it) beside a stopped database; this
  // one, closing last, removes them as the service does.
  absl::StatusOr<Handle> db = Open(path, SQLITE_OPEN_READWRITE);
  if (!db.ok()) return db.status();
  sqlite3_busy_timeout(db->get(), 5000);
  bool has_migrations = false;
  absl::Status s = Exec(db->get(), "PRAGMA query_only=1", "query only");
  if (s.ok()) s = Exec(db->get(), "BEGIN", "begin");
  absl::StatusOr<SqliteCopyInfo> info =
      s.ok() ? Describe(db->get(), path, &has_migrations) : absl::StatusOr<SqliteCopyInfo>(s);
  (void)Exec(db->get(), "COMMIT", "end read");
  if (!info.ok()) return info.status();
  return info->schema_version;
}

}  // namespace chiso::storage
