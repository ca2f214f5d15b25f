// Unit names in the clauses of a plan document, for the task extractor
// (task_extractor.cc): who leads a clause ("Giao Văn phòng Sở chủ trì…",
// "Phòng Pháp chế, Trung tâm Công nghệ thông tin theo chức năng…", "Các
// phòng: Quản lý đất đai, Quản lý Tài nguyên nước và Khoáng sản chủ trì…",
// "Thủ trưởng các phòng, ban và UBND các xã, thị trấn:") and whom its "phối
// hợp (với) …" clauses name.
//
// The vocabulary follows the assignment service (services/assignment:
// SplitUnitNames, IsCollective), so that the names a draft carries split and
// classify the same way when AssignmentService.ImportTasks reads them: a
// list is cut at ",", ";" and "và" only where the next part opens a unit
// name (Phòng, Văn phòng, Sở, Chi cục, Trung tâm, Thanh tra, UBND, Ban, …) or
// a group ("các …"), and "HĐND và UBND" is never cut. In running text a name
// also has to end somewhere: at the first lower-case verb or adverb of the
// predicate (chủ trì, phối hợp, tham mưu, theo, thường xuyên, …), at ":",
// "." or a parenthesis. Groups are read by their own grammar: [Thủ trưởng |
// Trưởng | Chủ tịch | Lãnh đạo] [UBND] các NOUN (, NOUN)* [chuyên môn |
// (trực) thuộc Sở | thuộc UBND huyện | (có) liên quan | trên địa bàn]*, with
// NOUN one of phòng, ban, ngành, sở, đơn vị, cơ quan, xã, thị trấn, …
//
// All matching is on the folded text (document.h Fold); words whose folded
// spelling is ambiguous ("sở" and "số", "đội" and "đối", "là" and "lâm")
// are checked against their original spelling.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_TASK_UNITS_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_TASK_UNITS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/plan/document/document.h"

namespace chiso::plan::document {

// One word or punctuation mark of a block's folded text.
struct Word {
  enum class Kind { kWord, kComma, kSemicolon, kColon, kPeriod, kOpen, kClose, kDash, kOther };
  Kind kind = Kind::kOther;
  absl::string_view folded;  // the folded bytes, e.g. "van"
  size_t begin = 0;          // folded byte offsets in Block::folded.text
  size_t end = 0;
  bool upper = false;  // the original word starts with an upper-case letter
};

// The words of one block, with access to their original spelling.
class Clause {
 public:
  // `block` must outlive the clause.
  explicit Clause(const Block& block);

  const Block& block() const { return block_; }
  size_t size() const { return words_.size(); }
  const Word& word(size_t i) const { return words_[i]; }

  // Whether words at..at+n spell `phrase` (folded words separated by single
  // spaces); sets *n to the number of words. False past the end.
  bool Matches(size_t at, absl::string_view phrase, size_t* n = nullptr) const;
  // Whether word `at` is a word (not punctuation) whose folded form is `w`.
  bool Is(size_t at, absl::string_view w) const;
  // Lower-case original spelling of words [at, at+n), single-spaced.
  std::string Lower(size_t at, size_t n = 1) const;
  // The original text of words [from, to).
  absl::string_view Original(size_t from, size_t to) const;
  // Index of the first word that begins at or after folded offset `offset`.
  size_t WordAt(size_t offset) const;

 private:
  const Block& block_;
  std::vector<Word> words_;
};

// Names one lead or "phối hợp" list keeps; the rest are dropped
// (TRUNCATED).
inline constexpr size_t kMaxListUnits = 50;

// A unit named in a clause, as written.
struct UnitName {
  std::string text;         // e.g. "Văn phòng Sở", "UBND các xã, thị trấn"
  bool collective = false;  // a group ("Các đơn vị thuộc Sở")
  size_t first_word = 0;    // words of the name in its clause
  size_t end_word = 0;
};

// The units named from word `at` on: one name, or several joined by ",",
// ";", "và", possibly after a list introducer ("Các phòng:", "các Phòng
// Quản lý …", whose parts get the class word "Phòng" when they lack it:
// "Các phòng: Quản lý đất đai" names "Phòng Quản lý đất đai"). Empty when no
// unit name starts at `at`. Sets *end to the first word after the list.
// Keeps the first kMaxListUnits names; sets *truncated (when given) when it
// dropped more. Linear in the length of the list.
std::vector<UnitName> ParseUnitList(const Clause& clause, size_t at, size_t* end,
                                    bool* truncated = nullptr);

// Whether a unit name or group starts at word `at`.
bool StartsUnit(const Clause& clause, size_t at);

// The lead of a clause that starts at word `at`: "Giao [cho] <units> …" (the
// assignment form, any predicate) or "<units> <predicate>" (the units are
// the grammatical subject). Empty when neither is found. Sets *assigned when
// the clause opens with "Giao"; *truncated (when given) as ParseUnitList.
std::vector<UnitName> FindLeadAt(const Clause& clause, size_t at, bool* assigned,
                                 bool* truncated = nullptr);

// The units of the "phối hợp (với | chặt chẽ với | , hướng dẫn) <units>"
// clauses among words [from, to), in order, as written; at most
// kMaxListUnits, with *truncated (when given) set when more were dropped.
std::vector<UnitName> CoordinatingUnits(const Clause& clause, size_t from, size_t to,
                                        bool* truncated = nullptr);

// Whether a lead predicate starts at word `at`, after adverbs ("thường
// xuyên"): a verb of the predicate (chủ trì, thực hiện, tham mưu, tập huấn,
// …) or "là đầu mối", "có trách nhiệm"; not "được" or a preposition.
bool PredicateAt(const Clause& clause, size_t at);

// Word indices where the sentences of the clause start: 0, and every word
// after a "." that starts upper-case.
std::vector<size_t> SentenceStarts(const Clause& clause);

// Whether `name` (as written) names a group rather than one unit, by the
// grammar in the file comment ("Các phòng, đơn vị", "UBND các xã, thị
// trấn", "Thủ trưởng các cơ quan, đơn vị").
bool IsCollectiveName(absl::string_view name);

// Folded, single-spaced key of a unit name for comparisons ("Văn phòng
// sở" == "Văn phòng Sở").
std::string UnitKey(absl::string_view name);

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_TASK_UNITS_H_
