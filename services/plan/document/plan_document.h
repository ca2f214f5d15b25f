// The plan document importer: turns a KẾ HOẠCH, as text or .docx, into a draft
// plan, task drafts and an extraction report. Pure: no service is called and
// nothing is stored (PlanService.ImportPlanDocument does that with `commit`).

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_PLAN_DOCUMENT_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_PLAN_DOCUMENT_H_

#include "absl/status/statusor.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "services/plan/document/component_matcher.h"
#include "services/plan/document/document.h"
#include "services/plan/document/docx_text.h"

namespace chiso::plan::document {

struct ImportLimits {
  DocumentLimits document;
  DocxLimits docx;
};

// Reads plan documents against one catalog. The catalog's index and
// component names are folded for matching once, when the importer is made,
// not on every document; a service keeps one importer. Thread-safe: Import
// only reads the importer.
class DocumentImporter {
 public:
  // `catalog` is not owned and must outlive the importer.
  explicit DocumentImporter(const Catalog& catalog, ImportLimits limits = ImportLimits());

  // As ImportDocument below.
  absl::StatusOr<chiso::plan::v1::ImportPlanDocumentResponse> Import(
      const chiso::plan::v1::ImportPlanDocumentRequest& request) const;

 private:
  const Catalog& catalog_;
  const ComponentMatcher components_;
  const ImportLimits limits_;
};

// Parses the request's document (text or docx) into the response: `plan`
// (status DRAFT, no name), `task_drafts`, `facts` and `warnings`. The
// caller's `issuer`, when set, is the plan's issuer. Errors: InvalidArgument
// when the request has no document, or the text or .docx is unreadable;
// ResourceExhausted over the limits. Anything else a document lacks is a
// warning, never an error. Builds a DocumentImporter for this one call.
absl::StatusOr<chiso::plan::v1::ImportPlanDocumentResponse> ImportDocument(
    const chiso::plan::v1::ImportPlanDocumentRequest& request, const Catalog& catalog,
    const ImportLimits& limits = ImportLimits());

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_PLAN_DOCUMENT_H_
