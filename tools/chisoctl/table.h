#ifndef CHISO_TOOLS_CHISOCTL_TABLE_H_
#define CHISO_TOOLS_CHISOCTL_TABLE_H_

// Human-readable output of chisoctl: aligned tables and the key/value view
// of a plan. Columns are measured in terminal columns (common/text
// DisplayWidth), not bytes or code points, so Vietnamese text lines up
// whether it is precomposed (NFC) or decomposed (NFD).

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "chiso/common/v1/types.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"

namespace chiso::chisoctl {

// One column of a Table.
struct Column {
  // Heading, printed as given (chisoctl uses upper case).
  std::string header;
  // Widest the column may be, in terminal columns; longer cells are cut and
  // end with "…". 0 means no limit.
  int max_width = 0;
  // Pad on the left (numbers) instead of the right.
  bool align_right = false;
};

// A table printed as text: a header line, then one line per row, columns
// separated by two spaces and padded to the widest cell (capped by
// max_width). Whitespace runs inside cells (newlines included) become one
// space. The last column is not padded, so lines carry no trailing spaces.
class Table {
 public:
  explicit Table(std::vector<Column> columns);

  // Adds a row; missing cells are empty, extra cells are ignored.
  void AddRow(std::vector<std::string> cells);

  // Writes the table, each line starting with `indent`.
  void Render(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Writes "Key:  value" lines: each key and its colon padded to `key_width`
// terminal columns (to the widest key when 0), two spaces, then the value
// cleaned as table cells are (one line, no control characters). Fields with
// an empty value are left out. Every line starts with `indent`.
void RenderFields(const std::vector<std::pair<std::string, std::string>>& fields, std::ostream& out,
                  int key_width = 0, const std::string& indent = "");

// "11/06/2020", or "" for an unset date.
std::string FormatDate(const chiso::common::v1::Date& date);

// "draft", "issued", "closed", "archived" ("unspecified" for 0).
std::string FormatStatus(chiso::plan::v1::PlanStatus status);

// The comparator as a symbol: ">" (ABOVE), "≥" (AT_LEAST), "≤" (AT_MOST),
// "<" (BELOW), "" when unspecified.
std::string ComparatorSymbol(chiso::common::v1::Comparator comparator);

// "6.77 @2019, rank 16/23"; parts that are not known are left out.
std::string FormatBaseline(const chiso::plan::v1::Objective& objective);

// "> 7.80 @2020"; "≥ A @2020" for a grade.
std::string FormatTarget(const chiso::plan::v1::Objective& objective);

// Writes one plan: a key/value block of its set fields, then its objectives
// as a table (ID, FRAMEWORK, COMPONENT, MEASURE, BASELINE, TARGET,
// DESCRIPTION).
void RenderPlan(const chiso::plan::v1::Plan& plan, std::ostream& out);

// Writes plans as a table: NAME, NUMBER, ISSUED, STATUS, ISSUER, TITLE,
// OBJECTIVES (the number of objectives). Writes "No plans." when empty.
void RenderPlanList(const std::vector<chiso::plan::v1::Plan>& plans, std::ostream& out);

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_TABLE_H_
