#ifndef CHISO_COMMON_SERVER_SERVICE_MAIN_H_
#define CHISO_COMMON_SERVER_SERVICE_MAIN_H_

// The steps every service's main() takes before serving, written once.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/database.h"

namespace chiso {

// Sets the minimum log level from the --log_level flag's value. Errors:
// InvalidArgument naming the flag and the accepted values.
absl::Status ApplyLogLevel(const std::string& level);

// Creates `data_dir` if needed, opens the service's SQLite database
// `<data_dir>/<file>` and brings its schema to the last of `migrations`.
// Errors: Unavailable when the directory or file cannot be used; those of
// storage::Migrate (FailedPrecondition for a database of a newer release).
absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const std::string& data_dir, const std::string& file,
    const std::vector<storage::Migration>& migrations);

// Logs why `service` cannot start (one JSON line) and returns the exit
// status for main: 1.
int FailToStart(const std::string& service, const absl::Status& status);

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_SERVICE_MAIN_H_
