// The copy of the unit tree (common/unitdir) on both storage backends, and
// ReplaceUnitTree over an in-process server with authentication on.

#include "common/unitdir/unit_directory.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/access/test_identities.h"
#include "tests/support/test_database.h"

namespace chiso::unitdir {
namespace {

namespace cv1 = chiso::common::v1;
using test_support::Backend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A province: the UBND tỉnh with two departments, one of which has two
// offices; a second root stands alone.
std::vector<UnitLink> Province() {
  return {
      {"units/tinh", ""},
      {"units/so-noi-vu", "units/tinh"},
      {"units/so-tnmt", "units/tinh"},
      {"units/phong-dat-dai", "units/so-tnmt"},
      {"units/phong-moi-truong", "units/so-tnmt"},
      {"units/other_root.1", ""},
  };
}

class UnitDirectoryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, UnitDirectoryMigrations(1)).ok());
    directory_ = std::make_unique<UnitDirectory>(db_.get());
  }

  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<UnitDirectory> directory_;
};

TEST_P(UnitDirectoryTest, ContainsFollowsTheTree) {
  ASSERT_EQ(*directory_->Replace(Province()), true);
  EXPECT_TRUE(*directory_->Contains("units/tinh", "units/tinh"));
  EXPECT_TRUE(*directory_->Contains("units/tinh", "units/so-noi-vu"));
  EXPECT_TRUE(*directory_->Contains("units/tinh", "units/phong-dat-dai"));
  EXPECT_TRUE(*directory_->Contains("units/so-tnmt", "units/phong-moi-truong"));
  EXPECT_FALSE(*directory_->Contains("units/so-noi-vu", "units/phong-dat-dai"));
  EXPECT_FALSE(*directory_->Contains("units/phong-dat-dai", "units/so-tnmt"));
  EXPECT_FALSE(*directory_->Contains("units/other_root.1", "units/so-tnmt"));
  EXPECT_FALSE(*directory_->Contains("units/tinh", "units/other_root.1"));
  // Unknown units: in their own subtree only.
  EXPECT_TRUE(*directory_->Contains("units/unknown", "units/unknown"));
  EXPECT_FALSE(*directory_->Contains("units/tinh", "units/unknown"));
  EXPECT_FALSE(*directory_->Contains("units/unknown", "units/tinh"));
  EXPECT_FALSE(*directory_->Contains("", "units/tinh"));
  EXPECT_FALSE(*directory_->Contains("units/tinh", ""));
}

TEST_P(UnitDirectoryTest, SubtreeAndAncestors) {
  ASSERT_EQ(*directory_->Replace(Province()), true);
  EXPECT_THAT(*directory_->Subtree("units/so-tnmt"),
              ElementsAre("units/phong-dat-dai", "units/phong-moi-truong", "units/so-tnmt"));
  EXPECT_THAT(*directory_->Subtree("units/tinh"),
              ElementsAre("units/phong-dat-dai", "units/phong-moi-truong", "units/so-noi-vu",
                          "units/so-tnmt", "units/tinh"));
  EXPECT_THAT(*directory_->Subtree("units/phong-dat-dai"), ElementsAre("units/phong-dat-dai"));
  EXPECT_THAT(*directory_->Subtree("units/unknown"), ElementsAre("units/unknown"));
  EXPECT_THAT(*directory_->Subtree(""), IsEmpty());

  EXPECT_THAT(*directory_->Ancestors("units/phong-dat-dai"),
              ElementsAre("units/so-tnmt", "units/tinh"));
  EXPECT_THAT(*directory_->Ancestors("units/so-noi-vu"), ElementsAre("units/tinh"));
  EXPECT_THAT(*directory_->Ancestors("units/tinh"), IsEmpty());
  EXPECT_THAT(*directory_->Ancestors("units/unknown"), IsEmpty());
  EXPECT_EQ(*directory_->Size(), 6);
}

TEST_P(UnitDirectoryTest, SubtreeSubqueryFiltersInSql) {
  ASSERT_EQ(*directory_->Replace(Province()), true);
  std::vector<std::string> got;
  ASSERT_TRUE(db_->Read([&](storage::Tx& tx) -> absl::Status {
                   absl::StatusOr<std::vector<storage::Row>> rows =
                       tx.Query(absl::StrCat("SELECT unit FROM unit_tree WHERE unit IN (",
                                             SubtreeSubquery("$1"), ") ORDER BY unit"),
                                {std::string("units/so-tnmt")});
                   if (!rows.ok()) return rows.status();
                   for (const auto& row : *rows) got.push_back(row.Text(0));
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_THAT(got, ElementsAre("units/phong-dat-dai", "units/phong-moi-truong", "units/so-tnmt"));
}

TEST_P(UnitDirectoryTest, DeepChainStaysCorrect) {
  std::vector<UnitLink> chain;
  for (int i = 0; i < 300; ++i) {
    chain.push_back({absl::StrCat("units/u", i), i == 0 ? "" : absl::StrCat("units/u", i - 1)});
  }
  ASSERT_EQ(*directory_->Replace(chain), true);
  EXPECT_TRUE(*directory_->Contains("units/u0", "units/u299"));
  EXPECT_FALSE(*directory_->Contains("units/u299", "units/u0"));
  EXPECT_EQ(directory_->Ancestors("units/u299")->size(), 299u);
  EXPECT_EQ(directory_->Ancestors("units/u299")->front(), "units/u298");
  EXPECT_EQ(directory_->Subtree("units/u0")->size(), 300u);
}

TEST_P(UnitDirectoryTest, WalksEndOnACycleWrittenBehindItsBack) {
  // Replace never stores a cycle; a table edited by hand might hold one.
  ASSERT_TRUE(db_->Transact([](storage::Tx& tx) -> absl::Status {
                   return tx
                       .Exec(
                           "INSERT INTO unit_tree (unit, parent) VALUES "
                           "('units/a', 'units/c'), ('units/b', 'units/a'), "
                           "('units/c', 'units/b'), ('units/d', 'units/c')")
                       .status();
                 })
                  .ok());
  EXPECT_TRUE(*directory_->Contains("units/a", "units/d"));
  EXPECT_FALSE(*directory_->Contains("units/d", "units/a"));
  EXPECT_FALSE(*directory_->Contains("units/x", "units/d"));
  EXPECT_THAT(*directory_->Subtree("units/a"),
              ElementsAre("units/a", "units/b", "units/c", "units/d"));
  EXPECT_THAT(*directory_->Ancestors("units/d"), ElementsAre("units/c", "units/b", "units/a"));
}

TEST_P(UnitDirectoryTest, ReplaceChangesAndReportsWhetherItDid) {
  ASSERT_EQ(*directory_->Replace(Province()), true);
  // The same tree in another order changes nothing.
  std::vector<UnitLink> reversed = Province();
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(*directory_->Replace(reversed), false);

  // Moving an office and dropping the second root.
  std::vector<UnitLink> moved = {
      {"units/tinh", ""},
      {"units/so-noi-vu", "units/tinh"},
      {"units/so-tnmt", "units/tinh"},
      {"units/phong-dat-dai", "units/so-noi-vu"},
      {"units/phong-moi-truong", "units/so-tnmt"},
  };
  EXPECT_EQ(*directory_->Replace(moved), true);
  EXPECT_TRUE(*directory_->Contains("units/so-noi-vu", "units/phong-dat-dai"));
  EXPECT_FALSE(*directory_->Contains("units/so-tnmt", "units/phong-dat-dai"));
  EXPECT_EQ(*directory_->Size(), 5);
  EXPECT_EQ(directory_->Links()->size(), 5u);

  EXPECT_EQ(*directory_->Replace({}), true);
  EXPECT_EQ(*directory_->Size(), 0);
  EXPECT_EQ(*directory_->Replace({}), false);
}

TEST_P(UnitDirectoryTest, UnchangedTreeWritesNothing) {
  ASSERT_EQ(*directory_->Replace(Province()), true);
  // A trigger counts every write to the table.
  ASSERT_TRUE(db_->Transact([](storage::Tx& tx) -> absl::Status {
                   if (absl::StatusOr<int64_t> n =
                           tx.Exec("CREATE TABLE unit_tree_writes (n INTEGER NOT NULL)");
                       !n.ok()) {
                     return n.status();
                   }
                   return tx.Exec("INSERT INTO unit_tree_writes (n) VALUES (0)").status();
                 })
                  .ok());
  const std::string trigger =
      GetParam() == Backend::kSqlite
          ? "CREATE TRIGGER count_writes AFTER DELETE ON unit_tree BEGIN "
            "UPDATE unit_tree_writes SET n = n + 1; END"
          : "CREATE FUNCTION count_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE unit_tree_writes SET n = n + 1; RETURN NULL; END $$; "
            "CREATE TRIGGER count_writes AFTER DELETE OR INSERT ON unit_tree "
            "FOR EACH STATEMENT EXECUTE FUNCTION count_writes()";
  ASSERT_TRUE(db_->Transact([&](storage::Tx& tx) { return tx.ExecScript(trigger); }).ok());
  auto writes = [&] {
    int64_t n = -1;
    EXPECT_TRUE(db_->Read([&](storage::Tx& tx) -> absl::Status {
                     absl::StatusOr<std::vector<storage::Row>> rows =
                         tx.Query("SELECT n FROM unit_tree_writes");
                     if (!rows.ok()) return rows.status();
                     n = rows->front().Int(0);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  };
  EXPECT_EQ(*directory_->Replace(Province()), false);
  EXPECT_EQ(writes(), 0);
  std::vector<UnitLink> smaller = Province();
  smaller.pop_back();
  EXPECT_EQ(*directory_->Replace(smaller), true);
  EXPECT_GT(writes(), 0);
}

TEST_P(UnitDirectoryTest, LargeTreeIsBatched) {
  std::vector<UnitLink> links = {{"units/root", ""}};
  for (int i = 0; i < 2000; ++i) links.push_back({absl::StrCat("units/x", i), "units/root"});
  ASSERT_EQ(*directory_->Replace(links), true);
  EXPECT_EQ(*directory_->Size(), 2001);
  EXPECT_EQ(directory_->Subtree("units/root")->size(), 2001u);
}

struct BadTree {
  std::string name;
  std::vector<UnitLink> links;
  std::string message;
};

TEST_P(UnitDirectoryTest, RefusesMalformedTreesAndKeepsTheCopy) {
  ASSERT_EQ(*directory_->Replace(Province()), true);
  std::string long_id(65, 'a');
  const std::vector<BadTree> bad = {
      {"no prefix", {{"tinh", ""}}, "units[0].unit: must be \"units/{id}\""},
      {"empty id", {{"units/", ""}}, "units[0].unit"},
      {"long id", {{"units/" + long_id, ""}}, "units[0].unit"},
      {"bad char", {{"units/a b", ""}}, "units[0].unit"},
      {"slash", {{"units/a/b", ""}}, "units[0].unit"},
      {"bad parent", {{"units/a", "a"}}, "units[0].parent: must be empty"},
      {"twice", {{"units/a", ""}, {"units/a", ""}}, "units/a is listed twice (also units[0])"},
      {"parent missing", {{"units/a", "units/b"}}, "units/b (parent of units/a) is not listed"},
      {"self parent", {{"units/a", "units/a"}}, "the parents form a cycle"},
      {"cycle",
       {{"units/r", ""}, {"units/a", "units/c"}, {"units/b", "units/a"}, {"units/c", "units/b"}},
       "the parents form a cycle"},
  };
  for (const BadTree& tree : bad) {
    absl::StatusOr<bool> got = directory_->Replace(tree.links);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << tree.name;
    EXPECT_THAT(got.status().message(), HasSubstr(tree.message)) << tree.name;
  }
  std::vector<UnitLink> too_many;
  for (int i = 0; i <= kMaxUnits; ++i) too_many.push_back({absl::StrCat("units/u", i), ""});
  absl::StatusOr<bool> got = directory_->Replace(too_many);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(got.status().message(), HasSubstr("at most 100000 units"));
  // Nothing of the refused trees reached the copy.
  EXPECT_EQ(*directory_->Size(), 6);
  EXPECT_TRUE(*directory_->Contains("units/tinh", "units/phong-dat-dai"));
}

INSTANTIATE_TEST_SUITE_P(Backends, UnitDirectoryTest, test_support::AllBackends(),
                         test_support::BackendName);

// ReplaceUnitTree over gRPC, authentication on (HS256 JWTs).

class UnitDirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *storage::OpenSqlite(":memory:");
    std::vector<storage::Migration> migrations = UnitDirectoryMigrations(1);
    for (storage::Migration& m : audit::AuditMigrations(2)) migrations.push_back(std::move(m));
    ASSERT_TRUE(storage::Migrate(*db_, migrations).ok());
    directory_ = std::make_unique<UnitDirectory>(db_.get());
    audit_ = std::make_unique<audit::AuditLog>(db_.get());

    gate_ = NewUnitDirectoryGate(ids_.authenticator());
    service_ = std::make_unique<UnitDirectoryService>(directory_.get(), gate_.get(), audit_.get());

    ServerOptions server_options;
    server_options.service_name = "unitdir-test";
    server_options.listen_address = "";
    server_options.metrics_address = "";
    server_options.drain_grace = absl::ZeroDuration();
    server_ =
        *Server::Start(server_options, {{cv1::UnitDirectory::service_full_name(), service_.get()}},
                       std::make_shared<prometheus::Registry>(), nullptr);
    stub_ = cv1::UnitDirectory::NewStub(server_->InProcessChannel());
  }

  // chiso's assignment service, granted the unit tree.
  std::string AssignmentService() {
    if (assignment_.empty()) assignment_ = ids_.Service("services/assignment", {"units.sync"});
    return assignment_;
  }
  // An administrator, who may do everything but push the unit tree.
  std::string Planner() {
    if (planner_.empty()) {
      planner_ = ids_.Person("people/lan", "units/tinh",
                             {auth::Role::kPlanner, auth::Role::kAdministrator});
    }
    return planner_;
  }

  grpc::Status Replace(const std::string& token, const std::vector<UnitLink>& links,
                       cv1::ReplaceUnitTreeResponse* response) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    cv1::ReplaceUnitTreeRequest request;
    for (const UnitLink& link : links) {
      cv1::UnitTreeEntry* entry = request.add_units();
      entry->set_unit(link.unit);
      entry->set_parent(link.parent);
    }
    return stub_->ReplaceUnitTree(&context, request, response);
  }

  int Events() {
    absl::StatusOr<cv1::ListAuditEventsResponse> events =
        audit_->List(cv1::ListAuditEventsRequest());
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? events->events_size() : -1;
  }

  testing::TestIdentities ids_;
  std::string assignment_, planner_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<UnitDirectory> directory_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<auth::AccessGate> gate_;
  std::unique_ptr<UnitDirectoryService> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<cv1::UnitDirectory::Stub> stub_;
};

TEST_F(UnitDirectoryServiceTest, RulesCoverTheService) {
  const google::protobuf::ServiceDescriptor* service =
      cv1::ReplaceUnitTreeRequest::descriptor()->file()->FindServiceByName("UnitDirectory");
  ASSERT_NE(service, nullptr);
  EXPECT_TRUE(gate_->CheckRules(*service).ok()) << gate_->CheckRules(*service);
}

TEST_F(UnitDirectoryServiceTest, ReplacesAndAuditsOnlyChanges) {
  int changes = 0;
  service_->SetChangeListener([&changes] { ++changes; });
  cv1::ReplaceUnitTreeResponse response;
  grpc::Status status = Replace(AssignmentService(), Province(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.unit_count(), 6);
  EXPECT_TRUE(response.changed());
  EXPECT_TRUE(*directory_->Contains("units/tinh", "units/phong-dat-dai"));
  ASSERT_EQ(Events(), 1);
  cv1::ListAuditEventsResponse events = *audit_->List(cv1::ListAuditEventsRequest());
  EXPECT_EQ(events.events(0).resource(), "unitTree");
  EXPECT_EQ(events.events(0).principal(), "services/assignment");
  EXPECT_EQ(events.events(0).rpc(), "chiso.common.v1.UnitDirectory/ReplaceUnitTree");
  EXPECT_EQ(events.events(0).before_sha256(), "");
  EXPECT_NE(events.events(0).after_sha256(), "");

  // The same tree again, in another order: nothing changes, nothing recorded.
  std::vector<UnitLink> reversed = Province();
  std::reverse(reversed.begin(), reversed.end());
  response.Clear();
  status = Replace(AssignmentService(), reversed, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.unit_count(), 6);
  EXPECT_FALSE(response.changed());
  EXPECT_EQ(Events(), 1);
  EXPECT_EQ(changes, 1);

  // A change: one more event, whose "before" is the previous "after".
  std::vector<UnitLink> smaller = Province();
  smaller.pop_back();
  status = Replace(AssignmentService(), smaller, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.changed());
  EXPECT_EQ(response.unit_count(), 5);
  events = *audit_->List(cv1::ListAuditEventsRequest());
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(0).before_sha256(), events.events(1).after_sha256());
  EXPECT_EQ(changes, 2);
}

TEST_F(UnitDirectoryServiceTest, MalformedTreeIsRefusedWithoutEvent) {
  cv1::ReplaceUnitTreeResponse response;
  grpc::Status status = Replace(AssignmentService(), {{"units/a", "units/missing"}}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("is not listed"));
  EXPECT_EQ(Events(), 0);
  EXPECT_EQ(*directory_->Size(), 0);
}

TEST_F(UnitDirectoryServiceTest, RefusesCallersWithoutUnitsSync) {
  cv1::ReplaceUnitTreeResponse response;
  // Even an administrator: only a service granted units.sync pushes the tree.
  grpc::Status status = Replace(Planner(), Province(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("units.sync"));

  status = Replace("", Province(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  status = Replace(AssignmentService() + "x", Province(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_EQ(*directory_->Size(), 0);
  EXPECT_EQ(Events(), 0);
}

}  // namespace
}  // namespace chiso::unitdir
