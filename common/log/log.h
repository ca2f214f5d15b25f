#ifndef CHISO_COMMON_LOG_LOG_H_
#define CHISO_COMMON_LOG_LOG_H_

// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T10:00:00.123Z","level":"info","msg":"rpc",
//    "method":"/chiso.plan.v1.PlanService/GetPlan","code":"OK"}
// Debian's Abseil (20220623) has no absl/log, so the suite keeps this facade.

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace chiso::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// One key/value pair of a log line. Strings are JSON-escaped; numbers and
// booleans are written bare.
class Field {
 public:
  Field(absl::string_view key, absl::string_view value);
  Field(absl::string_view key, const char* value);
  Field(absl::string_view key, const std::string& value);
  Field(absl::string_view key, int64_t value);
  Field(absl::string_view key, int value);
  Field(absl::string_view key, uint64_t value);
  Field(absl::string_view key, double value);
  Field(absl::string_view key, bool value);

  absl::string_view key() const { return key_; }
  // The value already encoded as JSON.
  const std::string& json() const { return json_; }

 private:
  absl::string_view key_;
  std::string json_;
};

// Writes one line if `level` is at or above the minimum level.
void Log(Level level, absl::string_view msg, std::initializer_list<Field> fields = {});
inline void Debug(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kDebug, msg, f);
}
inline void Info(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kInfo, msg, f);
}
inline void Warning(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kWarning, msg, f);
}
inline void Error(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kError, msg, f);
}

// Lines below `level` are dropped. Default: kInfo.
void SetMinLevel(Level level);
// Parses "debug", "info", "warning" or "error"; false if unknown.
bool ParseLevel(absl::string_view text, Level* level);

// Redirects output (tests); nullptr restores stderr. The stream must outlive
// its use.
void SetOutput(std::ostream* out);

// Returns `text` as a JSON string literal, quotes included. Invalid UTF-8
// bytes are written as \u00XX escapes so the line stays valid JSON.
std::string JsonQuote(absl::string_view text);

}  // namespace chiso::log

#endif  // CHISO_COMMON_LOG_LOG_H_
