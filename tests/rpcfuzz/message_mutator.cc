#include "tests/rpcfuzz/message_mutator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace chiso::rpcfuzz {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const std::vector<std::string>& VietnameseTexts() {
  static const auto* texts = new std::vector<std::string>{
      "UBND huyện Hà Mỹ",
      "Phòng Tài chính - Kế hoạch",
      "Phòng TC-KH",
      "Thanh tra huyện",
      "Văn phòng HĐND và UBND huyện",
      "Sở Tài nguyên và Môi trường",
      "Sở Nội vụ",
      "các cơ quan, đơn vị liên quan",
      "Phó Chủ tịch UBND huyện phụ trách kinh tế",
      "Nguyễn Văn An",
      "Cải thiện chỉ số DDCI năm 2024",
      "Rút ngắn thời gian giải quyết hồ sơ",
      "Đã hoàn thành",
      "Công khai thủ tục hành chính",
      "ĐẠT TRÊN 7,80 ĐIỂM",
      "đạt trên",
      "từ 70 điểm trở lên",
      "Khối sở",
      "Sở A",
      "Tiếng Việt có dấu: ắ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ đ Đ ơ ư",
      "Tie\xcc\x82\xcc\x81ng Vie\xcc\xa3t",  // combining marks (NFD)
      "\xef\xbb\xbfUBND",                    // BOM
      "   ",
      "\t\n\r",
  };
  return *texts;
}

const std::vector<std::string>& Phrases() {
  static const auto* texts = new std::vector<std::string>{
      "hoàn thành trước ngày 30/6/2024",
      "trong Quý III/2024",
      "Quý I hằng năm",
      "Ngay từ đầu năm và thường xuyên trong năm",
      "Quý III năm trước liền kề năm kế hoạch",
      "Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 30/9/2024",
      "trước ngày 31/2/2024",
      "trước ngày 0/0/0",
      "trước ngày 30/6/99999999999",
      "Quý V/2024",
      "hằng tháng",
      "khi nào rảnh",
      "trước 5/5/-1",
      "Quý I/2147483647",
      "thường xuyên",
  };
  return *texts;
}

const std::vector<std::string>& Codes() {
  static const auto* codes = new std::vector<std::string>{
      "DDCI", "PCI",        "PAPI",        "PAR_INDEX",    "SIPAS",
      "PGI",  "TIME_COSTS", "LAND_ACCESS", "TRANSPARENCY", "LABOR_TRAINING",
      "ddci", "DDCI ",      "D DCI",       "UNKNOWN_CODE", "o1",
      "o2",   "o0",
  };
  return *codes;
}

const std::vector<std::string>& Numbers() {
  static const auto* n = new std::vector<std::string>{
      "0",      "-1",
      "7.80",   "7,80",
      "1e309",  "NaN",
      "-0",     "99999999999999999999999999",
      ".5",     "5.",
      "+5",     "1.2.3",
      " 7.8 ",  "0x10",
      "inf",    "-inf",
      "1e-400", "10000000000000000000000000000000000000000.0000001",
      "7.8000", "٣",
  };
  return *n;
}

const std::vector<std::string>& Garbage() {
  static const auto* g = new std::vector<std::string>{
      "'; DROP TABLE plans; --",
      "\" OR 1=1 --",
      "%s%s%s%n",
      "../../../../etc/passwd",
      "plans/../units/x",
      "\\x00\\u0000",
      "$1 $2 $3",
      "?",
      "%",
      "_",
      "*",
      "/",
      "//",
      "a/b/c/d/e/f",
      "{}",
      "[{\"a\":1}]",
      "\xf0\x9f\x98\x80\xf0\x9f\x87\xbb\xf0\x9f\x87\xb3",  // emoji
      "\xef\xbf\xbf\xef\xbf\xbe",                          // U+FFFF U+FFFE
      "\xe2\x80\xae\xe2\x80\x8b",                          // RLO, ZWSP
  };
  return *g;
}

const std::vector<std::string>& Urls() {
  static const auto* u = new std::vector<std::string>{
      "https://vanban.example.gov.vn/hook",
      "http://127.0.0.1:1/hook",
      "https://",
      "file:///etc/passwd",
      "https://[::1]:99999/x",
      "https://user:pass@example.com/a?b=c#d",
      "ftp://example.com",
      "https://example.com/\xc3\xa0",
      "javascript:alert(1)",
  };
  return *u;
}

const std::vector<std::string>& Collections() {
  static const auto* c = new std::vector<std::string>{
      "plans",   "units",         "people",   "tasks",       "frameworks",
      "results", "notifications", "webhooks", "deadLetters", "progressReports",
  };
  return *c;
}

bool IsIdChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

}  // namespace

// ---- NamePool -------------------------------------------------------------------

std::string NamePool::CollectionOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts.size() % 2 != 0) return "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) return "";
    for (char c : parts[i]) {
      if (!IsIdChar(c)) return "";
    }
  }
  return std::string(parts[parts.size() - 2]);
}

bool NamePool::Add(const std::string& name) {
  const std::string collection = CollectionOf(name);
  if (collection.empty()) return false;
  std::vector<std::string>& names = by_collection_[collection];
  if (std::find(names.begin(), names.end(), name) != names.end()) return false;
  names.push_back(name);
  all_.push_back(name);
  return true;
}

void NamePool::Relate(const std::string& kind, const std::string& from, const std::string& to) {
  related_[{kind, from}] = to;
}

std::string NamePool::Related(const std::string& kind, const std::string& from) const {
  auto it = related_.find({kind, from});
  return it == related_.end() ? "" : it->second;
}

const std::vector<std::string>* NamePool::Of(absl::string_view collection) const {
  auto it = by_collection_.find(collection);
  return it == by_collection_.end() || it->second.empty() ? nullptr : &it->second;
}

std::string NamePool::Pick(absl::string_view collection, std::mt19937_64& rng) const {
  const std::vector<std::string>* names = Of(collection);
  if (names == nullptr) names = &all_;
  if (names->empty()) return "";
  // Recent names are likelier: they are the ones still alive.
  std::uniform_int_distribution<size_t> d(0, names->size() - 1);
  size_t i = d(rng);
  if (rng() % 2 == 0) i = names->size() - 1 - (i % std::min<size_t>(names->size(), 8));
  return (*names)[i];
}

// ---- MessageMutator -------------------------------------------------------------

MessageMutator::MessageMutator(uint64_t seed, const NamePool* pool, MutatorOptions options)
    : rng_(seed), pool_(pool), options_(options) {}

int64_t MessageMutator::Uniform(int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> d(lo, hi);
  return d(rng_);
}

size_t MessageMutator::TakeBudget(size_t want) {
  want = std::min(want, budget_left_);
  budget_left_ -= want;
  return want;
}

std::string MessageMutator::CollectionHint(const FieldDescriptor* field) {
  const std::string f = field->name();
  std::string type = absl::AsciiStrToLower(field->containing_type()->name());
  if (f == "name" || f == "names") {
    if (type == "notificationnames") return "notifications";
    for (const auto& [key, collection] :
         std::vector<std::pair<std::string, std::string>>{{"progressreport", "progressReports"},
                                                          {"deadletter", "deadLetters"},
                                                          {"documentref", "plans"},
                                                          {"plan", "plans"},
                                                          {"unit", "units"},
                                                          {"person", "people"},
                                                          {"task", "tasks"},
                                                          {"webhook", "webhooks"},
                                                          {"framework", "frameworks"},
                                                          {"result", "results"},
                                                          {"notification", "notifications"}}) {
      if (absl::StrContains(type, key)) return collection;
    }
    return "";
  }
  if (f == "parent" && absl::StrContains(type, "progressreport")) return "tasks";
  if (f == "plan" || f == "supersedes") return "plans";
  if (f == "task") return "tasks";
  if (f == "webhook") return "webhooks";
  if (f == "result") return "results";
  if (f == "framework" && type == "result") return "frameworks";
  if (f == "head" || f == "person" || f == "supervisor_person" || f == "reporter") {
    return "people";
  }
  if (f == "unit" || f == "parent" || f == "context_unit" || f == "successor" || f == "ancestor" ||
      f == "reporting_unit" || f == "merged_into" || f == "ancestors" || f == "recipient" ||
      f == "recipients" || f == "issuer") {
    return "units";
  }
  return "";
}

std::string MessageMutator::ResourceLikeString(const std::string& collection) {
  const std::string c = collection.empty() ? OneOf(Collections()) : collection;
  switch (Uniform(0, 9)) {
    case 0:
      return absl::StrCat(c, "/01hzzzzzzzzzzzzzzzzzzzzzzz");
    case 1:
      return absl::StrCat(c, "/");
    case 2:
      return absl::StrCat(c, "/01HZZZZZZZZZZZZZZZZZZZZZZZ");
    case 3:
      return absl::StrCat(OneOf(Collections()), "/01hzzzzzzzzzzzzzzzzzzzzzzz");
    case 4: {
      std::string picked = pool_ == nullptr ? "" : pool_->Pick(c, rng_);
      return absl::StrCat(picked, "/", OneOf(Collections()), "/x");
    }
    case 5: {
      // A real id under another collection.
      std::string picked = pool_ == nullptr ? "" : pool_->Pick("", rng_);
      const size_t slash = picked.rfind('/');
      return absl::StrCat(OneOf(Collections()), "/",
                          slash == std::string::npos ? picked : picked.substr(slash + 1));
    }
    case 6:
      return absl::StrCat(c, "/", std::string(static_cast<size_t>(Uniform(1, 300)), '0'));
    case 7:
      return absl::StrCat(c, "/01hzzzzzzzzzzzzzzzzzzzzz\xc3\xa0");
    case 8:
      return absl::StrCat("/", c, "/01hzzzzzzzzzzzzzzzzzzzzzzz");
    default:
      return absl::StrCat(c, "/", OneOf(Garbage()));
  }
}

std::string MessageMutator::TweakString(std::string value) {
  switch (Uniform(0, 6)) {
    case 0:  // truncate at an ASCII boundary or anywhere a code point starts
      if (!value.empty()) {
        size_t at = static_cast<size_t>(Uniform(0, static_cast<int64_t>(value.size())));
        while (at < value.size() && (static_cast<unsigned char>(value[at]) & 0xC0) == 0x80) ++at;
        value.resize(at);
      }
      return value;
    case 1:
      return absl::StrCat(value, OneOf(Garbage()));
    case 2:
      return absl::StrCat(OneOf(Garbage()), value);
    case 3:
      return absl::AsciiStrToUpper(value);
    case 4:
      return absl::StrCat(" ", value, " ");
    case 5: {
      std::string nul = value;
      nul.insert(Chance(2) ? 0 : nul.size(), 1, '\0');
      return nul;
    }
    default:
      return absl::StrCat(value, value);
  }
}

std::string MessageMutator::RandomString(const FieldDescriptor* field) {
  const std::string& f = field->name();
  const std::string hint = CollectionHint(field);
  // Field-specific values first, part of the time.
  if (Chance(3)) {
    if (f == "url") return OneOf(Urls());
    if (f == "secret") {
      return std::string(
          TakeBudget(static_cast<size_t>(OneOf<int64_t>({0, 1, 31, 32, 64, 256, 257, 1000}))), 'k');
    }
    if (f == "etag") return OneOf<std::string>({"1", "\"3\"", "999999999999999999999", "-1", "x"});
    if (f == "phrase" || f == "text") return OneOf(Phrases());
    if (f == "number" || f == "plan_number") {
      return OneOf<std::string>(
          {"60/KH-STNMT", "/KH-UBND", "60/", "0/KH-UBND", "-1/KH-UBND", "4294967296/KH-UBND"});
    }
    if (f == "code" || f == "framework" || f == "component" || f == "framework_code" ||
        f == "objective_id") {
      return OneOf(Codes());
    }
    if (f == "reminder_id" || f == "reminder_id_prefix" || f == "rule") {
      return OneOf<std::string>({"task/", "plan/", "task/x/2024-04-30/due", "", "task/%"});
    }
    if (f == "page_token" || f == "cursor") {
      return OneOf<std::string>(
          {"garbage", "AAAA", "eyJhIjoxfQ", "////", "0", "-1", std::string(1000, 'A')});
    }
    if (f == "grade" || f == "published_tier") {
      return OneOf<std::string>({"A", "B", "Xuất sắc", "", "a", "Z"});
    }
  }
  switch (Uniform(0, 25)) {
    case 0:
    case 1:
    case 2:
      return "";
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
      if (pool_ != nullptr) {
        std::string picked = pool_->Pick(hint, rng_);
        if (!picked.empty()) return picked;
      }
      return ResourceLikeString(hint);
    case 9:
    case 10:
      return ResourceLikeString(hint);
    case 11:
    case 12:
    case 13:
      return OneOf(VietnameseTexts());
    case 14: {
      const size_t size = TakeBudget(static_cast<size_t>(
          Uniform(1, static_cast<int64_t>(Chance(4) ? options_.max_string : 2048))));
      std::string out;
      const std::string& unit = OneOf(VietnameseTexts());
      while (out.size() + unit.size() < size) out += unit;
      return out;
    }
    case 15:
    case 16:
      return OneOf(Garbage());
    case 17:
      return std::string("a\0b", 3);
    case 18:
    case 19:
      return OneOf(Numbers());
    case 20:
    case 21:
      return OneOf(Phrases());
    case 22:
      return OneOf(Urls());
    case 23: {
      // Random code points, valid UTF-8.
      std::string out;
      const int n = static_cast<int>(Uniform(1, 20));
      for (int i = 0; i < n; ++i) {
        uint32_t cp = static_cast<uint32_t>(Uniform(1, 0x10FFFF));
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18));
          out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
      }
      return out;
    }
    case 24:
      // Not UTF-8: reflection sets it and serialization only logs, so the
      // server's parser refuses the request (INVALID_ARGUMENT, see
      // docs/FUZZING.md).
      if (Chance(8)) return "\xff\xfe\xc3";
      return OneOf(Codes());
    default:
      return OneOf(Codes());
  }
}

std::string MessageMutator::RandomBytes() {
  switch (Uniform(0, 5)) {
    case 0:
      return "";
    case 1: {
      const size_t n = TakeBudget(static_cast<size_t>(Uniform(1, 4096)));
      std::string out(n, '\0');
      for (char& c : out) c = static_cast<char>(rng_() & 0xFF);
      return out;
    }
    case 2: {
      // CSV-looking text.
      std::string out =
          "framework,level,year,entity,peer_group,TIME_COSTS,TIME_COSTS_rank,TIME_COSTS_rank_of\n";
      const int rows = static_cast<int>(Uniform(0, Chance(10) ? 3000 : 10));
      for (int i = 0; i < rows && budget_left_ > 200; ++i) {
        std::string row = absl::StrCat(
            OneOf(Codes()), ",", OneOf<std::string>({"department", "province", "x", ""}), ",",
            OneOf<std::string>({"2019", "2024", "-1", "99999", ""}), ",", OneOf(VietnameseTexts()),
            ",Khối sở,", OneOf(Numbers()), ",", Uniform(-2, 30), ",", Uniform(-2, 30), "\n");
        if (Chance(20)) row = "\"unterminated," + row;
        TakeBudget(row.size());
        out += row;
      }
      return out;
    }
    case 3:
      return std::string("PK\x03\x04\x14\x00\x00\x00", 8) + OneOf(Garbage());
    case 4:
      return OneOf(VietnameseTexts());
    default: {
      const size_t n = TakeBudget(static_cast<size_t>(Uniform(1, 256 * 1024)));
      return std::string(n, static_cast<char>(rng_() & 0xFF));
    }
  }
}

int64_t MessageMutator::RandomInt(const FieldDescriptor* field) {
  const bool is32 = field->cpp_type() == FieldDescriptor::CPPTYPE_INT32;
  const int64_t min =
      is32 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int64_t>::min();
  const int64_t max =
      is32 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max();
  switch (Uniform(0, 12)) {
    case 0:
      return 0;
    case 1:
      return -1;
    case 2:
      return min;
    case 3:
      return max;
    case 4:
      return min + 1;
    case 5:
      return max - 1;
    case 6:
    case 7:
      return Uniform(2015, 2030);
    case 8:
      return OneOf<int64_t>({1,  2,  3,  4,   5,   6,   7,   10,  12,   13,   28,   29,    30,
                             31, 32, 50, 100, 101, 499, 500, 501, 1000, 5000, 9999, 10000, 86400});
    case 9:
      return Uniform(min, max);
    default:
      return Uniform(-5, 60);
  }
}

uint64_t MessageMutator::RandomUint() {
  switch (Uniform(0, 4)) {
    case 0:
      return 0;
    case 1:
      return std::numeric_limits<uint64_t>::max();
    case 2:
      return rng_();
    default:
      return static_cast<uint64_t>(Uniform(0, 1000));
  }
}

double MessageMutator::RandomDouble() {
  return OneOf<double>(
      {0.0, -0.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
       -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::max(),
       std::numeric_limits<double>::lowest(), std::numeric_limits<double>::denorm_min(), 0.5, 7.8,
       -1.0, 1e300, static_cast<double>(Uniform(-1000, 1000)) / 7.0});
}

int MessageMutator::RandomEnum(const EnumDescriptor* e) {
  if (Chance(6)) {
    return static_cast<int>(OneOf<int64_t>({-1, 42, 1000, std::numeric_limits<int32_t>::max(),
                                            std::numeric_limits<int32_t>::min(),
                                            e->value(e->value_count() - 1)->number() + 1}));
  }
  return e->value(static_cast<int>(Uniform(0, e->value_count() - 1)))->number();
}

void MessageMutator::FillFieldMask(Message* mask, const Message* parent) {
  const Descriptor* d = mask->GetDescriptor();
  const FieldDescriptor* paths = d->FindFieldByName("paths");
  if (paths == nullptr) return;
  const Reflection* r = mask->GetReflection();
  r->ClearField(mask, paths);
  // The resource the mask is about: the first message field of the parent
  // that is not the mask.
  const Descriptor* resource = nullptr;
  if (parent != nullptr) {
    const Descriptor* pd = parent->GetDescriptor();
    for (int i = 0; i < pd->field_count(); ++i) {
      const FieldDescriptor* f = pd->field(i);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && f->message_type() != d &&
          !f->is_repeated()) {
        resource = f->message_type();
        break;
      }
    }
  }
  const int n = static_cast<int>(Uniform(0, Chance(20) ? 200 : 4));
  for (int i = 0; i < n; ++i) {
    std::string path;
    if (resource != nullptr && !Chance(4)) {
      const FieldDescriptor* f =
          resource->field(static_cast<int>(Uniform(0, resource->field_count() - 1)));
      path = f->name();
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && Chance(3) &&
          f->message_type()->field_count() > 0) {
        absl::StrAppend(
            &path, ".",
            f->message_type()
                ->field(static_cast<int>(Uniform(0, f->message_type()->field_count() - 1)))
                ->name());
      }
      if (Chance(10)) path = f->json_name();
      if (Chance(15)) path = absl::AsciiStrToUpper(path);
    } else {
      path = OneOf<std::string>({"", "*", "name", "etag", "create_time", "no_such_field", "a..b",
                                 ".", "title.", "objectives[0]", "\xc3\xa0", "paths"});
    }
    r->AddString(mask, paths, path);
  }
}

bool MessageMutator::FillSpecial(Message* message, int depth) {
  (void)depth;
  const Descriptor* d = message->GetDescriptor();
  const Reflection* r = message->GetReflection();
  const std::string& type = d->full_name();
  if (Chance(5)) return false;  // sometimes generic
  if (type == "google.protobuf.Timestamp" || type == "google.protobuf.Duration") {
    const bool ts = type == "google.protobuf.Timestamp";
    const int64_t seconds =
        Chance(2) ? (ts ? Uniform(1500000000, 1900000000) : Uniform(0, 3600))
                  : OneOf<int64_t>({0, -1, -62135596800, -62135596801, 253402300799, 253402300800,
                                    315576000000, 315576000001, -315576000001,
                                    std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::min(), 4, 5, 300, 301, 3601});
    const int32_t nanos =
        Chance(2) ? 0
                  : static_cast<int32_t>(OneOf<int64_t>({-1, 1, 999999999, 1000000000, -999999999,
                                                         std::numeric_limits<int32_t>::min(),
                                                         std::numeric_limits<int32_t>::max()}));
    r->SetInt64(message, d->FindFieldByName("seconds"), seconds);
    r->SetInt32(message, d->FindFieldByName("nanos"), nanos);
    return true;
  }
  if (type == "google.protobuf.FieldMask") {
    FillFieldMask(message, mask_parent_);
    return true;
  }
  if (type == "chiso.common.v1.Date") {
    r->SetInt32(
        message, d->FindFieldByName("year"),
        static_cast<int32_t>(Chance(2) ? Uniform(2018, 2026)
                                       : OneOf<int64_t>({0, -1, 1, 1899, 1900, 9999, 10000,
                                                         std::numeric_limits<int32_t>::max(),
                                                         std::numeric_limits<int32_t>::min()})));
    r->SetInt32(message, d->FindFieldByName("month"), static_cast<int32_t>(Uniform(-1, 13)));
    r->SetInt32(message, d->FindFieldByName("day"), static_cast<int32_t>(Uniform(-1, 32)));
    return true;
  }
  if (type == "chiso.common.v1.Decimal") {
    r->SetString(
        message, d->FindFieldByName("value"),
        Chance(2) ? absl::StrCat(Uniform(0, 100), ".", Uniform(0, 999)) : OneOf(Numbers()));
    return true;
  }
  if (type == "chiso.common.v1.Period") {
    const int64_t start = Chance(2) ? Uniform(2015, 2026) : RandomInt(d->field(0));
    r->SetInt32(message, d->FindFieldByName("start_year"), static_cast<int32_t>(start));
    r->SetInt32(message, d->FindFieldByName("end_year"),
                static_cast<int32_t>(Chance(2) ? start + Uniform(-1, 5) : RandomInt(d->field(1))));
    return true;
  }
  return false;
}

void MessageMutator::SetRandomField(Message* message, const FieldDescriptor* field, int depth) {
  const Reflection* r = message->GetReflection();
  if (budget_left_ < 16) return;  // spent: leave the field as it is
  TakeBudget(16);
  if (field->is_repeated()) {
    r->ClearField(message, field);
    int n = static_cast<int>(Uniform(0, 4));
    if (Chance(8)) n = static_cast<int>(Uniform(5, 64));
    if (Chance(options_.huge_repeated_one_in)) n = static_cast<int>(Uniform(100, 3000));
    // Lists of messages stay short at depth; huge lists of messages only at the top.
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth > 2) n = std::min(n, 3);
    for (int i = 0; i < n && budget_left_ > 64; ++i) {
      AddRandomElement(message, field, depth);
    }
    return;
  }
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      r->SetInt32(message, field, static_cast<int32_t>(RandomInt(field)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      r->SetInt64(message, field, RandomInt(field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      r->SetUInt32(message, field, static_cast<uint32_t>(RandomUint()));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      r->SetUInt64(message, field, RandomUint());
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      r->SetDouble(message, field, RandomDouble());
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      r->SetFloat(message, field, static_cast<float>(RandomDouble()));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      r->SetBool(message, field, Chance(2));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      r->SetEnumValue(message, field, RandomEnum(field->enum_type()));
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value =
          field->type() == FieldDescriptor::TYPE_BYTES ? RandomBytes() : RandomString(field);
      TakeBudget(value.size());
      r->SetString(message, field, std::move(value));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (depth >= options_.max_depth) {
        r->ClearField(message, field);
        break;
      }
      const Message* saved = mask_parent_;
      mask_parent_ = message;
      Message* child = r->MutableMessage(message, field);
      child->Clear();
      Fill(child, depth + 1);
      mask_parent_ = saved;
      break;
    }
  }
}

void MessageMutator::AddRandomElement(Message* message, const FieldDescriptor* field, int depth) {
  const Reflection* r = message->GetReflection();
  if (budget_left_ < 16) return;
  TakeBudget(16);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      r->AddInt32(message, field, static_cast<int32_t>(RandomInt(field)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      r->AddInt64(message, field, RandomInt(field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      r->AddUInt32(message, field, static_cast<uint32_t>(RandomUint()));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      r->AddUInt64(message, field, RandomUint());
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      r->AddDouble(message, field, RandomDouble());
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      r->AddFloat(message, field, static_cast<float>(RandomDouble()));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      r->AddBool(message, field, Chance(2));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      r->AddEnumValue(message, field, RandomEnum(field->enum_type()));
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value =
          field->type() == FieldDescriptor::TYPE_BYTES ? RandomBytes() : RandomString(field);
      TakeBudget(value.size());
      r->AddString(message, field, std::move(value));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message* saved = mask_parent_;
      mask_parent_ = message;
      Message* child = r->AddMessage(message, field);
      if (depth < options_.max_depth) Fill(child, depth + 1);
      mask_parent_ = saved;
      break;
    }
  }
}

void MessageMutator::Fill(Message* message, int depth) {
  if (FillSpecial(message, depth)) return;
  const Descriptor* d = message->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    // Deeper messages get sparser.
    if (!Chance(depth < 2 ? 2 : 3) && !(depth == 0 && Chance(2))) continue;
    SetRandomField(message, field, depth);
  }
}

void MessageMutator::Randomize(Message* message) {
  budget_left_ = options_.byte_budget;
  message->Clear();
  mask_parent_ = nullptr;
  Fill(message, 0);
}

void MessageMutator::MutateField(Message* message, const FieldDescriptor* field, int depth) {
  const Reflection* r = message->GetReflection();
  if (field->is_repeated()) {
    const int size = r->FieldSize(*message, field);
    switch (Uniform(0, 6)) {
      case 0:
        r->ClearField(message, field);
        return;
      case 1:
        if (size > 0) r->RemoveLast(message, field);
        return;
      case 2:
        if (size > 1) {
          r->SwapElements(message, field, static_cast<int>(Uniform(0, size - 1)),
                          static_cast<int>(Uniform(0, size - 1)));
        }
        return;
      case 3:
        if (size > 0 && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          // Duplicate an element (duplicates are a classic source of
          // constraint violations).
          const Message& src =
              r->GetRepeatedMessage(*message, field, static_cast<int>(Uniform(0, size - 1)));
          std::unique_ptr<Message> copy(src.New());
          copy->CopyFrom(src);
          r->AddMessage(message, field)->CopyFrom(*copy);
          return;
        }
        if (size > 0 && field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          r->AddString(
              message, field,
              r->GetRepeatedString(*message, field, static_cast<int>(Uniform(0, size - 1))));
          return;
        }
        AddRandomElement(message, field, depth);
        return;
      case 4:
        if (size > 0 && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          MutateOnce(
              r->MutableRepeatedMessage(message, field, static_cast<int>(Uniform(0, size - 1))),
              depth + 1);
          return;
        }
        AddRandomElement(message, field, depth);
        return;
      case 5:
        SetRandomField(message, field, depth);
        return;
      default:
        AddRandomElement(message, field, depth);
        return;
    }
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (r->HasField(*message, field) && Chance(3) && depth < options_.max_depth) {
      MutateOnce(r->MutableMessage(message, field), depth + 1);
      return;
    }
    if (Chance(3)) {
      r->ClearField(message, field);
      return;
    }
    SetRandomField(message, field, depth);
    return;
  }
  if (Chance(6)) {
    r->ClearField(message, field);
    return;
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
      field->type() != FieldDescriptor::TYPE_BYTES && Chance(3)) {
    r->SetString(message, field, TweakString(r->GetString(*message, field)));
    return;
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT32 && Chance(3)) {
    const int64_t v = r->GetInt32(*message, field) + Uniform(-2, 2);
    r->SetInt32(message, field,
                static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                         std::numeric_limits<int32_t>::max())));
    return;
  }
  SetRandomField(message, field, depth);
}

void MessageMutator::MutateOnce(Message* message, int depth) {
  const Descriptor* d = message->GetDescriptor();
  if (d->field_count() == 0) return;
  const Reflection* r = message->GetReflection();
  // Prefer a field that is set (its value is what the seed made valid).
  std::vector<const FieldDescriptor*> set;
  r->ListFields(*message, &set);
  const FieldDescriptor* field = (!set.empty() && Chance(3) == false)
                                     ? set[static_cast<size_t>(Uniform(0, set.size() - 1))]
                                     : d->field(static_cast<int>(Uniform(0, d->field_count() - 1)));
  const Message* saved = mask_parent_;
  mask_parent_ = message;
  MutateField(message, field, depth);
  mask_parent_ = saved;
}

void MessageMutator::Mutate(Message* message) {
  budget_left_ = options_.byte_budget;
  mask_parent_ = nullptr;
  const int n = static_cast<int>(Uniform(1, 4));
  for (int i = 0; i < n; ++i) MutateOnce(message, 0);
}

void MessageMutator::ResolvePlaceholders(Message* message) {
  const Reflection* r = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*message, &fields);
  auto resolve = [this](const std::string& value) {
    if (value == "@lead") {
      std::string lead = pool_ == nullptr ? "" : pool_->Related("lead", last_task_);
      return lead.empty() ? std::string("units/01hzzzzzzzzzzzzzzzzzzzzzzz") : lead;
    }
    if (absl::StartsWith(value, "@")) {
      std::string picked = pool_ == nullptr ? "" : pool_->Pick(value.substr(1), rng_);
      // Not yet any of that collection: a well-formed name that does not exist.
      if (picked.empty() || NamePool::CollectionOf(picked) != value.substr(1)) {
        picked = absl::StrCat(value.substr(1), "/01hzzzzzzzzzzzzzzzzzzzzzzz");
      }
      if (value == "@tasks") last_task_ = picked;
      return picked;
    }
    if (absl::StrContains(value, "{n}")) {
      return absl::StrReplaceAll(value, {{"{n}", absl::StrCat(++serial_)}});
    }
    return value;
  };
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        field->type() != FieldDescriptor::TYPE_BYTES) {
      if (field->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, field); ++i) {
          r->SetRepeatedString(message, field, i,
                               resolve(r->GetRepeatedString(*message, field, i)));
        }
      } else {
        r->SetString(message, field, resolve(r->GetString(*message, field)));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, field); ++i) {
          ResolvePlaceholders(r->MutableRepeatedMessage(message, field, i));
        }
      } else {
        ResolvePlaceholders(r->MutableMessage(message, field));
      }
    }
  }
}

}  // namespace chiso::rpcfuzz
