#ifndef CHISO_SERVICES_ASSIGNMENT_UNIT_TREE_PUBLISHER_H_
#define CHISO_SERVICES_ASSIGNMENT_UNIT_TREE_PUBLISHER_H_

// Keeps the plan service's copy of the unit tree (chiso.common.v1.
// UnitDirectory, common/unitdir) in step with the assignment service's units.
//
// A background thread sends the whole tree (every unit with its parent, ended
// and merged units included) with ReplaceUnitTree:
//  - when it starts,
//  - soon after each committed change to units (Changed; changes that come
//    while a push is under way are coalesced into the next one),
//  - every `interval`, which also brings over changes made by other replicas.
// A tree identical to the last one the receiver accepted is not sent again.
// A failed push is retried with exponential backoff; a unit RPC never waits
// for a push nor fails because of one. Each outcome is counted in
// chiso_unit_tree_pushes_total{outcome="ok"|"unchanged"|"error"}.

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chiso/common/v1/unit_directory.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/assignment/assignment_store.h"

namespace chiso::assignment {

struct UnitTreePublisherOptions {
  // Between pushes when nothing changes (the tree is then sent only if it
  // differs from the last one accepted).
  absl::Duration interval = absl::Seconds(60);
  // First wait after a failed push; doubled after each failure up to
  // max_backoff.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  // Deadline of one ReplaceUnitTree call.
  absl::Duration call_timeout = absl::Seconds(20);
};

class UnitTreePublisher {
 public:
  // `store` must outlive the publisher. `channel` reaches the plan service
  // (ServiceChannel); every call carries the service's own credential
  // (AttachServiceCredential). `registry` may be null (no metric).
  UnitTreePublisher(AssignmentStore* store, std::shared_ptr<grpc::Channel> channel,
                    prometheus::Registry* registry, UnitTreePublisherOptions options = {});
  // Stops the thread (Stop).
  ~UnitTreePublisher();

  UnitTreePublisher(const UnitTreePublisher&) = delete;
  UnitTreePublisher& operator=(const UnitTreePublisher&) = delete;

  // Starts the thread, which pushes at once. Once only.
  void Start();
  // A change to units was committed: push soon. Never blocks on a push.
  void Changed();
  // Cancels a push under way and ends the thread. Idempotent.
  void Stop();

  // Pushes the receiver accepted so far ("ok" outcomes).
  int accepted_pushes() const;
  // Waits until at least `n` pushes were accepted, or `timeout` passed;
  // returns whether they were (tests).
  bool WaitForAcceptedPushes(int n, absl::Duration timeout) const;
  // The same for attempts of any outcome (tests).
  bool WaitForAttempts(int n, absl::Duration timeout) const;

 private:
  enum class Outcome { kOk, kUnchanged, kError };
  void Run();
  Outcome PushOnce();
  void Count(Outcome outcome);

  AssignmentStore* const store_;
  const std::unique_ptr<chiso::common::v1::UnitDirectory::Stub> stub_;
  const UnitTreePublisherOptions options_;
  prometheus::Counter* ok_ = nullptr;
  prometheus::Counter* unchanged_ = nullptr;
  prometheus::Counter* error_ = nullptr;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
  int accepted_ ABSL_GUARDED_BY(mu_) = 0;
  int attempts_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The request last accepted by the receiver (serialized); only the
  // publisher's thread touches it.
  std::optional<std::string> last_accepted_;
  std::thread thread_;
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_UNIT_TREE_PUBLISHER_H_
