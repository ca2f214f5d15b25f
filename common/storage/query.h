#ifndef CHISO_COMMON_STORAGE_QUERY_H_
#define CHISO_COMMON_STORAGE_QUERY_H_

// Helpers for building queries whose WHERE clause depends on a request's
// filters, keeping every value a bound parameter (never text in the SQL).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace chiso::storage {

// Collects parameter values and hands out their placeholders:
//   Params param;
//   std::string sql = "SELECT … WHERE id > " + param(after) + " AND kind IN " + param.In(kinds);
//   tx.Query(sql, param.values);
// (Overloads rather than one function taking a Value: GCC 12 at -O2 warns
// falsely about moving a std::variant that holds a string.)
struct Params {
  std::vector<Value> values;

  // Adds a text value; returns its placeholder ("$3").
  std::string operator()(const std::string& text) {
    values.emplace_back(std::in_place_type<std::string>, text);
    return absl::StrCat("$", values.size());
  }
  // Adds an integer value; returns its placeholder.
  std::string operator()(int64_t n) {
    values.emplace_back(std::in_place_type<int64_t>, n);
    return absl::StrCat("$", values.size());
  }
  // Adds each item; returns "($3, $4, …)" for an IN clause. `items` must not
  // be empty.
  std::string In(const std::vector<std::string>& items) {
    std::vector<std::string> placeholders;
    for (const std::string& item : items) placeholders.push_back((*this)(item));
    return absl::StrCat("(", absl::StrJoin(placeholders, ", "), ")");
  }
  // The same for enum values, stored as integers.
  template <typename Enum>
  std::string InEnums(const std::vector<Enum>& items) {
    std::vector<std::string> placeholders;
    for (Enum item : items) placeholders.push_back((*this)(static_cast<int64_t>(item)));
    return absl::StrCat("(", absl::StrJoin(placeholders, ", "), ")");
  }
};

// Returns a LIKE pattern matching any text that contains `substring`
// literally: "%", "_" and "\" in it are escaped. Use with ESCAPE '\'.
std::string ContainsPattern(absl::string_view substring);

}  // namespace chiso::storage

#endif  // CHISO_COMMON_STORAGE_QUERY_H_
