#include "services/plan/document/plan_document.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/plan/document/component_matcher.h"
#include "services/plan/document/extraction.h"
#include "services/plan/document/extractors.h"

namespace chiso::plan::document {

namespace v1 = chiso::plan::v1;

DocumentImporter::DocumentImporter(const Catalog& catalog, ImportLimits limits)
    : catalog_(catalog), components_(catalog), limits_(limits) {}

absl::StatusOr<v1::ImportPlanDocumentResponse> ImportDocument(
    const v1::ImportPlanDocumentRequest& request, const Catalog& catalog,
    const ImportLimits& limits) {
  return DocumentImporter(catalog, limits).Import(request);
}

absl::StatusOr<v1::ImportPlanDocumentResponse> DocumentImporter::Import(
    const v1::ImportPlanDocumentRequest& request) const {
  const ImportLimits& limits = limits_;
  std::string docx_text;
  absl::string_view text;
  switch (request.document_case()) {
    case v1::ImportPlanDocumentRequest::kText:
      text = request.text();
      break;
    case v1::ImportPlanDocumentRequest::kDocx: {
      absl::StatusOr<std::string> extracted = DocxText(request.docx(), limits.docx);
      if (!extracted.ok()) return extracted.status();
      docx_text = *std::move(extracted);
      text = docx_text;
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "document: required; send the document's text as `text` or a .docx file as `docx`");
  }
  absl::StatusOr<Document> doc = ParseDocument(text, limits.document);
  if (!doc.ok()) return doc.status();

  v1::ImportPlanDocumentResponse response;
  Report report(*doc, &response);
  for (int line : doc->cut_lines) {
    report.Warn("LONG_LINE",
                absl::StrCat("line ", line, " is longer than ", limits.document.max_line_bytes,
                             " bytes; only its start was read"),
                line, line);
  }
  ExtractContext ctx;
  ctx.catalog = &catalog_;
  ctx.components = &components_;

  v1::Plan* plan = response.mutable_plan();
  plan->set_status(v1::PLAN_STATUS_DRAFT);
  if (request.has_issuer()) *plan->mutable_issuer() = request.issuer();
  ExtractHeader(*doc, ctx, plan, &report);
  ExtractObjectives(*doc, ctx, plan, &report);
  std::vector<chiso::common::v1::TaskDraft> drafts;
  ExtractTasks(*doc, ctx, *plan, &drafts, &report);
  for (auto& draft : drafts) *response.add_task_drafts() = std::move(draft);
  ExtractReportingRules(*doc, ctx, plan, &report);

  if (plan->objectives().empty()) {
    report.Warn("NO_OBJECTIVES",
                "no target with a value, rank or grade was found; add the objectives by hand", 0,
                0);
  }
  if (response.task_drafts().empty()) {
    report.Warn("NO_TASKS", "no task with a lead unit was found", 0, 0);
  }
  return response;
}

}  // namespace chiso::plan::document
