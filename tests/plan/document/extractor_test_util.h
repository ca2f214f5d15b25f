// Shared by the extractor tests: imports a document written in the test
// through ImportDocument with the built-in catalog, and finds facts and
// warnings in the response.

#ifndef CHISO_TESTS_PLAN_DOCUMENT_EXTRACTOR_TEST_UTIL_H_
#define CHISO_TESTS_PLAN_DOCUMENT_EXTRACTOR_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "gtest/gtest.h"
#include "services/plan/document/plan_document.h"

namespace chiso::plan::document::test_util {

inline const Catalog& BuiltinCatalog() {
  static const Catalog* catalog = [] {
    absl::StatusOr<Catalog> c = Catalog::Builtin();
    EXPECT_TRUE(c.ok()) << c.status();
    return new Catalog(c.ok() ? *std::move(c) : Catalog());
  }();
  return *catalog;
}

// Imports `text`; an import error fails the test and gives an empty response.
inline chiso::plan::v1::ImportPlanDocumentResponse Import(absl::string_view text,
                                                          absl::string_view issuer = "") {
  chiso::plan::v1::ImportPlanDocumentRequest request;
  request.set_text(std::string(text));
  if (!issuer.empty()) request.mutable_issuer()->set_display_name(std::string(issuer));
  absl::StatusOr<chiso::plan::v1::ImportPlanDocumentResponse> response =
      ImportDocument(request, BuiltinCatalog());
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *std::move(response) : chiso::plan::v1::ImportPlanDocumentResponse();
}

// The first fact about `field`, or nullptr.
inline const chiso::plan::v1::ExtractedFact* FactAbout(
    const chiso::plan::v1::ImportPlanDocumentResponse& response, absl::string_view field) {
  for (const auto& fact : response.facts()) {
    if (fact.field() == field) return &fact;
  }
  return nullptr;
}

// The warnings with `code`.
inline std::vector<chiso::plan::v1::ImportWarning> WarningsWith(
    const chiso::plan::v1::ImportPlanDocumentResponse& response, absl::string_view code) {
  std::vector<chiso::plan::v1::ImportWarning> out;
  for (const auto& warning : response.warnings()) {
    if (warning.code() == code) out.push_back(warning);
  }
  return out;
}

}  // namespace chiso::plan::document::test_util

#endif  // CHISO_TESTS_PLAN_DOCUMENT_EXTRACTOR_TEST_UTIL_H_
