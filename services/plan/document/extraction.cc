#include "services/plan/document/extraction.h"

#include <string>

namespace chiso::plan::document {
namespace {

// Longest source text kept per fact or warning: enough to recognise the
// passage; the line numbers lead to the rest.
constexpr size_t kMaxSourceBytes = 600;

std::string Source(const Document& doc, int first_line, int last_line) {
  return doc.SourceText(first_line, last_line, kMaxSourceBytes);
}

}  // namespace

void Report::Fact(absl::string_view field, absl::string_view value, int first_line, int last_line) {
  auto* fact = out_->add_facts();
  fact->set_field(std::string(field));
  fact->set_value(std::string(value));
  fact->set_source_text(Source(doc_, first_line, last_line));
  fact->set_first_line(first_line);
  fact->set_last_line(last_line);
}

void Report::Warn(absl::string_view code, absl::string_view message, int first_line,
                  int last_line) {
  auto* warning = out_->add_warnings();
  warning->set_code(std::string(code));
  warning->set_message(std::string(message));
  if (first_line > 0) warning->set_source_text(Source(doc_, first_line, last_line));
  warning->set_first_line(first_line);
  warning->set_last_line(last_line);
}

}  // namespace chiso::plan::document
