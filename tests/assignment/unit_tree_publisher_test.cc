// UnitTreePublisher against a fake UnitDirectory server on loopback: the
// whole tree at start and after a change, retries after a failure, nothing
// resent while the tree is unchanged, the service credential on every call.

#include "services/assignment/unit_tree_publisher.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "chiso/common/v1/unit_directory.grpc.pb.h"
#include "common/auth/api_keys.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/assignment/assignment_store.h"

ABSL_DECLARE_FLAG(std::string, call_credential_file);

namespace chiso::assignment {
namespace {

namespace cv1 = chiso::common::v1;
namespace v1 = chiso::assignment::v1;

// Records every ReplaceUnitTree; fails the first `failures` calls.
class FakeUnitDirectory final : public cv1::UnitDirectory::Service {
 public:
  explicit FakeUnitDirectory(int failures) : failures_(failures) {}

  grpc::Status ReplaceUnitTree(grpc::ServerContext* context,
                               const cv1::ReplaceUnitTreeRequest* request,
                               cv1::ReplaceUnitTreeResponse* response) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    auto auth = context->client_metadata().find("authorization");
    authorization_ = auth == context->client_metadata().end()
                         ? std::string()
                         : std::string(auth->second.data(), auth->second.size());
    if (failures_ > 0) {
      --failures_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "plan service is starting");
    }
    last_ = *request;
    response->set_unit_count(request->units_size());
    response->set_changed(true);
    return grpc::Status::OK;
  }

  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  cv1::ReplaceUnitTreeRequest last() const {
    absl::MutexLock lock(&mu_);
    return last_;
  }
  std::string authorization() const {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  mutable absl::Mutex mu_;
  int failures_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  cv1::ReplaceUnitTreeRequest last_ ABSL_GUARDED_BY(mu_);
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

// unit -> parent of a pushed tree.
std::map<std::string, std::string> Tree(const cv1::ReplaceUnitTreeRequest& request) {
  std::map<std::string, std::string> tree;
  for (const cv1::UnitTreeEntry& entry : request.units()) tree[entry.unit()] = entry.parent();
  return tree;
}

double CounterValue(prometheus::Registry& registry, const std::string& outcome) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != "chiso_unit_tree_pushes_total") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.name == "outcome" && label.value == outcome) return metric.counter.value;
      }
    }
  }
  return -1;
}

class UnitTreePublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, AssignmentMigrations()).ok());
    store_ = NewSqlAssignmentStore(db_.get());
    Put("p", "");
    Put("a", "units/p");
    Put("b", "units/p");
    // The service's own credential, as --call_credential_file gives it.
    absl::StatusOr<auth::NewApiKey> key = auth::GenerateApiKey("assignment");
    ASSERT_TRUE(key.ok());
    key_ = key->key;
    credential_file_ = absl::StrCat(::testing::TempDir(), "/assignment-credential-",
                                    ::testing::UnitTest::GetInstance()->random_seed());
    std::ofstream(credential_file_) << key_ << "\n";
    saved_flag_ = absl::GetFlag(FLAGS_call_credential_file);
    absl::SetFlag(&FLAGS_call_credential_file, credential_file_);
  }

  void TearDown() override {
    publisher_.reset();
    if (server_ != nullptr) server_->Shutdown();
    absl::SetFlag(&FLAGS_call_credential_file, saved_flag_);
    std::remove(credential_file_.c_str());
  }

  void Put(const std::string& id, const std::string& parent) {
    Unit unit;
    unit.set_name(absl::StrCat("units/", id));
    unit.set_code(absl::StrCat("C-", id));
    unit.set_display_name(absl::StrCat("Đơn vị ", id));
    unit.set_kind(v1::UNIT_KIND_DIVISION);
    unit.set_parent(parent);
    ASSERT_TRUE(store_->CreateUnit(unit).ok());
  }

  void StartFake(int failures) {
    fake_ = std::make_unique<FakeUnitDirectory>(failures);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(fake_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void StartPublisher() {
    UnitTreePublisherOptions options;
    options.interval = absl::Hours(1);  // only start and changes push here
    options.initial_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(50);
    options.call_timeout = absl::Seconds(5);
    publisher_ = std::make_unique<UnitTreePublisher>(
        store_.get(), grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()), &registry_,
        options);
    publisher_->Start();
  }

  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AssignmentStore> store_;
  std::unique_ptr<FakeUnitDirectory> fake_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  prometheus::Registry registry_;
  std::unique_ptr<UnitTreePublisher> publisher_;
  std::string key_, credential_file_, saved_flag_;
};

TEST_F(UnitTreePublisherTest, PushesTheWholeTreeAtStartAndAfterAChange) {
  StartFake(0);
  StartPublisher();
  ASSERT_TRUE(publisher_->WaitForAcceptedPushes(1, absl::Seconds(30)));
  EXPECT_THAT(Tree(fake_->last()), ::testing::ElementsAre(::testing::Pair("units/a", "units/p"),
                                                          ::testing::Pair("units/b", "units/p"),
                                                          ::testing::Pair("units/p", "")));
  EXPECT_EQ(fake_->authorization(), absl::StrCat("Bearer ", key_));

  Put("a1", "units/a");
  publisher_->Changed();
  ASSERT_TRUE(publisher_->WaitForAcceptedPushes(2, absl::Seconds(30)));
  EXPECT_EQ(Tree(fake_->last())["units/a1"], "units/a");
  EXPECT_EQ(fake_->last().units_size(), 4);
  EXPECT_EQ(CounterValue(registry_, "ok"), 2);
}

TEST_F(UnitTreePublisherTest, RetriesAfterTheReceiverFailed) {
  StartFake(1);
  StartPublisher();
  ASSERT_TRUE(publisher_->WaitForAcceptedPushes(1, absl::Seconds(30)));
  EXPECT_EQ(fake_->calls(), 2);
  EXPECT_EQ(fake_->last().units_size(), 3);
  EXPECT_EQ(fake_->authorization(), absl::StrCat("Bearer ", key_));
  EXPECT_EQ(CounterValue(registry_, "error"), 1);
  EXPECT_EQ(CounterValue(registry_, "ok"), 1);
}

TEST_F(UnitTreePublisherTest, DoesNotResendAnUnchangedTree) {
  StartFake(0);
  StartPublisher();
  ASSERT_TRUE(publisher_->WaitForAttempts(1, absl::Seconds(30)));
  publisher_->Changed();  // nothing changed in the store
  ASSERT_TRUE(publisher_->WaitForAttempts(2, absl::Seconds(30)));
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_EQ(CounterValue(registry_, "unchanged"), 1);
}

TEST_F(UnitTreePublisherTest, StopsWhileTheReceiverIsUnreachable) {
  StartFake(1000000);
  StartPublisher();
  ASSERT_TRUE(publisher_->WaitForAttempts(2, absl::Seconds(30)));
  publisher_->Stop();
  EXPECT_EQ(publisher_->accepted_pushes(), 0);
}

}  // namespace
}  // namespace chiso::assignment
