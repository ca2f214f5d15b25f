#include "services/plan/plan_domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/ids/ids.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "google/protobuf/util/field_mask_util.h"

namespace chiso::plan {
namespace {

using chiso::common::v1::Comparator;
using chiso::common::v1::Date;
using chiso::common::v1::DocumentRef;
using chiso::common::v1::Frequency;
using chiso::common::v1::Measure;
using chiso::plan::v1::Objective;
using chiso::plan::v1::ReportingRule;
using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

constexpr int kMinYear = 2000;
constexpr int kMaxYear = 2100;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

absl::Status CleanLine(absl::string_view field, std::string* value, int max_chars) {
  return text::CleanLineField(field, value, max_chars);
}

absl::Status CleanText(absl::string_view field, std::string* value, int max_chars) {
  return text::CleanTextField(field, value, max_chars);
}

bool IsYear(int year) { return year >= kMinYear && year <= kMaxYear; }

absl::Status CheckYear(absl::string_view field, int year) {
  if (!IsYear(year)) {
    return Invalid(field, absl::StrCat("year must be between ", kMinYear, " and ", kMaxYear,
                                       " (got ", year, ")"));
  }
  return absl::OkStatus();
}

bool IsSet(const Date& d) { return d.year() != 0 || d.month() != 0 || d.day() != 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

absl::Status CheckDate(absl::string_view field, const Date& d) {
  if (absl::Status s = CheckYear(field, d.year()); !s.ok()) return s;
  if (d.month() < 1 || d.month() > 12) {
    return Invalid(field, absl::StrCat("month must be 1–12 (got ", d.month(), ")"));
  }
  if (d.day() < 1 || d.day() > DaysInMonth(d.year(), d.month())) {
    return Invalid(field,
                   absl::StrCat("day ", d.day(), " does not exist in ", d.month(), "/", d.year()));
  }
  return absl::OkStatus();
}

absl::Status CheckUnitName(absl::string_view field, const std::string& unit) {
  if (unit.empty()) return absl::OkStatus();
  absl::string_view id = unit;
  if (!absl::ConsumePrefix(&id, "units/") || !IsValidId(id)) {
    return Invalid(
        field, absl::StrCat("must be a unit resource name \"units/{id}\" (got \"", unit, "\")"));
  }
  return absl::OkStatus();
}

absl::Status CheckDecimal(absl::string_view field, chiso::common::v1::Decimal* value) {
  absl::StatusOr<std::string> canonical = text::CanonicalDecimal(value->value());
  if (!canonical.ok()) return Invalid(field, canonical.status().message());
  value->set_value(*canonical);
  return absl::OkStatus();
}

absl::Status CheckDocumentRef(absl::string_view field, DocumentRef& ref) {
  if (absl::Status s = CleanLine(absl::StrCat(field, ".number"), ref.mutable_number(), 64); !s.ok())
    return s;
  if (IsSet(ref.issued_on())) {
    if (absl::Status s = CheckDate(absl::StrCat(field, ".issued_on"), ref.issued_on()); !s.ok())
      return s;
  }
  if (absl::Status s = CleanLine(absl::StrCat(field, ".issuer.display_name"),
                                 ref.mutable_issuer()->mutable_display_name(), 300);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckUnitName(absl::StrCat(field, ".issuer.unit"), ref.issuer().unit());
      !s.ok())
    return s;
  if (absl::Status s = CleanText(absl::StrCat(field, ".title"), ref.mutable_title(), 2000); !s.ok())
    return s;
  if (!ref.name().empty()) {
    if (absl::StatusOr<std::string> id = ParsePlanName(absl::StrCat(field, ".name"), ref.name());
        !id.ok()) {
      return id.status();
    }
  }
  if (ref.number().empty() && ref.title().empty() && ref.name().empty()) {
    return Invalid(field, "needs a number, a title or a name");
  }
  return absl::OkStatus();
}

bool IsObjectiveId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

absl::Status CheckObjective(const Catalog& catalog, absl::string_view field, Objective& o) {
  if (absl::Status s = catalog.CheckCodes(field, o.framework(), o.component()); !s.ok()) return s;
  if (o.measure() == Measure::MEASURE_UNSPECIFIED) {
    o.set_measure(o.target().has_grade() ? Measure::MEASURE_GRADE : Measure::MEASURE_SCORE);
  }
  if (!Measure_IsValid(o.measure())) {
    return Invalid(absl::StrCat(field, ".measure"), "unknown value");
  }
  if (absl::Status s =
          CleanText(absl::StrCat(field, ".description"), o.mutable_description(), 2000);
      !s.ok())
    return s;

  // Baseline.
  if (o.has_baseline()) {
    const std::string b = absl::StrCat(field, ".baseline");
    auto* base = o.mutable_baseline();
    if (absl::Status s = CheckYear(absl::StrCat(b, ".year"), base->year()); !s.ok()) return s;
    if (base->has_value()) {
      if (absl::Status s = CheckDecimal(absl::StrCat(b, ".value"), base->mutable_value()); !s.ok())
        return s;
    }
    if (base->rank() < 0 || base->rank_of() < 0) {
      return Invalid(absl::StrCat(b, ".rank"), "must not be negative");
    }
    if (base->rank() > 0 && base->rank_of() > 0 && base->rank() > base->rank_of()) {
      return Invalid(absl::StrCat(b, ".rank"),
                     absl::StrCat("rank ", base->rank(), " is beyond rank_of ", base->rank_of()));
    }
    if (absl::Status s = CleanLine(absl::StrCat(b, ".grade"), base->mutable_grade(), 16); !s.ok())
      return s;
  }

  // Target.
  const std::string t = absl::StrCat(field, ".target");
  if (!o.has_target()) return Invalid(t, "required (what the plan aims for)");
  auto* target = o.mutable_target();
  if (absl::Status s = CheckYear(absl::StrCat(t, ".year"), target->year()); !s.ok()) return s;
  if (!Comparator_IsValid(target->comparator())) {
    return Invalid(absl::StrCat(t, ".comparator"), "unknown value");
  }
  switch (target->goal_case()) {
    case chiso::plan::v1::Target::kGrade:
      if (absl::Status s = CleanLine(absl::StrCat(t, ".grade"), target->mutable_grade(), 16);
          !s.ok())
        return s;
      if (target->grade().empty()) return Invalid(absl::StrCat(t, ".grade"), "must not be empty");
      if (o.measure() != Measure::MEASURE_GRADE) {
        return Invalid(absl::StrCat(field, ".measure"),
                       "a grade target needs measure MEASURE_GRADE");
      }
      if (target->comparator() != Comparator::COMPARATOR_UNSPECIFIED &&
          target->comparator() != Comparator::COMPARATOR_AT_LEAST) {
        return Invalid(
            absl::StrCat(t, ".comparator"),
            "a grade target means that grade or better: leave it unspecified or AT_LEAST");
      }
      target->set_comparator(Comparator::COMPARATOR_AT_LEAST);
      break;
    case chiso::plan::v1::Target::kValue: {
      if (o.measure() == Measure::MEASURE_GRADE) {
        return Invalid(absl::StrCat(t, ".grade"), "required for measure MEASURE_GRADE");
      }
      if (target->comparator() == Comparator::COMPARATOR_UNSPECIFIED) {
        return Invalid(absl::StrCat(t, ".comparator"),
                       "required: ABOVE (\"đạt trên\"), AT_LEAST (\"trở lên\"), AT_MOST or BELOW");
      }
      const std::string v = absl::StrCat(t, ".value");
      if (absl::Status s = CheckDecimal(v, target->mutable_value()); !s.ok()) return s;
      absl::StatusOr<text::Decimal3> d = text::ParseDecimal(target->value().value());
      if (!d.ok()) return Invalid(v, d.status().message());
      if (o.measure() == Measure::MEASURE_PERCENT &&
          (d->thousandths < 0 || d->thousandths > 100000)) {
        return Invalid(v, "a percentage must be between 0 and 100");
      }
      if (o.measure() == Measure::MEASURE_RANK &&
          (d->thousandths <= 0 || d->thousandths % 1000 != 0)) {
        return Invalid(v, "a rank must be a whole number from 1");
      }
      if (o.measure() == Measure::MEASURE_SCORE && d->thousandths < 0) {
        return Invalid(v, "a score must not be negative");
      }
      break;
    }
    case chiso::plan::v1::Target::GOAL_NOT_SET:
      return Invalid(t, "needs a value or a grade");
  }
  return absl::OkStatus();
}

// A per-plan reminder policy: each field 0 (the default) or within its range,
// so a typo cannot silence reminders or fire them at night.
absl::Status CheckReminderPolicy(const chiso::notification::v1::ReminderPolicy& p) {
  auto range = [](absl::string_view name, int value, int lo, int hi) -> absl::Status {
    if (value == 0 || (value >= lo && value <= hi)) return absl::OkStatus();
    return Invalid(absl::StrCat("plan.reminder_policy.", name),
                   absl::StrCat("must be 0 (default) or ", lo, "–", hi, " (got ", value, ")"));
  };
  if (p.before_days_size() > 5) {
    return Invalid("plan.reminder_policy.before_days", "at most 5 entries");
  }
  for (int d : p.before_days()) {
    if (d < 1 || d > 60) {
      return Invalid("plan.reminder_policy.before_days",
                     absl::StrCat("each must be 1–60 (got ", d, ")"));
    }
  }
  if (absl::Status s = range("fire_minute", p.fire_minute(), 450, 1020); !s.ok()) return s;
  if (absl::Status s = range("escalate_after_working_days", p.escalate_after_working_days(), 1, 30);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = range("escalate_every_days", p.escalate_every_days(), 1, 60); !s.ok()) {
    return s;
  }
  if (absl::Status s = range("quiet_after_report_days", p.quiet_after_report_days(), -1, 30);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = range("report_before_working_days", p.report_before_working_days(), 1, 30);
      !s.ok()) {
    return s;
  }
  return range("report_before_days", p.report_before_days(), 1, 30);
}

absl::Status CheckReportingRule(absl::string_view field, ReportingRule& r) {
  if (r.frequency() == Frequency::FREQUENCY_UNSPECIFIED || !Frequency_IsValid(r.frequency())) {
    return Invalid(absl::StrCat(field, ".frequency"),
                   "required: MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL or ONCE");
  }
  if (r.day() < 0 || r.day() > 31) {
    return Invalid(absl::StrCat(field, ".day"), absl::StrCat("must be 0–31 (got ", r.day(), ")"));
  }
  if (r.month() < 0 || r.month() > 12) {
    return Invalid(absl::StrCat(field, ".month"),
                   absl::StrCat("must be 0–12 (got ", r.month(), ")"));
  }
  if (r.month() > 0 && r.day() > DaysInMonth(2001, r.month())) {
    return Invalid(absl::StrCat(field, ".day"),
                   absl::StrCat("day ", r.day(), " does not exist in month ", r.month()));
  }
  if (r.frequency() == Frequency::FREQUENCY_ONCE) {
    if (!IsSet(r.due_date())) {
      return Invalid(absl::StrCat(field, ".due_date"), "required for FREQUENCY_ONCE");
    }
    if (absl::Status s = CheckDate(absl::StrCat(field, ".due_date"), r.due_date()); !s.ok())
      return s;
  }
  for (int i = 0; i < r.recipients_size(); ++i) {
    const std::string f = absl::StrCat(field, ".recipients[", i, "]");
    if (absl::Status s = CleanLine(absl::StrCat(f, ".display_name"),
                                   r.mutable_recipients(i)->mutable_display_name(), 300);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckUnitName(absl::StrCat(f, ".unit"), r.recipients(i).unit()); !s.ok())
      return s;
  }
  return CleanText(absl::StrCat(field, ".phrase"), r.mutable_phrase(), 1000);
}

}  // namespace

absl::StatusOr<std::string> ParsePlanName(absl::string_view field, absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "plans/") || !IsValidId(id)) {
    return Invalid(
        field, absl::StrCat("must be a plan resource name \"plans/{id}\" (got \"", name, "\")"));
  }
  return std::string(id);
}

std::string PlanName(absl::string_view id) { return absl::StrCat("plans/", id); }

absl::StatusOr<PlanNumber> ParsePlanNumber(absl::string_view field, absl::string_view number) {
  const std::string cleaned = text::CollapseWhitespace(text::NormalizeNfc(number));
  const size_t slash = cleaned.find('/');
  if (slash == std::string::npos) {
    return Invalid(
        field,
        absl::StrCat("\"", cleaned, "\" is not a document number (expected e.g. \"60/KH-STNMT\")"));
  }
  PlanNumber out;
  out.serial = std::string(absl::StripAsciiWhitespace(cleaned.substr(0, slash)));
  std::string symbol = std::string(absl::StripAsciiWhitespace(cleaned.substr(slash + 1)));
  for (char c : out.serial) {
    if (!absl::ascii_isdigit(c)) {
      return Invalid(field, absl::StrCat("\"", out.serial, "\" before \"/\" must be digits (in \"",
                                         cleaned, "\")"));
    }
  }
  if (out.serial.size() > 10) return Invalid(field, "the number before \"/\" is too long");
  // Drop leading zeros so "060/KH" and "60/KH" are one number.
  while (out.serial.size() > 1 && out.serial[0] == '0') out.serial.erase(0, 1);
  if (symbol.empty()) {
    return Invalid(field, absl::StrCat("\"", cleaned, "\" has no document symbol after \"/\""));
  }
  for (size_t i = 0; i < symbol.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(symbol[i]);
    if (c == ' ') {
      return Invalid(field,
                     absl::StrCat("document symbol \"", symbol, "\" must not contain spaces"));
    }
    if (absl::ascii_isalnum(c) || c == '-' || c == '&' || c == '.' || c == '/' || c == '_') {
      out.symbol.push_back(absl::ascii_toupper(c));
      continue;
    }
    // Đ / đ are the only non-ASCII letters document symbols use.
    if (c == 0xC4 && i + 1 < symbol.size() &&
        (static_cast<unsigned char>(symbol[i + 1]) == 0x90 ||
         static_cast<unsigned char>(symbol[i + 1]) == 0x91)) {
      out.symbol += "\xC4\x90";
      ++i;
      continue;
    }
    return Invalid(field,
                   absl::StrCat("document symbol \"", symbol,
                                "\" may hold only letters, digits, \"-\", \"&\", \".\" and \"/\""));
  }
  return out;
}

absl::Status ValidateAndNormalize(const Catalog& catalog, Plan& plan) {
  if (!plan.number().empty()) {
    absl::StatusOr<PlanNumber> number = ParsePlanNumber("plan.number", plan.number());
    if (!number.ok()) return number.status();
    plan.set_number(number->ToString());
    if (plan.number().size() > 64) return Invalid("plan.number", "at most 64 characters");
  }
  if (absl::Status s = CleanLine("plan.title", plan.mutable_title(), 1000); !s.ok()) return s;
  auto* issuer = plan.mutable_issuer();
  if (absl::Status s = CleanLine("plan.issuer.display_name", issuer->mutable_display_name(), 300);
      !s.ok())
    return s;
  if (issuer->display_name().empty()) {
    return Invalid("plan.issuer.display_name", "required (the issuing body as written)");
  }
  if (absl::Status s = CheckUnitName("plan.issuer.unit", issuer->unit()); !s.ok()) return s;
  if (IsSet(plan.issued_on())) {
    if (absl::Status s = CheckDate("plan.issued_on", plan.issued_on()); !s.ok()) return s;
  }
  if (absl::Status s = CleanLine("plan.place", plan.mutable_place(), 100); !s.ok()) return s;
  auto* signer = plan.mutable_signer();
  if (absl::Status s = CleanLine("plan.signer.full_name", signer->mutable_full_name(), 200);
      !s.ok())
    return s;
  if (absl::Status s = CleanLine("plan.signer.post", signer->mutable_post(), 200); !s.ok())
    return s;
  if (absl::Status s = CleanLine("plan.signer.authority", signer->mutable_authority(), 200);
      !s.ok())
    return s;

  if (plan.parent_plans_size() > kMaxReferences) {
    return Invalid("plan.parent_plans", absl::StrCat("at most ", kMaxReferences, " entries"));
  }
  for (int i = 0; i < plan.parent_plans_size(); ++i) {
    if (absl::Status s = CheckDocumentRef(absl::StrCat("plan.parent_plans[", i, "]"),
                                          *plan.mutable_parent_plans(i));
        !s.ok()) {
      return s;
    }
  }
  if (plan.legal_bases_size() > kMaxReferences) {
    return Invalid("plan.legal_bases", absl::StrCat("at most ", kMaxReferences, " entries"));
  }
  for (int i = 0; i < plan.legal_bases_size(); ++i) {
    if (absl::Status s = CheckDocumentRef(absl::StrCat("plan.legal_bases[", i, "]"),
                                          *plan.mutable_legal_bases(i));
        !s.ok()) {
      return s;
    }
  }

  if (plan.has_period() && (plan.period().start_year() != 0 || plan.period().end_year() != 0)) {
    if (absl::Status s = CheckYear("plan.period.start_year", plan.period().start_year()); !s.ok())
      return s;
    if (absl::Status s = CheckYear("plan.period.end_year", plan.period().end_year()); !s.ok())
      return s;
    if (plan.period().end_year() < plan.period().start_year()) {
      return Invalid("plan.period",
                     absl::StrCat("end_year ", plan.period().end_year(), " is before start_year ",
                                  plan.period().start_year()));
    }
  } else {
    plan.clear_period();
  }

  if (plan.objectives_size() > kMaxObjectives) {
    return Invalid("plan.objectives", absl::StrCat("at most ", kMaxObjectives, " objectives (got ",
                                                   plan.objectives_size(), ")"));
  }
  std::set<std::string> ids;
  for (int i = 0; i < plan.objectives_size(); ++i) {
    Objective& o = *plan.mutable_objectives(i);
    const std::string field = absl::StrCat("plan.objectives[", i, "]");
    if (!o.id().empty()) {
      if (!IsObjectiveId(o.id())) {
        return Invalid(absl::StrCat(field, ".id"),
                       "letters, digits, \"-\" and \"_\", at most 32 characters");
      }
      if (!ids.insert(o.id()).second) {
        return Invalid(absl::StrCat(field, ".id"), absl::StrCat("\"", o.id(), "\" is used twice"));
      }
    }
    if (absl::Status s = CheckObjective(catalog, field, o); !s.ok()) return s;
  }
  int next = 1;
  for (Objective& o : *plan.mutable_objectives()) {
    if (!o.id().empty()) continue;
    while (ids.count(absl::StrCat("o", next)) > 0) ++next;
    o.set_id(absl::StrCat("o", next));
    ids.insert(o.id());
  }

  if (plan.reporting_rules_size() > kMaxReportingRules) {
    return Invalid("plan.reporting_rules", absl::StrCat("at most ", kMaxReportingRules, " rules"));
  }
  for (int i = 0; i < plan.reporting_rules_size(); ++i) {
    if (absl::Status s = CheckReportingRule(absl::StrCat("plan.reporting_rules[", i, "]"),
                                            *plan.mutable_reporting_rules(i));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = CheckReminderPolicy(plan.reminder_policy()); !s.ok()) return s;
  if (absl::Status s = CleanText("plan.funding", plan.mutable_funding(), 2000); !s.ok()) return s;
  if (plan.recipients_size() > kMaxRecipients) {
    return Invalid("plan.recipients", absl::StrCat("at most ", kMaxRecipients, " entries"));
  }
  for (int i = 0; i < plan.recipients_size(); ++i) {
    if (absl::Status s =
            CleanLine(absl::StrCat("plan.recipients[", i, "]"), plan.mutable_recipients(i), 300);
        !s.ok()) {
      return s;
    }
  }
  if (!plan.supersedes().empty()) {
    absl::StatusOr<std::string> id = ParsePlanName("plan.supersedes", plan.supersedes());
    if (!id.ok()) return id.status();
    if (plan.supersedes() == plan.name()) {
      return Invalid("plan.supersedes", "a plan cannot supersede itself");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckReadyToIssue(const Plan& plan) {
  std::vector<std::string> missing;
  if (plan.number().empty() || absl::StartsWith(plan.number(), "/")) {
    missing.push_back("number (with its serial, e.g. \"60/KH-STNMT\")");
  }
  if (!IsSet(plan.issued_on())) missing.push_back("issued_on");
  if (plan.title().empty()) missing.push_back("title");
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("plan: cannot issue without ", absl::StrJoin(missing, ", ")));
  }
  return absl::OkStatus();
}

namespace {

constexpr absl::string_view kOutputOnly[] = {"name",        "status",      "create_time",
                                             "update_time", "issue_time",  "close_time",
                                             "etag",        "close_reason"};
constexpr absl::string_view kMutableWhenIssued[] = {"reporting_rules", "recipients", "issuer.unit",
                                                    "parent_plans", "reminder_policy"};

bool PathIs(absl::string_view path, absl::string_view field) {
  return path == field || absl::StartsWith(path, absl::StrCat(field, "."));
}

}  // namespace

absl::Status CheckUpdateMask(const Plan& current, const FieldMask& mask) {
  if (mask.paths_size() == 0) {
    return Invalid("update_mask", "required: name the fields to change, e.g. \"title,objectives\"");
  }
  for (const std::string& path : mask.paths()) {
    if (!FieldMaskUtil::GetFieldDescriptors(Plan::descriptor(), path, nullptr)) {
      return Invalid("update_mask", absl::StrCat("\"", path, "\" is not a field of Plan"));
    }
    for (absl::string_view out : kOutputOnly) {
      if (PathIs(path, out)) {
        return Invalid("update_mask", absl::StrCat("\"", path, "\" is output only"));
      }
    }
  }
  switch (current.status()) {
    case PlanStatus::PLAN_STATUS_DRAFT:
      return absl::OkStatus();
    case PlanStatus::PLAN_STATUS_ISSUED:
      for (const std::string& path : mask.paths()) {
        bool allowed = false;
        for (absl::string_view ok : kMutableWhenIssued) allowed = allowed || PathIs(path, ok);
        if (!allowed) {
          return absl::FailedPreconditionError(absl::StrCat(
              "plan.", path, ": ", current.name(), " is issued and its ", path,
              " can no longer change; amend it with a new plan that supersedes it (only ",
              absl::StrJoin(kMutableWhenIssued, ", "), " may change)"));
        }
      }
      return absl::OkStatus();
    default:
      return absl::FailedPreconditionError(
          absl::StrCat(current.name(), " is ", StatusLabel(current.status()), " and read-only"));
  }
}

void ApplyUpdate(const Plan& patch, const FieldMask& mask, Plan& plan) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, mask, options, &plan);
}

absl::Status CheckCanDelete(const Plan& plan) {
  if (plan.status() != PlanStatus::PLAN_STATUS_DRAFT) {
    return absl::FailedPreconditionError(
        absl::StrCat(plan.name(), " is ", StatusLabel(plan.status()),
                     ": only drafts can be deleted; close or archive an issued plan instead"));
  }
  return absl::OkStatus();
}

absl::Status CheckCanIssue(const Plan& plan) {
  if (plan.status() != PlanStatus::PLAN_STATUS_DRAFT) {
    return absl::FailedPreconditionError(absl::StrCat(
        plan.name(), " is ", StatusLabel(plan.status()), ": only drafts can be issued"));
  }
  return absl::OkStatus();
}

absl::Status CheckCanClose(const Plan& plan, bool archive) {
  if (plan.status() == PlanStatus::PLAN_STATUS_ISSUED) return absl::OkStatus();
  if (archive && plan.status() == PlanStatus::PLAN_STATUS_CLOSED) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(plan.name(), " is ", StatusLabel(plan.status()), ": only issued plans can be ",
                   archive ? "archived (or closed ones)" : "closed"));
}

absl::StatusOr<std::string> CleanCloseReason(absl::string_view reason) {
  std::string cleaned(reason);
  if (absl::Status s = CleanLine("reason", &cleaned, 2000); !s.ok()) return s;
  return cleaned;
}

absl::Status CheckEtag(const Plan& plan, absl::string_view etag) {
  if (etag.empty() || etag == plan.etag()) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("etag: ", plan.name(),
                                         " changed since it was read (etag \"", etag, "\", now \"",
                                         plan.etag(), "\"); read it again"));
}

PlanKeys KeysOf(const Plan& plan) {
  PlanKeys keys;
  keys.issuer_unit = plan.issuer().unit();
  keys.issuer_name_key = text::MatchKey(plan.issuer().display_name());
  const int issued_year = plan.issued_on().year();
  if (!plan.number().empty() && !absl::StartsWith(plan.number(), "/") && issued_year != 0) {
    keys.number_key = absl::StrCat(plan.number(), "|", keys.issuer_name_key, "|", issued_year);
    if (!keys.issuer_unit.empty()) {
      keys.number_unit_key = absl::StrCat(plan.number(), "|", keys.issuer_unit, "|", issued_year);
    }
  }
  if (plan.has_period()) {
    keys.start_year = plan.period().start_year();
    keys.end_year = plan.period().end_year();
  } else if (issued_year != 0) {
    keys.start_year = keys.end_year = issued_year;
  } else {
    for (const Objective& o : plan.objectives()) {
      const int y = o.target().year();
      if (y == 0) continue;
      keys.start_year = keys.start_year == 0 ? y : std::min(keys.start_year, y);
      keys.end_year = std::max(keys.end_year, y);
    }
  }
  return keys;
}

absl::string_view StatusLabel(PlanStatus status) {
  switch (status) {
    case PlanStatus::PLAN_STATUS_DRAFT:
      return "draft";
    case PlanStatus::PLAN_STATUS_ISSUED:
      return "issued";
    case PlanStatus::PLAN_STATUS_CLOSED:
      return "closed";
    case PlanStatus::PLAN_STATUS_ARCHIVED:
      return "archived";
    default:
      return "unspecified";
  }
}

}  // namespace chiso::plan
