#include "services/assignment/unit_domain.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/civil/date.h"
#include "common/ids/ids.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "google/protobuf/util/field_mask_util.h"

namespace chiso::assignment {
namespace {

using chiso::assignment::v1::Person;
using chiso::assignment::v1::Unit;
using chiso::assignment::v1::UnitState;
using chiso::common::v1::Date;
using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view name,
                                      absl::string_view prefix, absl::string_view what) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, prefix) || !IsValidId(id)) {
    return Invalid(field, absl::StrCat("must be a ", what, " resource name \"", prefix,
                                       "{id}\" (got ", text::QuoteForMessage(name), ")"));
  }
  return std::string(id);
}

absl::Status CheckOptionalName(absl::string_view field, absl::string_view name,
                               absl::string_view prefix, absl::string_view what) {
  if (name.empty()) return absl::OkStatus();
  return ParseName(field, name, prefix, what).status();
}

bool PathIs(absl::string_view path, absl::string_view field) {
  return path == field || absl::StartsWith(path, absl::StrCat(field, "."));
}

// Checks `mask` against `descriptor`: every path a field, none of `frozen`,
// each of `allowed`.
template <size_t N, size_t M>
absl::Status CheckMask(const FieldMask& mask, const google::protobuf::Descriptor* descriptor,
                       absl::string_view type, const absl::string_view (&allowed)[N],
                       const absl::string_view (&frozen)[M]) {
  if (mask.paths_size() == 0) {
    return Invalid("update_mask", "required: name the fields to change, e.g. \"display_name\"");
  }
  for (const std::string& path : mask.paths()) {
    if (!FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr)) {
      return Invalid("update_mask", absl::StrCat("\"", path, "\" is not a field of ", type));
    }
    for (absl::string_view f : frozen) {
      if (PathIs(path, f)) {
        return Invalid("update_mask", absl::StrCat("\"", path, "\" cannot be updated (", f,
                                                   " is output only or has its own method)"));
      }
    }
    bool ok = false;
    for (absl::string_view a : allowed) ok = ok || path == a;
    if (!ok) {
      return Invalid("update_mask", absl::StrCat("\"", path, "\" cannot be updated"));
    }
  }
  return absl::OkStatus();
}

constexpr absl::string_view kUnitMutable[] = {"code",    "display_name", "kind",      "parent",
                                              "aliases", "head",         "valid_from"};
constexpr absl::string_view kUnitFrozen[] = {"name", "valid_to",    "merged_into", "state",
                                             "etag", "create_time", "update_time"};
constexpr absl::string_view kPersonMutable[] = {"display_name", "title", "unit"};
constexpr absl::string_view kPersonFrozen[] = {"name", "etag", "create_time", "update_time"};

}  // namespace

std::string UnitName(absl::string_view id) { return absl::StrCat("units/", id); }
std::string PersonName(absl::string_view id) { return absl::StrCat("people/", id); }

absl::StatusOr<std::string> ParseUnitName(absl::string_view field, absl::string_view name) {
  return ParseName(field, name, "units/", "unit");
}

absl::StatusOr<std::string> ParsePersonName(absl::string_view field, absl::string_view name) {
  return ParseName(field, name, "people/", "person");
}

bool IsEmptyDate(const Date& date) {
  return date.year() == 0 && date.month() == 0 && date.day() == 0;
}

absl::StatusOr<std::optional<absl::CivilDay>> ParseOptionalDate(absl::string_view field,
                                                                const Date& date) {
  if (IsEmptyDate(date)) return std::optional<absl::CivilDay>();
  absl::StatusOr<absl::CivilDay> day = civil::MakeDate(date.year(), date.month(), date.day());
  if (!day.ok()) return Invalid(field, day.status().message());
  return std::optional<absl::CivilDay>(*day);
}

Date ToDate(absl::CivilDay day) {
  Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

bool IsValidUnitCode(absl::string_view code) {
  if (code.empty() || code.size() > static_cast<size_t>(kMaxUnitCodeChars)) return false;
  for (char c : code) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

absl::Status ValidateUnit(Unit& unit) {
  std::string code(absl::StripAsciiWhitespace(unit.code()));
  if (code.empty()) return Invalid("unit.code", "required (e.g. \"STP-LS\")");
  if (!IsValidUnitCode(code)) {
    return Invalid("unit.code", absl::StrCat("must be 1–64 letters, digits, '-', '_' or '.' (got ",
                                             text::QuoteForMessage(code), ")"));
  }
  unit.set_code(code);
  if (absl::Status s =
          text::CleanLineField("unit.display_name", unit.mutable_display_name(), kMaxUnitNameChars);
      !s.ok()) {
    return s;
  }
  if (unit.display_name().empty()) return Invalid("unit.display_name", "required");
  if (unit.aliases_size() > kMaxUnitAliases) {
    return Invalid("unit.aliases", absl::StrCat("at most ", kMaxUnitAliases, " aliases (got ",
                                                unit.aliases_size(), ")"));
  }
  std::vector<std::string> aliases;
  std::set<std::string> seen;
  for (int i = 0; i < unit.aliases_size(); ++i) {
    std::string alias = unit.aliases(i);
    if (absl::Status s =
            text::CleanLineField(absl::StrCat("unit.aliases[", i, "]"), &alias, kMaxUnitAliasChars);
        !s.ok()) {
      return s;
    }
    if (alias.empty() || !seen.insert(alias).second) continue;
    aliases.push_back(std::move(alias));
  }
  unit.clear_aliases();
  for (std::string& alias : aliases) unit.add_aliases(std::move(alias));
  if (unit.kind() == v1::UNIT_KIND_UNSPECIFIED) {
    return Invalid("unit.kind", "required (e.g. UNIT_KIND_DEPARTMENT)");
  }
  if (!v1::UnitKind_IsValid(unit.kind())) {
    return Invalid("unit.kind", absl::StrCat("unknown kind ", static_cast<int>(unit.kind())));
  }
  if (absl::Status s = CheckOptionalName("unit.parent", unit.parent(), "units/", "unit"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckOptionalName("unit.head", unit.head(), "people/", "person"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckOptionalName("unit.merged_into", unit.merged_into(), "units/", "unit");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::optional<absl::CivilDay>> from =
      ParseOptionalDate("unit.valid_from", unit.valid_from());
  if (!from.ok()) return from.status();
  absl::StatusOr<std::optional<absl::CivilDay>> to =
      ParseOptionalDate("unit.valid_to", unit.valid_to());
  if (!to.ok()) return to.status();
  if (from->has_value() && to->has_value() && **to < **from) {
    return Invalid("unit.valid_to",
                   absl::StrCat("must not be before valid_from (", absl::FormatCivilTime(**from),
                                "), got ", absl::FormatCivilTime(**to)));
  }
  return absl::OkStatus();
}

UnitState UnitStateOn(const Unit& unit, absl::CivilDay today) {
  absl::StatusOr<std::optional<absl::CivilDay>> to = ParseOptionalDate("", unit.valid_to());
  const bool has_to = to.ok() && to->has_value();
  if (has_to ? **to >= today : unit.merged_into().empty()) return v1::UNIT_STATE_ACTIVE;
  return unit.merged_into().empty() ? v1::UNIT_STATE_ENDED : v1::UNIT_STATE_MERGED;
}

bool HasEnd(const Unit& unit) {
  return !IsEmptyDate(unit.valid_to()) || !unit.merged_into().empty();
}

absl::Status CheckUnitUpdateMask(const FieldMask& mask) {
  return CheckMask(mask, Unit::descriptor(), "Unit", kUnitMutable, kUnitFrozen);
}

void ApplyUnitUpdate(const Unit& patch, const FieldMask& mask, Unit& unit) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_repeated_fields(true);
  options.set_replace_message_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, mask, options, &unit);
}

absl::Status ValidatePerson(Person& person) {
  if (absl::Status s = text::CleanLineField("person.display_name", person.mutable_display_name(),
                                            kMaxPersonNameChars);
      !s.ok()) {
    return s;
  }
  if (person.display_name().empty()) return Invalid("person.display_name", "required");
  // The name is the sort key ListPeople's page tokens carry, which refuse a
  // NUL: a person named with one would end the listing at its page.
  if (absl::StrContains(person.display_name(), '\0')) {
    return Invalid("person.display_name", "must not contain a NUL character");
  }
  if (absl::Status s =
          text::CleanLineField("person.title", person.mutable_title(), kMaxPersonTitleChars);
      !s.ok()) {
    return s;
  }
  return CheckOptionalName("person.unit", person.unit(), "units/", "unit");
}

absl::Status CheckPersonUpdateMask(const FieldMask& mask) {
  return CheckMask(mask, Person::descriptor(), "Person", kPersonMutable, kPersonFrozen);
}

void ApplyPersonUpdate(const Person& patch, const FieldMask& mask, Person& person) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_repeated_fields(true);
  options.set_replace_message_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, mask, options, &person);
}

absl::Status CheckEtag(absl::string_view resource, absl::string_view current_etag,
                       absl::string_view etag) {
  if (etag.empty() || etag == current_etag) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("etag: ", resource, " changed since it was read (etag \"",
                                         etag, "\", now \"", current_etag, "\"); read it again"));
}

}  // namespace chiso::assignment
