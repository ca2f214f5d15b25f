#include "common/server/service_main.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log/log.h"

ABSL_FLAG(std::string, database_url, "",
          "Database of the service: empty for the embedded SQLite file under --data_dir, "
          "postgresql://user:password@host:port/database for PostgreSQL, or sqlite:PATH "
          "(env CHISO_DATABASE_URL)");

namespace chiso {

std::string FlagEnvironmentVariable(absl::string_view name) {
  return absl::StrCat("CHISO_", absl::AsciiStrToUpper(name));
}

absl::Status ApplyFlagEnvironment() {
  std::vector<std::string> errors;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string file = flag->Filename();
    if (!absl::StrContains(file, "common/") && !absl::StrContains(file, "services/") &&
        !absl::StrContains(file, "tools/")) {
      continue;  // absl's own (--flagfile, --help, …)
    }
    const std::string variable = FlagEnvironmentVariable(name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    // Set but empty: an empty value where the flag takes one
    // (CHISO_METRICS_LISTEN= turns metrics off), else as if unset.
    if (*value == '\0') {
      (void)flag->ParseFrom(value, &error);
      continue;
    }
    if (!flag->ParseFrom(value, &error)) {
      errors.push_back(absl::StrCat(variable, "=\"", value, "\": ", error));
    }
  }
  if (errors.empty()) return absl::OkStatus();
  std::sort(errors.begin(), errors.end());
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

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
