// Common abbreviations of Vietnamese administrative unit names ("UBND",
// "Phòng TC-KH", "Sở TN&MT"), used by ResolveUnit to compare a name as a
// document writes it with the names and aliases in the directory.

#ifndef CHISO_SERVICES_ASSIGNMENT_UNIT_ABBREVIATIONS_H_
#define CHISO_SERVICES_ASSIGNMENT_UNIT_ABBREVIATIONS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace chiso::assignment {

// Returns `key`, a chiso::text::MatchKey (lower case, no diacritics, words
// separated by one space), with abbreviations written out and the connector
// "va" (và, "&") removed, so that names written differently compare equal:
//
//   ExpandAbbreviations(MatchKey("Phòng TC-KH"))
//     == ExpandAbbreviations(MatchKey("Phòng Tài chính - Kế hoạch"))
//     == "phong tai chinh ke hoach"
//   ExpandAbbreviations(MatchKey("VP HĐND và UBND huyện"))
//     == "van phong hoi dong nhan dan uy ban nhan dan huyen"
//   ExpandAbbreviations(MatchKey("Sở TN&MT")) == "so tai nguyen moi truong"
//
// Abbreviations are recognised as whole words only, joined ("tckh", "tnmt")
// or split by the punctuation MatchKey folds into spaces ("tc kh" from
// "TC-KH", "tn mt" from "TN&MT", "ld tb xh" from "LĐ-TB&XH"); the longest
// written form wins. Two-letter parts that mean different things in
// different names ("TC" is tài chính in "TC-KH" and tổ chức in "TC-HC") are
// expanded only inside the pairs listed. Returns "" for "" and never fails.
std::string ExpandAbbreviations(absl::string_view key);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_UNIT_ABBREVIATIONS_H_
