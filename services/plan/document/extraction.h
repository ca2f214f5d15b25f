// What every extractor of the document importer shares: the catalog, what is
// already known of the plan, and the report of facts and warnings.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_EXTRACTION_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_EXTRACTION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "services/plan/document/component_matcher.h"
#include "services/plan/document/document.h"

namespace chiso::plan::document {

// Collects ExtractedFact and ImportWarning entries with their source lines.
class Report {
 public:
  explicit Report(const Document& doc, chiso::plan::v1::ImportPlanDocumentResponse* out)
      : doc_(doc), out_(out) {}

  // Records that `field` ("plan.number", "objectives[2].target",
  // "task_drafts[5].lead_units") was read as `value` from lines first..last.
  void Fact(absl::string_view field, absl::string_view value, int first_line, int last_line);
  void Fact(absl::string_view field, absl::string_view value, const Block& block) {
    Fact(field, value, block.first_line, block.last_line);
  }

  // Records a warning. Codes in use (docs/IMPORT.md explains each): NO_NUMBER,
  // NO_DATE, NO_TITLE, NO_ISSUER, NO_YEAR, BAD_DATE, NO_COMPONENT,
  // UNKNOWN_INDEX, DUPLICATE_TARGET, NOT_A_DEADLINE, NO_FREQUENCY,
  // SEVERAL_LEADS, COLLECTIVE_LEAD, NO_LEAD, TRUNCATED, LONG_LINE, NO_TASKS,
  // NO_OBJECTIVES; the plan service adds NOT_SAVABLE.
  void Warn(absl::string_view code, absl::string_view message, int first_line, int last_line);
  void Warn(absl::string_view code, absl::string_view message, const Block& block) {
    Warn(code, message, block.first_line, block.last_line);
  }

  const Document& doc() const { return doc_; }

 private:
  const Document& doc_;
  chiso::plan::v1::ImportPlanDocumentResponse* out_;
};

// Read-only inputs of the extractors.
struct ExtractContext {
  const Catalog* catalog = nullptr;
  const ComponentMatcher* components = nullptr;
};

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_EXTRACTION_H_
