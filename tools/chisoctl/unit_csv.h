#ifndef CHISO_TOOLS_CHISOCTL_UNIT_CSV_H_
#define CHISO_TOOLS_CHISOCTL_UNIT_CSV_H_

// The CSV file of `chisoctl unit import`: one unit per row, columns
//
//   code,name,kind,parent_code,aliases
//
// with a header line naming them (in any order; extra columns are refused),
// UTF-8, fields quoted RFC 4180 style when they hold a comma, quote or line
// break. `kind` is a UnitKind short name ("department", "division",
// "district-committee", …); `parent_code` is empty for a root or the code of
// a unit in the file or already in the directory; `aliases` are separated by
// ";".

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/assignment/v1/assignment_service.pb.h"

namespace chiso::chisoctl {

// One row that parsed and passed the local checks.
struct UnitCsvRow {
  // Line of the file where the row starts, from 1 (the header is line 1).
  int line = 0;
  std::string code;
  std::string name;
  chiso::assignment::v1::UnitKind kind = chiso::assignment::v1::UNIT_KIND_UNSPECIFIED;
  std::string parent_code;
  std::vector<std::string> aliases;
};

// A row that cannot be imported, and why.
struct UnitCsvProblem {
  int line = 0;
  std::string reason;
};

struct UnitCsv {
  // Good rows, in file order.
  std::vector<UnitCsvRow> rows;
  // Bad rows, in file order.
  std::vector<UnitCsvProblem> problems;
};

// Parses the file's text. Fails with InvalidArgument ("<source>: …") only for
// problems with the file as a whole: not UTF-8, empty, a header that is not
// the five columns, a quote left open. Problems of single rows (missing code
// or name, unknown kind, a code repeated in the file, too many aliases, …)
// are listed in `problems` with their line.
absl::StatusOr<UnitCsv> ParseUnitCsv(absl::string_view text, absl::string_view source);

// Orders `csv->rows` so that every parent comes before its children, and
// moves to `csv->problems` the rows whose parent_code is neither in the file
// nor known to `in_directory`, rows in a parent cycle, and rows under a bad
// row (its parent cannot be created). Problems end up in line order.
void OrderParentsFirst(UnitCsv* csv, const std::function<bool(const std::string&)>& in_directory);

// Parses a UnitKind as a user writes it ("division", "UNIT_KIND_DIVISION").
absl::StatusOr<chiso::assignment::v1::UnitKind> ParseUnitKind(absl::string_view text);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_UNIT_CSV_H_
