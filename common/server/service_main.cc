#include "common/server/service_main.h"

#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/config.h"

ABSL_FLAG(std::string, database_url, chiso::EnvOr("CHISO_DATABASE_URL", ""),
          "Database of the service: empty for the embedded SQLite file under --data_dir, "
          "postgresql://user:password@host:port/database for PostgreSQL, or sqlite:PATH "
          "(env CHISO_DATABASE_URL)");

namespace chiso {

absl::Status ApplyLogLevel(const std::string& level) {
  log::Level parsed;
  if (!log::ParseLevel(level, &parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_level: \"", level, "\" is not debug, info, warning or error"));
  }
  log::SetMinLevel(parsed);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const std::string& data_dir, const std::string& file, const std::string& database_url,
    const std::vector<storage::Migration>& migrations) {
  const std::filesystem::path dir = data_dir;
  if (database_url.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("--data_dir ", dir.string(), ": ", ec.message()));
    }
  }
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::OpenDatabase(database_url, (dir / file).string());
  if (!db.ok()) {
    return absl::Status(db.status().code(),
                        absl::StrCat("--database_url: ", db.status().message()));
  }
  log::Info("database open",
            {{"backend", (*db)->dialect() == storage::Dialect::kPostgres ? "postgresql" : "sqlite"},
             {"database",
              database_url.empty() ? (dir / file).string() : storage::RedactedUrl(database_url)}});
  if (absl::Status s = storage::Migrate(**db, migrations); !s.ok()) return s;
  return db;
}

int FailToStart(const std::string& service, const absl::Status& status) {
  log::Error("cannot start", {{"service", service}, {"error", status.ToString()}});
  return 1;
}

}  // namespace chiso
