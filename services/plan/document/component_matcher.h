// Finds the indices and components a plan document names, by the catalog's
// names, aliases and codes: "Chỉ số “Tính minh bạch và tiếp cận thông tin”",
// "Chỉ số CCHC (PAR INDEX)", "chỉ số thành phần “Chi phí thời gian”",
// "(Chỉ số xanh PGI)", "DDCI", "DDICI" (a typo seen in plans).

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_COMPONENT_MATCHER_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_COMPONENT_MATCHER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/catalog/catalog.h"
#include "services/plan/document/document.h"

namespace chiso::plan::document {

// One mention in a folded text (document.h Fold).
struct Mention {
  std::string framework;  // index code, e.g. "DDCI"
  std::string component;  // component code, empty for the index itself
  size_t begin = 0;       // folded byte offsets of the matched words
  size_t end = 0;
};

class ComponentMatcher {
 public:
  explicit ComponentMatcher(const Catalog& catalog);

  // Index mentions in `folded` (codes such as "DDCI", "PAR INDEX", "PCI",
  // names and aliases such as "chỉ số cải cách hành chính", "chỉ số CCHC",
  // "chỉ số năng lực cạnh tranh"), left to right, longest match first, whole
  // words only.
  std::vector<Mention> Indices(absl::string_view folded) const;

  // Component mentions in `folded`, by name or alias, whole words, longest
  // first, left to right. A name shared by several indices (TRANSPARENCY of
  // DDCI and PCI) is given for `preferred_index` when it has the component,
  // else for every index that has it (one Mention each, same offsets).
  std::vector<Mention> Components(absl::string_view folded,
                                  absl::string_view preferred_index = "") const;

  // The index a document is about (DDCI in a DDCI plan): the one its opening
  // (the paragraphs and header table rows before the first heading, bullet
  // or item) and its headings mention most, else its whole text; "" when
  // none. Ties go to the index reaching the count first.
  std::string MainIndex(const Document& doc) const;

 private:
  struct Name {
    std::string folded;              // folded name, single-spaced
    std::vector<std::string> words;  // `folded` split at spaces
    std::string framework;
    std::string component;
  };
  static Name MakeName(std::string folded, absl::string_view framework,
                       absl::string_view component);
  std::vector<Name> index_names_;
  std::vector<Name> component_names_;
};

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_COMPONENT_MATCHER_H_
