#include "services/assignment/unit_manager.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/civil/business_time.h"
#include "common/civil/proto_time.h"
#include "common/ids/page_token.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "services/assignment/unit_domain.h"

namespace chiso::assignment {
namespace {

using chiso::common::v1::Date;
using google::protobuf::Timestamp;

// "No limit" for the store's listings that the manager sorts itself.
constexpr int kAll = 1 << 30;

using civil::ToTimestamp;

// Sort keys of the listings: '\n' sorts before every character of a code or
// a cleaned one-line name, so comparing the joined strings compares the pairs.
std::string UnitKey(const Unit& unit) { return absl::StrCat(unit.code(), "\n", unit.name()); }
std::string PersonKey(const Person& person) {
  return absl::StrCat(person.display_name(), "\n", person.name());
}

// One page of `items` listed in `key` order: those after the cursor `after`
// ("" for the first page), at most `size` of them, moved into `out`. Returns
// the token of the next page, or "" when this is the last.
template <typename T, typename Key>
std::string TakePage(std::vector<T> items, Key key, const std::string& after, int size,
                     const std::string& fingerprint, google::protobuf::RepeatedPtrField<T>* out) {
  if (!after.empty()) {
    items.erase(std::remove_if(items.begin(), items.end(),
                               [&](const T& item) { return key(item) <= after; }),
                items.end());
  }
  std::sort(items.begin(), items.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  for (size_t i = 0; i < items.size() && static_cast<int>(i) < size; ++i) {
    *out->Add() = std::move(items[i]);
  }
  if (static_cast<int>(items.size()) <= size) return "";
  return EncodePageToken(fingerprint, key(out->Get(out->size() - 1)));
}

// The MatchKey of a filter's text, "" when the text is empty. Errors:
// InvalidArgument when it is too long or has nothing to match.
absl::StatusOr<std::string> FilterTextKey(absl::string_view field, const std::string& value) {
  std::string text = value;
  if (absl::Status s = text::CleanLineField(field, &text, kMaxFilterTextChars); !s.ok()) return s;
  if (text.empty()) return std::string();
  std::string key = text::MatchKey(text);
  if (key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", text::QuoteForMessage(text),
                                                   " has no letters or digits to match"));
  }
  return key;
}

bool KeyContains(absl::string_view haystack, absl::string_view key) {
  return absl::StrContains(text::MatchKey(haystack), key);
}

}  // namespace

UnitManager::UnitManager(AssignmentStore* store, const civil::Clock* clock, IdGenerator* ids)
    : store_(store), clock_(clock), ids_(ids) {}

absl::CivilDay UnitManager::Today() const { return civil::BusinessDay(clock_->Now()); }

Unit UnitManager::Present(Unit unit) const {
  unit.set_state(UnitStateOn(unit, Today()));
  return unit;
}

// ---- Units ------------------------------------------------------------------

absl::StatusOr<Unit> UnitManager::CreateUnit(const pb::CreateUnitRequest& request) {
  if (!request.has_unit()) return absl::InvalidArgumentError("unit: required");
  Unit unit = request.unit();
  unit.clear_state();
  unit.clear_etag();
  if (absl::Status s = ValidateUnit(unit); !s.ok()) return s;
  unit.set_name(UnitName(ids_->Next()));
  const Timestamp now = ToTimestamp(clock_->Now());
  *unit.mutable_create_time() = now;
  *unit.mutable_update_time() = now;
  absl::StatusOr<Unit> created = store_->CreateUnit(unit);
  if (!created.ok()) return created.status();
  return Present(*std::move(created));
}

absl::StatusOr<Unit> UnitManager::GetUnit(const pb::GetUnitRequest& request) {
  absl::StatusOr<std::string> id = ParseUnitName("name", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<Unit> unit = store_->GetUnit(*id);
  if (!unit.ok()) return unit.status();
  return Present(*std::move(unit));
}

absl::StatusOr<pb::ListUnitsResponse> UnitManager::ListUnits(
    const pb::ListUnitsRequest& request, const std::optional<std::string>& scope) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::UnitFilter& filter = request.filter();
  UnitQuery query;
  query.limit = kAll;
  query.scope_id = scope;
  if (!filter.parent().empty()) {
    absl::StatusOr<std::string> id = ParseUnitName("filter.parent", filter.parent());
    if (!id.ok()) return id.status();
    if (absl::Status s = store_->GetUnit(*id).status(); !s.ok()) return s;
    query.parent_id = *id;
  }
  if (!filter.ancestor().empty()) {
    absl::StatusOr<std::string> id = ParseUnitName("filter.ancestor", filter.ancestor());
    if (!id.ok()) return id.status();
    if (absl::Status s = store_->GetUnit(*id).status(); !s.ok()) return s;
    query.ancestor_id = *id;
  }
  for (int kind : filter.kinds()) {
    if (!pb::UnitKind_IsValid(kind) || kind == pb::UNIT_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("filter.kinds: unknown kind ", kind));
    }
    const auto k = static_cast<UnitKind>(kind);
    if (std::find(query.kinds.begin(), query.kinds.end(), k) == query.kinds.end()) {
      query.kinds.push_back(k);
    }
  }
  absl::flat_hash_set<int> states;
  for (int state : filter.states()) {
    if (!pb::UnitState_IsValid(state) || state == pb::UNIT_STATE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("filter.states: unknown state ", state));
    }
    states.insert(state);
  }
  absl::StatusOr<std::optional<absl::CivilDay>> valid_on =
      ParseOptionalDate("filter.valid_on", filter.valid_on());
  if (!valid_on.ok()) return valid_on.status();
  if (valid_on->has_value()) query.valid_on = absl::FormatCivilTime(**valid_on);
  if (!filter.code().empty()) {
    if (!IsValidUnitCode(filter.code())) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter.code: must be 1–64 letters, digits, '-', '_' or '.' (got ",
                       text::QuoteForMessage(filter.code()), ")"));
    }
    query.code = filter.code();
  }
  absl::StatusOr<std::string> text_key = FilterTextKey("filter.text", filter.text());
  if (!text_key.ok()) return text_key.status();

  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> decoded = DecodePageToken(request.page_token(), fingerprint);
    if (!decoded.ok()) return decoded.status();
    after = *std::move(decoded);
  }
  absl::StatusOr<UnitPage> page = store_->ListUnits(query);
  if (!page.ok()) return page.status();
  const absl::CivilDay today = Today();
  const std::string ancestor_name =
      query.ancestor_id.empty() ? std::string() : UnitName(query.ancestor_id);
  std::vector<Unit> matched;
  for (Unit& unit : page->units) {
    if (!ancestor_name.empty() && unit.name() == ancestor_name) continue;
    unit.set_state(UnitStateOn(unit, today));
    if (!states.empty() && !states.contains(unit.state())) continue;
    if (!text_key->empty()) {
      bool hit = KeyContains(unit.display_name(), *text_key) || KeyContains(unit.code(), *text_key);
      for (const std::string& alias : unit.aliases()) {
        hit = hit || KeyContains(alias, *text_key);
      }
      if (!hit) continue;
    }
    matched.push_back(std::move(unit));
  }
  pb::ListUnitsResponse response;
  response.set_next_page_token(
      TakePage(std::move(matched), UnitKey, after, *size, fingerprint, response.mutable_units()));
  return response;
}

absl::StatusOr<Unit> UnitManager::UpdateUnit(const pb::UpdateUnitRequest& request) {
  absl::StatusOr<std::string> id = ParseUnitName("unit.name", request.unit().name());
  if (!id.ok()) return id.status();
  if (absl::Status s = CheckUnitUpdateMask(request.update_mask()); !s.ok()) return s;
  const absl::CivilDay today = Today();
  absl::StatusOr<Unit> updated = store_->UpdateUnit(*id, [&](Unit& unit) -> absl::Status {
    if (absl::Status s = CheckEtag(unit.name(), unit.etag(), request.unit().etag()); !s.ok()) {
      return s;
    }
    const pb::UnitState state = UnitStateOn(unit, today);
    if (state != pb::UNIT_STATE_ACTIVE) {
      return absl::FailedPreconditionError(
          absl::StrCat(unit.name(), " has ", state == pb::UNIT_STATE_MERGED ? "merged" : "ended",
                       " and is kept read-only for history"));
    }
    ApplyUnitUpdate(request.unit(), request.update_mask(), unit);
    if (absl::Status s = ValidateUnit(unit); !s.ok()) return s;
    unit.clear_state();
    *unit.mutable_update_time() = ToTimestamp(clock_->Now());
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  return Present(*std::move(updated));
}

absl::StatusOr<Unit> UnitManager::EndUnit(const pb::EndUnitRequest& request) {
  absl::StatusOr<std::string> id = ParseUnitName("name", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<std::optional<absl::CivilDay>> end =
      ParseOptionalDate("valid_to", request.valid_to());
  if (!end.ok()) return end.status();
  if (!end->has_value()) {
    return absl::InvalidArgumentError("valid_to: required (the last day the unit exists)");
  }
  const absl::CivilDay last_day = **end;
  // What still depends on the unit; reported after the etag and state checks.
  absl::Status blocker = absl::OkStatus();
  UnitQuery children;
  children.parent_id = *id;
  children.limit = kAll;
  absl::StatusOr<UnitPage> child_page = store_->ListUnits(children);
  if (!child_page.ok()) return child_page.status();
  for (const Unit& child : child_page->units) {
    absl::StatusOr<std::optional<absl::CivilDay>> child_end =
        ParseOptionalDate("valid_to", child.valid_to());
    const bool ends_in_time = child_end.ok() && child_end->has_value() && **child_end <= last_day;
    const bool merged_away =
        child_end.ok() && !child_end->has_value() && !child.merged_into().empty();
    if (!ends_in_time && !merged_away) {
      blocker = absl::FailedPreconditionError(
          absl::StrCat(UnitName(*id), " still has the active child unit ", child.name(), " (",
                       child.display_name(), "); end or merge it first"));
      break;
    }
  }
  if (blocker.ok()) {
    TaskQuery tasks;
    tasks.unit_ids = {*id};
    tasks.statuses = {pb::TASK_STATUS_NOT_STARTED, pb::TASK_STATUS_IN_PROGRESS};
    tasks.limit = 1;
    absl::StatusOr<TaskPage> open = store_->ListTasks(tasks);
    if (!open.ok()) return open.status();
    if (!open->tasks.empty()) {
      blocker = absl::FailedPreconditionError(absl::StrCat(
          UnitName(*id), " leads or coordinates the open task ", open->tasks.front().name(),
          "; merge the unit into a successor, or reassign its tasks, first"));
    }
  }
  absl::StatusOr<Unit> ended = store_->UpdateUnit(*id, [&](Unit& unit) -> absl::Status {
    if (absl::Status s = CheckEtag(unit.name(), unit.etag(), request.etag()); !s.ok()) return s;
    if (HasEnd(unit)) {
      return absl::FailedPreconditionError(absl::StrCat(
          unit.name(), " has already ended",
          unit.merged_into().empty() ? ""
                                     : absl::StrCat(" (merged into ", unit.merged_into(), ")")));
    }
    absl::StatusOr<std::optional<absl::CivilDay>> from =
        ParseOptionalDate("valid_from", unit.valid_from());
    if (from.ok() && from->has_value() && last_day < **from) {
      return absl::InvalidArgumentError(absl::StrCat("valid_to: must not be before the unit's ",
                                                     "valid_from (", absl::FormatCivilTime(**from),
                                                     "), got ", absl::FormatCivilTime(last_day)));
    }
    if (!blocker.ok()) return blocker;
    *unit.mutable_valid_to() = request.valid_to();
    unit.clear_state();
    *unit.mutable_update_time() = ToTimestamp(clock_->Now());
    return absl::OkStatus();
  });
  if (!ended.ok()) return ended.status();
  return Present(*std::move(ended));
}

absl::StatusOr<MergeUnitOutcome> UnitManager::MergeUnit(const pb::MergeUnitRequest& request) {
  absl::StatusOr<std::string> from_id = ParseUnitName("name", request.name());
  if (!from_id.ok()) return from_id.status();
  if (request.successor().empty()) {
    return absl::InvalidArgumentError("successor: required (the unit it is merged into)");
  }
  absl::StatusOr<std::string> into_id = ParseUnitName("successor", request.successor());
  if (!into_id.ok()) return into_id.status();
  absl::StatusOr<std::optional<absl::CivilDay>> effective =
      ParseOptionalDate("effective_date", request.effective_date());
  if (!effective.ok()) return effective.status();
  if (!effective->has_value()) {
    return absl::InvalidArgumentError(
        "effective_date: required (the first day under the successor, e.g. 2025-07-01)");
  }
  if (*from_id == *into_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("successor: ", request.name(), " cannot be merged into itself"));
  }
  absl::StatusOr<std::vector<std::string>> subtree = store_->Subtree(*from_id);
  if (!subtree.ok()) return subtree.status();
  if (std::find(subtree->begin(), subtree->end(), *into_id) != subtree->end()) {
    return absl::InvalidArgumentError(absl::StrCat("successor: ", request.successor(),
                                                   " lies inside the subtree of ", request.name(),
                                                   " and cannot be its successor"));
  }
  const absl::CivilDay first_day = **effective;
  const absl::CivilDay last_day = first_day - 1;
  auto check = [&](const Unit& from, const Unit& into) -> absl::Status {
    if (absl::Status s = CheckEtag(from.name(), from.etag(), request.etag()); !s.ok()) return s;
    if (HasEnd(from)) {
      return absl::FailedPreconditionError(absl::StrCat(
          from.name(), " has already ended",
          from.merged_into().empty() ? ""
                                     : absl::StrCat(" (merged into ", from.merged_into(), ")")));
    }
    absl::StatusOr<std::optional<absl::CivilDay>> from_start =
        ParseOptionalDate("valid_from", from.valid_from());
    if (from_start.ok() && from_start->has_value() && last_day < **from_start) {
      return absl::InvalidArgumentError(absl::StrCat(
          "effective_date: must be after the unit's valid_from (",
          absl::FormatCivilTime(**from_start), "), got ", absl::FormatCivilTime(first_day)));
    }
    if (!into.merged_into().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("successor: ", into.name(), " has itself merged into ", into.merged_into()));
    }
    absl::StatusOr<std::optional<absl::CivilDay>> into_end =
        ParseOptionalDate("valid_to", into.valid_to());
    if (into_end.ok() && into_end->has_value() && **into_end < first_day) {
      return absl::FailedPreconditionError(absl::StrCat("successor: ", into.name(), " ended on ",
                                                        absl::FormatCivilTime(**into_end),
                                                        ", before the effective date"));
    }
    return absl::OkStatus();
  };
  absl::StatusOr<MergeResult> merged =
      store_->Merge(*from_id, *into_id, ToDate(last_day), check, request.validate_only());
  if (!merged.ok()) return merged.status();
  MergeUnitOutcome outcome;
  *outcome.response.mutable_unit() = Present(std::move(merged->unit));
  *outcome.response.mutable_successor() = Present(std::move(merged->successor));
  outcome.response.set_moved_task_count(merged->moved_task_count);
  outcome.response.set_moved_lead_task_count(merged->moved_lead_task_count);
  outcome.response.set_moved_child_unit_count(merged->moved_child_unit_count);
  if (!request.validate_only()) outcome.moved_task_ids = std::move(merged->moved_task_ids);
  return outcome;
}

absl::StatusOr<UnitDirectory> UnitManager::Directory() {
  absl::StatusOr<std::vector<Unit>> units = store_->AllUnits();
  if (!units.ok()) return units.status();
  return UnitDirectory(*std::move(units));
}

absl::StatusOr<pb::ResolveUnitResponse> UnitManager::ResolveUnit(
    const pb::ResolveUnitRequest& request) {
  absl::StatusOr<UnitDirectory> directory = Directory();
  if (!directory.ok()) return directory.status();
  return ::chiso::assignment::ResolveUnit(*directory, request, Today());
}

// ---- People -----------------------------------------------------------------

absl::StatusOr<Person> UnitManager::CreatePerson(const pb::CreatePersonRequest& request) {
  if (!request.has_person()) return absl::InvalidArgumentError("person: required");
  Person person = request.person();
  person.clear_etag();
  if (absl::Status s = ValidatePerson(person); !s.ok()) return s;
  person.set_name(PersonName(ids_->Next()));
  const Timestamp now = ToTimestamp(clock_->Now());
  *person.mutable_create_time() = now;
  *person.mutable_update_time() = now;
  return store_->CreatePerson(person);
}

absl::StatusOr<Person> UnitManager::GetPerson(const pb::GetPersonRequest& request) {
  absl::StatusOr<std::string> id = ParsePersonName("name", request.name());
  if (!id.ok()) return id.status();
  return store_->GetPerson(*id);
}

absl::StatusOr<pb::ListPeopleResponse> UnitManager::ListPeople(
    const pb::ListPeopleRequest& request, const std::optional<std::string>& scope) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::PersonFilter& filter = request.filter();
  PersonQuery query;
  query.limit = kAll;
  query.scope_id = scope;
  if (!filter.unit().empty()) {
    absl::StatusOr<std::string> id = ParseUnitName("filter.unit", filter.unit());
    if (!id.ok()) return id.status();
    if (filter.include_subtree()) {
      absl::StatusOr<std::vector<std::string>> subtree = store_->Subtree(*id);
      if (!subtree.ok()) return subtree.status();
      query.unit_ids = *std::move(subtree);
    } else {
      if (absl::Status s = store_->GetUnit(*id).status(); !s.ok()) return s;
      query.unit_ids = {*id};
    }
  } else if (filter.include_subtree()) {
    return absl::InvalidArgumentError("filter.include_subtree: needs filter.unit");
  }
  absl::StatusOr<std::string> text_key = FilterTextKey("filter.text", filter.text());
  if (!text_key.ok()) return text_key.status();
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> decoded = DecodePageToken(request.page_token(), fingerprint);
    if (!decoded.ok()) return decoded.status();
    after = *std::move(decoded);
  }
  absl::StatusOr<PersonPage> page = store_->ListPeople(query);
  if (!page.ok()) return page.status();
  std::vector<Person> matched;
  for (Person& person : page->people) {
    if (!text_key->empty() && !KeyContains(person.display_name(), *text_key) &&
        !KeyContains(person.title(), *text_key)) {
      continue;
    }
    matched.push_back(std::move(person));
  }
  pb::ListPeopleResponse response;
  response.set_next_page_token(TakePage(std::move(matched), PersonKey, after, *size, fingerprint,
                                        response.mutable_people()));
  return response;
}

absl::StatusOr<Person> UnitManager::UpdatePerson(const pb::UpdatePersonRequest& request) {
  absl::StatusOr<std::string> id = ParsePersonName("person.name", request.person().name());
  if (!id.ok()) return id.status();
  if (absl::Status s = CheckPersonUpdateMask(request.update_mask()); !s.ok()) return s;
  return store_->UpdatePerson(*id, [&](Person& person) -> absl::Status {
    if (absl::Status s = CheckEtag(person.name(), person.etag(), request.person().etag());
        !s.ok()) {
      return s;
    }
    ApplyPersonUpdate(request.person(), request.update_mask(), person);
    if (absl::Status s = ValidatePerson(person); !s.ok()) return s;
    *person.mutable_update_time() = ToTimestamp(clock_->Now());
    return absl::OkStatus();
  });
}

absl::Status UnitManager::DeletePerson(const pb::DeletePersonRequest& request) {
  absl::StatusOr<std::string> id = ParsePersonName("name", request.name());
  if (!id.ok()) return id.status();
  return store_->DeletePerson(*id, [&](const Person& person) {
    return CheckEtag(person.name(), person.etag(), request.etag());
  });
}

}  // namespace chiso::assignment
