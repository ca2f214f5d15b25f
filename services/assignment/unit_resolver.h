// The unit directory as the resolver sees it, and ResolveUnit: which units a
// name as written in a document ("Phòng TC-KH", "Văn phòng Sở", "VP HĐND và
// UBND huyện") may mean, ranked. Pure functions, no I/O; the gRPC handler
// loads the directory and converts the status.
//
// How a candidate is scored (0–100). Every unit is compared with the text in
// the following ways and keeps its best score:
//
//   100  EXACT_NAME     text == display name (both NFC, whitespace collapsed)
//    97  EXACT_ALIAS    text == an alias (same normalisation)
//    95  CODE           text == code (ASCII case-insensitive)
//    92  FOLDED_NAME    MatchKey(text) == MatchKey(display name)
//    90  FOLDED_ALIAS   MatchKey(text) == MatchKey(alias)
//    85  ABBREVIATION   equal after ExpandAbbreviations on both sides
//    94  CONTEXT_RELATIVE, same words relative to the context (see below);
//        92 when the unit is deeper than a child of the anchor
//    82  CONTEXT_RELATIVE, a text that is "Văn phòng" once the context's
//        words are removed naming an OFFICE whose name starts with those
//        words ("Văn phòng" → "Văn phòng HĐND và UBND huyện"); 78 deeper
//  20–70 PARTIAL        20 + 50 × Dice coefficient of the expanded word sets
//        (connectors such as "của", "thuộc" ignored), listed only when the
//        coefficient is at least 0.4 and a shared word is not a generic one
//        ("phòng", "sở", "ủy ban"…)
//
// Then a unit outside the context unit's subtree loses 12 when a context is
// given, unless it matched relative to the context (units inside the subtree
// carry MATCH_REASON_CONTEXT_SUBTREE); a unit that had ended or merged by
// as_of (valid_to before as_of; or merged_into set without valid_to) loses 15
// and carries MATCH_REASON_HISTORICAL and, when merged, `successor` = the end
// of its merged_into chain as of that date (followed through units that had
// themselves merged by as_of); a unit whose valid_from is after as_of loses
// 15. Scores are clamped to 0–100. Finally, when a unit inside the context
// subtree (or matched relative to it) scores at least 80, every unit outside
// is capped one margin (8) below it, so that the context's own "Phòng TC-KH"
// beats another district's unit whose alias is exactly "Phòng TC-KH".
// Candidates under 30 are dropped. Reasons list the match first, then
// CONTEXT_RELATIVE (the match needed the context's words removed, or names
// the context's office), CONTEXT_SUBTREE and HISTORICAL.
//
// Relative names. The anchors are the context unit, then its ancestors,
// nearest first. For an anchor, trailing words that refer to it are removed
// from the text and from the expanded names and aliases of the units in its
// subtree: the anchor's own name ("Sở Tài nguyên và Môi trường"), the level
// word it carries ("sở", "huyện", "tỉnh", "xã", "phường") optionally followed
// by the rest of its name ("huyện Đồng Mỏ"), each optionally preceded by
// "thuộc" or "của". With context "Sở Tài nguyên và Môi trường", "Văn phòng
// Sở" and "Văn phòng" both become "văn phòng" and match that Sở's "Văn phòng
// Sở", but not another Sở's. The first anchor (nearest) with any relative
// match is used.
//
// Outcome: COLLECTIVE (no candidates) when IsCollective(text); otherwise
// RESOLVED when the best score is at least 80 and the second best (if any) is
// at least 8 points lower; AMBIGUOUS when the best is at least 80 and the
// second is within 8 points; UNRESOLVED otherwise (candidates, if any, are
// weak). The outcome is judged on all candidates before max_candidates cuts
// the list.
//
// Order: score descending, then display name (bytewise), then resource
// name, so equal input gives equal output.

#ifndef CHISO_SERVICES_ASSIGNMENT_UNIT_RESOLVER_H_
#define CHISO_SERVICES_ASSIGNMENT_UNIT_RESOLVER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"

namespace chiso::assignment {

// Scores and thresholds of ResolveUnit (see the file comment).
inline constexpr int kResolvedMinScore = 80;
inline constexpr int kResolvedMargin = 8;
inline constexpr int kMinCandidateScore = 30;
// Longest text accepted, in Unicode characters.
inline constexpr int kMaxResolveTextChars = 300;
// max_candidates: 0 means kDefaultMaxCandidates; above kMaxMaxCandidates
// means kMaxMaxCandidates.
inline constexpr int kDefaultMaxCandidates = 5;
inline constexpr int kMaxMaxCandidates = 20;

// Everything the resolver needs to know about the directory at one time:
// every unit, including ended and merged ones. Immutable after construction;
// safe to share between threads.
//
// The directory takes the units as stored and does not validate them: a
// parent or merged_into that names no unit, a parent cycle or a merged_into
// cycle never makes a lookup loop or fail (lookups stop at the first unit
// seen twice or missing). Units with the same resource name: the first wins.
class UnitDirectory {
 public:
  explicit UnitDirectory(std::vector<chiso::assignment::v1::Unit> units);

  UnitDirectory(const UnitDirectory&) = delete;
  UnitDirectory& operator=(const UnitDirectory&) = delete;
  UnitDirectory(UnitDirectory&&) = default;
  UnitDirectory& operator=(UnitDirectory&&) = default;

  // All units, in the order given.
  const std::vector<chiso::assignment::v1::Unit>& units() const { return units_; }

  // The unit named `name` ("units/{id}"), or nullptr.
  const chiso::assignment::v1::Unit* Find(absl::string_view name) const;

  // Units whose display name or an alias has the same MatchKey as `text`
  // (diacritic- and case-insensitive), in directory order.
  std::vector<const chiso::assignment::v1::Unit*> FindByDisplayName(absl::string_view text) const;

  // Direct children of `name`, in directory order; empty for an unknown unit.
  std::vector<const chiso::assignment::v1::Unit*> Children(absl::string_view name) const;

  // Ancestors of `name`, parent first, up to the root; stops before a parent
  // that is missing or already listed (a cycle). Empty for a root or an
  // unknown unit.
  std::vector<const chiso::assignment::v1::Unit*> Ancestors(absl::string_view name) const;

  // True when `name` is `root` or lies below it.
  bool InSubtree(absl::string_view name, absl::string_view root) const;

  // The end of the merged_into chain of `name`: "" when the unit is unknown
  // or has no merged_into; otherwise the last unit reached by following
  // merged_into until a unit without one, a name missing from the directory
  // (returned as written), or a unit seen before (a cycle: the last new unit
  // is returned, "" when that is `name` itself).
  std::string FinalSuccessor(absl::string_view name) const;

  // Like FinalSuccessor, but follows merged_into only through units that had
  // merged by `as_of` (see ResolveUnit): "" unless `name` itself had merged
  // by then.
  std::string SuccessorAsOf(absl::string_view name, absl::CivilDay as_of) const;

  // True when the unit had ended or merged by `as_of`: valid_to is set and
  // before as_of, or merged_into is set without a valid_to.
  static bool EndedBy(const chiso::assignment::v1::Unit& unit, absl::CivilDay as_of);

 private:
  // The forms of one unit that ResolveUnit compares, computed once.
  struct Forms {
    std::string exact_name;  // NFC, whitespace collapsed
    std::vector<std::string> exact_aliases;
    std::string folded_name;  // MatchKey
    std::vector<std::string> folded_aliases;
    std::string expanded_name;  // ExpandAbbreviations(MatchKey)
    std::vector<std::string> expanded_aliases;
  };

  friend absl::StatusOr<chiso::assignment::v1::ResolveUnitResponse> ResolveUnit(
      const UnitDirectory& directory, const chiso::assignment::v1::ResolveUnitRequest& request,
      absl::CivilDay today);

  int IndexOf(absl::string_view name) const;  // -1 when unknown
  // Follows merged_into from `name`; with `as_of`, only through units ended
  // by then.
  std::string FollowMerges(absl::string_view name, const absl::CivilDay* as_of) const;

  std::vector<chiso::assignment::v1::Unit> units_;
  std::vector<Forms> forms_;
  absl::flat_hash_map<std::string, int> index_;
  absl::flat_hash_map<std::string, std::vector<int>> children_;
};

// Ranks the units that `request.text()` may name, as described in the file
// comment. `today` is used when request.as_of is empty (all zero).
//
// Errors: InvalidArgument for an empty (or whitespace-only) or over-long text
// (more than 300 characters), a context_unit that is not "units/{id}" (id of
// 1–64 ASCII letters, digits, '-', '_' or '.'), an as_of that is not a valid
// date in 2000–2100, or a negative max_candidates; NotFound when context_unit
// names no unit in the directory. Messages name the field.
absl::StatusOr<chiso::assignment::v1::ResolveUnitResponse> ResolveUnit(
    const UnitDirectory& directory, const chiso::assignment::v1::ResolveUnitRequest& request,
    absl::CivilDay today);

// True when `text` names a group rather than one unit: it starts with "các",
// "những", "tất cả" or "toàn bộ" ("Các cơ quan, đơn vị, địa phương trên địa
// bàn", "các phòng chuyên môn", "các phòng, đơn vị liên quan"); or "các"
// follows "UBND"/"Ủy ban nhân dân", "Chủ tịch", "Thủ trưởng" or "Lãnh đạo"
// ("UBND các xã, thị trấn"); or it starts with a generic word for bodies
// ("cơ quan", "đơn vị", "địa phương", "ban ngành", "phòng ban", "tổ chức",
// "đoàn thể") and goes on with "liên quan", "trên địa bàn", "trực thuộc",
// "thuộc" or "chuyên môn" ("Cơ quan, đơn vị liên quan"). Compared
// diacritic- and case-insensitively; names such as "Hội Liên hiệp các tổ
// chức hữu nghị" are not collective.
bool IsCollective(absl::string_view text);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_UNIT_RESOLVER_H_
