#include "services/scoring/results_csv.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/text/text.h"
#include "services/scoring/framework_domain.h"

namespace chiso::scoring {
namespace {

using chiso::scoring::v1::ComponentScore;
using chiso::scoring::v1::Level;
using chiso::scoring::v1::RowError;

constexpr absl::string_view kBom = "\xEF\xBB\xBF";

// One record of the file: its fields and the line it starts on.
struct Record {
  int line = 0;
  std::vector<std::string> fields;
  // Non-empty when the record's quoting is broken; the fields are then
  // unreliable.
  std::string error;
};

// Splits the file into records (RFC 4180: fields in double quotes may hold the
// separator, line breaks and doubled quotes). Lenient where files written by
// hand differ: spaces before an opening quote or after a closing one are
// dropped, a quote inside an unquoted field is kept as a character.
class RecordReader {
 public:
  RecordReader(absl::string_view text, char separator) : text_(text), separator_(separator) {}

  // Reads the next record; false at the end of the file.
  bool Next(Record& record) {
    if (pos_ >= text_.size()) return false;
    record.line = line_;
    record.fields.clear();
    record.error.clear();
    while (true) {
      std::string field;
      const bool more = ReadField(record, field);
      record.fields.push_back(std::move(field));
      if (!more) return true;
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  // Consumes a record terminator at pos_ if there is one ("\n", "\r\n" or the
  // end of the file). True when the record ends here.
  bool ConsumeRecordEnd() {
    if (AtEnd()) return true;
    if (Peek() == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    if (Peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
      return true;
    }
    if (Peek() == '\r' && pos_ + 1 == text_.size()) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Reads one field into `field`. Returns true when another field of the
  // same record follows.
  bool ReadField(Record& record, std::string& field) {
    size_t start = pos_;
    while (start < text_.size() && (text_[start] == ' ' || text_[start] == '\t')) ++start;
    if (start < text_.size() && text_[start] == '"') {
      pos_ = start + 1;
      return ReadQuoted(record, field);
    }
    while (!AtEnd() && Peek() != separator_ && Peek() != '\n') {
      if (Peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') break;
      field.push_back(Peek());
      ++pos_;
    }
    if (!AtEnd() && Peek() == separator_) {
      ++pos_;
      return true;
    }
    ConsumeRecordEnd();
    return false;
  }

  bool ReadQuoted(Record& record, std::string& field) {
    while (true) {
      if (AtEnd()) {
        if (record.error.empty()) {
          record.error = "a quoted field is not closed (a \" is missing)";
        }
        return false;
      }
      const char c = Peek();
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\n') ++line_;
      field.push_back(c);
      ++pos_;
    }
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) ++pos_;
    if (!AtEnd() && Peek() == separator_) {
      ++pos_;
      return true;
    }
    if (ConsumeRecordEnd()) return false;
    // Text after the closing quote: report it and skip to the next separator
    // or line break so that the following fields and records stay in step.
    if (record.error.empty()) {
      record.error = "text after the closing quote of a field (write \"\" for a quote inside it)";
    }
    while (!AtEnd() && Peek() != separator_ && Peek() != '\n') ++pos_;
    if (!AtEnd() && Peek() == separator_) {
      ++pos_;
      return true;
    }
    ConsumeRecordEnd();
    return false;
  }

  absl::string_view text_;
  char separator_;
  size_t pos_ = 0;
  int line_ = 1;
};

// The separator the header row uses: ';' when it has more semicolons than
// commas outside quotes, else ','.
char DetectSeparator(absl::string_view text) {
  int commas = 0;
  int semicolons = 0;
  bool quoted = false;
  bool seen_content = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '\n') {
      if (seen_content) break;  // blank lines before the header are skipped
    } else if (!quoted && c == ',') {
      ++commas;
    } else if (!quoted && c == ';') {
      ++semicolons;
    }
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') seen_content = true;
  }
  return semicolons > commas ? ';' : ',';
}

// 1-based line of the first ill-formed UTF-8 sequence, or 0 when the text is
// well-formed. A line break is ASCII and never part of a multi-byte sequence,
// so checking line by line is exact.
int FirstBadUtf8Line(absl::string_view text) {
  int line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    if (!text::IsValidUtf8(text.substr(start, end - start))) return line;
    start = end + 1;
    ++line;
  }
  return 0;
}

bool IsBlank(const Record& record) {
  if (!record.error.empty()) return false;
  for (const std::string& f : record.fields) {
    if (!text::CollapseWhitespace(f).empty()) return false;
  }
  return true;
}

enum class ColumnKind {
  kFramework,
  kLevel,
  kYear,
  kUnit,
  kEntity,
  kPeerGroup,
  kTotal,
  kRank,
  kRankOf,
  kTier,
  kNote,
  kVersion,
  kScore,
  kComponentRank,
  kComponentRankOf,
};

struct Column {
  ColumnKind kind = ColumnKind::kScore;
  std::string code;    // component columns: the component code
  std::string header;  // as written in the header, trimmed
  std::string key;     // identity for the repeated-column check
};

constexpr std::pair<absl::string_view, ColumnKind> kFixedColumns[] = {
    {"framework", ColumnKind::kFramework}, {"level", ColumnKind::kLevel},
    {"year", ColumnKind::kYear},           {"unit", ColumnKind::kUnit},
    {"entity", ColumnKind::kEntity},       {"peer_group", ColumnKind::kPeerGroup},
    {"total", ColumnKind::kTotal},         {"rank", ColumnKind::kRank},
    {"rank_of", ColumnKind::kRankOf},      {"tier", ColumnKind::kTier},
    {"note", ColumnKind::kNote},           {"version", ColumnKind::kVersion},
};

std::string FixedColumnList() {
  std::vector<absl::string_view> names;
  for (const auto& [name, kind] : kFixedColumns) names.push_back(name);
  return absl::StrJoin(names, ", ");
}

absl::Status HeaderError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": header: ", message));
}

// Reads the header row into columns. Trailing empty names (a separator at the
// end of the header, as spreadsheets write it) are dropped.
absl::StatusOr<std::vector<Column>> ReadHeader(const Record& header) {
  if (!header.error.empty()) return HeaderError(header.line, header.error);
  size_t count = header.fields.size();
  while (count > 0 && text::CollapseWhitespace(header.fields[count - 1]).empty()) --count;
  std::vector<Column> columns;
  absl::flat_hash_map<std::string, size_t> seen;
  for (size_t i = 0; i < count; ++i) {
    Column column;
    column.header = text::CollapseWhitespace(header.fields[i]);
    if (column.header.empty()) {
      return HeaderError(header.line, absl::StrCat("column ", i + 1, " has no name"));
    }
    const std::string lower = absl::AsciiStrToLower(column.header);
    bool fixed = false;
    for (const auto& [name, kind] : kFixedColumns) {
      if (lower == name) {
        column.kind = kind;
        column.key = lower;
        fixed = true;
        break;
      }
    }
    if (!fixed) {
      const std::string upper = absl::AsciiStrToUpper(column.header);
      absl::string_view code = upper;
      if (absl::ConsumeSuffix(&code, "_RANK_OF") && IsValidCode(code)) {
        column.kind = ColumnKind::kComponentRankOf;
      } else if (code = upper; absl::ConsumeSuffix(&code, "_RANK") && IsValidCode(code)) {
        column.kind = ColumnKind::kComponentRank;
      } else if (code = upper; IsValidCode(code)) {
        column.kind = ColumnKind::kScore;
      } else {
        return HeaderError(
            header.line,
            absl::StrCat("unknown column ", text::QuoteForMessage(column.header), ": columns are ",
                         FixedColumnList(),
                         ", or a component code (A-Z, 0-9, _) with an optional _rank or "
                         "_rank_of suffix"));
      }
      column.code = std::string(code);
      column.key = upper;
    }
    auto [it, inserted] = seen.emplace(column.key, i);
    if (!inserted) {
      return HeaderError(header.line, absl::StrCat("column ", text::QuoteForMessage(column.header),
                                                   " appears twice (columns ", it->second + 1,
                                                   " and ", i + 1, ")"));
    }
    columns.push_back(std::move(column));
  }
  if (columns.empty()) return HeaderError(header.line, "no column names");
  for (absl::string_view required : {"framework", "level", "year"}) {
    if (!seen.contains(required)) {
      return HeaderError(header.line, absl::StrCat("missing the required column \"", required,
                                                   "\" (required: framework, level, year, and "
                                                   "unit or entity)"));
    }
  }
  if (!seen.contains("unit") && !seen.contains("entity")) {
    return HeaderError(header.line, "needs a \"unit\" or an \"entity\" column");
  }
  return columns;
}

std::optional<Level> ParseLevel(absl::string_view cell) {
  std::string key = text::MatchKey(cell);
  absl::string_view k = key;
  absl::ConsumePrefix(&k, "level ");
  absl::ConsumePrefix(&k, "cap ");
  if (k == "province" || k == "tinh") return Level::LEVEL_PROVINCE;
  if (k == "department" || k == "so" || k == "so ban nganh") return Level::LEVEL_DEPARTMENT;
  if (k == "district" || k == "huyen") return Level::LEVEL_DISTRICT;
  if (k == "commune" || k == "xa") return Level::LEVEL_COMMUNE;
  return std::nullopt;
}

// A whole number ≥ 0 written with digits only.
std::optional<int> ParseCount(absl::string_view cell) {
  if (cell.empty() || cell.size() > 9) return std::nullopt;
  for (char c : cell) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
  }
  int value = 0;
  if (!absl::SimpleAtoi(cell, &value)) return std::nullopt;
  return value;
}

// What a row says about one component, gathered from its columns.
struct PendingComponent {
  std::string code;
  std::string score;  // canonical; empty when not published
  int rank = 0;
  int rank_of = 0;
  std::string rank_column;  // the header of the first rank cell given
};

class RowReader {
 public:
  explicit RowReader(const std::vector<Column>& columns) : columns_(columns) {}

  // Reads the cells of one record. On success fills `row`; otherwise returns
  // the error naming the column.
  std::optional<RowError> Read(const Record& record, char separator, CsvResultRow& row) const {
    if (!record.error.empty()) return Error(record.line, "", record.error);
    const size_t n = columns_.size();
    if (record.fields.size() != n) {
      bool extra_empty = record.fields.size() > n;
      for (size_t i = n; i < record.fields.size() && extra_empty; ++i) {
        extra_empty = text::CollapseWhitespace(record.fields[i]).empty();
      }
      if (!extra_empty) {
        std::string reason =
            absl::StrCat("expected ", n, " fields as in the header, found ", record.fields.size());
        if (separator == ',' && record.fields.size() > n) {
          absl::StrAppend(&reason, " (quote a number with a decimal comma: \"7,80\")");
        }
        return Error(record.line, "", reason);
      }
    }
    row.line = record.line;
    v1::Result& result = row.result;
    std::string unit;
    std::string entity;
    std::vector<PendingComponent> components;
    absl::flat_hash_map<std::string, size_t> component_index;
    auto component = [&](const std::string& code) -> PendingComponent& {
      auto [it, inserted] = component_index.emplace(code, components.size());
      if (inserted) components.push_back(PendingComponent{code, "", 0, 0, ""});
      return components[it->second];
    };
    for (size_t i = 0; i < n; ++i) {
      const Column& column = columns_[i];
      const std::string cell = text::CollapseWhitespace(text::NormalizeNfc(record.fields[i]));
      switch (column.kind) {
        case ColumnKind::kFramework: {
          const std::string code = absl::AsciiStrToUpper(cell);
          if (code.empty()) return Error(record.line, column.header, "required");
          if (!IsValidCode(code)) {
            return Error(record.line, column.header,
                         absl::StrCat("not a framework code: ", text::QuoteForMessage(cell)));
          }
          result.set_framework_code(code);
          break;
        }
        case ColumnKind::kLevel: {
          if (cell.empty()) return Error(record.line, column.header, "required");
          std::optional<Level> level = ParseLevel(cell);
          if (!level.has_value()) {
            return Error(record.line, column.header,
                         absl::StrCat("unknown level ", text::QuoteForMessage(cell),
                                      " (province, department, district or commune)"));
          }
          result.set_level(*level);
          break;
        }
        case ColumnKind::kYear: {
          if (cell.empty()) return Error(record.line, column.header, "required");
          std::optional<int> year = ParseCount(cell);
          if (!year.has_value()) {
            return Error(record.line, column.header,
                         absl::StrCat("not a year: ", text::QuoteForMessage(cell)));
          }
          result.set_year(*year);
          break;
        }
        case ColumnKind::kUnit:
          unit = cell;
          break;
        case ColumnKind::kEntity:
          entity = cell;
          break;
        case ColumnKind::kPeerGroup:
          result.set_peer_group(cell);
          break;
        case ColumnKind::kTier:
          result.set_published_tier(cell);
          break;
        case ColumnKind::kVersion:
          // "frameworks/{id}" or the bare id; the manager checks that it
          // covers the row's code, level and year.
          if (!cell.empty()) {
            result.set_framework(absl::StartsWith(cell, "frameworks/")
                                     ? std::string(cell)
                                     : absl::StrCat("frameworks/", cell));
          }
          break;
        case ColumnKind::kNote:
          result.set_note(
              std::string(absl::StripAsciiWhitespace(text::NormalizeNfc(record.fields[i]))));
          break;
        case ColumnKind::kTotal: {
          if (cell.empty()) break;
          absl::StatusOr<std::string> total = text::CanonicalDecimal(cell);
          if (!total.ok()) return Error(record.line, column.header, total.status().message());
          result.mutable_published_total()->set_value(*total);
          break;
        }
        case ColumnKind::kRank:
        case ColumnKind::kRankOf: {
          if (cell.empty()) break;
          std::optional<int> count = ParseCount(cell);
          if (!count.has_value()) {
            return Error(record.line, column.header,
                         absl::StrCat("not a whole number: ", text::QuoteForMessage(cell)));
          }
          if (column.kind == ColumnKind::kRank) {
            result.set_published_rank(*count);
          } else {
            result.set_published_rank_of(*count);
          }
          break;
        }
        case ColumnKind::kScore: {
          if (cell.empty()) break;
          absl::StatusOr<std::string> score = text::CanonicalDecimal(cell);
          if (!score.ok()) return Error(record.line, column.header, score.status().message());
          component(column.code).score = *score;
          break;
        }
        case ColumnKind::kComponentRank:
        case ColumnKind::kComponentRankOf: {
          if (cell.empty()) break;
          std::optional<int> count = ParseCount(cell);
          if (!count.has_value()) {
            return Error(record.line, column.header,
                         absl::StrCat("not a whole number: ", text::QuoteForMessage(cell)));
          }
          PendingComponent& c = component(column.code);
          if (column.kind == ColumnKind::kComponentRank) {
            c.rank = *count;
          } else {
            c.rank_of = *count;
          }
          if (c.rank_column.empty()) c.rank_column = column.header;
          break;
        }
      }
    }
    if (!unit.empty() && !entity.empty()) {
      return Error(record.line, "", "give either a unit or an entity, not both");
    }
    if (unit.empty() && entity.empty()) {
      return Error(record.line, SubjectColumn(), "a unit or an entity is required");
    }
    if (!entity.empty()) {
      result.mutable_subject()->set_entity(entity);
    } else if (absl::StartsWith(unit, "units/")) {
      result.mutable_subject()->set_unit(unit);
    } else {
      row.unit_code = unit;
    }
    for (const PendingComponent& c : components) {
      if (c.score.empty()) {
        return Error(record.line, c.rank_column,
                     absl::StrCat("a rank of ", c.code, " needs its score in the column ", c.code));
      }
      ComponentScore* score = result.add_component_scores();
      score->set_component(c.code);
      score->mutable_score()->set_value(c.score);
      score->set_rank(c.rank);
      score->set_rank_of(c.rank_of);
    }
    return std::nullopt;
  }

 private:
  static RowError Error(int line, absl::string_view column, absl::string_view reason) {
    RowError error;
    error.set_line(line);
    error.set_column(std::string(column));
    error.set_reason(std::string(reason));
    return error;
  }

  // The header of the subject column when there is only one, else "".
  std::string SubjectColumn() const {
    std::string found;
    int count = 0;
    for (const Column& c : columns_) {
      if (c.kind == ColumnKind::kUnit || c.kind == ColumnKind::kEntity) {
        found = c.header;
        ++count;
      }
    }
    return count == 1 ? found : "";
  }

  const std::vector<Column>& columns_;
};

}  // namespace

absl::StatusOr<CsvResults> ParseResultsCsv(absl::string_view csv) {
  if (csv.size() > kMaxCsvBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the file is ", csv.size(),
                                                   " bytes; at most 10 MiB (", kMaxCsvBytes,
                                                   " bytes) can be imported at once"));
  }
  absl::ConsumePrefix(&csv, kBom);
  if (const int bad = FirstBadUtf8Line(csv); bad != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", bad, ": the file is not UTF-8 (save it as \"CSV UTF-8\")"));
  }
  const char separator = DetectSeparator(csv);
  RecordReader reader(csv, separator);
  Record record;
  bool have_header = false;
  while (reader.Next(record)) {
    if (!IsBlank(record)) {
      have_header = true;
      break;
    }
  }
  if (!have_header) {
    return absl::InvalidArgumentError(
        "the file has no header row (framework, level, year, unit or entity, …)");
  }
  absl::StatusOr<std::vector<Column>> columns = ReadHeader(record);
  if (!columns.ok()) return columns.status();

  CsvResults out;
  RowReader rows(*columns);
  while (reader.Next(record)) {
    if (IsBlank(record)) continue;
    if (out.row_count == kMaxCsvRows) {
      return absl::InvalidArgumentError(
          absl::StrCat("the file holds more than ", kMaxCsvRows, " data rows; split it"));
    }
    ++out.row_count;
    CsvResultRow row;
    if (std::optional<RowError> error = rows.Read(record, separator, row); error.has_value()) {
      out.errors.push_back(*std::move(error));
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace chiso::scoring
