// Feeds arbitrary bytes to the plan document importer as pasted text. No input
// may crash it or take long; text that is not UTF-8 is an error; an accepted
// document yields facts, warnings and task drafts that point at lines it has,
// in UTF-8, and every draft has a title.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/text/text.h"
#include "fuzz/require.h"
#include "services/plan/document/plan_document.h"

namespace chiso::plan::document {
namespace {

using ::chiso::fuzz::Require;
using ::chiso::plan::v1::ImportPlanDocumentRequest;
using ::chiso::plan::v1::ImportPlanDocumentResponse;

// Longest TaskDraft title and description, in characters (task_draft.proto).
constexpr int kMaxTitleChars = 500;
constexpr int kMaxDescriptionChars = 10000;

const Catalog& BuiltinCatalog() {
  static const Catalog* const catalog = [] {
    absl::StatusOr<Catalog> builtin = Catalog::Builtin();
    Require(builtin.ok(), "the built-in catalog loads");
    return new Catalog(*std::move(builtin));
  }();
  return *catalog;
}

// At least the number of lines of `text`: one more than its line ends, of
// any kind the importer might count (LF, CR, CR LF, VT, FF, NEL, U+2028,
// U+2029).
int MaxLines(absl::string_view text) {
  int lines = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\v' || c == '\f' ||
        (c == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) {
      ++lines;
    } else if (text.substr(i, 2) == "\xC2\x85" || text.substr(i, 3) == "\xE2\x80\xA8" ||
               text.substr(i, 3) == "\xE2\x80\xA9") {
      ++lines;
    }
  }
  return lines;
}

int Chars(absl::string_view utf8) {
  int chars = 0;
  for (const char c : utf8) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars;
}

void RequireUtf8(absl::string_view text, absl::string_view what) {
  Require(chiso::text::IsValidUtf8(text), absl::StrCat(what, " is UTF-8"));
}

// Lines first..last lie in the document: 1 <= first <= last <= lines, or
// both are 0 when `may_be_unknown`.
void RequireLines(int first, int last, int lines, bool may_be_unknown, absl::string_view what) {
  if (may_be_unknown && first == 0 && last == 0) return;
  Require(1 <= first && first <= last && last <= lines,
          absl::StrCat(what, " lines ", first, "..", last, " lie within 1..", lines));
}

void CheckResponse(const ImportPlanDocumentResponse& response, int lines) {
  for (const auto& fact : response.facts()) {
    RequireLines(fact.first_line(), fact.last_line(), lines, /*may_be_unknown=*/false,
                 absl::StrCat("fact ", fact.field()));
    RequireUtf8(fact.field(), "fact field");
    RequireUtf8(fact.value(), "fact value");
    RequireUtf8(fact.source_text(), "fact source_text");
  }
  // A warning about the whole document ("NO_NUMBER") has no lines.
  for (const auto& warning : response.warnings()) {
    RequireLines(warning.first_line(), warning.last_line(), lines, /*may_be_unknown=*/true,
                 absl::StrCat("warning ", warning.code()));
    Require(!warning.code().empty(), "a warning has a code");
    RequireUtf8(warning.message(), "warning message");
    RequireUtf8(warning.source_text(), "warning source_text");
  }
  for (const auto& draft : response.task_drafts()) {
    Require(!draft.title().empty(),
            absl::StrCat("every task draft has a title; the one of lines ", draft.first_line(),
                         "..", draft.last_line(), " has none: ", draft.ShortDebugString()));
    RequireUtf8(draft.title(), "draft title");
    RequireUtf8(draft.description(), "draft description");
    Require(Chars(draft.title()) <= kMaxTitleChars, "a draft title is at most 500 characters");
    Require(Chars(draft.description()) <= kMaxDescriptionChars,
            "a draft description is at most 10,000 characters");
    RequireLines(draft.first_line(), draft.last_line(), lines, /*may_be_unknown=*/true,
                 absl::StrCat("draft ", draft.title()));
    for (const std::string& unit : draft.lead_units()) RequireUtf8(unit, "lead unit");
    for (const std::string& unit : draft.coordinating_units()) {
      RequireUtf8(unit, "coordinating unit");
    }
    RequireUtf8(draft.schedule().phrase(), "draft schedule phrase");
  }
}

void FuzzOne(absl::string_view text) {
  ImportPlanDocumentRequest request;
  request.set_text(std::string(text));
  const absl::StatusOr<ImportPlanDocumentResponse> response =
      ImportDocument(request, BuiltinCatalog());
  if (!response.ok()) {
    const absl::StatusCode code = response.status().code();
    Require(
        code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted,
        absl::StrCat("errors are InvalidArgument or ResourceExhausted, not ",
                     response.status().ToString()));
    return;
  }
  Require(chiso::text::IsValidUtf8(text), "text that is not UTF-8 is an error");
  RequireUtf8(response->plan().number(), "plan number");
  RequireUtf8(response->plan().title(), "plan title");
  RequireUtf8(response->plan().place(), "plan place");
  CheckResponse(*response, MaxLines(text));
}

}  // namespace
}  // namespace chiso::plan::document

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chiso::plan::document::FuzzOne(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
