#ifndef CHISO_COMMON_STORAGE_BACKUP_H_
#define CHISO_COMMON_STORAGE_BACKUP_H_

// Backup and restore of a service's embedded SQLite database (docs/BACKUP.md).
//
// BackupSqlite copies a live database (the service keeps running and writing)
// into a single self-contained file; RestoreSqlite puts such a copy in place
// of a stopped service's database. PostgreSQL is backed up with its own tools
// (pg_dump / pg_restore), which `chiso-db` prints for a postgresql:// URL.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/storage/database.h"

namespace chiso::storage {

struct SqliteBackupOptions {
  // Replace an existing destination file (atomically: readers of the old
  // file see either it or the complete new one).
  bool overwrite = false;
  // Pages copied per sqlite3_backup_step.
  int pages_per_step = 256;
  // How long the copy keeps retrying while the source is busy or locked
  // (e.g. WAL recovery by another process) before it gives up.
  absl::Duration busy_limit = absl::Seconds(30);
};

// What a backup or a restore wrote.
struct SqliteCopyInfo {
  // Size of the copy in pages and bytes.
  int64_t pages = 0;
  int64_t bytes = 0;
  // Highest version in the copy's schema_migrations table (0 if it has none).
  int schema_version = 0;
};

// Copies the SQLite database `source_path` to `destination_path` while other
// connections (the running service) keep reading and writing it. The copy is
// one consistent snapshot: the copy holds a read transaction on the source
// for its whole duration, which in WAL mode blocks no writer (a database in
// rollback-journal mode would have its writers wait). The copy is written to
// a temporary file next to the destination, checked with
// PRAGMA integrity_check, switched to journal_mode=DELETE (one file, no -wal
// beside it), fsynced and renamed into place; on any error the destination is
// untouched and the temporary file removed. Errors: NotFound when the source
// or the destination's directory does not exist; AlreadyExists when the
// destination exists and !options.overwrite; InvalidArgument for bad options
// or a source that is not a regular file; Unavailable for I/O errors or a
// source that stays busy past options.busy_limit; DataLoss when the source is
// not an SQLite database or the copy fails the integrity check.
absl::StatusOr<SqliteCopyInfo> BackupSqlite(const std::string& source_path,
                                            const std::string& destination_path,
                                            const SqliteBackupOptions& options = {});

// Checks a backup file without changing it: PRAGMA integrity_check, and that
// it is a chiso database (it has a schema_migrations table). Errors: NotFound
// for a missing file; DataLoss when it is not an SQLite database or fails the
// check; FailedPrecondition when it has no schema_migrations table.
absl::StatusOr<SqliteCopyInfo> VerifySqliteBackup(const std::string& backup_path);

struct SqliteRestoreInfo {
  SqliteCopyInfo restored;
  // Where the replaced database now is ("<database>.before-restore", with its
  // -wal/-shm beside it as "<database>.before-restore-wal"/"-shm"); empty when
  // there was no database to replace.
  std::string previous_path;
};

// Replaces the database `database_path` of a STOPPED service with the backup
// `backup_path`. The backup is verified (VerifySqliteBackup's checks) on a
// temporary copy next to the database before anything is replaced. The
// database must not be open anywhere: the restore takes SQLite's exclusive
// lock with no wait, so any open connection, idle or in a transaction, makes
// it fail. The replaced database is moved aside to "<database>.before-restore"
// together with its -wal, -shm and -journal files (a WAL left beside the
// restored file would be replayed into it and corrupt it); an older
// .before-restore set is replaced. Without a database, stray side files of
// that name are deleted. The restored file takes the database's
// place with one atomic rename. Errors: NotFound for a missing backup or
// database directory; FailedPrecondition when the database is in use ("stop
// the service first") or the backup has no schema_migrations table; DataLoss
// when the backup is damaged; Unavailable for I/O errors.
absl::StatusOr<SqliteRestoreInfo> RestoreSqlite(const std::string& backup_path,
                                                const std::string& database_path);

// The schema version of the SQLite file `path`, read by a query_only
// connection (no table or file is created; 0 when the database has no
// schema_migrations table). Like any connection that closes last, it
// checkpoints a WAL it finds into the file. Errors: NotFound for a missing file; DataLoss when
// it is not an SQLite database; Unavailable when it cannot be read.
absl::StatusOr<int> SqliteFileSchemaVersion(const std::string& path);

}  // namespace chiso::storage

#endif  // CHISO_COMMON_STORAGE_BACKUP_H_
