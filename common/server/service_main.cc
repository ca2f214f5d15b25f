#include "common/server/service_main.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

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
    const std::string& data_dir, const std::string& file,
    const std::vector<storage::Migration>& migrations) {
  const std::filesystem::path dir = data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("--data_dir ", dir.string(), ": ", ec.message()));
  }
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::OpenSqlite((dir / file).string());
  if (!db.ok()) return db.status();
  if (absl::Status s = storage::Migrate(**db, migrations); !s.ok()) return s;
  return db;
}

int FailToStart(const std::string& service, const absl::Status& status) {
  log::Error("cannot start", {{"service", service}, {"error", status.ToString()}});
  return 1;
}

}  // namespace chiso
