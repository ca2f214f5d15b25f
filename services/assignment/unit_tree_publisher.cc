#include "services/assignment/unit_tree_publisher.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/transport.h"

namespace chiso::assignment {
namespace {

namespace cv1 = chiso::common::v1;

// Waits, with `mu` held, until `*count` (guarded by `mu`) reaches `n`; false
// when `timeout` passes first.
bool AwaitAtLeast(absl::Mutex& mu, const int* count, int n, absl::Duration timeout)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  struct Args {
    const int* count;
    int n;
  } args{count, n};
  return mu.AwaitWithTimeout(absl::Condition(
                                 +[](Args* a) { return *a->count >= a->n; }, &args),
                             timeout);
}

}  // namespace

UnitTreePublisher::UnitTreePublisher(AssignmentStore* store, std::shared_ptr<grpc::Channel> channel,
                                     prometheus::Registry* registry,
                                     UnitTreePublisherOptions options)
    : store_(store), stub_(cv1::UnitDirectory::NewStub(std::move(channel))), options_(options) {
  if (registry != nullptr) {
    auto& family = prometheus::BuildCounter()
                       .Name("chiso_unit_tree_pushes_total")
                       .Help(
                           "Pushes of the unit tree to the plan service, by outcome: ok (the "
                           "receiver accepted it), unchanged (not sent: identical to the last "
                           "one accepted), error (to be retried)")
                       .Register(*registry);
    ok_ = &family.Add({{"outcome", "ok"}});
    unchanged_ = &family.Add({{"outcome", "unchanged"}});
    error_ = &family.Add({{"outcome", "error"}});
  }
}

UnitTreePublisher::~UnitTreePublisher() { Stop(); }

void UnitTreePublisher::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void UnitTreePublisher::Changed() {
  absl::MutexLock lock(&mu_);
  pending_ = true;
}

void UnitTreePublisher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (call_ != nullptr) call_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

int UnitTreePublisher::accepted_pushes() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

bool UnitTreePublisher::WaitForAcceptedPushes(int n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return AwaitAtLeast(mu_, &accepted_, n, timeout);
}

bool UnitTreePublisher::WaitForAttempts(int n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return AwaitAtLeast(mu_, &attempts_, n, timeout);
}

void UnitTreePublisher::Count(Outcome outcome) {
  prometheus::Counter* counter = outcome == Outcome::kOk          ? ok_
                                 : outcome == Outcome::kUnchanged ? unchanged_
                                                                  : error_;
  if (counter != nullptr) counter->Increment();
}

void UnitTreePublisher::Run() {
  absl::Duration backoff = options_.initial_backoff;
  bool backing_off = false;
  absl::Time next = absl::Now();  // the first push goes at once
  struct Wake {
    UnitTreePublisher* self;
    const bool* backing_off;
  } wake{this, &backing_off};
  // Wakes for a stop, or for a change unless a failed push waits out its
  // backoff (the retry sends the latest tree anyway).
  const absl::Condition woken(
      +[](Wake* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return w->self->stopping_ || (w->self->pending_ && !*w->backing_off);
      },
      &wake);
  mu_.Lock();
  for (;;) {
    if (next > absl::Now()) mu_.AwaitWithDeadline(woken, next);
    if (stopping_) break;
    if (!(pending_ && !backing_off) && absl::Now() < next) continue;
    pending_ = false;
    mu_.Unlock();
    const Outcome outcome = PushOnce();
    Count(outcome);
    mu_.Lock();
    ++attempts_;
    if (outcome == Outcome::kOk) ++accepted_;
    if (outcome == Outcome::kError) {
      next = absl::Now() + backoff;
      backing_off = true;
      backoff = std::min(backoff * 2, options_.max_backoff);
    } else {
      next = absl::Now() + options_.interval;
      backing_off = false;
      backoff = options_.initial_backoff;
    }
  }
  mu_.Unlock();
}

UnitTreePublisher::Outcome UnitTreePublisher::PushOnce() {
  absl::StatusOr<std::vector<UnitParent>> units = store_->UnitParents();
  if (!units.ok()) {
    log::Warning("unit tree not pushed: reading the units failed",
                 {{"error", units.status().ToString()}});
    return Outcome::kError;
  }
  cv1::ReplaceUnitTreeRequest request;
  for (const UnitParent& unit : *units) {
    cv1::UnitTreeEntry* entry = request.add_units();
    entry->set_unit(absl::StrCat("units/", unit.id));
    if (!unit.parent_id.empty()) entry->set_parent(absl::StrCat("units/", unit.parent_id));
  }
  std::string serialized;
  request.SerializeToString(&serialized);
  if (last_accepted_.has_value() && serialized == *last_accepted_) return Outcome::kUnchanged;

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(options_.call_timeout));
  AttachServiceCredential(&context);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return Outcome::kError;
    call_ = &context;
  }
  cv1::ReplaceUnitTreeResponse response;
  const grpc::Status status = stub_->ReplaceUnitTree(&context, request, &response);
  {
    absl::MutexLock lock(&mu_);
    call_ = nullptr;
  }
  if (!status.ok()) {
    log::Warning("unit tree push to the plan service failed; retrying",
                 {{"units", request.units_size()},
                  {"code", static_cast<int>(status.error_code())},
                  {"error", status.error_message()}});
    return Outcome::kError;
  }
  last_accepted_ = std::move(serialized);
  log::Log(response.changed() ? log::Level::kInfo : log::Level::kDebug, "unit tree pushed",
           {{"units", request.units_size()},
            {"receiver_units", response.unit_count()},
            {"changed", response.changed()}});
  return Outcome::kOk;
}

}  // namespace chiso::assignment
