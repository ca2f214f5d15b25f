// Authorization of the scoring service over a real gRPC server with
// authentication on (API keys written by the test): what each role may do,
// the scope of results by unit subtree (outside it answers as missing), the
// anonymous caller refused by every RPC, and one audit event per change.

#include "services/scoring/scoring_access.h"

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/unitdir/unit_directory.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/scoring/framework_domain.h"
#include "services/scoring/scoring_clients.h"
#include "services/scoring/scoring_manager.h"
#include "services/scoring/scoring_service.h"
#include "services/scoring/scoring_store.h"
#include "services/scoring/unit_tree_refresher.h"
#include "tests/access/test_identities.h"

// common/server/transport.cc: the credential a service presents on its calls.
ABSL_DECLARE_FLAG(std::string, call_credential_file);

namespace chiso::scoring {
namespace {

using ::chiso::testing::TestIdentities;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
namespace v1 = chiso::scoring::v1;
namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;

const std::vector<std::string> kDdciCodes = {
    "TRANSPARENCY",     "TIME_COSTS",         "INFORMAL_CHARGES", "EQUAL_COMPETITION",
    "BUSINESS_SUPPORT", "LEGAL_INSTITUTIONS", "LEADERSHIP",       "DYNAMISM"};

// Unit names: "units/" and an id of 26 characters.
const std::string kProv = "units/000000000000000000000000pr";
const std::string kA = "units/0000000000000000000000000a";
const std::string kA1 = "units/000000000000000000000000a1";
const std::string kA2 = "units/000000000000000000000000a2";
const std::string kA3 = "units/000000000000000000000000a3";
const std::string kA9 = "units/000000000000000000000000a9";
const std::string kA10 = "units/00000000000000000000000a10";
const std::string kB = "units/0000000000000000000000000b";
const std::string kZz = "units/000000000000000000000000zz";
const std::string kOld = "units/000000000000000000000000dd";

cv1::Decimal Dec(const std::string& value) {
  cv1::Decimal d;
  d.set_value(value);
  return d;
}

// A DDCI department version through the API, measured by a body no catalog
// version names (so it overlaps nothing).
Framework DdciVersion(int start, int end) {
  Framework f;
  f.set_code("DDCI");
  f.set_level(v1::LEVEL_DEPARTMENT);
  f.mutable_valid_years()->set_start_year(start);
  f.mutable_valid_years()->set_end_year(end);
  f.mutable_measured_by()->set_display_name("UBND tỉnh Thử Nghiệm");
  for (const std::string& code : kDdciCodes) {
    v1::Component* c = f.add_components();
    c->set_code(code);
    *c->mutable_min() = Dec("0");
    *c->mutable_max() = Dec("10");
    c->set_higher_is_better(true);
  }
  f.set_aggregation(v1::AGGREGATION_MEAN_SCALED);
  *f.mutable_scale() = Dec("10");
  return f;
}

// A DDCI result of Lạng Sơn's department block about `unit` (catalog version
// ddci-2016-department).
Result UnitResult(const std::string& unit, int year, const std::string& time_costs = "7") {
  Result r;
  r.mutable_subject()->set_unit(unit);
  r.set_framework_code("DDCI");
  r.set_level(v1::LEVEL_DEPARTMENT);
  r.set_year(year);
  r.set_peer_group("Sở, ban, ngành tỉnh Lạng Sơn");
  v1::ComponentScore* c = r.add_component_scores();
  c->set_component("TIME_COSTS");
  *c->mutable_score() = Dec(time_costs);
  return r;
}

Result EntityResult(const std::string& entity, int year) {
  Result r = UnitResult("", year);
  r.mutable_subject()->set_entity(entity);
  return r;
}

// The unit tree the assignment service holds, as a UnitLister.
class FakeUnitLister : public UnitLister {
 public:
  void Put(const std::string& unit, const std::string& parent) {
    absl::MutexLock lock(&mu_);
    units_[unit] = parent;
  }
  absl::StatusOr<std::vector<UnitParent>> ListAllUnits(int) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    std::vector<UnitParent> out;
    for (const auto& [unit, parent] : units_) out.push_back(UnitParent{unit, parent});
    return out;
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> units_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// kProv ─┬─ kA ── kA1
//        └─ kB
class ScoringAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, ScoringMigrations()).ok());
    store_ = NewSqlScoringStore(db_.get());
    absl::StatusOr<std::vector<Framework>> versions = LoadCatalogFrameworks(catalog_, "");
    ASSERT_TRUE(versions.ok()) << versions.status();

    for (const auto& [unit, parent] : std::vector<std::pair<std::string, std::string>>{
             {kProv, ""}, {kA, kProv}, {kA1, kA}, {kB, kProv}}) {
      AddUnit(unit, parent);
    }
    unit_directory_ = std::make_unique<unitdir::UnitDirectory>(db_.get());
    tree_ = std::make_unique<RefreshingUnitTree>(unit_directory_.get(), db_.get(), &lister_,
                                                 absl::Seconds(5), [this] { return now_; });
    ASSERT_TRUE(tree_->Refresh().ok());

    manager_ = std::make_unique<ScoringManager>(store_.get(), &catalog_, *std::move(versions),
                                                &directory_, &plans_, &clock_, &ids_, nullptr);
    manager_->SetAccess(tree_.get(), nullptr);

    // The API keys of the people the tests act as.
    keys_["admin"] = identities_.Person("people/admin", kProv, {auth::Role::kAdministrator});
    keys_["planner-a"] = identities_.Person("people/planner-a", kA, {auth::Role::kPlanner});
    keys_["viewer-a"] = identities_.Person("people/viewer-a", kA, {auth::Role::kViewer});
    keys_["planner-b"] = identities_.Person("people/planner-b", kB, {auth::Role::kPlanner});
    gate_ = NewScoringGate(identities_.authenticator());
    service_ = std::make_unique<ScoringServiceImpl>(manager_.get(), gate_.get());

    ServerOptions options;
    options.service_name = "scoring";
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ =
        *Server::Start(options, {{v1::ScoringService::service_full_name(), service_.get()}},
                       std::make_shared<prometheus::Registry>(), [] { return absl::OkStatus(); });
    stub_ = v1::ScoringService::NewStub(server_->InProcessChannel());
  }

  void AddUnit(const std::string& unit, const std::string& parent) {
    lister_.Put(unit, parent);
    av1::Unit u;
    u.set_name(unit);
    // kB has the code "U-b".
    u.set_code(absl::StrCat("U-", unit.substr(unit.find_first_not_of('0', 6))));
    u.set_display_name(absl::StrCat("Đơn vị ", unit));
    u.set_parent(parent);
    directory_.PutUnit(u);
  }

  // A context calling as the holder of `key_id` ("" for no credential).
  std::unique_ptr<grpc::ClientContext> As(const std::string& key_id) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!key_id.empty()) TestIdentities::Authorize(context.get(), keys_.at(key_id));
    return context;
  }

  grpc::Status CreateResult(const std::string& who, const Result& r, Result* out) {
    v1::CreateResultRequest req;
    *req.mutable_result() = r;
    return stub_->CreateResult(As(who).get(), req, out);
  }
  Result MustCreateResult(const std::string& who, const Result& r) {
    Result out;
    grpc::Status s = CreateResult(who, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status GetResult(const std::string& who, const std::string& name, Result* out) {
    v1::GetResultRequest req;
    req.set_name(name);
    return stub_->GetResult(As(who).get(), req, out);
  }
  grpc::Status UpdateNote(const std::string& who, const std::string& name,
                          const std::string& note) {
    v1::UpdateResultRequest req;
    req.mutable_result()->set_name(name);
    req.mutable_result()->set_note(note);
    req.mutable_update_mask()->add_paths("note");
    Result out;
    return stub_->UpdateResult(As(who).get(), req, &out);
  }
  grpc::Status DeleteResult(const std::string& who, const std::string& name) {
    v1::DeleteResultRequest req;
    req.set_name(name);
    google::protobuf::Empty out;
    return stub_->DeleteResult(As(who).get(), req, &out);
  }
  // Subjects listed for `who` (display names of units, entity names).
  std::vector<std::string> Listed(const std::string& who, int page_size = 0) {
    std::vector<std::string> out;
    v1::ListResultsRequest req;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListResultsResponse resp;
      grpc::Status s = stub_->ListResults(As(who).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const Result& r : resp.results()) {
        out.push_back(r.subject().kind_case() == v1::Subject::kUnit ? r.subject().unit()
                                                                    : r.subject().entity());
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return out;
  }
  std::vector<cv1::AuditEvent> Events() {
    cv1::ListAuditEventsRequest req;
    req.set_page_size(1000);
    absl::StatusOr<cv1::ListAuditEventsResponse> resp = manager_->ListAuditEvents(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok()) return {};
    return {resp->events().begin(), resp->events().end()};
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  Catalog catalog_ = *Catalog::Builtin();
  civil::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2024, 3, 1, 2, 0, 0), absl::UTCTimeZone())};
  IdGenerator ids_;
  InMemoryDirectoryReader directory_;
  InMemoryPlanReader plans_;
  FakeUnitLister lister_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ScoringStore> store_;
  std::unique_ptr<unitdir::UnitDirectory> unit_directory_;
  std::unique_ptr<RefreshingUnitTree> tree_;
  std::unique_ptr<ScoringManager> manager_;
  TestIdentities identities_;
  std::map<std::string, std::string> keys_;
  std::unique_ptr<auth::AccessGate> gate_;
  std::unique_ptr<ScoringServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::ScoringService::Stub> stub_;
};

const google::protobuf::ServiceDescriptor& ScoringDescriptor() {
  return *v1::CreateFrameworkRequest::descriptor()->file()->FindServiceByName("ScoringService");
}

TEST(ScoringRulesTest, CoverEveryMethodOnce) {
  const absl::Status covered = NewScoringGate(nullptr)->CheckRules(ScoringDescriptor());
  EXPECT_TRUE(covered.ok()) << covered;
}

TEST_F(ScoringAccessTest, EveryRpcRefusesACallerWithoutCredential) {
  google::protobuf::Empty empty;
  Framework framework;
  Result result;
  std::map<std::string, grpc::Status> got;
  {
    v1::CreateFrameworkRequest req;
    *req.mutable_framework() = DdciVersion(2030, 2031);
    got["CreateFramework"] = stub_->CreateFramework(As("").get(), req, &framework);
  }
  {
    v1::GetFrameworkRequest req;
    req.set_name("frameworks/ddci-2016-department");
    got["GetFramework"] = stub_->GetFramework(As("").get(), req, &framework);
  }
  {
    v1::ListFrameworksResponse resp;
    got["ListFrameworks"] = stub_->ListFrameworks(As("").get(), {}, &resp);
  }
  got["UpdateFramework"] = stub_->UpdateFramework(As("").get(), {}, &framework);
  got["DeleteFramework"] = stub_->DeleteFramework(As("").get(), {}, &empty);
  {
    v1::CreateResultRequest req;
    *req.mutable_result() = UnitResult(kA, 2019);
    got["CreateResult"] = stub_->CreateResult(As("").get(), req, &result);
  }
  got["GetResult"] = stub_->GetResult(As("").get(), {}, &result);
  {
    v1::ListResultsResponse resp;
    got["ListResults"] = stub_->ListResults(As("").get(), {}, &resp);
  }
  got["UpdateResult"] = stub_->UpdateResult(As("").get(), {}, &result);
  got["DeleteResult"] = stub_->DeleteResult(As("").get(), {}, &empty);
  {
    v1::ImportResultsResponse resp;
    got["ImportResults"] = stub_->ImportResults(As("").get(), {}, &resp);
  }
  {
    v1::GetRankingResponse resp;
    got["GetRanking"] = stub_->GetRanking(As("").get(), {}, &resp);
  }
  {
    v1::GetTrendResponse resp;
    got["GetTrend"] = stub_->GetTrend(As("").get(), {}, &resp);
  }
  {
    v1::ComputeScorecardResponse resp;
    got["ComputeScorecard"] = stub_->ComputeScorecard(As("").get(), {}, &resp);
  }
  {
    cv1::ListAuditEventsResponse resp;
    got["ListAuditEvents"] = stub_->ListAuditEvents(As("").get(), {}, &resp);
  }
  const google::protobuf::ServiceDescriptor& service = ScoringDescriptor();
  ASSERT_EQ(static_cast<int>(got.size()), service.method_count()) << "every RPC is called";
  for (const auto& [method, status] : got) {
    EXPECT_NE(service.FindMethodByName(method), nullptr) << method;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << method << ": " << status.error_message();
  }
  // A credential nobody issued is refused the same way.
  grpc::ClientContext forged;
  forged.AddMetadata("authorization",
                     "Bearer chiso_admin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  v1::ListResultsResponse resp;
  EXPECT_EQ(stub_->ListResults(&forged, {}, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Events().empty());
}

TEST_F(ScoringAccessTest, APlannerCannotTouchFrameworks) {
  Framework created;
  v1::CreateFrameworkRequest create;
  *create.mutable_framework() = DdciVersion(2030, 2031);
  create.set_framework_id("ddci-test");
  ASSERT_TRUE(stub_->CreateFramework(As("admin").get(), create, &created).ok());
  ASSERT_EQ(Events().size(), 1u);

  Framework out;
  create.set_framework_id("ddci-other");
  grpc::Status s = stub_->CreateFramework(As("planner-a").get(), create, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"administer\""));

  v1::UpdateFrameworkRequest update;
  *update.mutable_framework() = created;
  update.mutable_framework()->set_display_name("Đổi tên");
  update.mutable_update_mask()->add_paths("display_name");
  s = stub_->UpdateFramework(As("planner-a").get(), update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"administer\""));

  v1::DeleteFrameworkRequest del;
  del.set_name(created.name());
  google::protobuf::Empty empty;
  s = stub_->DeleteFramework(As("planner-a").get(), del, &empty);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"administer\""));
  // A viewer neither.
  s = stub_->DeleteFramework(As("viewer-a").get(), del, &empty);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Nothing changed, nothing recorded.
  v1::GetFrameworkRequest get;
  get.set_name(created.name());
  Framework stored;
  ASSERT_TRUE(stub_->GetFramework(As("planner-a").get(), get, &stored).ok())
      << "a planner reads frameworks";
  EXPECT_EQ(stored.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(Events().size(), 1u);
}

TEST_F(ScoringAccessTest, AnAdministratorManagesFrameworksAndEachChangeIsAuditedOnce) {
  Framework created;
  v1::CreateFrameworkRequest create;
  *create.mutable_framework() = DdciVersion(2030, 2031);
  create.set_framework_id("ddci-test");
  grpc::ClientContext* ctx;
  std::unique_ptr<grpc::ClientContext> owned = As("admin");
  ctx = owned.get();
  ctx->AddMetadata("x-request-id", "req-create-1");
  ASSERT_TRUE(stub_->CreateFramework(ctx, create, &created).ok());
  std::vector<cv1::AuditEvent> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].principal(), "people/admin");
  EXPECT_EQ(events[0].rpc(), "chiso.scoring.v1.ScoringService/CreateFramework");
  EXPECT_EQ(events[0].resource(), "frameworks/ddci-test");
  EXPECT_EQ(events[0].request_id(), "req-create-1");
  EXPECT_TRUE(events[0].before_sha256().empty()) << "a create has no before";
  EXPECT_FALSE(events[0].after_sha256().empty());

  v1::UpdateFrameworkRequest update;
  *update.mutable_framework() = created;
  update.mutable_framework()->set_display_name("Đổi tên");
  update.mutable_update_mask()->add_paths("display_name");
  Framework updated;
  ASSERT_TRUE(stub_->UpdateFramework(As("admin").get(), update, &updated).ok());
  events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].rpc(), "chiso.scoring.v1.ScoringService/UpdateFramework");
  EXPECT_EQ(events[0].resource(), "frameworks/ddci-test");
  EXPECT_EQ(events[0].before_sha256(), events[1].after_sha256())
      << "the update starts from the version as stored";

  // A failed change (stale etag) records nothing.
  v1::DeleteFrameworkRequest del;
  del.set_name(created.name());
  del.set_etag(created.etag());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->DeleteFramework(As("admin").get(), del, &empty).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(Events().size(), 2u);

  del.set_etag(updated.etag());
  ASSERT_TRUE(stub_->DeleteFramework(As("admin").get(), del, &empty).ok());
  events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].rpc(), "chiso.scoring.v1.ScoringService/DeleteFramework");
  EXPECT_EQ(events[0].resource(), "frameworks/ddci-test");
  EXPECT_TRUE(events[0].after_sha256().empty()) << "a delete has no after";

  // The trail is for administrators.
  cv1::ListAuditEventsResponse trail;
  EXPECT_EQ(stub_->ListAuditEvents(As("planner-a").get(), {}, &trail).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListAuditEvents(As("admin").get(), {}, &trail).ok());
  EXPECT_EQ(trail.events_size(), 3);
}

TEST_F(ScoringAccessTest, APlannerRecordsResultsOfItsSubtreeOnly) {
  Result mine = MustCreateResult("planner-a", UnitResult(kA1, 2019));
  EXPECT_EQ(mine.subject().display_name(), absl::StrCat("Đơn vị ", kA1));
  ASSERT_EQ(Events().size(), 1u);

  // Another division's unit answers exactly as a unit that does not exist.
  Result out;
  grpc::Status other = CreateResult("planner-a", UnitResult(kB, 2019), &out);
  grpc::Status unknown = CreateResult("planner-a", UnitResult(kZz, 2019), &out);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(absl::StrReplaceAll(other.error_message(), {{kB, "U"}}),
            absl::StrReplaceAll(unknown.error_message(), {{kZz, "U"}}));
  // Results about entities are the administrators' to record.
  EXPECT_EQ(CreateResult("planner-a", EntityResult("Quảng Ninh", 2019), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A viewer records nothing, even in scope.
  grpc::Status viewer = CreateResult("viewer-a", UnitResult(kA, 2019), &out);
  EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(viewer.error_message(), HasSubstr("\"score\""));
  EXPECT_EQ(Events().size(), 1u) << "refused changes record nothing";

  // B's result, recorded by an administrator: planner A can neither change
  // nor delete it, and is told it does not exist.
  Result theirs = MustCreateResult("admin", UnitResult(kB, 2019));
  ASSERT_EQ(Events().size(), 2u);
  const std::string missing = "results/0000000000000000000000zzzz";
  grpc::Status update_theirs = UpdateNote("planner-a", theirs.name(), "x");
  grpc::Status update_missing = UpdateNote("planner-a", missing, "x");
  EXPECT_EQ(update_theirs.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(update_missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(absl::StrReplaceAll(update_theirs.error_message(), {{theirs.name(), "R"}}),
            absl::StrReplaceAll(update_missing.error_message(), {{missing, "R"}}));
  grpc::Status delete_theirs = DeleteResult("planner-a", theirs.name());
  EXPECT_EQ(delete_theirs.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      absl::StrReplaceAll(delete_theirs.error_message(), {{theirs.name(), "R"}}),
      absl::StrReplaceAll(DeleteResult("planner-a", missing).error_message(), {{missing, "R"}}));
  EXPECT_EQ(Events().size(), 2u);
  ASSERT_TRUE(GetResult("admin", theirs.name(), &out).ok()) << "B's result is untouched";
  EXPECT_TRUE(out.note().empty());

  // Their own: both work, each audited once.
  ASSERT_TRUE(UpdateNote("planner-a", mine.name(), "đã kiểm tra").ok());
  ASSERT_TRUE(DeleteResult("planner-a", mine.name()).ok());
  std::vector<cv1::AuditEvent> events = Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].rpc(), "chiso.scoring.v1.ScoringService/DeleteResult");
  EXPECT_EQ(events[0].resource(), mine.name());
  EXPECT_EQ(events[0].principal(), "people/planner-a");
  EXPECT_EQ(events[1].rpc(), "chiso.scoring.v1.ScoringService/UpdateResult");
  EXPECT_EQ(events[1].resource(), mine.name());
}

TEST_F(ScoringAccessTest, AViewerReadsOnlyItsSubtree) {
  Result a = MustCreateResult("admin", UnitResult(kA, 2019));
  Result a1 = MustCreateResult("admin", UnitResult(kA1, 2019));
  Result b = MustCreateResult("admin", UnitResult(kB, 2019));
  Result b2020 = MustCreateResult("admin", UnitResult(kB, 2020));
  MustCreateResult("admin", EntityResult("Quảng Ninh", 2019));

  Result out;
  EXPECT_TRUE(GetResult("viewer-a", a1.name(), &out).ok());
  grpc::Status hidden = GetResult("viewer-a", b.name(), &out);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message(), absl::StrCat(b.name(), " not found"));
  const std::string missing = "results/0000000000000000000000zzzz";
  EXPECT_EQ(GetResult("viewer-a", missing, &out).error_message(),
            absl::StrCat(missing, " not found"))
      << "the same message as a missing result";

  // Lists omit B's results, and pages stay whole.
  EXPECT_THAT(Listed("viewer-a"), UnorderedElementsAre(kA, kA1, "Quảng Ninh"));
  EXPECT_THAT(Listed("viewer-a", 1), UnorderedElementsAre(kA, kA1, "Quảng Ninh"));
  EXPECT_THAT(Listed("planner-b"), UnorderedElementsAre(kB, kB, "Quảng Ninh"));
  EXPECT_EQ(Listed("admin").size(), 5u);
  v1::ListResultsRequest by_unit;
  by_unit.mutable_filter()->set_unit(kB);
  v1::ListResultsResponse listed;
  ASSERT_TRUE(stub_->ListResults(As("viewer-a").get(), by_unit, &listed).ok());
  EXPECT_EQ(listed.results_size(), 0);

  // B's trend is as absent as a unit without results.
  v1::GetTrendRequest trend;
  trend.mutable_subject()->set_unit(kB);
  trend.set_framework_code("DDCI");
  v1::GetTrendResponse trend_out;
  grpc::Status b_trend = stub_->GetTrend(As("viewer-a").get(), trend, &trend_out);
  EXPECT_EQ(b_trend.error_code(), grpc::StatusCode::NOT_FOUND);
  trend.mutable_subject()->set_unit(kZz);
  grpc::Status zz_trend = stub_->GetTrend(As("viewer-a").get(), trend, &trend_out);
  EXPECT_EQ(absl::StrReplaceAll(b_trend.error_message(), {{kB, "U"}}),
            absl::StrReplaceAll(zz_trend.error_message(), {{kZz, "U"}}));
  trend.mutable_subject()->set_unit(kA);
  EXPECT_TRUE(stub_->GetTrend(As("viewer-a").get(), trend, &trend_out).ok());

  // Published rankings are public: the whole peer group.
  v1::GetRankingRequest ranking;
  ranking.set_framework_code("DDCI");
  ranking.set_level(v1::LEVEL_DEPARTMENT);
  ranking.set_year(2019);
  ranking.set_peer_group("Sở, ban, ngành tỉnh Lạng Sơn");
  ranking.set_component("TIME_COSTS");
  v1::GetRankingResponse ranked;
  ASSERT_TRUE(stub_->GetRanking(As("viewer-a").get(), ranking, &ranked).ok());
  EXPECT_EQ(ranked.count(), 4);
  (void)b2020;
}

// A plan issued by `issuer` with one objective: DDCI TIME_COSTS at least 6
// in 2019.
chiso::plan::v1::Plan DdciPlan(const std::string& name, const std::string& issuer) {
  chiso::plan::v1::Plan plan;
  plan.set_name(name);
  plan.set_title("Kế hoạch cải thiện DDCI");
  plan.mutable_issuer()->set_unit(issuer);
  plan.mutable_issuer()->set_display_name("Đơn vị ban hành");
  chiso::plan::v1::Objective* o = plan.add_objectives();
  o->set_id("o1");
  o->set_framework("DDCI");
  o->set_component("TIME_COSTS");
  o->set_measure(cv1::Measure::MEASURE_SCORE);
  o->mutable_target()->set_year(2019);
  o->mutable_target()->set_comparator(cv1::Comparator::COMPARATOR_AT_LEAST);
  *o->mutable_target()->mutable_value() = Dec("6");
  return plan;
}

TEST_F(ScoringAccessTest, AScorecardIsComputedOnlyForPlansAndUnitsInScope) {
  const chiso::plan::v1::Plan plan_a = DdciPlan("plans/0000000000000000000000pp0a", kA);
  const chiso::plan::v1::Plan plan_b = DdciPlan("plans/0000000000000000000000pp0b", kB);
  plans_.Put(plan_a);
  plans_.Put(plan_b);
  MustCreateResult("admin", UnitResult(kA, 2019));
  MustCreateResult("admin", UnitResult(kA1, 2019));
  MustCreateResult("admin", UnitResult(kB, 2019));

  v1::ComputeScorecardRequest req;
  req.set_plan(plan_a.name());
  v1::ComputeScorecardResponse card;
  grpc::Status s = stub_->ComputeScorecard(As("viewer-a").get(), req, &card);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(card.subject().unit(), kA) << "the issuer is judged when no subject is given";
  EXPECT_EQ(card.met_count(), 1);
  req.mutable_subject()->set_unit(kA1);
  ASSERT_TRUE(stub_->ComputeScorecard(As("viewer-a").get(), req, &card).ok());

  // A unit of another subtree as subject: as an unknown unit.
  req.mutable_subject()->set_unit(kB);
  grpc::Status other = stub_->ComputeScorecard(As("viewer-a").get(), req, &card);
  req.mutable_subject()->set_unit(kZz);
  grpc::Status unknown = stub_->ComputeScorecard(As("viewer-a").get(), req, &card);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(absl::StrReplaceAll(other.error_message(), {{kB, "U"}}),
            absl::StrReplaceAll(unknown.error_message(), {{kZz, "U"}}));

  // Another subtree's plan, even about one's own unit: as a missing plan.
  req.set_plan(plan_b.name());
  req.mutable_subject()->set_unit(kA);
  grpc::Status hidden = stub_->ComputeScorecard(As("viewer-a").get(), req, &card);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message(), absl::StrCat(plan_b.name(), " not found"));
  req.set_plan("plans/0000000000000000000000pp0c");
  EXPECT_EQ(stub_->ComputeScorecard(As("viewer-a").get(), req, &card).error_message(),
            "plans/0000000000000000000000pp0c not found");
  // Its own planner and administrators see it.
  req.set_plan(plan_b.name());
  req.clear_subject();
  ASSERT_TRUE(stub_->ComputeScorecard(As("planner-b").get(), req, &card).ok());
  EXPECT_EQ(card.subject().unit(), kB);
  EXPECT_TRUE(stub_->ComputeScorecard(As("admin").get(), req, &card).ok());
}

TEST_F(ScoringAccessTest, ImportReportsOutOfScopeRowsAsUnknownUnits) {
  const std::string csv =
      absl::StrCat("framework,level,year,unit,peer_group,TIME_COSTS\n", "DDCI,department,2019,",
                   kA1, ",Sở, ban, ngành tỉnh Lạng Sơn,7\n", "DDCI,department,2019,", kB,
                   ",Sở, ban, ngành tỉnh Lạng Sơn,7\n", "DDCI,department,2019,", kZz,
                   ",Sở, ban, ngành tỉnh Lạng Sơn,7\n",
                   "DDCI,department,2019,U-b,Sở, ban, ngành tỉnh Lạng Sơn,7\n"
                   "DDCI,department,2019,U-nope,Sở, ban, ngành tỉnh Lạng Sơn,7\n");
  // Quote the peer group (it holds commas).
  const std::string quoted = absl::StrReplaceAll(
      csv, {{",Sở, ban, ngành tỉnh Lạng Sơn,", ",\"Sở, ban, ngành tỉnh Lạng Sơn\","}});
  v1::ImportResultsRequest req;
  req.set_csv(quoted);
  v1::ImportResultsResponse resp;
  grpc::Status s = stub_->ImportResults(As("planner-a").get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.row_count(), 5);
  EXPECT_EQ(resp.imported_count(), 0) << "bad rows stop the import";
  ASSERT_EQ(resp.errors_size(), 4);
  EXPECT_EQ(resp.errors(0).line(), 3);
  EXPECT_EQ(resp.errors(0).column(), "unit");
  EXPECT_EQ(absl::StrReplaceAll(resp.errors(0).reason(), {{kB, "U"}}),
            absl::StrReplaceAll(resp.errors(1).reason(), {{kZz, "U"}}));
  EXPECT_EQ(absl::StrReplaceAll(resp.errors(2).reason(), {{"U-b", "U"}}),
            absl::StrReplaceAll(resp.errors(3).reason(), {{"U-nope", "U"}}));
  EXPECT_TRUE(Events().empty()) << "nothing imported, nothing recorded";

  req.set_skip_invalid(true);
  ASSERT_TRUE(stub_->ImportResults(As("planner-a").get(), req, &resp).ok());
  EXPECT_EQ(resp.imported_count(), 1);
  EXPECT_THAT(Listed("admin"), UnorderedElementsAre(kA1));
  std::vector<cv1::AuditEvent> events = Events();
  ASSERT_EQ(events.size(), 1u) << "one import, one event";
  EXPECT_EQ(events[0].rpc(), "chiso.scoring.v1.ScoringService/ImportResults");
  EXPECT_THAT(events[0].resource(), HasSubstr("DDCI 2019"));
  EXPECT_FALSE(events[0].after_sha256().empty());

  // validate_only writes nothing and records nothing.
  req.set_validate_only(true);
  req.set_replace_existing(true);
  ASSERT_TRUE(stub_->ImportResults(As("planner-a").get(), req, &resp).ok());
  EXPECT_EQ(Events().size(), 1u);
}

TEST_F(ScoringAccessTest, AUnitNewerThanTheCopyIsLearnedOnFirstUse) {
  now_ += absl::Seconds(5);  // the last refresh (SetUp) was 5 s ago
  const int before = lister_.calls();
  AddUnit(kA2, kA);  // created in the directory after the last refresh
  Result out;
  grpc::Status s = CreateResult("planner-a", UnitResult(kA2, 2019), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(lister_.calls(), before + 1) << "an unknown unit refreshes the copy once";

  // Within 5 s another unknown unit does not refresh again.
  AddUnit(kA3, kA);
  EXPECT_EQ(CreateResult("planner-a", UnitResult(kA3, 2019), &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(lister_.calls(), before + 1);
  now_ += absl::Seconds(5);
  ASSERT_TRUE(CreateResult("planner-a", UnitResult(kA3, 2019), &out).ok());
  EXPECT_EQ(lister_.calls(), before + 2);
}

TEST(ScoringDefaultsTest, WithoutAGateAuthenticationIsOffAndChangesAreStillAudited) {
  // As the tests, fuzzers and benches wire it: no gate, no tree, no trail given.
  std::unique_ptr<storage::Database> db = *storage::OpenSqlite(":memory:");
  ASSERT_TRUE(storage::Migrate(*db, ScoringMigrations()).ok());
  std::unique_ptr<ScoringStore> store = NewSqlScoringStore(db.get());
  Catalog catalog = *Catalog::Builtin();
  civil::FakeClock clock(absl::FromUnixSeconds(1700000000));
  IdGenerator ids;
  InMemoryDirectoryReader directory;
  InMemoryPlanReader plans;
  ScoringManager manager(store.get(), &catalog, *LoadCatalogFrameworks(catalog, ""), &directory,
                         &plans, &clock, &ids, nullptr);
  ScoringServiceImpl service(&manager);
  ServerOptions options;
  options.service_name = "scoring";
  options.listen_address = "";
  options.metrics_address = "";
  options.drain_grace = absl::ZeroDuration();
  std::unique_ptr<Server> server =
      *Server::Start(options, {{v1::ScoringService::service_full_name(), &service}},
                     std::make_shared<prometheus::Registry>(), [] { return absl::OkStatus(); });
  auto stub = v1::ScoringService::NewStub(server->InProcessChannel());

  grpc::ClientContext ctx;
  v1::CreateFrameworkRequest req;
  *req.mutable_framework() = DdciVersion(2030, 2031);
  Framework created;
  ASSERT_TRUE(stub->CreateFramework(&ctx, req, &created).ok()) << "anonymous callers may do all";
  grpc::ClientContext list_ctx;
  cv1::ListAuditEventsResponse trail;
  ASSERT_TRUE(stub->ListAuditEvents(&list_ctx, {}, &trail).ok());
  ASSERT_EQ(trail.events_size(), 1);
  EXPECT_EQ(trail.events(0).principal(), "anonymous");
  EXPECT_EQ(trail.events(0).resource(), created.name());
}

// ---- The refresh from the assignment service ------------------------------------

// ListUnits of an assignment service holding `units`, two per page.
class FakeAssignment final : public av1::AssignmentService::Service {
 public:
  void Put(const std::string& unit, const std::string& parent) {
    absl::MutexLock lock(&mu_);
    units_[unit] = parent;
  }
  grpc::Status ListUnits(grpc::ServerContext* context, const av1::ListUnitsRequest* request,
                         av1::ListUnitsResponse* response) override {
    absl::MutexLock lock(&mu_);
    if (request->filter().states_size() != 0 || !request->filter().parent().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the copy needs every unit");
    }
    ++calls_;
    auto auth = context->client_metadata().find("authorization");
    authorization_ = auth == context->client_metadata().end()
                         ? std::string()
                         : std::string(auth->second.data(), auth->second.size());
    auto it =
        request->page_token().empty() ? units_.begin() : units_.upper_bound(request->page_token());
    for (int n = 0; it != units_.end() && n < 2; ++it, ++n) {
      av1::Unit* u = response->add_units();
      u->set_name(it->first);
      u->set_parent(it->second);
    }
    if (it != units_.end()) response->set_next_page_token(response->units().rbegin()->name());
    if (calls_ == 1) first_call_.Notify();
    return grpc::Status::OK;
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  absl::Notification& first_call() { return first_call_; }
  // The "authorization" metadata of the last call.
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> units_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
  absl::Notification first_call_;
};

class UnitTreeRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, ScoringMigrations()).ok());
    ServerOptions options;
    options.service_name = "assignment";
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ =
        *Server::Start(options, {{av1::AssignmentService::service_full_name(), &fake_}},
                       std::make_shared<prometheus::Registry>(), [] { return absl::OkStatus(); });
    lister_ = NewGrpcUnitLister(server_->InProcessChannel());
    directory_ = std::make_unique<unitdir::UnitDirectory>(db_.get());
    tree_ = std::make_unique<RefreshingUnitTree>(directory_.get(), db_.get(), lister_.get(),
                                                 absl::Seconds(5), [this] { return now_; });
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  FakeAssignment fake_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<UnitLister> lister_;
  std::unique_ptr<unitdir::UnitDirectory> directory_;
  std::unique_ptr<RefreshingUnitTree> tree_;
};

TEST_F(UnitTreeRefreshTest, FillsTheCopyFromEveryPageOfListUnits) {
  fake_.Put(kProv, "");
  fake_.Put(kA, kProv);
  fake_.Put(kA1, kA);
  fake_.Put(kB, kProv);
  fake_.Put(kOld, kB);  // merged or ended: still listed, still placed
  ASSERT_TRUE(tree_->Refresh().ok());
  EXPECT_EQ(fake_.calls(), 3) << "five units, two per page";
  EXPECT_EQ(*directory_->Size(), 5);
  EXPECT_TRUE(*tree_->Contains(kProv, kA1));
  EXPECT_TRUE(*tree_->Contains(kB, kOld));
  EXPECT_FALSE(*tree_->Contains(kA, kB));
  EXPECT_EQ(fake_.calls(), 3) << "known units need no refresh";
}

TEST_F(UnitTreeRefreshTest, CallsCarryTheServiceCredential) {
  absl::FlagSaver saver;
  const std::string path = absl::StrCat(::testing::TempDir(), "/scoring_call_credential");
  std::ofstream(path) << "chiso_scoring-svc_test-credential\n";
  absl::SetFlag(&FLAGS_call_credential_file, path);
  fake_.Put(kProv, "");
  ASSERT_TRUE(tree_->Refresh().ok());
  EXPECT_EQ(fake_.authorization(), "Bearer chiso_scoring-svc_test-credential");
}

TEST_F(UnitTreeRefreshTest, RefreshesOnAnUnknownUnitAtMostEveryFiveSeconds) {
  fake_.Put(kProv, "");
  fake_.Put(kA, kProv);
  ASSERT_TRUE(tree_->Refresh().ok());
  const int calls = fake_.calls();
  fake_.Put(kA9, kA);
  now_ += absl::Seconds(4);
  EXPECT_FALSE(*tree_->Contains(kA, kA9)) << "4 s after a refresh: too soon for another";
  EXPECT_EQ(fake_.calls(), calls);
  now_ += absl::Seconds(1);
  EXPECT_TRUE(*tree_->Contains(kA, kA9)) << "learned on first use";
  EXPECT_GT(fake_.calls(), calls);

  const int after = fake_.calls();
  fake_.Put(kA10, kA);
  now_ += absl::Seconds(4);
  EXPECT_FALSE(*tree_->Contains(kA, kA10)) << "too soon to refresh again";
  EXPECT_EQ(fake_.calls(), after);
  now_ += absl::Seconds(1);
  EXPECT_TRUE(*tree_->Contains(kA, kA10));
  EXPECT_GT(fake_.calls(), after);
}

TEST_F(UnitTreeRefreshTest, AnUnreachableServiceLeavesTheCopyAsItWas) {
  fake_.Put(kProv, "");
  fake_.Put(kA, kProv);
  ASSERT_TRUE(tree_->Refresh().ok());
  // Nothing listens on port 1.
  std::unique_ptr<UnitLister> away = NewGrpcUnitLister(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), absl::Seconds(5));
  RefreshingUnitTree cut_off(directory_.get(), db_.get(), away.get(), absl::Seconds(5),
                             [this] { return now_; });
  EXPECT_EQ(cut_off.Refresh().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*directory_->Size(), 2);
  EXPECT_TRUE(*cut_off.Contains(kProv, kA));
  EXPECT_FALSE(*cut_off.Contains(kProv, kA9)) << "an unknown unit stays outside every subtree";
}

TEST_F(UnitTreeRefreshTest, RefreshesInTheBackgroundUntilStopped) {
  fake_.Put(kProv, "");
  tree_->Start(absl::Hours(1));
  ASSERT_TRUE(fake_.first_call().WaitForNotificationWithTimeout(absl::Seconds(30)));
  tree_->Stop();
  EXPECT_EQ(fake_.calls(), 1) << "one refresh at start, the next an hour away";
  EXPECT_EQ(*directory_->Size(), 1);
  tree_->Stop();  // idempotent
}

}  // namespace
}  // namespace chiso::scoring
