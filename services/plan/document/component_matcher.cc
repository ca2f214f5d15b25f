#include "services/plan/document/component_matcher.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/plan/document/document.h"

namespace chiso::plan::document {
namespace {

struct Token {
  absl::string_view word;
  size_t begin;
  size_t end;
};

// A byte that belongs to a word: ASCII letters and digits, and non-ASCII
// letters left by Fold, but not General Punctuation (U+2000..U+206F: quotes,
// dashes, ellipsis), whose UTF-8 starts E2 80 or E2 81.
std::vector<Token> Tokens(absl::string_view folded) {
  std::vector<Token> tokens;
  size_t i = 0;
  const size_t n = folded.size();
  auto word_byte = [&](size_t k) {
    const unsigned char c = static_cast<unsigned char>(folded[k]);
    if (c < 0x80) return std::isalnum(c) != 0;
    return true;
  };
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(folded[i]);
    if (c == 0xE2 && i + 2 < n &&
        (static_cast<unsigned char>(folded[i + 1]) == 0x80 ||
         static_cast<unsigned char>(folded[i + 1]) == 0x81)) {
      i += 3;
      continue;
    }
    if (c == 0xC2 && i + 1 < n) {  // Latin-1 punctuation and NBSP
      i += 2;
      continue;
    }
    if (!word_byte(i)) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < n && word_byte(i)) {
      const unsigned char d = static_cast<unsigned char>(folded[i]);
      if (d == 0xE2 && i + 1 < n &&
          (static_cast<unsigned char>(folded[i + 1]) == 0x80 ||
           static_cast<unsigned char>(folded[i + 1]) == 0x81)) {
        break;
      }
      if (d == 0xC2) break;
      ++i;
    }
    tokens.push_back(Token{folded.substr(start, i - start), start, i});
  }
  return tokens;
}

std::string FoldName(absl::string_view name) {
  std::vector<std::string> words;
  const Folded folded = Fold(absl::StrReplaceAll(name, {{"_", " "}}));
  for (const Token& token : Tokens(folded.text)) words.emplace_back(token.word);
  return absl::StrJoin(words, " ");
}

// Whether `a` and `b` differ in at most one substituted character.
bool OneOff(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size() || a.size() < 3) return false;
  int diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && ++diff > 1) return false;
  }
  return true;
}

// Matches `name` (single-spaced folded words) at token `at`; names of three
// words or more tolerate one mistyped word ("Cai trò người đứng đầu").
bool MatchAt(const std::vector<Token>& tokens, size_t at, const std::vector<std::string>& words,
             size_t* end_token) {
  if (at + words.size() > tokens.size()) return false;
  int typos = 0;
  for (size_t k = 0; k < words.size(); ++k) {
    if (tokens[at + k].word == words[k]) continue;
    if (words.size() >= 3 && typos == 0 && OneOff(tokens[at + k].word, words[k])) {
      ++typos;
      continue;
    }
    return false;
  }
  *end_token = at + words.size();
  return true;
}

template <typename Name>
std::vector<Mention> Find(absl::string_view folded, const std::vector<Name>& names,
                          absl::string_view preferred_index) {
  std::vector<Mention> out;
  const std::vector<Token> tokens = Tokens(folded);
  size_t at = 0;
  while (at < tokens.size()) {
    // Longest name that matches here.
    size_t best_words = 0;
    std::vector<size_t> best;
    for (size_t i = 0; i < names.size(); ++i) {
      size_t end = 0;
      if (!MatchAt(tokens, at, names[i].words, &end)) continue;
      if (names[i].words.size() > best_words) {
        best_words = names[i].words.size();
        best.assign(1, i);
      } else if (names[i].words.size() == best_words) {
        best.push_back(i);
      }
    }
    if (best.empty()) {
      ++at;
      continue;
    }
    // One mention per index; the preferred index alone when it is among them.
    std::vector<size_t> chosen;
    for (size_t i : best) {
      if (names[i].framework == preferred_index) chosen.assign(1, i);
    }
    if (chosen.empty()) chosen = best;
    std::vector<std::string> seen;
    for (size_t i : chosen) {
      const std::string key = names[i].framework + "/" + names[i].component;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      out.push_back(Mention{names[i].framework, names[i].component, tokens[at].begin,
                            tokens[at + best_words - 1].end});
    }
    at += best_words;
  }
  return out;
}

}  // namespace

ComponentMatcher::Name ComponentMatcher::MakeName(std::string folded, absl::string_view framework,
                                                  absl::string_view component) {
  Name name;
  name.words = absl::StrSplit(folded, ' ');
  name.folded = std::move(folded);
  name.framework = std::string(framework);
  name.component = std::string(component);
  return name;
}

ComponentMatcher::ComponentMatcher(const Catalog& catalog) {
  for (const auto& index : catalog.proto().indices()) {
    auto add_index = [&](absl::string_view text) {
      const std::string folded = FoldName(text);
      if (!folded.empty()) index_names_.push_back(MakeName(folded, index.code(), ""));
    };
    add_index(index.code());
    add_index(index.name_vi());
    for (const auto& alias : index.aliases()) add_index(alias);
    for (const auto& component : index.components()) {
      auto add_component = [&](absl::string_view text) {
        const std::string folded = FoldName(text);
        if (!folded.empty()) {
          component_names_.push_back(MakeName(folded, index.code(), component.code()));
        }
      };
      add_component(component.name_vi());
      for (const auto& alias : component.aliases()) add_component(alias);
    }
  }
  // Spellings plans use that are not names of the catalog.
  auto extra = [&](absl::string_view text, absl::string_view code) {
    if (catalog.FindIndex(code) != nullptr) {
      index_names_.push_back(MakeName(FoldName(text), code, ""));
    }
  };
  extra("DDICI", "DDCI");
  extra("chỉ số đánh giá năng lực cạnh tranh", "DDCI");
  extra("chỉ số năng lực cạnh tranh", "PCI");
  extra("chỉ số hiệu quả quản trị và hành chính công", "PAPI");
  extra("chỉ số hài lòng của người dân", "SIPAS");
}

std::string ComponentMatcher::MainIndex(const Document& doc) const {
  auto most_mentioned = [this](absl::string_view folded) {
    std::map<std::string, int> counts;
    std::string best;
    for (const Mention& m : Indices(folded)) {
      const int n = ++counts[m.framework];
      if (best.empty() || n > counts[best]) best = m.framework;
    }
    return best;
  };
  std::string headings;
  bool body = false;
  for (const Block& block : doc.blocks) {
    body = body || (block.kind != BlockKind::kParagraph && block.kind != BlockKind::kTableRow &&
                    block.kind != BlockKind::kRule);
    const bool heading = block.kind == BlockKind::kRoman || block.kind == BlockKind::kNumber ||
                         block.kind == BlockKind::kLetter || block.hashes > 0;
    if (!body || heading) absl::StrAppend(&headings, block.folded.text, " \n ");
  }
  std::string best = most_mentioned(headings);
  if (!best.empty()) return best;
  std::string all;
  for (const Block& block : doc.blocks) absl::StrAppend(&all, block.folded.text, " \n ");
  return most_mentioned(all);
}

std::vector<Mention> ComponentMatcher::Indices(absl::string_view folded) const {
  return Find(folded, index_names_, "");
}

std::vector<Mention> ComponentMatcher::Components(absl::string_view folded,
                                                  absl::string_view preferred_index) const {
  return Find(folded, component_names_, preferred_index);
}

}  // namespace chiso::plan::document
