#include "services/plan/plan_manager.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/civil/proto_time.h"
#include "common/ids/page_token.h"
#include "common/text/text.h"
#include "google/protobuf/util/time_util.h"
#include "services/plan/plan_domain.h"

namespace chiso::plan {
namespace {

using google::protobuf::Timestamp;

using civil::ToTimestamp;

}  // namespace

PlanManager::PlanManager(PlanStore* store, const Catalog* catalog, const civil::Clock* clock,
                         IdGenerator* ids, PlanMetrics* metrics)
    : store_(store),
      catalog_(catalog),
      importer_(*catalog),
      clock_(clock),
      ids_(ids),
      metrics_(metrics) {}

void PlanManager::NotifyChanged(const std::string& plan_name) {
  (void)RefreshMetrics();
  if (on_change_) on_change_(plan_name);
}

void PlanManager::AfterWrite(const std::string& plan_name, const PlanWrite& write) {
  if (!write.defer_notify) NotifyChanged(plan_name);
}

absl::StatusOr<Plan> PlanManager::Find(absl::string_view field, absl::string_view name) {
  absl::StatusOr<std::string> id = ParsePlanName(field, name);
  if (!id.ok()) return id.status();
  return store_->Get(*id);
}

absl::Status PlanManager::RefreshMetrics() {
  absl::StatusOr<std::map<PlanStatus, int64_t>> counts = store_->CountByStatus();
  if (!counts.ok()) return counts.status();
  if (metrics_ == nullptr) return absl::OkStatus();
  metrics_->SetCounts(*counts);
  // The targets of issued plans, for dashboards that chart them against the
  // scores the scoring service exports.
  std::vector<Plan> issued;
  PlanQuery query;
  query.statuses = {PlanStatus::PLAN_STATUS_ISSUED};
  query.limit = 500;
  while (true) {
    absl::StatusOr<PlanPage> page = store_->List(query);
    if (!page.ok()) return page.status();
    for (Plan& plan : page->plans) issued.push_back(std::move(plan));
    if (!page->more || issued.empty()) break;
    absl::StatusOr<std::string> last = ParsePlanName("plan", issued.back().name());
    if (!last.ok()) return last.status();
    query.after_id = *last;
  }
  metrics_->SetTargets(issued);
  return absl::OkStatus();
}

absl::StatusOr<Plan> PlanManager::Create(const pb::CreatePlanRequest& request,
                                         const PlanWrite& write) {
  if (!request.has_plan()) return absl::InvalidArgumentError("plan: required");
  Plan plan = request.plan();
  plan.set_name(PlanName(ids_->Next()));
  plan.set_status(PlanStatus::PLAN_STATUS_DRAFT);
  plan.clear_issue_time();
  plan.clear_close_time();
  plan.clear_etag();
  plan.clear_close_reason();
  if (absl::Status s = ValidateAndNormalize(*catalog_, plan); !s.ok()) return s;
  if (write.admit) {
    if (absl::Status s = write.admit(plan); !s.ok()) return s;
  }
  const Timestamp now = ToTimestamp(clock_->Now());
  *plan.mutable_create_time() = now;
  *plan.mutable_update_time() = now;
  if (request.validate_only()) {
    if (absl::Status s = store_->CheckConflicts(plan); !s.ok()) return s;
    return plan;
  }
  absl::StatusOr<Plan> created = store_->Create(plan);
  if (created.ok()) AfterWrite(created->name(), write);
  return created;
}

absl::StatusOr<pb::ImportPlanDocumentResponse> PlanManager::Import(
    const pb::ImportPlanDocumentRequest& request) {
  absl::StatusOr<pb::ImportPlanDocumentResponse> response = ParseDocument(request);
  if (!response.ok() || !request.commit()) return response;
  absl::StatusOr<Plan> created = SaveImported(response->plan());
  if (!created.ok()) return created.status();
  *response->mutable_plan() = *std::move(created);
  return response;
}

absl::StatusOr<pb::ImportPlanDocumentResponse> PlanManager::ParseDocument(
    const pb::ImportPlanDocumentRequest& request) const {
  absl::StatusOr<pb::ImportPlanDocumentResponse> response = importer_.Import(request);
  if (!response.ok()) return response.status();
  if (!request.commit()) {
    Plan check = response->plan();
    if (absl::Status s = ValidateAndNormalize(*catalog_, check); !s.ok()) {
      auto* warning = response->add_warnings();
      warning->set_code("NOT_SAVABLE");
      warning->set_message(absl::StrCat("the draft cannot be saved as it stands: ", s.message()));
    }
  }
  return response;
}

absl::StatusOr<Plan> PlanManager::SaveImported(const Plan& draft, const PlanWrite& write) {
  pb::CreatePlanRequest create;
  *create.mutable_plan() = draft;
  absl::StatusOr<Plan> created = Create(create, write);
  if (!created.ok()) {
    if (created.status().code() != absl::StatusCode::kInvalidArgument) return created.status();
    return absl::FailedPreconditionError(absl::StrCat(
        "commit: the plan read from the document cannot be saved: ", created.status().message(),
        " (import without commit to review it; pass `issuer` when the document "
        "does not name its issuing body)"));
  }
  return created;
}

absl::StatusOr<Plan> PlanManager::Get(const pb::GetPlanRequest& request) {
  absl::StatusOr<std::string> id = ParsePlanName("name", request.name());
  if (!id.ok()) return id.status();
  return store_->Get(*id);
}

absl::StatusOr<pb::ListPlansResponse> PlanManager::List(
    const pb::ListPlansRequest& request, const std::optional<std::string>& within_unit) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::PlanFilter& filter = request.filter();
  PlanQuery query;
  query.limit = *size;
  if (absl::StartsWith(filter.issuer(), "units/")) {
    query.issuer_unit = filter.issuer();
  } else if (!filter.issuer().empty()) {
    query.issuer_name_key = text::MatchKey(filter.issuer());
    if (query.issuer_name_key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("filter.issuer: \"", filter.issuer(),
                                                     "\" has no letters or digits to match"));
    }
  }
  if (filter.year() != 0 && (filter.year() < 2000 || filter.year() > 2100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.year: must be between 2000 and 2100 (got ", filter.year(), ")"));
  }
  query.year = filter.year();
  if (!filter.framework().empty() && catalog_->FindIndex(filter.framework()) == nullptr) {
    return catalog_->CheckCodes("filter", filter.framework(), "");
  }
  query.framework = filter.framework();
  query.within_unit = within_unit;
  for (int s : filter.statuses()) {
    if (!pb::PlanStatus_IsValid(s) || s == PlanStatus::PLAN_STATUS_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("filter.statuses: unknown status ", s));
    }
    const auto status = static_cast<PlanStatus>(s);
    if (std::find(query.statuses.begin(), query.statuses.end(), status) == query.statuses.end()) {
      query.statuses.push_back(status);
    }
  }
  // The filter is part of the token: a token only continues the listing it
  // came from.
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> after = DecodePageToken(request.page_token(), fingerprint);
    if (!after.ok()) return after.status();
    query.after_id = *after;
  }
  absl::StatusOr<PlanPage> page = store_->List(query);
  if (!page.ok()) return page.status();
  pb::ListPlansResponse response;
  for (Plan& plan : page->plans) *response.add_plans() = std::move(plan);
  if (page->more && response.plans_size() > 0) {
    absl::StatusOr<std::string> last =
        ParsePlanName("name", response.plans(response.plans_size() - 1).name());
    if (!last.ok()) return last.status();
    response.set_next_page_token(EncodePageToken(fingerprint, *last));
  }
  return response;
}

absl::StatusOr<Plan> PlanManager::Update(const pb::UpdatePlanRequest& request,
                                         const PlanWrite& write) {
  absl::StatusOr<std::string> id = ParsePlanName("plan.name", request.plan().name());
  if (!id.ok()) return id.status();
  absl::StatusOr<Plan> updated = store_->Update(*id, [&](Plan& plan) -> absl::Status {
    if (write.visible) {
      if (absl::Status s = write.visible(plan); !s.ok()) return s;
    }
    if (absl::Status s = CheckEtag(plan, request.plan().etag()); !s.ok()) return s;
    if (absl::Status s = CheckUpdateMask(plan, request.update_mask()); !s.ok()) return s;
    ApplyUpdate(request.plan(), request.update_mask(), plan);
    if (absl::Status s = ValidateAndNormalize(*catalog_, plan); !s.ok()) return s;
    if (write.admit) {
      if (absl::Status s = write.admit(plan); !s.ok()) return s;
    }
    *plan.mutable_update_time() = ToTimestamp(clock_->Now());
    return absl::OkStatus();
  });
  if (updated.ok()) AfterWrite(absl::StrCat("plans/", *id), write);
  return updated;
}

absl::Status PlanManager::Delete(const pb::DeletePlanRequest& request, const PlanWrite& write) {
  absl::StatusOr<std::string> id = ParsePlanName("name", request.name());
  if (!id.ok()) return id.status();
  absl::Status status = store_->Delete(*id, [&](const Plan& plan) -> absl::Status {
    if (write.visible) {
      if (absl::Status s = write.visible(plan); !s.ok()) return s;
    }
    if (absl::Status s = CheckEtag(plan, request.etag()); !s.ok()) return s;
    return CheckCanDelete(plan);
  });
  if (status.ok()) AfterWrite(absl::StrCat("plans/", *id), write);
  return status;
}

absl::StatusOr<Plan> PlanManager::Issue(const pb::IssuePlanRequest& request,
                                        const PlanWrite& write) {
  absl::StatusOr<std::string> id = ParsePlanName("name", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<Plan> issued = store_->Update(*id, [&](Plan& plan) -> absl::Status {
    if (write.visible) {
      if (absl::Status s = write.visible(plan); !s.ok()) return s;
    }
    if (absl::Status s = CheckEtag(plan, request.etag()); !s.ok()) return s;
    if (absl::Status s = CheckCanIssue(plan); !s.ok()) return s;
    if (!request.number().empty()) plan.set_number(request.number());
    if (request.has_issued_on()) *plan.mutable_issued_on() = request.issued_on();
    if (absl::Status s = ValidateAndNormalize(*catalog_, plan); !s.ok()) return s;
    if (absl::Status s = CheckReadyToIssue(plan); !s.ok()) return s;
    if (write.admit) {
      if (absl::Status s = write.admit(plan); !s.ok()) return s;
    }
    const Timestamp now = ToTimestamp(clock_->Now());
    plan.set_status(PlanStatus::PLAN_STATUS_ISSUED);
    *plan.mutable_issue_time() = now;
    *plan.mutable_update_time() = now;
    return absl::OkStatus();
  });
  if (issued.ok()) AfterWrite(absl::StrCat("plans/", *id), write);
  return issued;
}

absl::StatusOr<Plan> PlanManager::Close(const pb::ClosePlanRequest& request,
                                        const PlanWrite& write) {
  absl::StatusOr<std::string> id = ParsePlanName("name", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> reason = CleanCloseReason(request.reason());
  if (!reason.ok()) return reason.status();
  absl::StatusOr<Plan> closed = store_->Update(*id, [&](Plan& plan) -> absl::Status {
    if (write.visible) {
      if (absl::Status s = write.visible(plan); !s.ok()) return s;
    }
    if (absl::Status s = CheckEtag(plan, request.etag()); !s.ok()) return s;
    if (absl::Status s = CheckCanClose(plan, request.archive()); !s.ok()) return s;
    const Timestamp now = ToTimestamp(clock_->Now());
    plan.set_status(request.archive() ? PlanStatus::PLAN_STATUS_ARCHIVED
                                      : PlanStatus::PLAN_STATUS_CLOSED);
    if (!plan.has_close_time()) *plan.mutable_close_time() = now;
    *plan.mutable_update_time() = now;
    plan.set_close_reason(*reason);
    return absl::OkStatus();
  });
  if (closed.ok()) AfterWrite(absl::StrCat("plans/", *id), write);
  return closed;
}

}  // namespace chiso::plan
