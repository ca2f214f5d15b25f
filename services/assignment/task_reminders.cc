#include "services/assignment/task_reminders.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/civil/business_time.h"
#include "common/reminders/policy.h"
#include "common/schedule/occurrences.h"
#include "google/protobuf/util/time_util.h"

namespace chiso::assignment {
namespace {

namespace v1 = ::chiso::assignment::v1;
namespace nv1 = ::chiso::notification::v1;

using ::chiso::calendar::WorkingCalendar;
using ::chiso::reminders::FireAt;
using ::chiso::reminders::Shift;

bool IsClosed(v1::TaskStatus status) {
  return status == v1::TASK_STATUS_DONE || status == v1::TASK_STATUS_CANCELLED;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(ts));
}

// Builds recipients from the task and the directory.
class Recipients {
 public:
  explicit Recipients(const ReminderDirectory* directory) : directory_(directory) {}

  // A unit with an inbox; std::nullopt for a unit written only as text.
  std::optional<nv1::Recipient> Unit(const chiso::common::v1::UnitRef& ref,
                                     nv1::RecipientRole role) const {
    if (ref.unit().empty()) return std::nullopt;
    nv1::Recipient r;
    r.set_unit(ref.unit());
    r.set_role(role);
    r.set_display_name(ref.display_name());
    if (const ReminderDirectory::UnitEntry* unit = FindUnit(ref.unit()); unit != nullptr) {
      if (!unit->display_name.empty()) r.set_display_name(unit->display_name);
      for (const std::string& a : unit->ancestors) r.add_ancestors(a);
    }
    return r;
  }

  // A person: "Nguyễn Văn A, Phó Chủ tịch UBND huyện"; ancestors are the
  // person's unit and its ancestors, so a unit's subtree covers its people.
  nv1::Recipient Person(const std::string& name, nv1::RecipientRole role,
                        absl::string_view fallback_display_name) const {
    nv1::Recipient r;
    r.set_person(name);
    r.set_role(role);
    r.set_display_name(std::string(fallback_display_name));
    const ReminderDirectory::PersonEntry* person = FindPerson(name);
    if (person == nullptr) return r;
    if (!person->display_name.empty()) {
      r.set_display_name(person->title.empty()
                             ? person->display_name
                             : absl::StrCat(person->display_name, ", ", person->title));
    }
    if (!person->unit.empty()) {
      r.add_ancestors(person->unit);
      if (const ReminderDirectory::UnitEntry* unit = FindUnit(person->unit); unit != nullptr) {
        for (const std::string& a : unit->ancestors) r.add_ancestors(a);
      }
    }
    return r;
  }

  const ReminderDirectory::UnitEntry* FindUnit(const std::string& name) const {
    if (directory_ == nullptr) return nullptr;
    auto it = directory_->units.find(name);
    return it == directory_->units.end() ? nullptr : &it->second;
  }

 private:
  const ReminderDirectory::PersonEntry* FindPerson(const std::string& name) const {
    if (directory_ == nullptr) return nullptr;
    auto it = directory_->people.find(name);
    return it == directory_->people.end() ? nullptr : &it->second;
  }

  const ReminderDirectory* directory_;
};

// The lead and coordinating units: recipients of before, due, overdue and
// check-in reminders.
std::vector<nv1::Recipient> UnitRecipients(const v1::Task& task, const Recipients& recipients) {
  std::vector<nv1::Recipient> out;
  if (auto lead = recipients.Unit(task.lead_unit(), nv1::RECIPIENT_ROLE_LEAD_UNIT)) {
    out.push_back(*std::move(lead));
  }
  for (const chiso::common::v1::UnitRef& ref : task.coordinating_units()) {
    if (auto unit = recipients.Unit(ref, nv1::RECIPIENT_ROLE_COORDINATING_UNIT)) {
      out.push_back(*std::move(unit));
    }
  }
  return out;
}

// The supervisor (person or post) and the lead unit's head: recipients of
// escalations. A head who is also the supervisor is listed once.
std::vector<nv1::Recipient> EscalationRecipients(const v1::Task& task,
                                                 const Recipients& recipients) {
  std::vector<nv1::Recipient> out;
  if (task.supervisor_case() == v1::Task::kSupervisorPerson && !task.supervisor_person().empty()) {
    out.push_back(recipients.Person(task.supervisor_person(), nv1::RECIPIENT_ROLE_SUPERVISOR,
                                    task.supervisor_person()));
  } else if (task.supervisor_case() == v1::Task::kSupervisorPost &&
             !task.supervisor_post().empty()) {
    nv1::Recipient post;
    post.set_post(task.supervisor_post());
    post.set_display_name(task.supervisor_post());
    post.set_role(nv1::RECIPIENT_ROLE_SUPERVISOR);
    out.push_back(std::move(post));
  }
  const ReminderDirectory::UnitEntry* lead = recipients.FindUnit(task.lead_unit().unit());
  if (lead != nullptr && !lead->head.empty() &&
      !(task.supervisor_case() == v1::Task::kSupervisorPerson &&
        task.supervisor_person() == lead->head)) {
    const std::string unit_name =
        lead->display_name.empty() ? task.lead_unit().display_name() : lead->display_name;
    out.push_back(recipients.Person(lead->head, nv1::RECIPIENT_ROLE_UNIT_HEAD,
                                    absl::StrCat("Thủ trưởng ", unit_name)));
  }
  return out;
}

std::string Subject(const v1::Task& task, absl::string_view label) {
  const std::string& title = task.title().empty() ? task.description() : task.title();
  if (label.empty() || label == title) return title;
  return absl::StrCat(title, " – ", label);
}

// Computes the reminders of one task; one instance per call.
class Planner {
 public:
  Planner(const v1::Task& task, const TaskReminderContext& ctx, std::string owner)
      : task_(task),
        ctx_(ctx),
        owner_(std::move(owner)),
        calendar_(ctx.calendar != nullptr ? *ctx.calendar : WorkingCalendar::Builtin()),
        policy_(reminders::ResolvePolicy(ctx.policy, nullptr)),
        today_(civil::BusinessDay(ctx.now)) {
    earliest_ = ctx.now - ctx.lookback;
    // Links due before the task last changed are not resent: they either went
    // out already, or belong to a schedule that no longer holds (a "7 days
    // left" reminder for a deadline moved since would be wrong).
    if (task.has_create_time()) earliest_ = std::max(earliest_, FromTimestamp(task.create_time()));
    if (task.has_update_time()) earliest_ = std::max(earliest_, FromTimestamp(task.update_time()));
    const Recipients recipients(ctx.directory);
    units_ = UnitRecipients(task, recipients);
    escalation_ = EscalationRecipients(task, recipients);
    lead_display_name_ = task.lead_unit().display_name();
    if (const ReminderDirectory::UnitEntry* lead = recipients.FindUnit(task.lead_unit().unit());
        lead != nullptr && !lead->display_name.empty()) {
      lead_display_name_ = lead->display_name;
    }
  }

  void AddOccurrence(absl::CivilDay due, absl::string_view label) {
    const std::string subject = Subject(task_, label);
    const int minute = policy_.fire_minute();
    // Nearest first: when a weekend or Tết pulls several of them onto the same
    // minute, only the nearest one (the most accurate wording) is sent.
    std::vector<int> before(policy_.before_days().begin(), policy_.before_days().end());
    std::sort(before.begin(), before.end());
    std::set<absl::Time> fired;
    const absl::Time due_fire = FireAt(calendar_, due, minute, Shift::kEarlier);
    Add(due, "due", due_fire, subject, nullptr);
    fired.insert(due_fire);
    for (int days : before) {
      const absl::Time fire = FireAt(calendar_, due - days, minute, Shift::kEarlier);
      if (!fired.insert(fire).second) continue;
      Add(due, absl::StrCat("before-", days, "d"), fire, subject, nullptr);
    }
    if (policy_.no_overdue()) return;

    nv1::OverdueChain chain;
    *chain.mutable_due_date() = reminders::ToProtoDate(due);
    for (const nv1::Recipient& r : units_) *chain.add_recipients() = r;
    for (const nv1::Recipient& r : escalation_) *chain.add_escalation_recipients() = r;
    *chain.mutable_policy() = policy_;
    AddOverdueChain(due, subject, chain);
    if (!escalation_.empty()) AddEscalationChain(due, subject, chain);
  }

  void AddCheckIn(absl::CivilDay day, absl::string_view label) {
    Add(day, "checkin", FireAt(calendar_, day, policy_.fire_minute(), Shift::kEarlier),
        Subject(task_, label), nullptr);
  }

  std::vector<nv1::ReminderPayload> Finish() && {
    std::sort(out_.begin(), out_.end(),
              [](const nv1::ReminderPayload& a, const nv1::ReminderPayload& b) {
                if (a.fire_at_ms() != b.fire_at_ms()) return a.fire_at_ms() < b.fire_at_ms();
                return a.reminder_id() < b.reminder_id();
              });
    return std::move(out_);
  }

 private:
  absl::Time OverdueFire(absl::CivilDay day) const {
    return FireAt(calendar_, day, policy_.fire_minute(), Shift::kLater);
  }

  absl::Time EscalationFire(absl::CivilDay due, int n) const {
    return FireAt(calendar_, reminders::EscalationDay(calendar_, policy_, due, n),
                  policy_.fire_minute(), Shift::kLater);
  }

  // An overdue link is quiet when the last progress report came less than
  // quiet_after_report_days before it (or after it: a past link the unit has
  // answered since).
  bool Quiet(absl::Time fire) const {
    if (policy_.quiet_after_report_days() <= 0 || !ctx_.last_report_time.has_value()) return false;
    return *ctx_.last_report_time > fire - absl::Hours(24 * policy_.quiet_after_report_days());
  }

  void AddOverdueChain(absl::CivilDay due, absl::string_view subject,
                       const nv1::OverdueChain& chain) {
    // The latest link that has fired within the lookback and is not quiet.
    if (today_ > due) {
      absl::CivilDay d =
          calendar_.IsWorkingDay(today_) ? today_ : calendar_.PreviousWorkingDay(today_);
      for (; d > due; d = calendar_.PreviousWorkingDay(d)) {
        const absl::Time fire = OverdueFire(d);
        if (fire < earliest_) break;
        if (fire <= ctx_.now && !Quiet(fire)) {
          AddOverdue(due, d, fire, subject, chain);
          break;
        }
      }
    }
    // The next link after now that is not quiet.
    absl::CivilDay d = calendar_.NextWorkingDay(std::max(due, today_ - 1));
    while (OverdueFire(d) <= ctx_.now || Quiet(OverdueFire(d))) d = calendar_.NextWorkingDay(d);
    AddOverdue(due, d, OverdueFire(d), subject, chain);
  }

  void AddOverdue(absl::CivilDay due, absl::CivilDay day, absl::Time fire,
                  absl::string_view subject, const nv1::OverdueChain& chain) {
    const int n = calendar_.WorkingDaysBetween(due, day);
    Add(due, absl::StrCat("overdue-", n), fire, subject, &chain);
  }

  void AddEscalationChain(absl::CivilDay due, absl::string_view subject,
                          const nv1::OverdueChain& chain) {
    // escalate-<n> cannot fire before its nominal day, so the last link that
    // has fired is at most the one whose nominal day is today.
    const absl::CivilDay first = reminders::EscalationDay(calendar_, policy_, due, 1);
    int n = today_ >= first ? static_cast<int>((today_ - first) / policy_.escalate_every_days()) + 1
                            : 0;
    while (n >= 1 && EscalationFire(due, n) > ctx_.now) --n;
    // Links that a long holiday moved onto the same minute go out once, as
    // the lowest of them (NextInChain skips the others), so the link that
    // fired is the lowest one sharing the latest fire time.
    int fired = n;
    while (fired >= 2 && EscalationFire(due, fired - 1) == EscalationFire(due, n)) --fired;
    if (fired >= 1 && EscalationFire(due, fired) >= earliest_) {
      Add(due, absl::StrCat("escalate-", fired), EscalationFire(due, fired), subject, &chain);
    }
    Add(due, absl::StrCat("escalate-", n + 1), EscalationFire(due, n + 1), subject, &chain);
  }

  void Add(absl::CivilDay due, const std::string& rule, absl::Time fire, absl::string_view subject,
           const nv1::OverdueChain* chain) {
    if (fire < earliest_) return;
    nv1::ReminderPayload p;
    p.set_reminder_id(reminders::ReminderId(owner_, due, rule));
    p.set_kind(reminders::KindOfRule(rule));
    p.set_rule(rule);
    p.set_task(task_.name());
    p.set_plan(task_.plan().empty() ? ctx_.plan.name : task_.plan());
    *p.mutable_due_date() = reminders::ToProtoDate(due);
    p.set_fire_at_ms(absl::ToUnixMillis(fire));
    const bool escalation = absl::StartsWith(rule, "escalate-");
    for (const nv1::Recipient& r : escalation ? escalation_ : units_) *p.add_recipients() = r;
    p.set_subject(std::string(subject));
    p.set_lead_unit_display_name(lead_display_name_);
    p.set_plan_number(ctx_.plan_number);
    p.set_plan_title(ctx_.plan_title);
    p.set_generation(task_.etag());
    if (chain != nullptr) *p.mutable_chain() = *chain;
    out_.push_back(std::move(p));
  }

  const v1::Task& task_;
  const TaskReminderContext& ctx_;
  const std::string owner_;
  const WorkingCalendar& calendar_;
  const nv1::ReminderPolicy policy_;
  const absl::CivilDay today_;
  absl::Time earliest_;
  std::vector<nv1::Recipient> units_;
  std::vector<nv1::Recipient> escalation_;
  std::string lead_display_name_;
  std::vector<nv1::ReminderPayload> out_;
};

bool HasContinuousMilestone(const chiso::common::v1::Schedule& schedule) {
  return std::any_of(schedule.milestones().begin(), schedule.milestones().end(),
                     [](const chiso::common::v1::Milestone& m) { return m.has_continuous(); });
}

}  // namespace

absl::StatusOr<std::vector<nv1::ReminderPayload>> DesiredTaskReminders(
    const v1::Task& task, const TaskReminderContext& ctx) {
  absl::string_view id = task.name();
  if (!absl::ConsumePrefix(&id, "tasks/") || id.empty() || absl::StrContains(id, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("task.name: \"", task.name(), "\" is not a task name (tasks/{id})"));
  }
  if (IsClosed(task.status())) return std::vector<nv1::ReminderPayload>();

  Planner planner(task, ctx, reminders::TaskOwner(id));
  for (const v1::TaskOccurrence& occurrence : task.occurrences()) {
    if (IsClosed(occurrence.status())) continue;
    absl::StatusOr<absl::CivilDay> due = reminders::FromProtoDate(occurrence.due_date());
    if (!due.ok()) continue;
    planner.AddOccurrence(*due, occurrence.label());
  }

  if (HasContinuousMilestone(task.schedule())) {
    schedule::OccurrenceContext occurrence_ctx;
    occurrence_ctx.period_start_year = ctx.plan.period_start_year;
    occurrence_ctx.period_end_year = ctx.plan.period_end_year;
    occurrence_ctx.issued_on = ctx.plan.issued_on;
    for (const schedule::Occurrence& o :
         schedule::ExpandOccurrences(task.schedule(), occurrence_ctx)) {
      if (!o.check_in) continue;
      absl::string_view label;
      if (o.milestone_index >= 0 && o.milestone_index < task.schedule().milestones_size()) {
        label = task.schedule().milestones(o.milestone_index).label();
      }
      planner.AddCheckIn(o.due, label);
    }
  }
  return std::move(planner).Finish();
}

}  // namespace chiso::assignment
