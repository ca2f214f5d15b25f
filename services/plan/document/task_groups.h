// The task groups of a plan document, for the task extractor
// (task_extractor.cc): each lead clause (or appendix table row) with the
// blocks that belong to it, before it becomes one TaskDraft per lead.
//
// How blocks are grouped. A lead clause opens a group at the level of its
// block: a numbered item (1), a lettered item or sub-numbered "1.2." (2), a
// paragraph (3), a bullet (4 and deeper: "-" then "+" as they nest), a table
// row (last). A block
// without a lead of its own joins the innermost open group above its level
// ("+" bullets under "- Giao X chủ trì…:"; paragraphs and "-" bullets under
// "a) Giao X…"), or one at its own level whose clause ends with ":"; groups
// it passes are closed. A heading, or a lead at the same or a higher level,
// closes the groups at and below its level. A "Thời gian thực hiện: …" line
// gives its timeframe to the innermost open group; "Lãnh đạo phụ trách: …"
// names the supervisor of the rest of its numbered section. Sentences of
// one block that start with a unit of their own ("… . Văn phòng Sở, Văn
// phòng Đăng ký đất đai thường xuyên …") open groups of their own.
//
// Sections: nothing before the first Roman heading (when there is one), in
// "Mục đích, yêu cầu", "Kinh phí" or after "Nơi nhận" is a task; in "Tổ chức
// thực hiện" only clauses that name a unit that is not a group are, with no
// component. Appendix tables (a header row naming "Thời gian thực hiện" and
// "Cơ quan chủ trì" columns) give one group per row with a lead cell; a row
// with an empty lead cell continues the row above, a row with empty first
// cells continues the group (index) of the row above.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_TASK_GROUPS_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_TASK_GROUPS_H_

#include <string>
#include <vector>

#include "chiso/plan/v1/plan_service.pb.h"
#include "services/plan/document/document.h"
#include "services/plan/document/extraction.h"
#include "services/plan/document/task_units.h"

namespace chiso::plan::document {

// A timeframe as written, with its lines.
struct WrittenTimeframe {
  std::string phrase;
  int first_line = 0;
  int last_line = 0;
};

// One lead clause or table row and what belongs to it.
struct TaskGroup {
  // The lead units, at least one; several when the clause names several.
  std::vector<UnitName> leads;
  // The coordinating units of its "phối hợp" clauses, as written, without
  // the leads.
  std::vector<std::string> coordinating;
  // Catalog codes of the heading's index and component; empty when unknown
  // and in the closing section.
  std::string framework;
  std::string component;
  // "Lãnh đạo phụ trách" of the section, without "Đồng chí".
  std::string supervisor;
  // "Sản phẩm" as written.
  std::string deliverable;
  // The description, one entry per block (or table cell).
  std::vector<std::string> parts;
  // "Thời gian thực hiện" lines and timeframe cells.
  std::vector<WrittenTimeframe> timeframes;
  // "hoàn thành trước ngày …" in the text, used when there is no timeframe.
  std::vector<WrittenTimeframe> deadlines;
  // The task's lines, and those of its lead clause.
  int first_line = 0;
  int last_line = 0;
  int clause_first_line = 0;
  int clause_last_line = 0;
};

// Finds the task groups of `doc` in document order (by lead clause). Warns
// TRUNCATED when the document ends inside a task.
std::vector<TaskGroup> FindTaskGroups(const Document& doc, const ExtractContext& ctx,
                                      const chiso::plan::v1::Plan& plan, Report* report);

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_TASK_GROUPS_H_
