#ifndef CHISO_SERVICES_SCORING_RESULTS_CSV_H_
#define CHISO_SERVICES_SCORING_RESULTS_CSV_H_

// Reading a CSV file of results (ImportResultsRequest documents the format):
// header detection, quoting, decimal commas, one Result per data row. Pure;
// checking rows against framework versions and the directory is the
// manager's work, which reports problems with the same RowError.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/scoring/v1/scoring_service.pb.h"

namespace chiso::scoring {

inline constexpr size_t kMaxCsvBytes = 10 * 1024 * 1024;
inline constexpr int kMaxReportedRowErrors = 1000;
// Data rows one file may hold; a national ranking of every index for every
// province over twenty years is a few thousand.
inline constexpr int kMaxCsvRows = 100'000;

// One data row read into a Result.
struct CsvResultRow {
  // 1-based line in the file where the row starts (the header is line 1;
  // a quoted field spanning lines counts every line).
  int line = 0;
  // framework_code, level, year, subject, peer_group, the version named by a
  // `version` column (in `framework`), component scores (with
  // ranks), published total, rank, rank_of, tier and note as the row gives
  // them. When the `unit` column holds a unit code rather than "units/{id}",
  // subject is left unset and `unit_code` holds it for the caller to resolve.
  chiso::scoring::v1::Result result;
  std::string unit_code;
};

struct CsvResults {
  // Data rows read (header and blank lines excluded).
  int row_count = 0;
  // Rows that parsed, in file order.
  std::vector<CsvResultRow> rows;
  // Rows that did not parse (bad number, unknown level, both or neither of
  // unit and entity, wrong number of fields…), in file order; each names its
  // line and column.
  std::vector<chiso::scoring::v1::RowError> errors;
};

// Parses `csv`: UTF-8 (a BOM is skipped), comma- or semicolon-separated
// (whichever the header row uses), RFC 4180 quoting, CRLF or LF, header
// names case-insensitive in any order. Component columns are the header
// names that are not fixed columns: "<CODE>", "<CODE>_rank", "<CODE>_rank_of"
// (codes upper-cased). An empty cell means not published.
// Errors (nothing is returned): InvalidArgument when the file exceeds 10 MiB,
// is not UTF-8 (the message gives the line), holds more than 100,000 data
// rows (split it), has no header, a header without
// `framework`, `level` or `year`, without `unit` or `entity`, a repeated
// column, or a column name that is neither fixed nor a valid code.
absl::StatusOr<CsvResults> ParseResultsCsv(absl::string_view csv);

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_RESULTS_CSV_H_
