#include "services/plan/document/task_units.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace chiso::plan::document {
namespace {

using Kind = Word::Kind;

// Table entries are a folded phrase and, where folding is ambiguous, the
// original spellings it stands for after "=" (lower case, '|'-separated):
// "so=sở" is "Sở" but not "Số"; "van phong" accepts any spelling.

// Words that open the name of one unit.
// clang-format off
constexpr absl::string_view kUnitStarts[] = {
    "van phong", "vp", "so=sở", "cuc=cục", "chi cuc=chi cục", "tong cuc=tổng cục", "trung tam",
    "thanh tra", "cong an=công an", "ubnd", "uy ban", "ubmttq", "mat tran", "ban=ban",
    "doi=đội", "hoi=hội", "doan=đoàn", "lien doan", "huyen doan", "tinh doan", "truong=trường",
    "benh vien", "tram=trạm", "vien=viện", "toa an", "tand", "kho bac=kho bạc", "kbnn",
    "chi nhanh", "ngan hang", "bao hiem=bảo hiểm", "bhxh", "dai=đài", "cong ty=công ty",
    "phong=phòng", "hdnd", "hat=hạt", "bo chi huy=bộ chỉ huy"};
// clang-format on

// Phrases that open with a unit word but are not units.
constexpr absl::string_view kNotUnits[] = {
    "ban hanh",    "truong hop", "hoi nghi",          "hoi thao",          "hoi dap",
    "phong chong", "phong ngua", "phong tranh",       "doan ket",          "doan the",
    "cuc bo",      "so sanh",    "thanh tra cong vu", "thanh tra kiem tra"};

// Heads of a group of units ("Thủ trưởng các cơ quan").
constexpr absl::string_view kHeads[] = {"thu truong", "truong=trưởng",     "chu tich",
                                        "lanh dao",   "giam doc=giám đốc", "nguoi dung dau"};
constexpr absl::string_view kCommittees[] = {"ubnd", "uy ban nhan dan", "ub"};
constexpr absl::string_view kQuantifiers[] = {"tat ca cac", "tat ca", "toan bo", "cac=các",
                                              "nhung=những"};
// Kinds of units a group names.
// clang-format off
constexpr absl::string_view kGroupNouns[] = {
    "phong ban=phòng ban", "ban nganh=ban ngành", "so nganh=sở ngành", "don vi=đơn vị",
    "co quan=cơ quan", "dia phuong=địa phương", "thi tran=thị trấn", "thanh pho=thành phố",
    "thi xa=thị xã", "doan the=đoàn thể", "to chuc=tổ chức", "phong=phòng", "ban=ban",
    "nganh=ngành", "so=sở", "xa=xã", "phuong=phường", "huyen=huyện", "chi cuc=chi cục",
    "trung tam=trung tâm"};
// clang-format on
// Places a group lies in ("thuộc Sở", "trên địa bàn huyện").
constexpr absl::string_view kPlaces[] = {"so=sở",     "huyen=huyện", "tinh=tỉnh", "xa=xã",
                                         "thanh pho", "thi xa",      "quan=quận", "nganh=ngành"};

// Lower-case verbs and adverbs that end a unit name: the start of the
// predicate ("Văn phòng Sở chủ trì", "Phòng Tư pháp tư vấn").
constexpr absl::string_view kStops[] = {
    "chu tri",      "phoi hop",        "tham muu",    "la=là",
    "lam=làm",      "thuc hien",       "trien khai",  "tiep tuc",
    "thuong xuyen", "chu dong",        "tang cuong",  "theo",
    "can cu",       "kip thoi",        "xay dung",    "to chuc=tổ chức",
    "huong dan",    "tu van=tư vấn",   "ho tro",      "don doc",
    "theo doi",     "tong hop",        "de xuat",     "cap nhat",
    "bam sat",      "giai quyet",      "cong khai",   "niem yet",
    "tuyen truyen", "pho bien",        "phu trach",   "chiu=chịu",
    "co=có",        "dam bao",         "bao dam",     "nang cao",
    "khan truong",  "dang=đang|đăng",  "nghiem tuc",  "tich cuc",
    "day manh",     "quyet liet",      "khong=không", "can=cần",
    "phai=phải",    "duoc=được",       "se=sẽ",       "bo tri",
    "kiem tra",     "ra soat",         "nghien cuu",  "danh gia",
    "bao cao",      "gui=gửi",         "ban hanh",    "trinh=trình",
    "chi dao",      "som=sớm",         "tap trung",   "rut ngan",
    "giam=giảm",    "cai thien",       "duy tri",     "van hanh",
    "voi=với",      "trong=trong",     "de=để",       "cua=của",
    "nham=nhằm",    "neu cao",         "khac phuc",   "xu ly",
    "tiep nhan",    "tra loi",         "thuc thi",    "ap dung",
    "uu tien",      "phat huy",        "nam bat",     "ket hop",
    "cung=cùng",    "doi moi=đổi mới", "doi thoai",   "khuyen khich",
    "giao=giao",    "da=đã",           "dong thoi",   "tiep xuc",
    "phan cong",    "xem xet",         "tai=tại",     "tu=từ",
    "ve=về",        "hoan thanh",      "dieu hanh",   "quan tam",
    "tham gia",     "lanh dao",        "giam sat",    "thi=thì",
    "dong vai tro", "dua=đưa",         "giu vung",    "tiep thu",
    "huy dong",     "phan dau",        "chuan bi",    "thuc day",
    "mo rong",      "nang cap",        "dieu chinh",  "sap xep",
    "kien toan",    "tham dinh",       "thu hut",     "quan triet",
    "cung cap",     "lua chon",        "bo sung",     "sua doi",
    "hoan thien",   "phan tich",       "tong ket",    "so ket",
    "thong bao",    "xac dinh",        "de ra",       "dua ra",
    "phat hien",    "ngan chan",       "chan chinh",  "don gian hoa",
    "cat giam",     "soan thao",       "thu thap",    "lay y kien",
    "khao sat",     "van dong",        "khen thuong", "giai trinh",
    "ung dung",     "chu trong",       "han che",     "kiem soat",
    "dam nhan",     "tranh=tránh",     "tap huan",    "boi duong",
    "so hoa",       "thanh lap",       "phat dong",   "dao tao",
    "lap=lập"};

// Verbs of kStops that may also be the first word of a name after its
// class word ("Trung tâm bồi dưỡng chính trị", "Ban tổ chức").
constexpr absl::string_view kNameVerbs[] = {"boi duong", "dao tao"};

// Predicates that make a unit the lead of a sentence inside another lead's
// group ("Văn phòng Sở chủ trì …", "Phòng Nội vụ tập huấn …"): kStops
// without the words of a passive or descriptive sentence ("Phòng họp trực
// tuyến được trang bị …") or of a preposition.
constexpr absl::string_view kNotPredicates[] = {
    "duoc", "la",   "lam",  "co", "cua", "voi",   "trong", "de",   "tai", "tu",   "ve",
    "thi",  "nham", "cung", "da", "se",  "khong", "can",   "phai", "som", "giam", "dua"};
constexpr absl::string_view kPredicatePhrases[] = {"la dau moi", "lam dau moi", "co trach nhiem",
                                                   "chiu trach nhiem"};
// Adverbs between a unit and its predicate.
constexpr absl::string_view kAdverbs[] = {"thuong xuyen", "chu dong", "tiep tuc",   "khan truong",
                                          "tich cuc",     "kip thoi", "nghiem tuc", "quyet liet"};

// Stop words that end a name even when written upper-case: no unit name
// holds them, and a heading run into its text reads "… huyện Theo lĩnh vực
// …".
constexpr absl::string_view kStrongStops[] = {
    "theo",         "chu tri", "phoi hop", "tham muu",   "thuc hien",  "trien khai", "tiep tuc",
    "thuong xuyen", "can cu",  "chu dong", "tang cuong", "la dau moi", "lam dau moi"};

// Longest words in one unit name; a longer run is a sentence, not a name.
constexpr int kMaxNameWords = 16;
// Words (with "và", dashes and commas) NameWords reads at most.
constexpr size_t kMaxNameScan = 4 * kMaxNameWords;
// Kinds of units one group names, across "các" ("Các sở, ban, ngành, các
// huyện, thành phố").
constexpr int kMaxGroupEnumerations = 8;

bool IsWordByte(unsigned char c) { return std::isalnum(c) != 0 || c == '/' || c == '&'; }

Kind PunctuationKind(char c) {
  switch (c) {
    case ',':
      return Kind::kComma;
    case ';':
      return Kind::kSemicolon;
    case ':':
      return Kind::kColon;
    case '.':
    case '!':
    case '?':
      return Kind::kPeriod;
    case '(':
    case '[':
      return Kind::kOpen;
    case ')':
    case ']':
      return Kind::kClose;
    case '-':
      return Kind::kDash;
    default:
      return Kind::kOther;
  }
}

// Whether the original character that folded byte `at` of `block` came
// from is upper-case.
bool StartsUpper(const Block& block, size_t at) {
  const size_t from = block.folded.origin[at];
  const unsigned char first = static_cast<unsigned char>(block.text[from]);
  if (first < 0x80) return first >= 'A' && first <= 'Z';
  const auto* bytes = reinterpret_cast<const uint8_t*>(block.text.data());
  size_t i = from;
  UChar32 c;
  U8_NEXT(bytes, i, block.text.size(), c);
  return c > 0 && u_isupper(c);
}

std::string LowerUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    UChar32 c;
    U8_NEXT(bytes, i, text.size(), c);
    if (c < 0) continue;
    c = u_tolower(c);
    char buffer[4];
    size_t n = 0;
    U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buffer), n, c);
    out.append(buffer, n);
  }
  return out;
}

std::vector<Word> Tokenize(const Block& block) {
  std::vector<Word> words;
  const std::string& f = block.folded.text;
  words.reserve(f.size() / 4 + 1);
  const size_t n = f.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(f[i]);
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    Word word;
    word.begin = i;
    if (IsWordByte(c)) {
      while (i < n) {
        const unsigned char d = static_cast<unsigned char>(f[i]);
        const bool inner_point = (d == '.' || d == ',') && i > word.begin &&
                                 std::isdigit(static_cast<unsigned char>(f[i - 1])) && i + 1 < n &&
                                 std::isdigit(static_cast<unsigned char>(f[i + 1]));
        if (!IsWordByte(d) && !inner_point) break;
        ++i;
      }
      word.kind = Kind::kWord;
    } else if (c < 0x80) {
      word.kind = PunctuationKind(static_cast<char>(c));
      ++i;
    } else {
      const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      const absl::string_view ch = absl::string_view(f).substr(i, length);
      word.kind = (ch == "\xE2\x80\x93" || ch == "\xE2\x80\x94") ? Kind::kDash
                  : ch == "\xE2\x80\xA6"                         ? Kind::kPeriod
                                                                 : Kind::kOther;
      i += length;
    }
    word.end = std::min(i, n);
    word.folded = absl::string_view(f).substr(word.begin, word.end - word.begin);
    if (word.kind == Kind::kWord) {
      word.upper = StartsUpper(block, word.begin);
    }
    words.push_back(word);
  }
  return words;
}

// A table of entries indexed by their first folded word, built once.
class EntryTable {
 public:
  template <size_t N>
  explicit EntryTable(const absl::string_view (&entries)[N]) {
    for (absl::string_view entry : entries) {
      Item item;
      const size_t equals = entry.find('=');
      for (absl::string_view w : absl::StrSplit(entry.substr(0, equals), ' ')) {
        item.words.emplace_back(w);
      }
      if (equals != absl::string_view::npos) {
        for (absl::string_view sp : absl::StrSplit(entry.substr(equals + 1), '|')) {
          item.spellings.emplace_back(sp);
        }
      }
      by_first_[item.words.front()].push_back(std::move(item));
    }
  }

  // Length in words of the longest entry matching at `at`, 0 when none.
  size_t Longest(const Clause& clause, size_t at) const {
    if (at >= clause.size() || clause.word(at).kind != Kind::kWord) return 0;
    const auto it = by_first_.find(clause.word(at).folded);
    if (it == by_first_.end()) return 0;
    size_t best = 0;
    for (const Item& item : it->second) {
      const size_t n = item.words.size();
      if (n <= best || !WordsMatch(clause, at, item.words)) continue;
      if (!item.spellings.empty()) {
        const std::string lower = clause.Lower(at, n);
        if (std::find(item.spellings.begin(), item.spellings.end(), lower) ==
            item.spellings.end()) {
          continue;
        }
      }
      best = n;
    }
    return best;
  }

 private:
  struct Item {
    std::vector<std::string> words;
    std::vector<std::string> spellings;
  };

  static bool WordsMatch(const Clause& clause, size_t at, const std::vector<std::string>& words) {
    for (size_t k = 1; k < words.size(); ++k) {
      if (!clause.Is(at + k, words[k])) return false;
    }
    return true;
  }

  absl::flat_hash_map<std::string, std::vector<Item>> by_first_;
};

const EntryTable& UnitStarts() {
  static const EntryTable* table = new EntryTable(kUnitStarts);
  return *table;
}
const EntryTable& Heads() {
  static const EntryTable* table = new EntryTable(kHeads);
  return *table;
}
const EntryTable& Committees() {
  static const EntryTable* table = new EntryTable(kCommittees);
  return *table;
}
const EntryTable& Quantifiers() {
  static const EntryTable* table = new EntryTable(kQuantifiers);
  return *table;
}
const EntryTable& GroupNounTable() {
  static const EntryTable* table = new EntryTable(kGroupNouns);
  return *table;
}
const EntryTable& Places() {
  static const EntryTable* table = new EntryTable(kPlaces);
  return *table;
}
const EntryTable& Stops() {
  static const EntryTable* table = new EntryTable(kStops);
  return *table;
}
const EntryTable& NameVerbs() {
  static const EntryTable* table = new EntryTable(kNameVerbs);
  return *table;
}

bool IsStop(const Clause& clause, size_t at) {
  if (at >= clause.size()) return false;
  const Word& word = clause.word(at);
  if (word.kind != Kind::kWord) return false;
  if (word.upper) {
    for (absl::string_view stop : kStrongStops) {
      if (clause.Matches(at, stop)) return true;
    }
    return false;
  }
  if (Stops().Longest(clause, at) == 0) return false;
  // "đầu tư xây dựng", "đăng ký" belong to names.
  if (clause.Matches(at, "xay dung") && at >= 2 && clause.Matches(at - 2, "dau tu")) return false;
  if (clause.Is(at, "dang") && clause.Is(at + 1, "ky")) return false;
  // "Phòng Giáo dục và đào tạo".
  if (clause.Matches(at, "dao tao") && at >= 2 &&
      (clause.Matches(at - 2, "giao duc") || clause.Matches(at - 3, "giao duc va"))) {
    return false;
  }
  return true;
}

bool IsNotUnit(const Clause& clause, size_t at) {
  for (absl::string_view phrase : kNotUnits) {
    if (clause.Matches(at, phrase)) return true;
  }
  return false;
}

// "HĐND" / "Hội đồng nhân dân" right before word `at`.
bool AfterCouncil(const Clause& clause, size_t at) {
  if (at >= 1 && clause.Is(at - 1, "hdnd")) return true;
  return at >= 4 && clause.Matches(at - 4, "hoi dong nhan dan");
}

bool IsCommitteeAt(const Clause& clause, size_t at) {
  return clause.Is(at, "ubnd") || clause.Matches(at, "uy ban nhan dan");
}

// Ends a name at `last` (exclusive); a parenthesis right after it ("(Chủ
// đầu tư)") is dropped from the name but consumed.
UnitName MakeName(const Clause& clause, size_t first, size_t last, bool collective) {
  UnitName name;
  name.text = std::string(clause.Original(first, last));
  name.collective = collective;
  name.first_word = first;
  name.end_word = last;
  if (last < clause.size() && clause.word(last).kind == Kind::kOpen) {
    for (size_t k = last + 1; k < clause.size() && k <= last + 10; ++k) {
      if (clause.word(k).kind == Kind::kClose) {
        name.end_word = k + 1;
        break;
      }
    }
  }
  return name;
}

size_t ListIntroducer(const Clause& clause, size_t at);

// Whether a unit name or group may start at word `at`, by its opening words
// only: a unit word followed by a name word, or the head of a group. Reads
// a bounded number of words and never parses a name, so that scanning a
// list stays linear however long it is.
bool OpensUnit(const Clause& clause, size_t at) {
  if (at >= clause.size() || clause.word(at).kind != Kind::kWord) return false;
  if (ListIntroducer(clause, at) > 0) return true;
  size_t j = at;
  if (const size_t head = Heads().Longest(clause, j); head > 0) {
    j += head;
    j += Committees().Longest(clause, j);
  } else if (const size_t committee = Committees().Longest(clause, j); committee > 0) {
    j += committee;
  }
  if (const size_t quantifier = Quantifiers().Longest(clause, j); quantifier > 0) {
    if (GroupNounTable().Longest(clause, j + quantifier) > 0) return true;
  }
  size_t s = at;
  if (clause.Lower(s) == "phòng" && clause.Matches(s + 1, "van phong")) ++s;
  const size_t n = UnitStarts().Longest(clause, s);
  if (n == 0 || IsNotUnit(clause, s)) return false;
  return s + n < clause.size() && clause.word(s + n).kind == Kind::kWord &&
         (!IsStop(clause, s + n) || NameVerbs().Longest(clause, s + n) > 0);
}

// Name words from `j` on: words up to a stop word or a mark that ends the
// name. A comma continues the name before an upper-case word that opens no
// unit ("Trung tâm Văn hóa, Thể thao và Truyền thông huyện") when
// `comma_continues`. Returns the end (exclusive) and sets *count; stops
// reading after kMaxNameScan words (with *count then over kMaxNameWords).
size_t NameWords(const Clause& clause, size_t j, bool comma_continues, int* count) {
  size_t last = j;
  *count = 0;
  const size_t limit = std::min(clause.size(), j + kMaxNameScan);
  while (j < limit) {
    if (*count > kMaxNameWords) break;
    const Word& w = clause.word(j);
    if (w.kind == Kind::kWord) {
      // A verb that also names ("Trung tâm bồi dưỡng chính trị") does not
      // end a name before its first word.
      if (IsStop(clause, j) && !(*count == 0 && NameVerbs().Longest(clause, j) > 0)) break;
      if (w.folded == "va" || w.folded == "&") {
        if (AfterCouncil(clause, j) && IsCommitteeAt(clause, j + 1)) {
          ++j;
          continue;
        }
        if (j + 1 >= clause.size() || clause.word(j + 1).kind != Kind::kWord ||
            IsStop(clause, j + 1) || OpensUnit(clause, j + 1)) {
          break;
        }
        ++j;
        continue;
      }
      ++j;
      last = j;
      ++*count;
      continue;
    }
    if (w.kind == Kind::kDash && j + 1 < clause.size() && clause.word(j + 1).kind == Kind::kWord &&
        !IsStop(clause, j + 1)) {
      ++j;
      continue;
    }
    if (w.kind == Kind::kComma && comma_continues && j + 1 < clause.size() &&
        clause.word(j + 1).kind == Kind::kWord && clause.word(j + 1).upper &&
        !IsStop(clause, j + 1) && !OpensUnit(clause, j + 1)) {
      ++j;
      continue;
    }
    break;
  }
  if (j >= limit && limit < clause.size()) *count = kMaxNameWords + 1;
  return last;
}

// One unit by name: "Văn phòng Sở", "Phòng Tài chính – Kế hoạch", "Văn
// phòng HĐND và UBND huyện"; "phòng Văn phòng Sở" drops the class word.
bool ParseNamed(const Clause& clause, size_t at, UnitName* out) {
  size_t s = at;
  if (clause.Lower(s) == "phòng" && clause.Matches(s + 1, "van phong")) ++s;
  const size_t n = UnitStarts().Longest(clause, s);
  if (n == 0 || IsNotUnit(clause, s)) return false;
  int count = 0;
  const size_t last = NameWords(clause, s + n, /*comma_continues=*/true, &count);
  if (count == 0 || count > kMaxNameWords) return false;
  *out = MakeName(clause, s, last, /*collective=*/false);
  return true;
}

// One part of an introduced list ("Các phòng: Quản lý đất đai, …"): the
// words up to the next separator, as written.
bool ParsePart(const Clause& clause, size_t at, UnitName* out) {
  if (at >= clause.size() || clause.word(at).kind != Kind::kWord || IsStop(clause, at)) {
    return false;
  }
  int count = 0;
  const size_t last = NameWords(clause, at, /*comma_continues=*/false, &count);
  if (count == 0 || count > kMaxNameWords) return false;
  *out = MakeName(clause, at, last, /*collective=*/false);
  return true;
}

// The nouns of a group: "phòng, ban", "cơ quan, đơn vị", "xã, thị trấn".
size_t GroupNouns(const Clause& clause, size_t j, int* nouns) {
  *nouns = 0;
  constexpr int kMaxGroupNouns = 12;
  while (*nouns < kMaxGroupNouns) {
    const size_t n = GroupNounTable().Longest(clause, j);
    if (n == 0) break;
    j += n;
    ++*nouns;
    const bool joined =
        j < clause.size() && (clause.word(j).kind == Kind::kComma || clause.Is(j, "va"));
    if (!joined || GroupNounTable().Longest(clause, j + 1) == 0 ||
        Quantifiers().Longest(clause, j + 1) > 0) {
      break;
    }
    ++j;
  }
  return j;
}

// What a group's nouns may be followed by: "chuyên môn", "(trực) thuộc
// Sở", "thuộc UBND huyện", "(có) liên quan", "trên địa bàn (huyện)", "cấp
// huyện".
size_t GroupModifiers(const Clause& clause, size_t j, int* modifiers) {
  *modifiers = 0;
  constexpr int kMaxModifiers = 8;
  while (j < clause.size() && *modifiers < kMaxModifiers) {
    size_t n = 0;
    if (clause.Matches(j, "chuyen mon", &n) || clause.Matches(j, "co lien quan", &n) ||
        clause.Matches(j, "lien quan", &n)) {
      j += n;
    } else if (clause.Matches(j, "truc thuoc", &n) || clause.Matches(j, "thuoc", &n) ||
               clause.Matches(j, "tren dia ban", &n) || clause.Matches(j, "cap", &n)) {
      const bool place_required = clause.Is(j, "thuoc") || clause.Is(j, "cap");
      size_t k = j + n;
      const size_t committee = Committees().Longest(clause, k);
      k += committee;
      const size_t place = Places().Longest(clause, k);
      k += place;
      if (place_required && committee == 0 && place == 0) break;
      j = k;
    } else if ((n = Places().Longest(clause, j)) > 0 && *modifiers > 0) {
      j += n;  // "… trực thuộc Sở liên quan", "… chuyên môn huyện"
    } else {
      break;
    }
    ++*modifiers;
  }
  return j;
}

// One group of units without what follows it across "các"; sets *end and
// *nouns.
bool ParseOneCollective(const Clause& clause, size_t at, size_t* end, int* nouns_out) {
  size_t j = at;
  bool needs_quantifier = false;
  if (size_t n = Heads().Longest(clause, j); n > 0) {
    j += n;
    j += Committees().Longest(clause, j);
    needs_quantifier = true;
  } else if (size_t c = Committees().Longest(clause, j); c > 0) {
    j += c;
    needs_quantifier = true;
  }
  const size_t quantifier = Quantifiers().Longest(clause, j);
  if (needs_quantifier && quantifier == 0) return false;
  j += quantifier;
  int nouns = 0;
  j = GroupNouns(clause, j, &nouns);
  if (nouns == 0) return false;
  int modifiers = 0;
  j = GroupModifiers(clause, j, &modifiers);
  if (quantifier == 0 && modifiers == 0) return false;
  *end = j;
  *nouns_out = nouns;
  return true;
}

// A group of units, by the grammar in the header comment.
bool ParseCollective(const Clause& clause, size_t at, UnitName* out) {
  size_t j = 0;
  int nouns = 0;
  if (!ParseOneCollective(clause, at, &j, &nouns)) return false;
  // An enumeration of kinds goes on across "các": "Các sở, ban, ngành,
  // các huyện, thành phố".
  for (int k = 0; k < kMaxGroupEnumerations; ++k) {
    size_t more = 0;
    const int before = nouns;
    if (before < 2 || j >= clause.size() || clause.word(j).kind != Kind::kComma ||
        Quantifiers().Longest(clause, j + 1) == 0 ||
        !ParseOneCollective(clause, j + 1, &more, &nouns)) {
      break;
    }
    j = more;
  }
  *out = MakeName(clause, at, j, /*collective=*/true);
  return true;
}

// "Các phòng:" or "các Phòng Quản lý …": a list of divisions named without
// their class word follows. Returns the first word of the list, or 0.
size_t ListIntroducer(const Clause& clause, size_t at) {
  if (Quantifiers().Longest(clause, at) != 1 || !clause.Is(at, "cac")) return 0;
  size_t n = 0;
  if (!clause.Matches(at + 1, "phong", &n) && !clause.Matches(at + 1, "don vi", &n) &&
      !clause.Matches(at + 1, "co quan", &n)) {
    return 0;
  }
  const size_t next = at + 1 + n;
  if (next >= clause.size()) return 0;
  const Word& w = clause.word(next);
  if (w.kind == Kind::kColon) return next + 1 < clause.size() ? next + 1 : 0;
  if (w.kind == Kind::kWord && w.upper && !IsStop(clause, next)) return next;
  return 0;
}

bool ParseOne(const Clause& clause, size_t at, bool list_mode, UnitName* out) {
  if (ParseCollective(clause, at, out)) return true;
  if (ParseNamed(clause, at, out)) return true;
  return list_mode && ParsePart(clause, at, out);
}

}  // namespace

Clause::Clause(const Block& block) : block_(block), words_(Tokenize(block)) {}

bool Clause::Matches(size_t at, absl::string_view phrase, size_t* n) const {
  size_t k = at;
  while (!phrase.empty()) {
    const size_t space = phrase.find(' ');
    const absl::string_view part = phrase.substr(0, space);
    if (k >= words_.size() || words_[k].kind != Kind::kWord || words_[k].folded != part) {
      return false;
    }
    ++k;
    phrase = space == absl::string_view::npos ? absl::string_view() : phrase.substr(space + 1);
  }
  if (n != nullptr) *n = k - at;
  return true;
}

bool Clause::Is(size_t at, absl::string_view w) const {
  return at < words_.size() && words_[at].kind == Kind::kWord && words_[at].folded == w;
}

std::string Clause::Lower(size_t at, size_t n) const {
  std::string out;
  for (size_t k = at; k < at + n && k < words_.size(); ++k) {
    if (!out.empty()) out.push_back(' ');
    out += LowerUtf8(block_.Original(words_[k].begin, words_[k].end));
  }
  return out;
}

absl::string_view Clause::Original(size_t from, size_t to) const {
  if (from >= to || from >= words_.size()) return {};
  to = std::min(to, words_.size());
  return block_.Original(words_[from].begin, words_[to - 1].end);
}

size_t Clause::WordAt(size_t offset) const {
  const auto it = std::lower_bound(words_.begin(), words_.end(), offset,
                                   [](const Word& w, size_t o) { return w.begin < o; });
  return static_cast<size_t>(it - words_.begin());
}

bool StartsUnit(const Clause& clause, size_t at) {
  if (at >= clause.size() || clause.word(at).kind != Kind::kWord) return false;
  if (ListIntroducer(clause, at) > 0) return true;
  UnitName unused;
  return ParseCollective(clause, at, &unused) || ParseNamed(clause, at, &unused);
}

std::vector<UnitName> ParseUnitList(const Clause& clause, size_t at, size_t* end, bool* truncated) {
  if (truncated != nullptr) *truncated = false;
  std::vector<UnitName> units;
  bool found = false;
  size_t j = at;
  bool list_mode = false;
  // "Các phòng: Tài chính - Kế hoạch, Tài nguyên và Môi trường": the class
  // word belongs to every part, and the directory knows the units by their
  // full names ("Phòng Tài chính - Kế hoạch").
  bool divisions = false;
  while (j < clause.size()) {
    if (const size_t first = ListIntroducer(clause, j); first > 0) {
      list_mode = true;
      divisions = clause.Is(j + 1, "phong");
      j = first;
    }
    UnitName unit;
    if (!ParseOne(clause, j, list_mode, &unit)) break;
    if (divisions && !unit.collective && !clause.Is(unit.first_word, "phong")) {
      unit.text = absl::StrCat("Phòng ", unit.text);
    }
    j = unit.end_word;
    found = true;
    // Past the cap the list is read to its end, but its names are dropped.
    if (units.size() < kMaxListUnits) {
      units.push_back(std::move(unit));
    } else if (truncated != nullptr) {
      *truncated = true;
    }
    if (j + 1 >= clause.size()) break;
    const Word& separator = clause.word(j);
    const bool comma = separator.kind == Kind::kComma || separator.kind == Kind::kSemicolon;
    const bool conjunction = clause.Is(j, "va") || clause.Is(j, "&");
    if (!comma && !conjunction) break;
    const bool part_follows =
        list_mode && comma && clause.word(j + 1).kind == Kind::kWord && !IsStop(clause, j + 1);
    if (!StartsUnit(clause, j + 1) && !part_follows) break;
    ++j;
  }
  if (!found) j = at;
  if (end != nullptr) *end = j;
  return units;
}

std::vector<UnitName> FindLeadAt(const Clause& clause, size_t at, bool* assigned, bool* truncated) {
  *assigned = false;
  size_t j = at;
  if (clause.Is(j, "giao") && clause.Lower(j) == "giao") {
    ++j;
    if (clause.Is(j, "cho")) ++j;
    *assigned = true;
  }
  size_t end = j;
  std::vector<UnitName> units = ParseUnitList(clause, j, &end, truncated);
  if (units.empty()) *assigned = false;
  return units;
}

std::vector<UnitName> CoordinatingUnits(const Clause& clause, size_t from, size_t to,
                                        bool* truncated) {
  if (truncated != nullptr) *truncated = false;
  std::vector<UnitName> out;
  to = std::min(to, clause.size());
  for (size_t i = from; i < to; ++i) {
    size_t n = 0;
    if (!clause.Matches(i, "phoi hop", &n)) continue;
    size_t j = i + n;
    size_t m = 0;
    if (clause.Is(j, "voi")) {
      ++j;
    } else if (clause.Matches(j, "chat che voi", &m)) {
      j += m;
    } else if (j < clause.size() && clause.word(j).kind == Kind::kComma &&
               clause.Matches(j + 1, "huong dan", &m)) {
      j += 1 + m;
    }
    size_t end = j;
    bool cut = false;
    for (UnitName& unit : ParseUnitList(clause, j, &end, &cut)) {
      if (out.size() < kMaxListUnits) {
        out.push_back(std::move(unit));
      } else {
        cut = true;
      }
    }
    if (cut && truncated != nullptr) *truncated = true;
    if (end > i + 1) i = end - 1;
  }
  return out;
}

bool PredicateAt(const Clause& clause, size_t at) {
  for (size_t k = 0; k < 2; ++k) {
    bool adverb = false;
    for (absl::string_view a : kAdverbs) {
      size_t n = 0;
      if (clause.Matches(at, a, &n)) {
        at += n;
        adverb = true;
        break;
      }
    }
    if (!adverb) break;
  }
  if (at < clause.size() && clause.word(at).kind == Kind::kComma) ++at;  // "…, theo chức năng"
  for (absl::string_view phrase : kPredicatePhrases) {
    if (clause.Matches(at, phrase)) return true;
  }
  if (at >= clause.size() || clause.word(at).kind != Kind::kWord || clause.word(at).upper) {
    return false;
  }
  const size_t n = Stops().Longest(clause, at);
  if (n == 0) return false;
  if (n > 1) return true;  // "tư vấn" is not "từ"
  for (absl::string_view word : kNotPredicates) {
    if (clause.Is(at, word)) return false;
  }
  return true;
}

std::vector<size_t> SentenceStarts(const Clause& clause) {
  std::vector<size_t> starts = {0};
  for (size_t i = 1; i < clause.size(); ++i) {
    const Word& w = clause.word(i);
    if (w.kind == Kind::kWord && w.upper && clause.word(i - 1).kind == Kind::kPeriod) {
      starts.push_back(i);
    }
  }
  return starts;
}

bool IsCollectiveName(absl::string_view name) {
  Block block;
  block.text = std::string(name);
  block.folded = Fold(block.text);
  const Clause clause(block);
  UnitName unit;
  return ParseCollective(clause, 0, &unit);
}

std::string UnitKey(absl::string_view name) {
  const Folded folded = Fold(name);
  std::string key;
  key.reserve(folded.text.size());
  bool space = false;
  for (const char c : folded.text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      if (space && !key.empty()) key.push_back(' ');
      key.push_back(c);
      space = false;
    } else {
      space = true;
    }
  }
  return key;
}

}  // namespace chiso::plan::document
