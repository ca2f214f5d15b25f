#include "common/log/log.h"

#include <atomic>
#include <cmath>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace chiso::log {
namespace {

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

absl::Mutex& OutputMutex() {
  static absl::Mutex* mu = new absl::Mutex();
  return *mu;
}
std::ostream* output ABSL_GUARDED_BY(OutputMutex()) = nullptr;

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2)
    n = 2;
  else if ((c & 0xF0) == 0xE0)
    n = 3;
  else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string JsonQuote(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
      ++i;
      continue;
    }
    out.append(text.data() + i, n);
    i += n;
  }
  out.push_back('"');
  return out;
}

Field::Field(absl::string_view key, absl::string_view value) : key_(key), json_(JsonQuote(value)) {}
Field::Field(absl::string_view key, const char* value) : Field(key, absl::string_view(value)) {}
Field::Field(absl::string_view key, const std::string& value)
    : Field(key, absl::string_view(value)) {}
Field::Field(absl::string_view key, int64_t value) : key_(key), json_(absl::StrCat(value)) {}
Field::Field(absl::string_view key, int value) : key_(key), json_(absl::StrCat(value)) {}
Field::Field(absl::string_view key, uint64_t value) : key_(key), json_(absl::StrCat(value)) {}
Field::Field(absl::string_view key, double value)
    : key_(key), json_(std::isfinite(value) ? absl::StrCat(value) : "null") {}
Field::Field(absl::string_view key, bool value) : key_(key), json_(value ? "true" : "false") {}

void Log(Level level, absl::string_view msg, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) return;
  std::string line = absl::StrCat(
      "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"msg\":", JsonQuote(msg));
  for (const Field& f : fields) {
    absl::StrAppend(&line, ",", JsonQuote(f.key()), ":", f.json());
  }
  line += "}\n";
  absl::MutexLock lock(&OutputMutex());
  std::ostream& out = output != nullptr ? *output : std::cerr;
  out << line;
  out.flush();
}

void SetMinLevel(Level level) { min_level.store(static_cast<int>(level)); }

bool ParseLevel(absl::string_view text, Level* level) {
  if (text == "debug")
    *level = Level::kDebug;
  else if (text == "info")
    *level = Level::kInfo;
  else if (text == "warning" || text == "warn")
    *level = Level::kWarning;
  else if (text == "error")
    *level = Level::kError;
  else
    return false;
  return true;
}

void SetOutput(std::ostream* out) {
  absl::MutexLock lock(&OutputMutex());
  output = out;
}

}  // namespace chiso::log
