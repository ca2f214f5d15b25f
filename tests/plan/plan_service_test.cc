// Every PlanService method over a real gRPC server (in-process channel), with
// its validation errors, pagination under concurrent inserts, metrics, and
// persistence across a restart.

#include "services/plan/plan_service.h"

#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "tests/plan/plan_fixtures.h"

namespace chiso::plan {
namespace {

using chiso::common::v1::Comparator;
using testing::DepartmentDdciPlan;
using ::testing::HasSubstr;
using testing::MinimalDraft;
using ::testing::Not;
namespace v1 = chiso::plan::v1;

// The plan service as main.cc wires it, on a database at `path`.
class PlanHarness {
 public:
  explicit PlanHarness(const std::string& path)
      : clock_(absl::FromCivil(absl::CivilSecond(2024, 3, 1, 2, 0, 0), absl::UTCTimeZone())),
        lagging_ids_([] { return absl::Now() - absl::Hours(24 * 365); },
                     [] { return uint64_t{12345}; }) {
    db_ = *storage::OpenSqlite(path);
    EXPECT_TRUE(storage::Migrate(*db_, PlanMigrations()).ok());
    store_ = NewSqlPlanStore(db_.get());
    registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<PlanMetrics>(*registry_);
    manager_ =
        std::make_unique<PlanManager>(store_.get(), &catalog_, &clock_, &ids_, metrics_.get());
    service_ = std::make_unique<PlanServiceImpl>(manager_.get());
    ServerOptions options;
    options.service_name = "plan";
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ = *Server::Start(options, {{v1::PlanService::service_full_name(), service_.get()}},
                             registry_, [this] { return manager_->RefreshMetrics(); });
    stub_ = v1::PlanService::NewStub(server_->InProcessChannel());
  }

  v1::PlanService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return server_->InProcessChannel(); }
  civil::FakeClock& clock() { return clock_; }
  // Another replica on the same database whose clock lags a year: the plans
  // it creates have ids that sort before ones already listed.
  PlanManager& LaggingReplica() {
    if (lagging_ == nullptr) {
      lagging_ =
          std::make_unique<PlanManager>(store_.get(), &catalog_, &clock_, &lagging_ids_, nullptr);
    }
    return *lagging_;
  }

  std::string Metrics() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
  }

 private:
  Catalog catalog_ = *Catalog::Builtin();
  civil::FakeClock clock_;
  IdGenerator ids_;
  IdGenerator lagging_ids_;
  std::unique_ptr<PlanManager> lagging_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<PlanStore> store_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<PlanMetrics> metrics_;
  std::unique_ptr<PlanManager> manager_;
  std::unique_ptr<PlanServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::PlanService::Stub> stub_;
};

class PlanServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    h_ = std::make_unique<PlanHarness>(":memory:");
  }
  void TearDown() override {
    h_.reset();
    log::SetOutput(nullptr);
  }

  grpc::Status Create(const Plan& plan, Plan* out) {
    grpc::ClientContext ctx;
    v1::CreatePlanRequest req;
    *req.mutable_plan() = plan;
    return h_->stub().CreatePlan(&ctx, req, out);
  }
  Plan MustCreate(const Plan& plan) {
    Plan out;
    grpc::Status s = Create(plan, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Get(const std::string& name, Plan* out) {
    grpc::ClientContext ctx;
    v1::GetPlanRequest req;
    req.set_name(name);
    return h_->stub().GetPlan(&ctx, req, out);
  }
  grpc::Status Update(const Plan& plan, std::initializer_list<const char*> paths, Plan* out) {
    grpc::ClientContext ctx;
    v1::UpdatePlanRequest req;
    *req.mutable_plan() = plan;
    for (const char* p : paths) req.mutable_update_mask()->add_paths(p);
    return h_->stub().UpdatePlan(&ctx, req, out);
  }
  grpc::Status Issue(const std::string& name, Plan* out, const std::string& number = "",
                     const std::string& etag = "") {
    grpc::ClientContext ctx;
    v1::IssuePlanRequest req;
    req.set_name(name);
    req.set_number(number);
    req.set_etag(etag);
    return h_->stub().IssuePlan(&ctx, req, out);
  }
  grpc::Status Close(const std::string& name, bool archive, Plan* out) {
    grpc::ClientContext ctx;
    v1::ClosePlanRequest req;
    req.set_name(name);
    req.set_archive(archive);
    req.set_reason("Đã hoàn thành kế hoạch");
    return h_->stub().ClosePlan(&ctx, req, out);
  }
  grpc::Status Delete(const std::string& name, const std::string& etag = "") {
    grpc::ClientContext ctx;
    v1::DeletePlanRequest req;
    req.set_name(name);
    req.set_etag(etag);
    google::protobuf::Empty out;
    return h_->stub().DeletePlan(&ctx, req, &out);
  }
  grpc::Status List(const v1::ListPlansRequest& req, v1::ListPlansResponse* out) {
    grpc::ClientContext ctx;
    return h_->stub().ListPlans(&ctx, req, out);
  }

  std::ostringstream logs_;
  std::unique_ptr<PlanHarness> h_;
};

void ExpectStatus(const grpc::Status& s, grpc::StatusCode code, absl::string_view fragment) {
  EXPECT_EQ(s.error_code(), code) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(std::string(fragment)));
}

TEST_F(PlanServiceTest, CreateReturnsADraftWithServerFields) {
  Plan plan = MustCreate(DepartmentDdciPlan());
  EXPECT_THAT(plan.name(), ::testing::StartsWith("plans/"));
  EXPECT_EQ(plan.status(), v1::PLAN_STATUS_DRAFT);
  EXPECT_EQ(plan.number(), "60/KH-STNMT");
  EXPECT_EQ(plan.objectives_size(), 10);
  EXPECT_EQ(plan.create_time().seconds(), absl::ToUnixSeconds(h_->clock().Now()));
  EXPECT_FALSE(plan.etag().empty());
}

TEST_F(PlanServiceTest, CreateIgnoresOutputOnlyFieldsSentByTheCaller) {
  Plan in = MinimalDraft();
  in.set_name("plans/chosen-by-caller");
  in.set_status(v1::PLAN_STATUS_ISSUED);
  in.set_close_reason("x");
  Plan out = MustCreate(in);
  EXPECT_NE(out.name(), "plans/chosen-by-caller");
  EXPECT_EQ(out.status(), v1::PLAN_STATUS_DRAFT);
  EXPECT_EQ(out.close_reason(), "");
}

TEST_F(PlanServiceTest, CreateValidateOnlySavesNothing) {
  grpc::ClientContext ctx;
  v1::CreatePlanRequest req;
  *req.mutable_plan() = MinimalDraft();
  req.set_validate_only(true);
  Plan out;
  ASSERT_TRUE(h_->stub().CreatePlan(&ctx, req, &out).ok());
  Plan got;
  EXPECT_EQ(Get(out.name(), &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlanServiceTest, CreateAnswersEachValidationErrorPrecisely) {
  Plan out;
  {
    grpc::ClientContext ctx;
    ExpectStatus(h_->stub().CreatePlan(&ctx, v1::CreatePlanRequest(), &out),
                 grpc::StatusCode::INVALID_ARGUMENT, "plan: required");
  }

  Plan p = MinimalDraft();
  p.set_number("sáu mươi");
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT, "plan.number");

  p = MinimalDraft();
  p.mutable_objectives(0)->set_framework("CPI");
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT,
               "known: PAR_INDEX, SIPAS, PAPI, PCI, DDCI, PGI");

  p = MinimalDraft();
  p.mutable_objectives(0)->set_component("GREENNESS");
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT, "is not a component of DDCI");

  p = MinimalDraft();
  p.mutable_objectives(0)->mutable_target()->set_comparator(Comparator::COMPARATOR_UNSPECIFIED);
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT, "target.comparator: required");

  p = MinimalDraft();
  p.mutable_objectives(0)->mutable_target()->set_year(2101);
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT, "between 2000 and 2100");

  p = MinimalDraft();
  p.set_supersedes("plans/01hzzzzzzzzzzzzzzzzzzzzzzz");
  ExpectStatus(Create(p, &out), grpc::StatusCode::NOT_FOUND,
               "plan.supersedes: plans/01hzzzzzzzzzzzzzzzzzzzzzzz not found");
}

TEST_F(PlanServiceTest, TheSameNumberFromTheSameIssuerInTheSameYearIsAlreadyExists) {
  Plan first = MustCreate(DepartmentDdciPlan());
  Plan out;
  ExpectStatus(Create(DepartmentDdciPlan(), &out), grpc::StatusCode::ALREADY_EXISTS, first.name());
  Plan next_year = DepartmentDdciPlan();
  next_year.mutable_issued_on()->set_year(2021);
  EXPECT_TRUE(Create(next_year, &out).ok());
}

TEST_F(PlanServiceTest, GetAnswersNotFoundAndInvalidName) {
  Plan out;
  ExpectStatus(Get("plans/01hzzzzzzzzzzzzzzzzzzzzzzz", &out), grpc::StatusCode::NOT_FOUND,
               "plans/01hzzzzzzzzzzzzzzzzzzzzzzz not found");
  ExpectStatus(Get("tasks/1", &out), grpc::StatusCode::INVALID_ARGUMENT,
               "name: must be a plan resource name");
  ExpectStatus(Get("", &out), grpc::StatusCode::INVALID_ARGUMENT, "name");
}

TEST_F(PlanServiceTest, UpdateChangesOnlyMaskedFieldsOfADraft) {
  Plan created = MustCreate(DepartmentDdciPlan());
  Plan patch;
  patch.set_name(created.name());
  patch.set_title("Kế hoạch sửa đổi");
  patch.set_place("ignored: not in the mask");
  Plan out;
  ASSERT_TRUE(Update(patch, {"title"}, &out).ok());
  EXPECT_EQ(out.title(), "Kế hoạch sửa đổi");
  EXPECT_EQ(out.place(), "Lạng Sơn");
  EXPECT_EQ(out.objectives_size(), 10);
  EXPECT_NE(out.etag(), created.etag());
}

TEST_F(PlanServiceTest, UpdateOfADraftMayReplaceObjectives) {
  Plan created = MustCreate(DepartmentDdciPlan());
  Plan patch;
  patch.set_name(created.name());
  *patch.add_objectives() = MinimalDraft().objectives(0);
  Plan out;
  ASSERT_TRUE(Update(patch, {"objectives"}, &out).ok());
  ASSERT_EQ(out.objectives_size(), 1);
  EXPECT_EQ(out.objectives(0).id(), "o1");
}

TEST_F(PlanServiceTest, UpdateValidatesTheResult) {
  Plan created = MustCreate(MinimalDraft());
  Plan patch;
  patch.set_name(created.name());
  Plan out;
  ExpectStatus(Update(patch, {"issuer"}, &out), grpc::StatusCode::INVALID_ARGUMENT,
               "plan.issuer.display_name: required");
  ExpectStatus(Update(patch, {}, &out), grpc::StatusCode::INVALID_ARGUMENT,
               "update_mask: required");
  ExpectStatus(Update(patch, {"status"}, &out), grpc::StatusCode::INVALID_ARGUMENT, "output only");
  patch.set_supersedes(created.name());
  ExpectStatus(Update(patch, {"supersedes"}, &out), grpc::StatusCode::INVALID_ARGUMENT,
               "cannot supersede itself");
}

TEST_F(PlanServiceTest, UpdateWithAStaleEtagIsAborted) {
  Plan created = MustCreate(MinimalDraft());
  Plan patch;
  patch.set_name(created.name());
  patch.set_title("first");
  patch.set_etag(created.etag());
  Plan out;
  ASSERT_TRUE(Update(patch, {"title"}, &out).ok());
  patch.set_title("second, from a stale read");
  ExpectStatus(Update(patch, {"title"}, &out), grpc::StatusCode::ABORTED,
               "changed since it was read");
  Plan got;
  ASSERT_TRUE(Get(created.name(), &got).ok());
  EXPECT_EQ(got.title(), "first");
}

TEST_F(PlanServiceTest, AnIssuedPlansObjectivesCannotBeEdited) {
  Plan created = MustCreate(DepartmentDdciPlan());
  Plan issued;
  ASSERT_TRUE(Issue(created.name(), &issued).ok());
  Plan patch;
  patch.set_name(created.name());
  *patch.add_objectives() = MinimalDraft().objectives(0);
  Plan out;
  ExpectStatus(Update(patch, {"objectives"}, &out), grpc::StatusCode::FAILED_PRECONDITION,
               "amend it with a new plan that supersedes it");
  patch.add_recipients("Văn phòng UBND tỉnh");
  ASSERT_TRUE(Update(patch, {"recipients"}, &out).ok());
  EXPECT_EQ(out.recipients_size(), 1);
  EXPECT_EQ(out.objectives_size(), 10);
}

TEST_F(PlanServiceTest, AnAmendmentSupersedesTheIssuedPlan) {
  Plan original = MustCreate(DepartmentDdciPlan());
  Plan issued;
  ASSERT_TRUE(Issue(original.name(), &issued).ok());
  Plan amendment = DepartmentDdciPlan();
  amendment.set_number("75/KH-STNMT");
  amendment.set_supersedes(original.name());
  Plan out = MustCreate(amendment);
  EXPECT_EQ(out.supersedes(), original.name());
}

TEST_F(PlanServiceTest, IssueNeedsANumberDateAndTitle) {
  Plan draft = MinimalDraft();
  draft.set_number("/KH-UBND");
  Plan created = MustCreate(draft);
  Plan out;
  ExpectStatus(Issue(created.name(), &out), grpc::StatusCode::FAILED_PRECONDITION,
               "cannot issue without number (with its serial");
  ExpectStatus(Issue(created.name(), &out, "12/KH-UBND"), grpc::StatusCode::FAILED_PRECONDITION,
               "cannot issue without issued_on");
  grpc::ClientContext ctx;
  v1::IssuePlanRequest req;
  req.set_name(created.name());
  req.set_number("12/KH-UBND");
  req.mutable_issued_on()->set_year(2024);
  req.mutable_issued_on()->set_month(3);
  req.mutable_issued_on()->set_day(15);
  ASSERT_TRUE(h_->stub().IssuePlan(&ctx, req, &out).ok());
  EXPECT_EQ(out.status(), v1::PLAN_STATUS_ISSUED);
  EXPECT_EQ(out.number(), "12/KH-UBND");
  EXPECT_TRUE(out.has_issue_time());
}

TEST_F(PlanServiceTest, IssueChecksStatusEtagAndNumberClashes) {
  Plan a = MustCreate(DepartmentDdciPlan());
  Plan draft = DepartmentDdciPlan();
  draft.set_number("/KH-STNMT");
  Plan b = MustCreate(draft);
  Plan out;
  ExpectStatus(Issue(a.name(), &out, "", "999"), grpc::StatusCode::ABORTED, "etag");
  ASSERT_TRUE(Issue(a.name(), &out).ok());
  ExpectStatus(Issue(a.name(), &out), grpc::StatusCode::FAILED_PRECONDITION,
               "only drafts can be issued");
  ExpectStatus(Issue(b.name(), &out, "60/KH-STNMT"), grpc::StatusCode::ALREADY_EXISTS, a.name());
  ExpectStatus(Issue("plans/01hzzzzzzzzzzzzzzzzzzzzzzz", &out), grpc::StatusCode::NOT_FOUND,
               "not found");
}

TEST_F(PlanServiceTest, CloseAndArchiveFollowTheLifeCycle) {
  Plan created = MustCreate(DepartmentDdciPlan());
  Plan out;
  ExpectStatus(Close(created.name(), false, &out), grpc::StatusCode::FAILED_PRECONDITION,
               "only issued plans can be closed");
  ASSERT_TRUE(Issue(created.name(), &out).ok());
  h_->clock().Advance(absl::Hours(24 * 200));
  ASSERT_TRUE(Close(created.name(), false, &out).ok());
  EXPECT_EQ(out.status(), v1::PLAN_STATUS_CLOSED);
  EXPECT_EQ(out.close_reason(), "Đã hoàn thành kế hoạch");
  EXPECT_EQ(out.close_time().seconds(), absl::ToUnixSeconds(h_->clock().Now()));
  Plan patch;
  patch.set_name(created.name());
  ExpectStatus(Update(patch, {"recipients"}, &out), grpc::StatusCode::FAILED_PRECONDITION,
               "read-only");
  ASSERT_TRUE(Close(created.name(), true, &out).ok());
  EXPECT_EQ(out.status(), v1::PLAN_STATUS_ARCHIVED);
  ExpectStatus(Close(created.name(), true, &out), grpc::StatusCode::FAILED_PRECONDITION,
               "archived");
}

TEST_F(PlanServiceTest, CloseRejectsAnOverlongReason) {
  Plan created = MustCreate(DepartmentDdciPlan());
  Plan out;
  ASSERT_TRUE(Issue(created.name(), &out).ok());
  grpc::ClientContext ctx;
  v1::ClosePlanRequest req;
  req.set_name(created.name());
  req.set_reason(std::string(2001, 'x'));
  ExpectStatus(h_->stub().ClosePlan(&ctx, req, &out), grpc::StatusCode::INVALID_ARGUMENT,
               "reason: at most 2000 characters");
}

TEST_F(PlanServiceTest, OnlyDraftsAreDeleted) {
  Plan draft = MustCreate(MinimalDraft());
  Plan issued = MustCreate(DepartmentDdciPlan());
  Plan out;
  ASSERT_TRUE(Issue(issued.name(), &out).ok());
  ExpectStatus(Delete(issued.name()), grpc::StatusCode::FAILED_PRECONDITION,
               "only drafts can be deleted");
  ExpectStatus(Delete(draft.name(), "42"), grpc::StatusCode::ABORTED, "etag");
  ASSERT_TRUE(Delete(draft.name()).ok());
  ExpectStatus(Get(draft.name(), &out), grpc::StatusCode::NOT_FOUND, "not found");
  ExpectStatus(Delete(draft.name()), grpc::StatusCode::NOT_FOUND, "not found");
}

// A short plan in the style of the department plans (written for this test).
constexpr char kImportDocument[] =
    "Số: 21/KH-SNV\n\nBắc Kạn, ngày 4 tháng 3 năm 2024\n\nKẾ HOẠCH\n\n"
    "Nâng cao chỉ số DDCI của Sở Nội vụ năm 2024\n\n"
    "II. NỘI DUNG VÀ PHÂN CÔNG NHIỆM VỤ\n\n"
    "1. Chỉ số “Chi phí thời gian”\n\n"
    "- Chỉ tiêu phấn đấu năm 2024: đạt trên 7,50 điểm (Năm 2023 được 6,10 điểm).\n\n"
    "- Giao Văn phòng Sở chủ trì, phối hợp với Thanh tra Sở rà soát thủ tục hành chính.\n\n"
    "* Thời gian thực hiện: hoàn thành trước ngày 30/6/2024.\n\n"
    "GIÁM ĐỐC\n\nTrần Văn Bình\n";

v1::ImportPlanDocumentRequest ImportRequest(bool commit) {
  v1::ImportPlanDocumentRequest req;
  req.set_text(kImportDocument);
  req.mutable_issuer()->set_display_name("Sở Nội vụ");
  req.set_commit(commit);
  return req;
}

TEST_F(PlanServiceTest, ImportPlanDocumentReturnsADraftAndStoresNothing) {
  grpc::ClientContext ctx;
  v1::ImportPlanDocumentResponse out;
  ASSERT_TRUE(h_->stub().ImportPlanDocument(&ctx, ImportRequest(false), &out).ok());
  EXPECT_TRUE(out.plan().name().empty());
  EXPECT_EQ(out.plan().number(), "21/KH-SNV");
  EXPECT_EQ(out.plan().issuer().display_name(), "Sở Nội vụ");
  ASSERT_EQ(out.plan().objectives_size(), 1);
  EXPECT_EQ(out.plan().objectives(0).component(), "TIME_COSTS");
  ASSERT_EQ(out.task_drafts_size(), 1);
  EXPECT_EQ(out.task_drafts(0).lead_units(0), "Văn phòng Sở");
  EXPECT_FALSE(out.facts().empty());
  v1::ListPlansResponse listed;
  ASSERT_TRUE(List(v1::ListPlansRequest(), &listed).ok());
  EXPECT_EQ(listed.plans_size(), 0);
}

TEST_F(PlanServiceTest, ImportPlanDocumentWithCommitSavesTheDraft) {
  grpc::ClientContext ctx;
  v1::ImportPlanDocumentResponse out;
  ASSERT_TRUE(h_->stub().ImportPlanDocument(&ctx, ImportRequest(true), &out).ok());
  ASSERT_FALSE(out.plan().name().empty());
  EXPECT_EQ(out.plan().status(), v1::PLAN_STATUS_DRAFT);
  grpc::ClientContext get_ctx;
  v1::GetPlanRequest get;
  get.set_name(out.plan().name());
  Plan stored;
  ASSERT_TRUE(h_->stub().GetPlan(&get_ctx, get, &stored).ok());
  EXPECT_EQ(stored.number(), "21/KH-SNV");
  ASSERT_EQ(stored.objectives_size(), 1);
  // The drafts refer to the saved plan's objective ids.
  EXPECT_EQ(out.task_drafts(0).objective_id(), stored.objectives(0).id());

  // The same number from the same issuer in the same year is taken now.
  grpc::ClientContext again_ctx;
  ExpectStatus(h_->stub().ImportPlanDocument(&again_ctx, ImportRequest(true), &out),
               grpc::StatusCode::ALREADY_EXISTS, "21/KH-SNV");
}

TEST_F(PlanServiceTest, ImportPlanDocumentCommitNeedsAnIssuer) {
  v1::ImportPlanDocumentRequest req;
  req.set_text("KẾ HOẠCH\n\nCải thiện chỉ số\n");
  req.set_commit(true);
  grpc::ClientContext ctx;
  v1::ImportPlanDocumentResponse out;
  ExpectStatus(h_->stub().ImportPlanDocument(&ctx, req, &out),
               grpc::StatusCode::FAILED_PRECONDITION, "issuer");
  // Without commit the same document is a draft with a warning.
  req.set_commit(false);
  grpc::ClientContext review_ctx;
  ASSERT_TRUE(h_->stub().ImportPlanDocument(&review_ctx, req, &out).ok());
  bool not_savable = false;
  for (const auto& w : out.warnings()) not_savable |= w.code() == "NOT_SAVABLE";
  EXPECT_TRUE(not_savable);
}

TEST_F(PlanServiceTest, ImportPlanDocumentRejectsMissingAndBinaryDocuments) {
  {
    grpc::ClientContext ctx;
    v1::ImportPlanDocumentResponse out;
    ExpectStatus(h_->stub().ImportPlanDocument(&ctx, v1::ImportPlanDocumentRequest(), &out),
                 grpc::StatusCode::INVALID_ARGUMENT, "document: required");
  }
  {
    grpc::ClientContext ctx;
    v1::ImportPlanDocumentRequest req;
    // A .docx sent as text: valid UTF-8 bytes, but binary.
    req.set_text(std::string("PK\x03\x04\x14\0\x06\0word/document.xml", 25));
    v1::ImportPlanDocumentResponse out;
    ExpectStatus(h_->stub().ImportPlanDocument(&ctx, req, &out), grpc::StatusCode::INVALID_ARGUMENT,
                 "document: binary data");
  }
  {
    grpc::ClientContext ctx;
    v1::ImportPlanDocumentRequest req;
    req.set_docx("this is not a zip archive");
    v1::ImportPlanDocumentResponse out;
    ExpectStatus(h_->stub().ImportPlanDocument(&ctx, req, &out), grpc::StatusCode::INVALID_ARGUMENT,
                 "docx");
  }
}

TEST_F(PlanServiceTest, ListFiltersAndRejectsBadFilters) {
  MustCreate(DepartmentDdciPlan());
  MustCreate(MinimalDraft("UBND huyện Cao Sơn"));
  v1::ListPlansRequest req;
  v1::ListPlansResponse out;
  req.mutable_filter()->set_issuer("so tai nguyen");
  ASSERT_TRUE(List(req, &out).ok());
  ASSERT_EQ(out.plans_size(), 1);
  EXPECT_EQ(out.plans(0).number(), "60/KH-STNMT");
  req.mutable_filter()->Clear();
  req.mutable_filter()->set_year(2024);
  ASSERT_TRUE(List(req, &out).ok());
  ASSERT_EQ(out.plans_size(), 1);
  EXPECT_EQ(out.plans(0).issuer().display_name(), "UBND huyện Cao Sơn");
  req.mutable_filter()->Clear();
  req.mutable_filter()->set_framework("PAPI");
  ASSERT_TRUE(List(req, &out).ok());
  EXPECT_EQ(out.plans_size(), 0);

  req.mutable_filter()->set_framework("NOPE");
  ExpectStatus(List(req, &out), grpc::StatusCode::INVALID_ARGUMENT,
               "filter.framework: unknown index");
  req.mutable_filter()->Clear();
  req.mutable_filter()->set_year(1990);
  ExpectStatus(List(req, &out), grpc::StatusCode::INVALID_ARGUMENT, "filter.year");
  req.mutable_filter()->Clear();
  req.set_page_size(-1);
  ExpectStatus(List(req, &out), grpc::StatusCode::INVALID_ARGUMENT, "page_size");
  req.set_page_size(0);
  req.set_page_token("garbage!");
  ExpectStatus(List(req, &out), grpc::StatusCode::INVALID_ARGUMENT, "page_token");
}

TEST_F(PlanServiceTest, APageTokenOnlyContinuesItsOwnFilter) {
  for (int i = 0; i < 3; ++i) MustCreate(MinimalDraft());
  v1::ListPlansRequest req;
  req.set_page_size(1);
  v1::ListPlansResponse out;
  ASSERT_TRUE(List(req, &out).ok());
  ASSERT_FALSE(out.next_page_token().empty());
  req.set_page_token(out.next_page_token());
  req.mutable_filter()->set_year(2024);
  ExpectStatus(List(req, &out), grpc::StatusCode::INVALID_ARGUMENT, "different filter");
}

TEST_F(PlanServiceTest, PaginationIsStableUnderConcurrentInserts) {
  std::set<std::string> before;
  for (int i = 0; i < 40; ++i) before.insert(MustCreate(MinimalDraft()).name());

  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) MustCreate(MinimalDraft());
    done = true;
  });
  std::vector<std::string> seen;
  v1::ListPlansRequest req;
  req.set_page_size(7);
  do {
    v1::ListPlansResponse out;
    ASSERT_TRUE(List(req, &out).ok());
    for (const Plan& p : out.plans()) seen.push_back(p.name());
    req.set_page_token(out.next_page_token());
  } while (!req.page_token().empty());
  writer.join();

  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a plan appeared twice";
  for (const std::string& name : before)
    EXPECT_EQ(unique.count(name), 1u) << name << " was skipped";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

// Plans created between two pages with ids that sort before the cursor (a
// replica whose clock lags), and plans deleted from pages already read, must
// neither repeat nor hide the plans not yet listed, as offset paging would.
TEST_F(PlanServiceTest, PaginationNeitherRepeatsNorSkipsWhenEarlierRowsChange) {
  std::vector<std::string> all;
  for (int i = 0; i < 21; ++i) all.push_back(MustCreate(MinimalDraft()).name());
  v1::ListPlansRequest req;
  req.set_page_size(7);
  v1::ListPlansResponse first;
  ASSERT_TRUE(List(req, &first).ok());
  ASSERT_EQ(first.plans_size(), 7);

  ASSERT_TRUE(Delete(first.plans(0).name()).ok());
  ASSERT_TRUE(Delete(first.plans(1).name()).ok());
  for (int i = 0; i < 5; ++i) {
    v1::CreatePlanRequest create;
    *create.mutable_plan() = MinimalDraft();
    absl::StatusOr<Plan> early = h_->LaggingReplica().Create(create);
    ASSERT_TRUE(early.ok()) << early.status();
    ASSERT_LT(early->name(), first.plans(6).name());
  }

  std::vector<std::string> rest;
  req.set_page_token(first.next_page_token());
  do {
    v1::ListPlansResponse out;
    ASSERT_TRUE(List(req, &out).ok());
    for (const Plan& p : out.plans()) rest.push_back(p.name());
    req.set_page_token(out.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(rest, std::vector<std::string>(all.begin() + 7, all.end()));
}

TEST_F(PlanServiceTest, DefaultAndMaximumPageSizes) {
  for (int i = 0; i < 55; ++i) MustCreate(MinimalDraft());
  v1::ListPlansRequest req;
  v1::ListPlansResponse out;
  ASSERT_TRUE(List(req, &out).ok());
  EXPECT_EQ(out.plans_size(), 50);
  EXPECT_FALSE(out.next_page_token().empty());
  req.set_page_token(out.next_page_token());
  ASSERT_TRUE(List(req, &out).ok());
  EXPECT_EQ(out.plans_size(), 5);
  EXPECT_TRUE(out.next_page_token().empty());
}

TEST_F(PlanServiceTest, MetricsCountPlansByStatus) {
  Plan a = MustCreate(DepartmentDdciPlan());
  MustCreate(MinimalDraft());
  Plan out;
  ASSERT_TRUE(Issue(a.name(), &out).ok());
  const std::string m = h_->Metrics();
  EXPECT_THAT(m, HasSubstr("chiso_plans{status=\"draft\"} 1"));
  EXPECT_THAT(m, HasSubstr("chiso_plans{status=\"issued\"} 1"));
  EXPECT_THAT(m, HasSubstr("chiso_plans{status=\"closed\"} 0"));
  EXPECT_THAT(m, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"CreatePlan\","
                           "grpc_service=\"chiso.plan.v1.PlanService\",grpc_type=\"unary\"} 2"));
}

TEST_F(PlanServiceTest, MetricsExportTheTargetsOfIssuedPlansOfKnownUnits) {
  Plan draft = DepartmentDdciPlan();
  draft.mutable_issuer()->set_unit("units/01j0000000000000000000stnm");
  Plan a = MustCreate(draft);
  std::string m = h_->Metrics();
  EXPECT_THAT(m, Not(HasSubstr("chiso_component_target{")));  // drafts have none
  Plan out;
  ASSERT_TRUE(Issue(a.name(), &out).ok());
  m = h_->Metrics();
  EXPECT_THAT(m, HasSubstr("chiso_component_target{component=\"TIME_COSTS\",framework=\"DDCI\","
                           "unit=\"units/01j0000000000000000000stnm\",year=\"2020\"} 7.7"));
  EXPECT_THAT(m, HasSubstr("chiso_component_target{component=\"\",framework=\"DDCI\","
                           "unit=\"units/01j0000000000000000000stnm\",year=\"2020\"} 70"));
  // A rank target ("top 10") is not a score and has no series.
  EXPECT_THAT(m, Not(HasSubstr("} 10\n")));
  // Closing the plan withdraws its targets.
  ASSERT_TRUE(Close(a.name(), /*archive=*/false, &out).ok());
  EXPECT_THAT(h_->Metrics(), Not(HasSubstr("chiso_component_target{")));
}

// Bytes that are not a valid request (here: a name that is not UTF-8) must
// be refused with a status, never crash the service.
TEST_F(PlanServiceTest, MalformedRequestBytesAreRefusedNotFatal) {
  grpc::GenericStub stub(h_->channel());
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  const std::string bytes("\x0a\x03\xff\xfe\xfd", 5);  // GetPlanRequest.name = invalid UTF-8
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  auto call = stub.PrepareUnaryCall(&ctx, "/chiso.plan.v1.PlanService/GetPlan", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("not a valid protobuf message"));
  // The service still answers afterwards.
  Plan out;
  EXPECT_EQ(Get("plans/01hzzzzzzzzzzzzzzzzzzzzzzz", &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlanServiceTest, APlanThatSupersedesAnotherCanStillBeUpdated) {
  Plan original = MustCreate(DepartmentDdciPlan());
  Plan amendment = DepartmentDdciPlan();
  amendment.set_number("75/KH-STNMT");
  amendment.set_supersedes(original.name());
  Plan created = MustCreate(amendment);
  Plan patch;
  patch.set_name(created.name());
  patch.set_title("Kế hoạch sửa đổi, bổ sung");
  Plan out;
  ASSERT_TRUE(Update(patch, {"title"}, &out).ok());
  EXPECT_EQ(out.supersedes(), original.name());
  ASSERT_TRUE(Issue(created.name(), &out).ok());
  patch.add_recipients("Sở Nội vụ");
  ASSERT_TRUE(Update(patch, {"recipients"}, &out).ok());
  EXPECT_EQ(out.recipients_size(), 1);
}

TEST_F(PlanServiceTest, UpdateToASupersedesThatDoesNotExistIsNotFound) {
  Plan created = MustCreate(MinimalDraft());
  Plan patch;
  patch.set_name(created.name());
  patch.set_supersedes("plans/01hzzzzzzzzzzzzzzzzzzzzzzz");
  Plan out;
  ExpectStatus(Update(patch, {"supersedes"}, &out), grpc::StatusCode::NOT_FOUND,
               "plan.supersedes: plans/01hzzzzzzzzzzzzzzzzzzzzzzz not found");
}

TEST_F(PlanServiceTest, ASupersededPlanCannotBeDeleted) {
  Plan original = MustCreate(MinimalDraft());
  Plan amendment = MinimalDraft();
  amendment.set_supersedes(original.name());
  Plan created = MustCreate(amendment);
  ExpectStatus(Delete(original.name()), grpc::StatusCode::FAILED_PRECONDITION,
               absl::StrCat("is superseded by ", created.name()));
  ASSERT_TRUE(Delete(created.name()).ok());
  EXPECT_TRUE(Delete(original.name()).ok());
}

TEST_F(PlanServiceTest, ANumberIsTakenWhetherOrNotTheIssuerUnitIsKnown) {
  Plan with_unit = DepartmentDdciPlan();
  with_unit.mutable_issuer()->set_unit("units/01hzzzzzzzzzzzzzzzzzzzzzzz");
  MustCreate(with_unit);
  Plan out;
  ExpectStatus(Create(DepartmentDdciPlan(), &out), grpc::StatusCode::ALREADY_EXISTS,
               "already used");
  Plan other_spelling = DepartmentDdciPlan();
  other_spelling.mutable_issuer()->set_display_name("Sở TN&MT");
  other_spelling.mutable_issuer()->set_unit("units/01hzzzzzzzzzzzzzzzzzzzzzzz");
  ExpectStatus(Create(other_spelling, &out), grpc::StatusCode::ALREADY_EXISTS, "already used");
}

TEST_F(PlanServiceTest, ValidateOnlyReportsATakenNumber) {
  MustCreate(DepartmentDdciPlan());
  grpc::ClientContext ctx;
  v1::CreatePlanRequest req;
  *req.mutable_plan() = DepartmentDdciPlan();
  req.set_validate_only(true);
  Plan out;
  ExpectStatus(h_->stub().CreatePlan(&ctx, req, &out), grpc::StatusCode::ALREADY_EXISTS,
               "already used");
}

TEST_F(PlanServiceTest, UpdateAndCloseOfAnUnknownPlanAreNotFound) {
  Plan patch;
  patch.set_name("plans/01hzzzzzzzzzzzzzzzzzzzzzzz");
  patch.set_title("x");
  Plan out;
  ExpectStatus(Update(patch, {"title"}, &out), grpc::StatusCode::NOT_FOUND, "not found");
  ExpectStatus(Close("plans/01hzzzzzzzzzzzzzzzzzzzzzzz", false, &out), grpc::StatusCode::NOT_FOUND,
               "not found");
  ExpectStatus(Close("plan/1", false, &out), grpc::StatusCode::INVALID_ARGUMENT, "name");
}

TEST_F(PlanServiceTest, DatesAndPeriodsOutsideTheCenturyAreRejected) {
  Plan p = MinimalDraft();
  p.mutable_issued_on()->set_year(1999);
  p.mutable_issued_on()->set_month(12);
  p.mutable_issued_on()->set_day(31);
  Plan out;
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT, "plan.issued_on");
  p = MinimalDraft();
  p.mutable_period()->set_start_year(2022);
  p.mutable_period()->set_end_year(2125);
  ExpectStatus(Create(p, &out), grpc::StatusCode::INVALID_ARGUMENT, "plan.period.end_year");
}

TEST_F(PlanServiceTest, ListFiltersByStatus) {
  Plan issued = MustCreate(DepartmentDdciPlan());
  Plan out;
  ASSERT_TRUE(Issue(issued.name(), &out).ok());
  Plan draft = MustCreate(MinimalDraft());
  v1::ListPlansRequest req;
  req.mutable_filter()->add_statuses(v1::PLAN_STATUS_DRAFT);
  req.mutable_filter()->add_statuses(v1::PLAN_STATUS_DRAFT);
  v1::ListPlansResponse resp;
  ASSERT_TRUE(List(req, &resp).ok());
  ASSERT_EQ(resp.plans_size(), 1);
  EXPECT_EQ(resp.plans(0).name(), draft.name());
  req.mutable_filter()->add_statuses(v1::PLAN_STATUS_ISSUED);
  ASSERT_TRUE(List(req, &resp).ok());
  EXPECT_EQ(resp.plans_size(), 2);
  req.mutable_filter()->add_statuses(static_cast<v1::PlanStatus>(42));
  ExpectStatus(List(req, &resp), grpc::StatusCode::INVALID_ARGUMENT, "filter.statuses");
}

TEST_F(PlanServiceTest, AnIssuerFilterWithNothingToMatchIsRejected) {
  MustCreate(MinimalDraft());
  v1::ListPlansRequest req;
  req.mutable_filter()->set_issuer(" --- ");
  v1::ListPlansResponse resp;
  ExpectStatus(List(req, &resp), grpc::StatusCode::INVALID_ARGUMENT, "filter.issuer");
}

TEST(PlanServiceRestart, DataSurvivesARestart) {
  std::ostringstream logs;
  log::SetOutput(&logs);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("chiso-plan-", ::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "plan.db").string();
  Plan created;
  {
    PlanHarness h(path);
    grpc::ClientContext ctx;
    v1::CreatePlanRequest req;
    *req.mutable_plan() = DepartmentDdciPlan();
    ASSERT_TRUE(h.stub().CreatePlan(&ctx, req, &created).ok());
  }
  {
    PlanHarness h(path);
    grpc::ClientContext ctx;
    v1::GetPlanRequest req;
    req.set_name(created.name());
    Plan got;
    ASSERT_TRUE(h.stub().GetPlan(&ctx, req, &got).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, created));
  }
  std::filesystem::remove_all(dir);
  log::SetOutput(nullptr);
}

}  // namespace
}  // namespace chiso::plan
