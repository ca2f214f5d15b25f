#include "services/assignment/unit_abbreviations.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace chiso::assignment {
namespace {

// Written form (as a MatchKey, words separated by spaces) → meaning (as a
// MatchKey). Keep sorted by meaning; add both the joined and the split form
// when documents use both.
constexpr struct {
  const char* written;
  const char* meaning;
} kAbbreviations[] = {
    {"bhxh", "bao hiem xa hoi"},
    {"bql", "ban quan ly"},
    {"bqlda", "ban quan ly du an"},
    {"bql da", "ban quan ly du an"},
    {"cbccvc", "can bo cong chuc vien chuc"},
    {"cchc", "cai cach hanh chinh"},
    {"cntt", "cong nghe thong tin"},
    {"dn", "doanh nghiep"},
    {"gd dt", "giao duc dao tao"},
    {"gddt", "giao duc dao tao"},
    {"gtvt", "giao thong van tai"},
    {"hc th", "hanh chinh tong hop"},
    {"hcth", "hanh chinh tong hop"},
    {"hdnd", "hoi dong nhan dan"},
    {"kbnn", "kho bac nha nuoc"},
    {"kh cn", "khoa hoc cong nghe"},
    {"khcn", "khoa hoc cong nghe"},
    {"kh dt", "ke hoach dau tu"},
    {"khdt", "ke hoach dau tu"},
    {"kt ht", "kinh te ha tang"},
    {"ktht", "kinh te ha tang"},
    {"ld tb xh", "lao dong thuong binh xa hoi"},
    {"ldtbxh", "lao dong thuong binh xa hoi"},
    {"mttq", "mat tran to quoc"},
    {"nn ptnt", "nong nghiep phat trien nong thon"},
    {"nnptnt", "nong nghiep phat trien nong thon"},
    {"qldd", "quan ly dat dai"},
    {"qlnn", "quan ly nha nuoc"},
    {"tc hc", "to chuc hanh chinh"},
    {"tchc", "to chuc hanh chinh"},
    {"tc kh", "tai chinh ke hoach"},
    {"tckh", "tai chinh ke hoach"},
    {"tn mt", "tai nguyen moi truong"},
    {"tnmt", "tai nguyen moi truong"},
    {"tt tt", "thong tin truyen thong"},
    {"tttt", "thong tin truyen thong"},
    {"tthc", "thu tuc hanh chinh"},
    {"ubnd", "uy ban nhan dan"},
    {"vh tt", "van hoa thong tin"},
    {"vhtt", "van hoa thong tin"},
    {"vh tt dl", "van hoa the thao du lich"},
    {"vhttdl", "van hoa the thao du lich"},
    {"vp", "van phong"},
    {"vpdkdd", "van phong dang ky dat dai"},
    {"xd", "xay dung"},
};

// Longest written form, in words.
constexpr int kMaxWords = 3;

const absl::flat_hash_map<std::string, std::string>& Table() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<std::string, std::string>();
    for (const auto& a : kAbbreviations) t->emplace(a.written, a.meaning);
    return t;
  }();
  return *table;
}

}  // namespace

std::string ExpandAbbreviations(absl::string_view key) {
  std::vector<absl::string_view> words = absl::StrSplit(key, ' ', absl::SkipEmpty());
  const auto& table = Table();
  std::vector<std::string> out;
  out.reserve(words.size());
  size_t i = 0;
  while (i < words.size()) {
    bool expanded = false;
    for (int n = kMaxWords; n >= 1 && !expanded; --n) {
      if (i + n > words.size()) continue;
      std::string written = absl::StrJoin(words.begin() + i, words.begin() + i + n, " ");
      auto it = table.find(written);
      if (it == table.end()) continue;
      for (absl::string_view w : absl::StrSplit(it->second, ' ')) out.emplace_back(w);
      i += n;
      expanded = true;
    }
    if (!expanded) out.emplace_back(words[i++]);
  }
  std::vector<std::string> kept;
  kept.reserve(out.size());
  for (std::string& w : out) {
    if (w != "va") kept.push_back(std::move(w));
  }
  return absl::StrJoin(kept, " ");
}

}  // namespace chiso::assignment
