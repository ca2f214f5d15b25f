// Authorization, scope and audit of the plan service (plan_access.h) over an
// in-process server with authentication on (API keys written by the test),
// on both storage backends: who may call what, which plans each caller sees,
// and the one audit event of every committed change.

#include "services/plan/plan_access.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/audit/audit_log.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/unitdir/unit_directory.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/plan/plan_service.h"
#include "services/plan/report_reminder_source.h"
#include "tests/access/test_identities.h"
#include "tests/plan/plan_fixtures.h"
#include "tests/support/test_database.h"

namespace chiso::plan {
namespace {

namespace cv1 = chiso::common::v1;
namespace v1 = chiso::plan::v1;
using ::chiso::testing::TestIdentities;
using test_support::Backend;
using ::testing::HasSubstr;
using ::testing::Not;

// The province: UBND tỉnh (…tnh0) over two divisions (…dva0, …dvb0);
// division A has an office (…fce0). Unit ids are generated ids, as plans
// require.
std::vector<unitdir::UnitLink> Tree() {
  return {{"units/0000000000000000000000tnh0", ""},
          {"units/0000000000000000000000dva0", "units/0000000000000000000000tnh0"},
          {"units/0000000000000000000000dvb0", "units/0000000000000000000000tnh0"},
          {"units/0000000000000000000000fce0", "units/0000000000000000000000dva0"}};
}

class PlanAccessTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, PlanMigrations()).ok());
    store_ = NewSqlPlanStore(db_.get());
    manager_ = std::make_unique<PlanManager>(store_.get(), &catalog_, &clock_, &ids_, nullptr);
    units_ = std::make_unique<unitdir::UnitDirectory>(db_.get());
    ASSERT_TRUE(units_->Replace(Tree()).ok());
    audit_ = std::make_unique<audit::AuditLog>(db_.get());

    // One API key per caller.
    keys_["admin"] = identities_.Person("people/admin", "units/0000000000000000000000tnh0",
                                        {auth::Role::kAdministrator});
    keys_["viewer-a"] = identities_.Person("people/viewer-a", "units/0000000000000000000000dva0",
                                           {auth::Role::kViewer});
    keys_["planner-a"] = identities_.Person("people/planner-a", "units/0000000000000000000000dva0",
                                            {auth::Role::kPlanner});
    keys_["planner-b"] = identities_.Person("people/planner-b", "units/0000000000000000000000dvb0",
                                            {auth::Role::kPlanner});
    keys_["reporter-office"] = identities_.Person(
        "people/reporter-o", "units/0000000000000000000000fce0", {auth::Role::kReporter});
    gate_ = NewPlanAccessGate(identities_.authenticator());

    service_ =
        std::make_unique<PlanServiceImpl>(manager_.get(), gate_.get(), audit_.get(), units_.get());
    ServerOptions options;
    options.service_name = "plan";
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ = *Server::Start(options, {{v1::PlanService::service_full_name(), service_.get()}},
                             std::make_shared<prometheus::Registry>(), nullptr);
    stub_ = v1::PlanService::NewStub(server_->InProcessChannel());
  }

  void TearDown() override {
    server_.reset();
    log::SetOutput(nullptr);
  }

  // A client context carrying the key of `who` ("" for none).
  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!who.empty()) TestIdentities::Authorize(context.get(), keys_.at(who));
    return context;
  }

  static Plan Draft(const std::string& unit, const std::string& title = "Kế hoạch") {
    Plan plan = testing::MinimalDraft("UBND " + unit);
    plan.set_title(title);
    if (!unit.empty()) plan.mutable_issuer()->set_unit(unit);
    return plan;
  }

  grpc::Status Create(const std::string& who, const Plan& plan, Plan* out) {
    v1::CreatePlanRequest request;
    *request.mutable_plan() = plan;
    return stub_->CreatePlan(As(who).get(), request, out);
  }
  Plan MustCreate(const std::string& who, const Plan& plan) {
    Plan out;
    grpc::Status status = Create(who, plan, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }
  grpc::Status Get(const std::string& who, const std::string& name, Plan* out) {
    v1::GetPlanRequest request;
    request.set_name(name);
    return stub_->GetPlan(As(who).get(), request, out);
  }
  grpc::Status Update(const std::string& who, const Plan& plan,
                      std::initializer_list<const char*> paths, Plan* out) {
    v1::UpdatePlanRequest request;
    *request.mutable_plan() = plan;
    for (const char* path : paths) request.mutable_update_mask()->add_paths(path);
    return stub_->UpdatePlan(As(who).get(), request, out);
  }
  grpc::Status Delete(const std::string& who, const std::string& name) {
    v1::DeletePlanRequest request;
    request.set_name(name);
    google::protobuf::Empty out;
    return stub_->DeletePlan(As(who).get(), request, &out);
  }
  grpc::Status Issue(const std::string& who, const std::string& name, Plan* out) {
    v1::IssuePlanRequest request;
    request.set_name(name);
    request.set_number("12/KH-UBND");
    request.mutable_issued_on()->set_year(2024);
    request.mutable_issued_on()->set_month(3);
    request.mutable_issued_on()->set_day(4);
    return stub_->IssuePlan(As(who).get(), request, out);
  }
  grpc::Status Close(const std::string& who, const std::string& name, Plan* out) {
    v1::ClosePlanRequest request;
    request.set_name(name);
    request.set_reason("Hoàn thành");
    return stub_->ClosePlan(As(who).get(), request, out);
  }
  // Every plan `who` lists, page by page of `page_size`, with the size of
  // each page.
  std::vector<std::string> ListAll(const std::string& who, int page_size,
                                   std::vector<int>* pages = nullptr) {
    std::vector<std::string> names;
    v1::ListPlansRequest request;
    request.set_page_size(page_size);
    for (int i = 0; i < 100; ++i) {
      v1::ListPlansResponse response;
      grpc::Status status = stub_->ListPlans(As(who).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      if (pages != nullptr) pages->push_back(response.plans_size());
      for (const Plan& plan : response.plans()) names.push_back(plan.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  }
  // The audit events, as an administrator reads them through the RPC.
  std::vector<cv1::AuditEvent> Events(const std::string& resource = "") {
    cv1::ListAuditEventsRequest request;
    request.set_resource(resource);
    request.set_page_size(1000);
    cv1::ListAuditEventsResponse response;
    grpc::Status status = stub_->ListAuditEvents(As("admin").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  static void ExpectNotFoundLikeMissing(const grpc::Status& status, const std::string& name) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
    EXPECT_EQ(status.error_message(), absl::StrCat(name, " not found"));
  }

  std::ostringstream logs_;
  Catalog catalog_ = *Catalog::Builtin();
  civil::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2024, 3, 1, 2, 0, 0), absl::UTCTimeZone())};
  IdGenerator ids_;
  TestIdentities identities_;
  std::map<std::string, std::string> keys_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<PlanStore> store_;
  std::unique_ptr<PlanManager> manager_;
  std::unique_ptr<unitdir::UnitDirectory> units_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<auth::AccessGate> gate_;
  std::unique_ptr<PlanServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::PlanService::Stub> stub_;
};

const google::protobuf::ServiceDescriptor& PlanServiceDescriptor() {
  return *v1::Plan::descriptor()->file()->FindServiceByName("PlanService");
}

TEST_P(PlanAccessTest, RulesCoverEveryMethod) {
  EXPECT_TRUE(gate_->CheckRules(PlanServiceDescriptor()).ok())
      << gate_->CheckRules(PlanServiceDescriptor());
}

TEST_P(PlanAccessTest, ViewerSeesOnlyTheirSubtree) {
  const Plan a = MustCreate("admin", Draft("units/0000000000000000000000dva0"));
  const Plan office = MustCreate("admin", Draft("units/0000000000000000000000fce0"));
  const Plan b = MustCreate("admin", Draft("units/0000000000000000000000dvb0"));
  const Plan none = MustCreate("admin", Draft(""));
  const Plan root = MustCreate("admin", Draft("units/0000000000000000000000tnh0"));

  Plan got;
  EXPECT_TRUE(Get("viewer-a", a.name(), &got).ok());
  EXPECT_EQ(got.name(), a.name());
  EXPECT_TRUE(Get("viewer-a", office.name(), &got).ok());
  // Out of scope: word for word what a missing plan answers.
  const std::string missing = "plans/00000000000000000000000000";
  grpc::Status missing_status = Get("viewer-a", missing, &got);
  ExpectNotFoundLikeMissing(missing_status, missing);
  ExpectNotFoundLikeMissing(Get("viewer-a", b.name(), &got), b.name());
  ExpectNotFoundLikeMissing(Get("viewer-a", none.name(), &got), none.name());
  ExpectNotFoundLikeMissing(Get("viewer-a", root.name(), &got), root.name());
  // The office's reporter sees the office only.
  EXPECT_TRUE(Get("reporter-office", office.name(), &got).ok());
  ExpectNotFoundLikeMissing(Get("reporter-office", a.name(), &got), a.name());
  // The administrator sees everything.
  for (const Plan& plan : {a, office, b, none, root}) {
    EXPECT_TRUE(Get("admin", plan.name(), &got).ok()) << plan.name();
  }
}

TEST_P(PlanAccessTest, ListingIsFilteredAndPagedWithinScope) {
  // Interleaved, so that a filter applied after paging would leave holes.
  std::vector<std::string> in_a;
  std::vector<std::string> all;
  for (int i = 0; i < 5; ++i) {
    const Plan a = MustCreate("admin", Draft(i % 2 == 0 ? "units/0000000000000000000000dva0"
                                                        : "units/0000000000000000000000fce0"));
    in_a.push_back(a.name());
    all.push_back(a.name());
    all.push_back(MustCreate("admin", Draft("units/0000000000000000000000dvb0")).name());
    all.push_back(MustCreate("admin", Draft("")).name());
  }
  std::vector<int> pages;
  EXPECT_EQ(ListAll("viewer-a", 2, &pages), in_a);
  EXPECT_EQ(pages, (std::vector<int>{2, 2, 1}));
  EXPECT_EQ(ListAll("viewer-a", 0), in_a);
  EXPECT_EQ(ListAll("admin", 4), all);
  std::vector<std::string> b_names = ListAll("planner-b", 1);
  EXPECT_EQ(b_names.size(), 5u);
  for (const std::string& name : b_names) {
    EXPECT_EQ(std::find(in_a.begin(), in_a.end(), name), in_a.end());
  }

  // A filter by an issuer outside the scope lists nothing.
  v1::ListPlansRequest request;
  request.mutable_filter()->set_issuer("units/0000000000000000000000dvb0");
  v1::ListPlansResponse response;
  ASSERT_TRUE(stub_->ListPlans(As("viewer-a").get(), request, &response).ok());
  EXPECT_EQ(response.plans_size(), 0);
}

TEST_P(PlanAccessTest, ViewerCannotChangeAnything) {
  const Plan a = MustCreate("admin", Draft("units/0000000000000000000000dva0"));
  Plan out;
  grpc::Status status = Create("viewer-a", Draft("units/0000000000000000000000dva0"), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("\"plan\""));
  Plan change = a;
  change.set_title("Đổi tên");
  status = Update("viewer-a", change, {"title"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("\"plan\""));
  EXPECT_EQ(Delete("viewer-a", a.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Issue("viewer-a", a.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ImportPlanDocumentRequest import;
  import.set_text("KẾ HOẠCH");
  v1::ImportPlanDocumentResponse imported;
  EXPECT_EQ(stub_->ImportPlanDocument(As("viewer-a").get(), import, &imported).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Plan stored;
  ASSERT_TRUE(Get("admin", a.name(), &stored).ok());
  EXPECT_EQ(stored.title(), a.title());
  EXPECT_EQ(Events().size(), 1u);  // the administrator's create
}

TEST_P(PlanAccessTest, PlannerWorksWithinTheirSubtreeOnly) {
  // An empty issuer unit becomes the planner's own.
  const Plan own = MustCreate("planner-a", Draft(""));
  EXPECT_EQ(own.issuer().unit(), "units/0000000000000000000000dva0");
  const Plan office = MustCreate("planner-a", Draft("units/0000000000000000000000fce0"));
  EXPECT_EQ(office.issuer().unit(), "units/0000000000000000000000fce0");
  Plan out;
  grpc::Status status = Create("planner-a", Draft("units/0000000000000000000000dvb0"), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("units/0000000000000000000000dvb0"));
  status = Create("planner-a", Draft("units/0000000000000000000000tnh0"), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Updates of their plans, but not moving one out of their subtree.
  Plan change = own;
  change.set_title("Kế hoạch mới");
  ASSERT_TRUE(Update("planner-a", change, {"title"}, &out).ok());
  EXPECT_EQ(out.title(), "Kế hoạch mới");
  change = out;
  change.mutable_issuer()->set_unit("units/0000000000000000000000fce0");
  ASSERT_TRUE(Update("planner-a", change, {"issuer.unit"}, &out).ok());
  change = out;
  change.mutable_issuer()->set_unit("units/0000000000000000000000dvb0");
  status = Update("planner-a", change, {"issuer.unit"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  change.mutable_issuer()->set_unit("");
  status = Update("planner-a", change, {"issuer"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Division B's plans are, for them, missing plans.
  const Plan b = MustCreate("planner-b", Draft("units/0000000000000000000000dvb0"));
  Plan b_change = b;
  b_change.set_title("x");
  ExpectNotFoundLikeMissing(Update("planner-a", b_change, {"title"}, &out), b.name());
  ExpectNotFoundLikeMissing(Update("planner-a", b_change, {"no_such_field"}, &out), b.name());
  ExpectNotFoundLikeMissing(Issue("planner-a", b.name(), &out), b.name());
  ExpectNotFoundLikeMissing(Close("planner-a", b.name(), &out), b.name());
  ExpectNotFoundLikeMissing(Delete("planner-a", b.name()), b.name());
  Plan stored;
  ASSERT_TRUE(Get("admin", b.name(), &stored).ok());
  EXPECT_EQ(stored.title(), b.title());
  EXPECT_EQ(stored.status(), v1::PLAN_STATUS_DRAFT);

  // Their own plan goes through its life cycle.
  ASSERT_TRUE(Issue("planner-a", office.name(), &out).ok()) << out.DebugString();
  EXPECT_EQ(out.status(), v1::PLAN_STATUS_ISSUED);
  ASSERT_TRUE(Close("planner-a", office.name(), &out).ok());
  EXPECT_EQ(out.status(), v1::PLAN_STATUS_CLOSED);
  EXPECT_TRUE(Delete("planner-a", own.name()).ok());
}

TEST_P(PlanAccessTest, EveryMethodRefusesAnAnonymousCaller) {
  const Plan a = MustCreate("admin", Draft("units/0000000000000000000000dva0"));
  for (const std::string& token :
       {std::string(), std::string("chiso_admin_wrongsecretwrongsecretwrong")}) {
    auto context = [&] {
      auto c = std::make_unique<grpc::ClientContext>();
      if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
      return c;
    };
    Plan plan;
    std::vector<grpc::Status> statuses;
    {
      v1::CreatePlanRequest r;
      *r.mutable_plan() = Draft("units/0000000000000000000000dva0");
      statuses.push_back(stub_->CreatePlan(context().get(), r, &plan));
    }
    {
      v1::GetPlanRequest r;
      r.set_name(a.name());
      statuses.push_back(stub_->GetPlan(context().get(), r, &plan));
    }
    {
      v1::ListPlansRequest r;
      v1::ListPlansResponse out;
      statuses.push_back(stub_->ListPlans(context().get(), r, &out));
    }
    {
      v1::UpdatePlanRequest r;
      *r.mutable_plan() = a;
      r.mutable_update_mask()->add_paths("title");
      statuses.push_back(stub_->UpdatePlan(context().get(), r, &plan));
    }
    {
      v1::DeletePlanRequest r;
      r.set_name(a.name());
      google::protobuf::Empty out;
      statuses.push_back(stub_->DeletePlan(context().get(), r, &out));
    }
    {
      v1::IssuePlanRequest r;
      r.set_name(a.name());
      statuses.push_back(stub_->IssuePlan(context().get(), r, &plan));
    }
    {
      v1::ClosePlanRequest r;
      r.set_name(a.name());
      statuses.push_back(stub_->ClosePlan(context().get(), r, &plan));
    }
    {
      v1::ImportPlanDocumentRequest r;
      r.set_text("KẾ HOẠCH");
      v1::ImportPlanDocumentResponse out;
      statuses.push_back(stub_->ImportPlanDocument(context().get(), r, &out));
    }
    {
      cv1::ListAuditEventsRequest r;
      cv1::ListAuditEventsResponse out;
      statuses.push_back(stub_->ListAuditEvents(context().get(), r, &out));
    }
    ASSERT_EQ(statuses.size(), static_cast<size_t>(PlanServiceDescriptor().method_count()));
    for (size_t i = 0; i < statuses.size(); ++i) {
      EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << PlanServiceDescriptor().method(static_cast<int>(i))->name() << ": "
          << statuses[i].error_message();
    }
  }
  EXPECT_EQ(Events().size(), 1u);
}

TEST_P(PlanAccessTest, EveryCommittedChangeLeavesExactlyOneEvent) {
  Plan created = MustCreate("planner-a", Draft(""));
  std::vector<cv1::AuditEvent> events = Events(created.name());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].principal(), "people/planner-a");
  EXPECT_EQ(events[0].principal_unit(), "units/0000000000000000000000dva0");
  EXPECT_EQ(events[0].credential(),
            absl::StrCat("api-key:", identities_.KeyId(keys_.at("planner-a"))));
  EXPECT_EQ(events[0].rpc(), "chiso.plan.v1.PlanService/CreatePlan");
  EXPECT_EQ(events[0].before_sha256(), "");
  EXPECT_EQ(events[0].after_sha256(), auth::Sha256Hex(audit::Serialize(created)));

  Plan out;
  Plan change = created;
  change.set_title("Kế hoạch sửa");
  ASSERT_TRUE(Update("planner-a", change, {"title"}, &out).ok());
  events = Events(created.name());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].rpc(), "chiso.plan.v1.PlanService/UpdatePlan");
  EXPECT_EQ(events[0].before_sha256(), events[1].after_sha256());

  // Failures and refusals leave nothing.
  const size_t before = Events().size();
  EXPECT_FALSE(Update("planner-a", change, {"status"}, &out).ok());  // invalid mask
  change.set_etag("999");
  EXPECT_FALSE(Update("planner-a", change, {"title"}, &out).ok());  // stale etag
  EXPECT_FALSE(
      Create("viewer-a", Draft("units/0000000000000000000000dva0"), &out).ok());  // no permission
  EXPECT_FALSE(
      Create("planner-a", Draft("units/0000000000000000000000dvb0"), &out).ok());  // out of scope
  EXPECT_FALSE(Delete("planner-b", created.name()).ok());                          // not visible
  EXPECT_FALSE(Close("planner-a", created.name(), &out).ok());                     // a draft
  EXPECT_FALSE(Delete("planner-a", "plans/00000000000000000000000000").ok());      // missing
  {
    v1::CreatePlanRequest request;
    *request.mutable_plan() = Draft("units/0000000000000000000000dva0");
    request.set_validate_only(true);
    EXPECT_TRUE(stub_->CreatePlan(As("planner-a").get(), request, &out).ok());
  }
  {
    v1::ImportPlanDocumentRequest request;
    request.set_text("Số: 3/KH-SNV\n\nKẾ HOẠCH\n\nCải thiện chỉ số DDCI năm 2024\n");
    v1::ImportPlanDocumentResponse response;
    EXPECT_TRUE(stub_->ImportPlanDocument(As("planner-a").get(), request, &response).ok());
  }
  EXPECT_EQ(Events().size(), before);

  ASSERT_TRUE(Issue("planner-a", created.name(), &out).ok());
  ASSERT_TRUE(Close("planner-a", created.name(), &out).ok());
  const Plan draft = MustCreate("planner-a", Draft("units/0000000000000000000000fce0"));
  ASSERT_TRUE(Delete("planner-a", draft.name()).ok());
  events = Events(created.name());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].rpc(), "chiso.plan.v1.PlanService/ClosePlan");
  EXPECT_EQ(events[1].rpc(), "chiso.plan.v1.PlanService/IssuePlan");
  events = Events(draft.name());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].rpc(), "chiso.plan.v1.PlanService/DeletePlan");
  EXPECT_EQ(events[0].after_sha256(), "");

  // An import with commit: one event for the saved draft, in the planner's unit.
  v1::ImportPlanDocumentRequest request;
  request.set_text(
      "Số: 21/KH-SNV\n\nBắc Kạn, ngày 4 tháng 3 năm 2024\n\nKẾ HOẠCH\n\n"
      "Nâng cao chỉ số DDCI của Sở Nội vụ năm 2024\n\n"
      "1. Chỉ số “Chi phí thời gian”\n\n"
      "- Chỉ tiêu phấn đấu năm 2024: đạt trên 7,50 điểm (Năm 2023 được 6,10 điểm).\n\n"
      "GIÁM ĐỐC\n\nTrần Văn Bình\n");
  request.mutable_issuer()->set_display_name("Sở Nội vụ");
  request.set_commit(true);
  v1::ImportPlanDocumentResponse imported;
  grpc::Status status = stub_->ImportPlanDocument(As("planner-a").get(), request, &imported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(imported.plan().issuer().unit(), "units/0000000000000000000000dva0");
  events = Events(imported.plan().name());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].rpc(), "chiso.plan.v1.PlanService/ImportPlanDocument");
  // Importing into another division's unit is refused, and leaves nothing.
  const size_t now = Events().size();
  request.mutable_issuer()->set_unit("units/0000000000000000000000dvb0");
  status = stub_->ImportPlanDocument(As("planner-a").get(), request, &imported);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_EQ(Events().size(), now);
}

// `supersedes` may point only at a plan the caller can see: a hidden plan
// answers word for word as a missing one, and cannot be pinned by a
// successor its own unit never sees.
TEST_P(PlanAccessTest, SupersedingAHiddenPlanIsLikeSupersedingAMissingOne) {
  const Plan hidden = MustCreate("admin", Draft("units/0000000000000000000000dvb0"));
  const Plan own = MustCreate("planner-a", Draft("units/0000000000000000000000dva0"));
  const std::string missing = "plans/01hzzzzzzzzzzzzzzzzzzzzzzz";
  auto supersede = [&](const std::string& name) {
    Plan successor = Draft("units/0000000000000000000000dva0", "Kế hoạch thay thế");
    successor.set_supersedes(name);
    Plan out;
    return Create("planner-a", successor, &out);
  };
  grpc::Status of_hidden = supersede(hidden.name());
  grpc::Status of_missing = supersede(missing);
  EXPECT_EQ(of_hidden.error_code(), grpc::StatusCode::NOT_FOUND) << of_hidden.error_message();
  EXPECT_EQ(of_hidden.error_message(),
            absl::StrCat("plan.supersedes: ", hidden.name(), " not found"));
  EXPECT_EQ(of_missing.error_message(), absl::StrCat("plan.supersedes: ", missing, " not found"));
  EXPECT_TRUE(supersede(own.name()).ok());
  // The hidden plan stays free to delete by its own unit.
  EXPECT_TRUE(Delete("planner-b", hidden.name()).ok());
}

// A number already used names its holder only to a caller who may see it.
TEST_P(PlanAccessTest, ErrorsNameNoPlanOutsideTheCallersScope) {
  const Plan b = MustCreate("admin", Draft("units/0000000000000000000000dvb0"));
  Plan issued;
  ASSERT_TRUE(Issue("admin", b.name(), &issued).ok());
  // Division A's plan, written with B's issuing body and number.
  Plan a = Draft("units/0000000000000000000000dva0");
  a.mutable_issuer()->set_display_name(b.issuer().display_name());
  const Plan created = MustCreate("planner-a", a);
  grpc::Status taken = Issue("planner-a", created.name(), &issued);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::ALREADY_EXISTS) << taken.error_message();
  EXPECT_THAT(taken.error_message(), Not(HasSubstr(b.name())));
  EXPECT_THAT(taken.error_message(), HasSubstr("already used by another plan"));
  // An administrator is told which plan holds it.
  grpc::Status told = Issue("admin", created.name(), &issued);
  EXPECT_THAT(told.error_message(), HasSubstr(b.name()));
}

TEST_P(PlanAccessTest, AuditTrailNeedsAuditRead) {
  MustCreate("admin", Draft("units/0000000000000000000000dva0"));
  cv1::ListAuditEventsRequest request;
  cv1::ListAuditEventsResponse response;
  for (const char* who : {"planner-a", "viewer-a", "reporter-office"}) {
    grpc::Status status = stub_->ListAuditEvents(As(who).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << who;
    EXPECT_THAT(status.error_message(), HasSubstr("audit.read"));
  }
  ASSERT_TRUE(stub_->ListAuditEvents(As("admin").get(), request, &response).ok());
  EXPECT_EQ(response.events_size(), 1);
}

TEST_P(PlanAccessTest, ReportRemindersCarryTheIssuerAncestors) {
  // Issued on 12 June 2020: its 2020 reports are still ahead.
  const absl::Time june =
      absl::FromCivil(absl::CivilSecond(2020, 6, 12, 2, 0, 0), absl::UTCTimeZone());
  clock_.Set(june);
  Plan plan = testing::DepartmentDdciPlan();
  plan.mutable_issuer()->set_unit("units/0000000000000000000000fce0");
  Plan created = MustCreate("admin", plan);
  Plan issued;
  v1::IssuePlanRequest request;
  request.set_name(created.name());
  ASSERT_TRUE(stub_->IssuePlan(As("admin").get(), request, &issued).ok());

  ReportReminderSource source(store_.get(), nullptr, {}, absl::Hours(24 * 365 * 10), {},
                              units_.get());
  const std::string owner = absl::StrCat("plan/", created.name().substr(6));
  absl::StatusOr<reminders::ReminderSource::Desired> desired = source.DesiredFor(owner, june);
  ASSERT_TRUE(desired.ok()) << desired.status();
  ASSERT_FALSE(desired->items.empty());
  for (const reminders::Item& item : desired->items) {
    chiso::notification::v1::ReminderPayload payload;
    ASSERT_TRUE(payload.ParseFromString(item.payload));
    ASSERT_EQ(payload.recipients_size(), 1);
    EXPECT_EQ(payload.recipients(0).unit(), "units/0000000000000000000000fce0");
    EXPECT_THAT(payload.recipients(0).ancestors(),
                ::testing::ElementsAre("units/0000000000000000000000dva0",
                                       "units/0000000000000000000000tnh0"));
  }
}

// The one-argument constructor, as tests and tools use it: authentication
// off, changes audited in the manager's database.
TEST(PlanServiceDefaults, AuthenticationOffAuditOn) {
  std::unique_ptr<storage::Database> db = *storage::OpenSqlite(":memory:");
  ASSERT_TRUE(storage::Migrate(*db, PlanMigrations()).ok());
  std::unique_ptr<PlanStore> store = NewSqlPlanStore(db.get());
  Catalog catalog = *Catalog::Builtin();
  civil::FakeClock clock(
      absl::FromCivil(absl::CivilSecond(2024, 3, 1, 2, 0, 0), absl::UTCTimeZone()));
  IdGenerator ids;
  PlanManager manager(store.get(), &catalog, &clock, &ids, nullptr);
  PlanServiceImpl service(&manager);
  ServerOptions options;
  options.service_name = "plan";
  options.listen_address = "";
  options.metrics_address = "";
  options.drain_grace = absl::ZeroDuration();
  std::unique_ptr<Server> server =
      *Server::Start(options, {{v1::PlanService::service_full_name(), &service}},
                     std::make_shared<prometheus::Registry>(), nullptr);
  std::unique_ptr<v1::PlanService::Stub> stub =
      v1::PlanService::NewStub(server->InProcessChannel());

  grpc::ClientContext create_context;
  v1::CreatePlanRequest create;
  *create.mutable_plan() = testing::MinimalDraft();
  Plan created;
  ASSERT_TRUE(stub->CreatePlan(&create_context, create, &created).ok());
  grpc::ClientContext list_context;
  cv1::ListAuditEventsResponse events;
  ASSERT_TRUE(stub->ListAuditEvents(&list_context, cv1::ListAuditEventsRequest(), &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).principal(), "anonymous");
  EXPECT_EQ(events.events(0).resource(), created.name());
  EXPECT_EQ(events.events(0).rpc(), "chiso.plan.v1.PlanService/CreatePlan");
}

INSTANTIATE_TEST_SUITE_P(Backends, PlanAccessTest, test_support::AllBackends(),
                         test_support::BackendName);

}  // namespace
}  // namespace chiso::plan
