#ifndef CHISO_TOOLS_CHISO_DB_CLI_H_
#define CHISO_TOOLS_CHISO_DB_CLI_H_

// chiso-db, backup and restore of a service's database (docs/BACKUP.md):
//
//   chiso-db backup  --database FILE --to FILE [--overwrite]
//   chiso-db restore --from FILE --database FILE
//   chiso-db verify  --from FILE
//   chiso-db version --database FILE|postgresql://…
//
// SQLite files are copied with storage::BackupSqlite / RestoreSqlite. Given a
// postgresql:// URL, backup and restore print the pg_dump / pg_restore
// commands to run instead (and exit 1: nothing was copied).

#include <ostream>
#include <string>
#include <vector>

namespace chiso::chisodb {

inline constexpr int kExitOk = 0;
// The operation failed (or, for PostgreSQL, was not performed).
inline constexpr int kExitError = 1;
// Unknown command or flag, a missing or repeated flag.
inline constexpr int kExitUsage = 2;

// Runs chiso-db with `args` (argv without the program name).
int RunChisoDb(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace chiso::chisodb

#endif  // CHISO_TOOLS_CHISO_DB_CLI_H_
