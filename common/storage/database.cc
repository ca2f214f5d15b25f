#include "common/storage/database.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/storage/open_transactions.h"

namespace chiso::storage {

std::vector<internal::OpenTx>& internal::OpenTransactions() {
  thread_local std::vector<OpenTx> open;
  return open;
}

int64_t Row::Int(size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* n = std::get_if<int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    int64_t n = 0;
    return absl::SimpleAtoi(*s, &n) ? n : 0;
  }
  return 0;
}

double Row::Double(size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<int64_t>(&v)) return static_cast<double>(*n);
  return 0;
}

std::string Row::Text(size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<Blob>(&v)) return b->bytes;
  if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  return "";
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(absl::string_view url,
                                                       const std::string& default_sqlite_path) {
  if (url.empty()) return OpenSqlite(default_sqlite_path);
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    PostgresOptions options;
    options.url = std::string(url);
    return OpenPostgres(options);
  }
  if (absl::StartsWith(url, "sqlite:") && url.size() > 7) {
    return OpenSqlite(std::string(url.substr(7)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("database url \"", RedactedUrl(url),
                   "\": expected postgresql://user:password@host:port/database or sqlite:PATH"));
}

}  // namespace chiso::storage
