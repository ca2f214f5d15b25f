// The text of a .docx file (Office Open XML), as a plan document's importer
// reads it: one line per paragraph, a table row as one line of tab-separated
// cells (paragraphs inside a cell joined with a space), numbering and
// bullets kept where Word stores them as text.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_DOCX_TEXT_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_DOCX_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chiso::plan::document {

struct DocxLimits {
  // Largest .docx file accepted.
  size_t max_file_bytes = 20 * 1024 * 1024;
  // Largest uncompressed word/document.xml; reading stops there (zip bombs
  // declare small sizes and inflate without end).
  size_t max_xml_bytes = 32 * 1024 * 1024;
  // Largest ratio of uncompressed to compressed size of document.xml.
  size_t max_ratio = 200;
  // Largest text returned.
  size_t max_text_bytes = 2 * 1024 * 1024;
};

// Returns the document's text. Errors, each naming what is wrong:
// InvalidArgument for bytes that are not a zip archive or have no
// word/document.xml ("docx: not a .docx file: …"), or XML that does not parse;
// ResourceExhausted for a file, entry or text over the limits, naming the
// limit. Never reads outside the archive or resolves external entities.
absl::StatusOr<std::string> DocxText(absl::string_view bytes,
                                     const DocxLimits& limits = DocxLimits());

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_DOCX_TEXT_H_
