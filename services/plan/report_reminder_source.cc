#include "services/plan/report_reminder_source.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/reminders/policy.h"

namespace chiso::plan {

ReportReminderSource::ReportReminderSource(PlanStore* store,
                                           const calendar::WorkingCalendar* calendar,
                                           chiso::notification::v1::ReminderPolicy global_policy,
                                           absl::Duration lookback, ReportDefaults defaults,
                                           const unitdir::UnitDirectory* units)
    : store_(store),
      calendar_(calendar),
      global_policy_(std::move(global_policy)),
      lookback_(lookback),
      defaults_(defaults),
      units_(units) {}

absl::StatusOr<reminders::ReminderSource::Desired> ReportReminderSource::DesiredFor(
    absl::string_view owner, absl::Time now) {
  if (!absl::StartsWith(owner, "plan/") || owner.size() == 5) {
    return absl::InvalidArgumentError(absl::StrCat("\"", owner, "\" is not a plan owner"));
  }
  absl::StatusOr<Plan> plan = store_->Get(std::string(owner.substr(5)));
  if (absl::IsNotFound(plan.status())) return Desired{};  // deleted draft
  if (!plan.ok()) return plan.status();
  ReportReminderContext ctx;
  ctx.policy = reminders::ResolvePolicy(global_policy_, &plan->reminder_policy());
  ctx.defaults = defaults_;
  ctx.lookback = lookback_;
  ctx.now = now;
  ctx.calendar = calendar_;
  if (units_ != nullptr && !plan->issuer().unit().empty()) {
    absl::StatusOr<std::vector<std::string>> ancestors = units_->Ancestors(plan->issuer().unit());
    if (!ancestors.ok()) return ancestors.status();
    ctx.issuer_ancestors = *std::move(ancestors);
  }
  absl::StatusOr<std::vector<chiso::notification::v1::ReminderPayload>> payloads =
      DesiredPlanReminders(*plan, ctx);
  if (!payloads.ok()) return payloads.status();
  Desired desired;
  desired.generation = plan->etag();
  for (const auto& payload : *payloads) desired.items.push_back(reminders::ToQueueItem(payload));
  return desired;
}

absl::StatusOr<std::vector<std::string>> ReportReminderSource::ActiveOwners() {
  std::vector<std::string> owners;
  PlanQuery query;
  query.statuses = {PlanStatus::PLAN_STATUS_ISSUED};
  query.limit = 500;
  while (true) {
    absl::StatusOr<PlanPage> page = store_->List(query);
    if (!page.ok()) return page.status();
    for (const Plan& plan : page->plans) {
      owners.push_back(reminders::PlanOwner(plan.name().substr(std::string("plans/").size())));
    }
    if (!page->more || page->plans.empty()) break;
    query.after_id = page->plans.back().name().substr(std::string("plans/").size());
  }
  return owners;
}

}  // namespace chiso::plan
