#ifndef CHISO_COMMON_SERVER_SERVICE_MAIN_H_
#define CHISO_COMMON_SERVER_SERVICE_MAIN_H_

// The steps every service's main() takes before serving, written once.

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

// --database_url (env CHISO_DATABASE_URL), shared by every service: empty
// for the embedded SQLite file, or postgresql://user:password@host:port/db.
ABSL_DECLARE_FLAG(std::string, database_url);

namespace chiso {

// Sets every flag of chiso's own (those defined under common/, services/ or
// tools/) from its environment variable: CHISO_ and the flag's name in upper
// case (--drain_grace: CHISO_DRAIN_GRACE). A variable set to "" gives a
// text flag the empty value and leaves other flags alone. Call it before
// absl::ParseCommandLine, so a flag on the command line wins. A container is
// then configured entirely by env. Errors: InvalidArgument naming the
// variable and what is wrong with its value.
absl::Status ApplyFlagEnvironment();

// The environment variable of flag `name` ("drain_grace" → "CHISO_DRAIN_GRACE").
std::string FlagEnvironmentVariable(absl::string_view name);

// Sets the minimum log level from the --log_level flag's value. Errors:
// InvalidArgument naming the flag and the accepted values.
absl::Status ApplyLogLevel(const std::string& level);

// Opens the service's database and brings its schema to the last of
// `migrations`. `database_url` (the --database_url flag every service has)
// names it; when empty, the embedded SQLite file `<data_dir>/<file>`, with
// `data_dir` created if needed. Errors: InvalidArgument for a URL of no
// known form; Unavailable when the directory, file or server cannot be used;
// those of storage::Migrate (FailedPrecondition for a database of a newer
// release).
absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const std::string& data_dir, const std::string& file, const std::string& database_url,
    const std::vector<storage::Migration>& migrations);

// Logs why `service` cannot start (one JSON line) and returns the exit
// status for main: 1.
int FailToStart(const std::string& service, const absl::Status& status);

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_SERVICE_MAIN_H_
