#include "tools/chisoctl/unit_csv.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/text/text.h"
#include "tools/chisoctl/args.h"

namespace chiso::chisoctl {
namespace {

namespace apb = chiso::assignment::v1;

constexpr size_t kMaxAliases = 20;
constexpr size_t kMaxNameChars = 300;
constexpr size_t kMaxCodeBytes = 64;

// One record of the file: its fields and the line it starts on.
struct Record {
  int line = 0;
  std::vector<std::string> fields;
};

// Splits RFC 4180 CSV into records. Blank lines are skipped.
absl::StatusOr<std::vector<Record>> SplitRecords(absl::string_view text, absl::string_view source) {
  std::vector<Record> records;
  Record current;
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool had_content = false;  // the record has a character or a separator
  int line = 1;
  int quote_line = 0;
  current.line = 1;
  auto end_record = [&]() {
    if (had_content) {
      current.fields.push_back(std::move(field));
      records.push_back(std::move(current));
    }
    current = Record();
    field.clear();
    had_content = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (!had_content) current.line = line;
    switch (c) {
      case '"':
        quoted = true;
        quote_line = line;
        had_content = true;
        break;
      case ',':
        current.fields.push_back(std::move(field));
        field.clear();
        had_content = true;
        break;
      case '\r':
        break;
      case '\n':
        end_record();
        ++line;
        break;
      default:
        field.push_back(c);
        had_content = true;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": line ", quote_line, ": a quoted field is never closed"));
  }
  end_record();
  return records;
}

bool ValidCode(absl::string_view code) {
  if (code.empty() || code.size() > kMaxCodeBytes) return false;
  return std::all_of(code.begin(), code.end(), [](unsigned char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

size_t CodePoints(absl::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

absl::StatusOr<apb::UnitKind> ParseUnitKind(absl::string_view text) {
  absl::StatusOr<int> value =
      ParseEnumValue(apb::UnitKind_descriptor(), "UNIT_KIND_", "kind", text);
  if (!value.ok()) return value.status();
  return static_cast<apb::UnitKind>(*value);
}

absl::StatusOr<UnitCsv> ParseUnitCsv(absl::string_view text, absl::string_view source) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  if (!text::IsValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid UTF-8 text"));
  }
  absl::StatusOr<std::vector<Record>> records = SplitRecords(text, source);
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": empty; expected a header line code,name,kind,parent_code,aliases"));
  }

  // The header: the five columns in any order.
  const std::vector<std::string> expected = {"code", "name", "kind", "parent_code", "aliases"};
  std::map<std::string, size_t> column;
  const Record& header = records->front();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[i]));
    if (std::find(expected.begin(), expected.end(), name) == expected.end() ||
        column.count(name) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": line ", header.line, ": the header must name the columns ",
                       absl::StrJoin(expected, ","), " (got \"", header.fields[i], "\")"));
    }
    column[name] = i;
  }
  if (column.size() != expected.size()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": line ", header.line,
                                                   ": the header must name the columns ",
                                                   absl::StrJoin(expected, ",")));
  }

  UnitCsv csv;
  std::map<std::string, int> seen_codes;
  for (size_t r = 1; r < records->size(); ++r) {
    const Record& record = (*records)[r];
    auto problem = [&](std::string reason) {
      csv.problems.push_back({record.line, std::move(reason)});
    };
    if (record.fields.size() != expected.size()) {
      problem(absl::StrCat("expected ", expected.size(), " fields, got ", record.fields.size()));
      continue;
    }
    auto get = [&](const char* name) {
      return std::string(absl::StripAsciiWhitespace(record.fields[column[name]]));
    };
    UnitCsvRow row;
    row.line = record.line;
    row.code = get("code");
    row.name = get("name");
    row.parent_code = get("parent_code");
    std::vector<std::string> reasons;
    if (row.code.empty()) {
      reasons.push_back("code is empty");
    } else if (!ValidCode(row.code)) {
      reasons.push_back(
          absl::StrCat("code \"", row.code, "\" must be 1-64 letters, digits, '-', '_' or '.'"));
    } else if (auto it = seen_codes.find(row.code); it != seen_codes.end()) {
      reasons.push_back(
          absl::StrCat("code ", row.code, " is repeated (first on line ", it->second, ")"));
    } else {
      seen_codes[row.code] = row.line;
    }
    if (row.name.empty()) {
      reasons.push_back("name is empty");
    } else if (CodePoints(row.name) > kMaxNameChars) {
      reasons.push_back("name is longer than 300 characters");
    }
    const std::string kind = get("kind");
    if (kind.empty()) {
      reasons.push_back("kind is empty");
    } else if (absl::StatusOr<apb::UnitKind> parsed = ParseUnitKind(kind); !parsed.ok()) {
      absl::string_view message = parsed.status().message();
      absl::ConsumePrefix(&message, "--");
      reasons.emplace_back(message);
    } else {
      row.kind = *parsed;
    }
    if (!row.parent_code.empty() && !ValidCode(row.parent_code)) {
      reasons.push_back(absl::StrCat("parent_code \"", row.parent_code, "\" is not a unit code"));
    } else if (!row.parent_code.empty() && row.parent_code == row.code) {
      reasons.push_back("parent_code is the unit's own code");
    }
    for (absl::string_view alias : absl::StrSplit(get("aliases"), ';', absl::SkipWhitespace())) {
      alias = absl::StripAsciiWhitespace(alias);
      if (CodePoints(alias) > kMaxNameChars) {
        reasons.push_back("an alias is longer than 300 characters");
        break;
      }
      row.aliases.emplace_back(alias);
    }
    if (row.aliases.size() > kMaxAliases) {
      reasons.push_back(
          absl::StrCat("at most ", kMaxAliases, " aliases (got ", row.aliases.size(), ")"));
    }
    if (!reasons.empty()) {
      problem(absl::StrJoin(reasons, "; "));
      continue;
    }
    csv.rows.push_back(std::move(row));
  }
  return csv;
}

void OrderParentsFirst(UnitCsv* csv, const std::function<bool(const std::string&)>& in_directory) {
  // Codes of bad rows (whose children cannot be created either).
  std::set<std::string> bad_codes;
  std::map<std::string, const UnitCsvRow*> by_code;
  for (const UnitCsvRow& row : csv->rows) by_code[row.code] = &row;

  std::vector<UnitCsvRow> ordered;
  std::set<std::string> placed;
  std::vector<UnitCsvRow> pending = std::move(csv->rows);
  csv->rows.clear();
  // Rows whose parent is outside the file: the directory must know it.
  std::vector<UnitCsvRow> waiting;
  for (UnitCsvRow& row : pending) {
    if (!row.parent_code.empty() && by_code.count(row.parent_code) == 0 &&
        !in_directory(row.parent_code)) {
      csv->problems.push_back({row.line, absl::StrCat("parent_code ", row.parent_code,
                                                      " is neither in the file nor in the "
                                                      "directory")});
      bad_codes.insert(row.code);
      continue;
    }
    waiting.push_back(std::move(row));
  }
  // Place rows whose parent is placed (or outside the file), until no
  // progress; what remains is under a bad row or in a cycle.
  bool progress = true;
  while (progress && !waiting.empty()) {
    progress = false;
    std::vector<UnitCsvRow> still;
    for (UnitCsvRow& row : waiting) {
      const bool parent_outside = row.parent_code.empty() || by_code.count(row.parent_code) == 0;
      if (bad_codes.count(row.parent_code) > 0) {
        csv->problems.push_back(
            {row.line, absl::StrCat("its parent ", row.parent_code, " is a bad row")});
        bad_codes.insert(row.code);
        progress = true;
      } else if (parent_outside || placed.count(row.parent_code) > 0) {
        placed.insert(row.code);
        ordered.push_back(std::move(row));
        progress = true;
      } else {
        still.push_back(std::move(row));
      }
    }
    waiting = std::move(still);
  }
  for (UnitCsvRow& row : waiting) {
    csv->problems.push_back(
        {row.line, absl::StrCat("parent_code ", row.parent_code, " leads to a cycle of parents")});
  }
  csv->rows = std::move(ordered);
  std::stable_sort(
      csv->problems.begin(), csv->problems.end(),
      [](const UnitCsvProblem& a, const UnitCsvProblem& b) { return a.line < b.line; });
}

}  // namespace chiso::chisoctl
