// Every ScoringService method over a real gRPC server (in-process channel)
// with in-memory plan and directory readers: framework versions and their
// errors, results scored by the version valid for them, bulk import, rankings
// and medians on seed 002's DDCI peer group, trends on seed 001's PAR INDEX
// ranks, plan scorecards, and the domain metrics.

#include "services/scoring/scoring_service.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "services/scoring/framework_domain.h"

namespace chiso::scoring {
namespace {

using chiso::common::v1::Comparator;
using chiso::common::v1::Measure;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace v1 = chiso::scoring::v1;
namespace av1 = chiso::assignment::v1;
namespace pv1 = chiso::plan::v1;

// The catalog versions the tests run with (the service's own file may
// change; these numbers are the test vectors of DOMAIN.md).
constexpr absl::string_view kTestVersions = R"pb(
  frameworks {
    name: "frameworks/par-index-2012-province"
    code: "PAR_INDEX"
    level: LEVEL_PROVINCE
    valid_years { start_year: 2012 end_year: 2100 }
    components {
      code: "DIRECTION"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "INSTITUTIONS"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "ADMIN_PROCEDURES"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "ORGANIZATION"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "CIVIL_SERVICE"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "PUBLIC_FINANCE"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "DIGITAL_GOVERNMENT"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    components {
      code: "IMPACT"
      min { value: "0" }
      max { value: "100" }
      higher_is_better: true
    }
    aggregation: AGGREGATION_PERCENTAGE
    total_measure: MEASURE_PERCENT
    grade_bands {
      grade: "A"
      lower_bound { value: "90" }
    }
    grade_bands {
      grade: "B"
      lower_bound { value: "80" }
    }
    grade_bands {
      grade: "C"
      lower_bound { value: "70" }
    }
  }
  frameworks {
    name: "frameworks/pci-2014-province"
    code: "PCI"
    level: LEVEL_PROVINCE
    valid_years { start_year: 2014 end_year: 2021 }
    components {
      code: "ENTRY_COSTS"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "LAND_ACCESS"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "TRANSPARENCY"
      min { value: "0" }
      max { value: "10" }
      weight: 20
      higher_is_better: true
    }
    components {
      code: "TIME_COSTS"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "INFORMAL_CHARGES"
      min { value: "0" }
      max { value: "10" }
      weight: 10
      higher_is_better: true
    }
    components {
      code: "EQUAL_COMPETITION"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "PROACTIVITY"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "BUSINESS_SUPPORT"
      min { value: "0" }
      max { value: "10" }
      weight: 20
      higher_is_better: true
    }
    components {
      code: "LABOR_TRAINING"
      min { value: "0" }
      max { value: "10" }
      weight: 20
      higher_is_better: true
    }
    components {
      code: "LEGAL_INSTITUTIONS"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    aggregation: AGGREGATION_WEIGHTED_SUM_SCALED
    scale { value: "10" }
  }
  frameworks {
    name: "frameworks/pci-2022-province"
    code: "PCI"
    level: LEVEL_PROVINCE
    valid_years { start_year: 2022 end_year: 2024 }
    components {
      code: "ENTRY_COSTS"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "LAND_ACCESS"
      min { value: "0" }
      max { value: "10" }
      weight: 10
      higher_is_better: true
    }
    components {
      code: "TRANSPARENCY"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "TIME_COSTS"
      min { value: "0" }
      max { value: "10" }
      weight: 5
      higher_is_better: true
    }
    components {
      code: "INFORMAL_CHARGES"
      min { value: "0" }
      max { value: "10" }
      weight: 15
      higher_is_better: true
    }
    components {
      code: "EQUAL_COMPETITION"
      min { value: "0" }
      max { value: "10" }
      weight: 10
      higher_is_better: true
    }
    components {
      code: "PROACTIVITY"
      min { value: "0" }
      max { value: "10" }
      weight: 15
      higher_is_better: true
    }
    components {
      code: "BUSINESS_SUPPORT"
      min { value: "0" }
      max { value: "10" }
      weight: 15
      higher_is_better: true
    }
    components {
      code: "LABOR_TRAINING"
      min { value: "0" }
      max { value: "10" }
      weight: 10
      higher_is_better: true
    }
    components {
      code: "LEGAL_INSTITUTIONS"
      min { value: "0" }
      max { value: "10" }
      weight: 10
      higher_is_better: true
    }
    aggregation: AGGREGATION_WEIGHTED_SUM_SCALED
    scale { value: "10" }
  }
  frameworks {
    name: "frameworks/ddci-2016-department"
    code: "DDCI"
    level: LEVEL_DEPARTMENT
    valid_years { start_year: 2016 end_year: 2021 }
    measured_by { display_name: "UBND tỉnh Lạng Sơn" }
    components {
      code: "TRANSPARENCY"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "TIME_COSTS"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "INFORMAL_CHARGES"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "EQUAL_COMPETITION"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "BUSINESS_SUPPORT"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "LEGAL_INSTITUTIONS"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "LEADERSHIP"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    components {
      code: "DYNAMISM"
      min { value: "0" }
      max { value: "10" }
      higher_is_better: true
    }
    aggregation: AGGREGATION_MEAN_SCALED
    scale { value: "10" }
  }
)pb";

constexpr char kLangSonGroup[] = "Sở, ban, ngành tỉnh Lạng Sơn";
const std::vector<std::string> kDdciCodes = {
    "TRANSPARENCY",     "TIME_COSTS",         "INFORMAL_CHARGES", "EQUAL_COMPETITION",
    "BUSINESS_SUPPORT", "LEGAL_INSTITUTIONS", "LEADERSHIP",       "DYNAMISM"};
const std::vector<std::string> kPciCodes = {
    "ENTRY_COSTS",       "LAND_ACCESS", "TRANSPARENCY",     "TIME_COSTS",     "INFORMAL_CHARGES",
    "EQUAL_COMPETITION", "PROACTIVITY", "BUSINESS_SUPPORT", "LABOR_TRAINING", "LEGAL_INSTITUTIONS"};

// The scoring service as main.cc wires it, on an in-memory database.
class ScoringHarness {
 public:
  ScoringHarness()
      : clock_(absl::FromCivil(absl::CivilSecond(2024, 3, 1, 2, 0, 0), absl::UTCTimeZone())) {
    db_ = *storage::OpenSqlite(":memory:");
    EXPECT_TRUE(storage::Migrate(*db_, ScoringMigrations()).ok());
    store_ = NewSqlScoringStore(db_.get());
    absl::StatusOr<std::vector<Framework>> versions = ParseFrameworkFile(kTestVersions, catalog_);
    EXPECT_TRUE(versions.ok()) << versions.status();
    registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<ScoringMetrics>(*registry_);
    manager_ =
        std::make_unique<ScoringManager>(store_.get(), &catalog_, *std::move(versions), &directory_,
                                         &plans_, &clock_, &ids_, metrics_.get());
    service_ = std::make_unique<ScoringServiceImpl>(manager_.get());
    ServerOptions options;
    options.service_name = "scoring";
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ = *Server::Start(options, {{v1::ScoringService::service_full_name(), service_.get()}},
                             registry_, [this] { return manager_->RefreshMetrics(); });
    stub_ = v1::ScoringService::NewStub(server_->InProcessChannel());
  }

  v1::ScoringService::Stub& stub() { return *stub_; }
  ScoringManager& manager() { return *manager_; }
  InMemoryDirectoryReader& directory() { return directory_; }
  InMemoryPlanReader& plans() { return plans_; }
  IdGenerator& ids() { return ids_; }

  // The metrics as a scrape after the next health check sees them.
  std::string Metrics() {
    EXPECT_TRUE(manager_->RefreshMetrics().ok());
    return MetricsNow();
  }
  // The metrics as they are, without a health check in between.
  std::string MetricsNow() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
  }

 private:
  Catalog catalog_ = *Catalog::Builtin();
  civil::FakeClock clock_;
  IdGenerator ids_;
  InMemoryDirectoryReader directory_;
  InMemoryPlanReader plans_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ScoringStore> store_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ScoringMetrics> metrics_;
  std::unique_ptr<ScoringManager> manager_;
  std::unique_ptr<ScoringServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::ScoringService::Stub> stub_;
};

chiso::common::v1::Decimal Dec(const std::string& value) {
  chiso::common::v1::Decimal d;
  d.set_value(value);
  return d;
}

// A result about `entity` with the given component scores ("" skips one).
Result EntityResult(const std::string& entity, const std::string& code, v1::Level level, int year,
                    const std::vector<std::string>& codes = {},
                    const std::vector<std::string>& scores = {}) {
  Result r;
  r.mutable_subject()->set_entity(entity);
  r.set_framework_code(code);
  r.set_level(level);
  r.set_year(year);
  for (size_t i = 0; i < scores.size() && i < codes.size(); ++i) {
    if (scores[i].empty()) continue;
    v1::ComponentScore* c = r.add_component_scores();
    c->set_component(codes[i]);
    *c->mutable_score() = Dec(scores[i]);
  }
  return r;
}

Result Ddci(const std::string& entity, int year, const std::vector<std::string>& scores = {}) {
  Result r = EntityResult(entity, "DDCI", v1::LEVEL_DEPARTMENT, year, kDdciCodes, scores);
  r.set_peer_group(kLangSonGroup);
  return r;
}

Result Pci(const std::string& entity, int year, const std::vector<std::string>& scores) {
  return EntityResult(entity, "PCI", v1::LEVEL_PROVINCE, year, kPciCodes, scores);
}

// A DDCI department version through the API: the catalog one's components.
Framework DdciVersion(int start, int end, const std::string& measured_by = "UBND tỉnh Lạng Sơn") {
  Framework f;
  f.set_code("DDCI");
  f.set_level(v1::LEVEL_DEPARTMENT);
  f.mutable_valid_years()->set_start_year(start);
  f.mutable_valid_years()->set_end_year(end);
  f.mutable_measured_by()->set_display_name(measured_by);
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

// A PCI province version through the API with the 2014–2021 weights.
Framework PciVersion(int start, int end) {
  Framework f;
  f.set_code("PCI");
  f.set_level(v1::LEVEL_PROVINCE);
  f.mutable_valid_years()->set_start_year(start);
  f.mutable_valid_years()->set_end_year(end);
  const int weights[] = {5, 5, 20, 5, 10, 5, 5, 20, 20, 5};
  for (size_t i = 0; i < kPciCodes.size(); ++i) {
    v1::Component* c = f.add_components();
    c->set_code(kPciCodes[i]);
    *c->mutable_min() = Dec("0");
    *c->mutable_max() = Dec("10");
    c->set_weight(weights[i]);
    c->set_higher_is_better(true);
  }
  f.set_aggregation(v1::AGGREGATION_WEIGHTED_SUM_SCALED);
  *f.mutable_scale() = Dec("10");
  return f;
}

const std::vector<std::string> kQuangNinh2019 = {"7.16", "7.00", "7.20", "7.89", "7.10",
                                                 "7.69", "7.96", "6.68", "7.95", "7.58"};
const std::vector<std::string> kBacGiang2022 = {"6.65", "7.29", "6.30", "7.38", "8.02",
                                                "7.31", "7.62", "6.10", "6.80", "8.60"};
// Seed 002: Sở TN&MT Lạng Sơn, DDCI 2019, and its component ranks of 23.
const std::vector<std::string> kTnmt2019 = {"6.77", "6.83", "5.53", "2.65",
                                            "4.50", "6.78", "4.69", "6.26"};
const int kTnmtRanks2019[] = {16, 18, 16, 23, 20, 14, 14, 10};

class ScoringServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    h_ = std::make_unique<ScoringHarness>();
    tnmt_ = Unit("STNMT", "Sở Tài nguyên và Môi trường");
  }
  void TearDown() override {
    h_.reset();
    log::SetOutput(nullptr);
  }

  std::string Unit(const std::string& code, const std::string& display_name) {
    av1::Unit unit;
    unit.set_name(absl::StrCat("units/", h_->ids().Next()));
    unit.set_code(code);
    unit.set_display_name(display_name);
    h_->directory().PutUnit(unit);
    return unit.name();
  }

  grpc::Status CreateFramework(const Framework& f, const std::string& id, Framework* out) {
    grpc::ClientContext ctx;
    v1::CreateFrameworkRequest req;
    *req.mutable_framework() = f;
    req.set_framework_id(id);
    return h_->stub().CreateFramework(&ctx, req, out);
  }
  Framework MustCreateFramework(const Framework& f, const std::string& id = "") {
    Framework out;
    grpc::Status s = CreateFramework(f, id, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status GetFramework(const std::string& name, Framework* out) {
    grpc::ClientContext ctx;
    v1::GetFrameworkRequest req;
    req.set_name(name);
    return h_->stub().GetFramework(&ctx, req, out);
  }
  grpc::Status UpdateFramework(const Framework& f, std::initializer_list<const char*> paths,
                               Framework* out) {
    grpc::ClientContext ctx;
    v1::UpdateFrameworkRequest req;
    *req.mutable_framework() = f;
    for (const char* p : paths) req.mutable_update_mask()->add_paths(p);
    return h_->stub().UpdateFramework(&ctx, req, out);
  }
  grpc::Status DeleteFramework(const std::string& name, const std::string& etag = "") {
    grpc::ClientContext ctx;
    v1::DeleteFrameworkRequest req;
    req.set_name(name);
    req.set_etag(etag);
    google::protobuf::Empty out;
    return h_->stub().DeleteFramework(&ctx, req, &out);
  }
  grpc::Status CreateResult(const Result& r, Result* out) {
    grpc::ClientContext ctx;
    v1::CreateResultRequest req;
    *req.mutable_result() = r;
    return h_->stub().CreateResult(&ctx, req, out);
  }
  Result MustCreateResult(const Result& r) {
    Result out;
    grpc::Status s = CreateResult(r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status GetResult(const std::string& name, Result* out) {
    grpc::ClientContext ctx;
    v1::GetResultRequest req;
    req.set_name(name);
    return h_->stub().GetResult(&ctx, req, out);
  }
  grpc::Status UpdateResult(const Result& r, std::initializer_list<const char*> paths,
                            Result* out) {
    grpc::ClientContext ctx;
    v1::UpdateResultRequest req;
    *req.mutable_result() = r;
    for (const char* p : paths) req.mutable_update_mask()->add_paths(p);
    return h_->stub().UpdateResult(&ctx, req, out);
  }
  grpc::Status DeleteResult(const std::string& name, const std::string& etag = "") {
    grpc::ClientContext ctx;
    v1::DeleteResultRequest req;
    req.set_name(name);
    req.set_etag(etag);
    google::protobuf::Empty out;
    return h_->stub().DeleteResult(&ctx, req, &out);
  }
  grpc::Status ListResults(const v1::ListResultsRequest& req, v1::ListResultsResponse* out) {
    grpc::ClientContext ctx;
    return h_->stub().ListResults(&ctx, req, out);
  }
  // "<year> <subject>" of every result the filter lists.
  std::vector<std::string> Listed(const v1::ResultFilter& filter) {
    v1::ListResultsRequest req;
    *req.mutable_filter() = filter;
    req.set_page_size(500);
    v1::ListResultsResponse resp;
    grpc::Status s = ListResults(req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> out;
    for (const Result& r : resp.results()) {
      out.push_back(absl::StrCat(r.year(), " ", r.subject().display_name()));
    }
    return out;
  }
  grpc::Status Import(const std::string& csv, v1::ImportResultsResponse* out,
                      bool skip_invalid = false, bool replace_existing = false,
                      bool validate_only = false) {
    grpc::ClientContext ctx;
    v1::ImportResultsRequest req;
    req.set_csv(csv);
    req.set_skip_invalid(skip_invalid);
    req.set_replace_existing(replace_existing);
    req.set_validate_only(validate_only);
    return h_->stub().ImportResults(&ctx, req, out);
  }
  grpc::Status Ranking(const v1::GetRankingRequest& req, v1::GetRankingResponse* out) {
    grpc::ClientContext ctx;
    return h_->stub().GetRanking(&ctx, req, out);
  }
  grpc::Status Trend(const v1::GetTrendRequest& req, v1::GetTrendResponse* out) {
    grpc::ClientContext ctx;
    return h_->stub().GetTrend(&ctx, req, out);
  }

  // Seed 002's peer group: 23 departments ranked on TIME_COSTS in 2019, the
  // Sở TN&MT 18th with 6.83 and its full record; "Đơn vị 02" and "Đơn vị 03"
  // tie second. Returns the results in score order.
  std::vector<Result> RecordLangSon2019() {
    const std::vector<std::string> time_costs = {"8.50", "8.20", "8.20", "8.00", "7.80", "7.70",
                                                 "7.60", "7.50", "7.40", "7.30", "7.20", "7.10",
                                                 "7.05", "7.00", "6.95", "6.90", "6.85", "6.83",
                                                 "6.50", "6.40", "6.30", "6.20", "6.00"};
    std::vector<Result> out;
    for (size_t i = 0; i < time_costs.size(); ++i) {
      Result r;
      if (i == 17) {
        r = Ddci("", 2019, kTnmt2019);
        r.mutable_subject()->set_unit(tnmt_);
        for (int j = 0; j < 8; ++j) {
          v1::ComponentScore* c = r.mutable_component_scores(j);
          c->set_rank(kTnmtRanks2019[j]);
          c->set_rank_of(23);
        }
        r.set_published_rank(20);
        r.set_published_rank_of(23);
      } else {
        // Names out of score order for the tie: the 8.20s are "03" then "02".
        const int n = i == 1 ? 3 : i == 2 ? 2 : static_cast<int>(i) + 1;
        r = Ddci(absl::StrFormat("Đơn vị %02d", n), 2019, {"", time_costs[i]});
      }
      out.push_back(MustCreateResult(r));
    }
    return out;
  }

  // Seed 001: a province's PAR INDEX ranks 2012–2021 (of 63); the 2021
  // result also has a published total, in group C.
  void RecordSeed001() {
    const int ranks[] = {48, 33, 26, 50, 46, 47, 45, 54, 61, 63};
    for (int i = 0; i < 10; ++i) {
      Result r = EntityResult("Tỉnh X", "PAR_INDEX", v1::LEVEL_PROVINCE, 2012 + i);
      r.set_published_rank(ranks[i]);
      r.set_published_rank_of(63);
      if (2012 + i == 2021) *r.mutable_published_total() = Dec("75.50");
      MustCreateResult(r);
    }
  }

  std::ostringstream logs_;
  std::unique_ptr<ScoringHarness> h_;
  std::string tnmt_;
};

// ---- Framework versions ------------------------------------------------------------

TEST_F(ScoringServiceTest, CreatesGetsListsAndDeletesAVersion) {
  Framework created;
  grpc::Status s = CreateFramework(DdciVersion(2022, 2024), "ddci-2022-department", &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.name(), "frameworks/ddci-2022-department");
  EXPECT_EQ(created.origin(), v1::FRAMEWORK_ORIGIN_API);
  EXPECT_EQ(created.etag(), "1");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_EQ(created.components(1).name_vi(), "Chi phí thời gian") << "names come from the catalog";
  EXPECT_THAT(created.display_name(), HasSubstr("DDCI")) << created.display_name();

  Framework got;
  ASSERT_TRUE(GetFramework(created.name(), &got).ok());
  EXPECT_EQ(got.SerializeAsString(), created.SerializeAsString());
  Framework catalog;
  ASSERT_TRUE(GetFramework("frameworks/pci-2014-province", &catalog).ok());
  EXPECT_EQ(catalog.origin(), v1::FRAMEWORK_ORIGIN_CATALOG);
  EXPECT_EQ(GetFramework("frameworks/nope", &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetFramework("nope", &got).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A version without an id gets a readable one.
  Framework unnamed = MustCreateFramework(DdciVersion(2025, 2026));
  EXPECT_EQ(unnamed.name(), "frameworks/ddci-2025-department");

  grpc::ClientContext ctx;
  v1::ListFrameworksRequest list;
  list.mutable_filter()->set_code("DDCI");
  v1::ListFrameworksResponse listed;
  ASSERT_TRUE(h_->stub().ListFrameworks(&ctx, list, &listed).ok());
  std::vector<std::string> names;
  for (const Framework& f : listed.frameworks()) names.push_back(f.name());
  EXPECT_THAT(names,
              ElementsAre("frameworks/ddci-2016-department", "frameworks/ddci-2022-department",
                          "frameworks/ddci-2025-department"));

  EXPECT_EQ(DeleteFramework(created.name(), "7").error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(DeleteFramework(created.name(), "1").ok());
  EXPECT_EQ(GetFramework(created.name(), &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DeleteFramework(created.name()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ScoringServiceTest, ListFrameworksPagesAndFilters) {
  v1::ListFrameworksRequest req;
  req.set_page_size(2);
  std::vector<std::string> names;
  for (int pages = 0; pages < 5; ++pages) {
    grpc::ClientContext ctx;
    v1::ListFrameworksResponse resp;
    ASSERT_TRUE(h_->stub().ListFrameworks(&ctx, req, &resp).ok());
    for (const Framework& f : resp.frameworks()) names.push_back(f.name());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(names,
              ElementsAre("frameworks/ddci-2016-department", "frameworks/par-index-2012-province",
                          "frameworks/pci-2014-province", "frameworks/pci-2022-province"));

  v1::ListFrameworksRequest other;
  other.set_page_token(req.page_token());
  other.mutable_filter()->set_year(2020);
  grpc::ClientContext ctx;
  v1::ListFrameworksResponse resp;
  EXPECT_EQ(h_->stub().ListFrameworks(&ctx, other, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "a token belongs to its filter";
  other.clear_page_token();
  other.mutable_filter()->set_code("PCI");
  grpc::ClientContext ctx2;
  ASSERT_TRUE(h_->stub().ListFrameworks(&ctx2, other, &resp).ok());
  ASSERT_EQ(resp.frameworks_size(), 1);
  EXPECT_EQ(resp.frameworks(0).name(), "frameworks/pci-2014-province");

  v1::ListFrameworksRequest negative;
  negative.set_page_size(-1);
  grpc::ClientContext ctx3;
  EXPECT_EQ(h_->stub().ListFrameworks(&ctx3, negative, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListFrameworksRequest api_only;
  api_only.mutable_filter()->set_origin(v1::FRAMEWORK_ORIGIN_API);
  grpc::ClientContext ctx4;
  ASSERT_TRUE(h_->stub().ListFrameworks(&ctx4, api_only, &resp).ok());
  EXPECT_EQ(resp.frameworks_size(), 0);
}

TEST_F(ScoringServiceTest, CreateFrameworkRejectsEveryBrokenRule) {
  struct Case {
    std::string what;
    std::function<void(Framework&)> change;
    std::string id;
    grpc::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"bad code", [](Framework& f) { f.set_code("ddci"); }, "", grpc::StatusCode::INVALID_ARGUMENT,
       "framework.code"},
      {"bad id", [](Framework&) {}, "Bad_Id", grpc::StatusCode::INVALID_ARGUMENT, "framework_id"},
      {"id starting with a digit", [](Framework&) {}, "2022-ddci",
       grpc::StatusCode::INVALID_ARGUMENT, "framework_id"},
      {"no components", [](Framework& f) { f.clear_components(); }, "",
       grpc::StatusCode::INVALID_ARGUMENT, "framework.components"},
      {"repeated component", [](Framework& f) { f.mutable_components(2)->set_code("TIME_COSTS"); },
       "", grpc::StatusCode::INVALID_ARGUMENT, "repeats"},
      {"min not below max",
       [](Framework& f) { *f.mutable_components(0)->mutable_max() = Dec("0"); }, "",
       grpc::StatusCode::INVALID_ARGUMENT, "framework.components[0].max"},
      {"weights not summing to 100",
       [](Framework& f) {
         f.set_aggregation(v1::AGGREGATION_WEIGHTED_SUM_SCALED);
         for (auto& c : *f.mutable_components()) c.set_weight(10);
       },
       "", grpc::StatusCode::INVALID_ARGUMENT, "weights sum to 80"},
      {"missing scale", [](Framework& f) { f.clear_scale(); }, "",
       grpc::StatusCode::INVALID_ARGUMENT, "framework.scale"},
      {"bands not decreasing",
       [](Framework& f) {
         v1::GradeBand* a = f.add_grade_bands();
         a->set_grade("A");
         *a->mutable_lower_bound() = Dec("80");
         v1::GradeBand* b = f.add_grade_bands();
         b->set_grade("B");
         *b->mutable_lower_bound() = Dec("90");
       },
       "", grpc::StatusCode::INVALID_ARGUMENT, "framework.grade_bands[1].lower_bound"},
      {"year before 2000", [](Framework& f) { f.mutable_valid_years()->set_start_year(1999); }, "",
       grpc::StatusCode::INVALID_ARGUMENT, "framework.valid_years.start_year"},
      {"year after 2100", [](Framework& f) { f.mutable_valid_years()->set_end_year(2101); }, "",
       grpc::StatusCode::INVALID_ARGUMENT, "framework.valid_years.end_year"},
      {"catalog id taken", [](Framework&) {}, "pci-2014-province", grpc::StatusCode::ALREADY_EXISTS,
       "frameworks/pci-2014-province"},
  };
  for (const Case& c : cases) {
    Framework f = DdciVersion(2022, 2024);
    c.change(f);
    Framework out;
    grpc::Status s = CreateFramework(f, c.id, &out);
    EXPECT_EQ(s.error_code(), c.code) << c.what << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.message)) << c.what;
  }
  grpc::ClientContext ctx;
  Framework out;
  EXPECT_EQ(h_->stub().CreateFramework(&ctx, v1::CreateFrameworkRequest(), &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  MustCreateFramework(DdciVersion(2022, 2024), "ddci-2022-department");
  grpc::Status taken = CreateFramework(DdciVersion(2030, 2031), "ddci-2022-department", &out);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  grpc::Status overlap = CreateFramework(DdciVersion(2024, 2026), "ddci-2024", &out);
  EXPECT_EQ(overlap.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(overlap.error_message(), HasSubstr("frameworks/ddci-2022-department"));
  // Another measuring body's DDCI does not overlap Lạng Sơn's.
  EXPECT_TRUE(CreateFramework(DdciVersion(2022, 2024, "UBND tỉnh Cao Bằng"), "", &out).ok());
}

TEST_F(ScoringServiceTest, CatalogVersionsAreReadOnly) {
  Framework catalog;
  ASSERT_TRUE(GetFramework("frameworks/pci-2014-province", &catalog).ok());
  catalog.set_display_name("changed");
  Framework out;
  grpc::Status update = UpdateFramework(catalog, {"display_name"}, &out);
  EXPECT_EQ(update.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(update.error_message(), HasSubstr("catalog version"));
  grpc::Status del = DeleteFramework("frameworks/pci-2014-province");
  EXPECT_EQ(del.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(GetFramework("frameworks/pci-2014-province", &out).ok());
  EXPECT_NE(out.display_name(), "changed");
}

// An administrator corrects the catalog without a release: an API version
// over a catalog version's years scores the results of those years; the
// catalog version still scores a result that names it.
TEST_F(ScoringServiceTest, AnApiVersionTakesPrecedenceOverTheCatalogForTheYearsTheyShare) {
  Framework corrected = DdciVersion(2020, 2021);
  *corrected.mutable_scale() = Dec("5");  // a different total: 5 × mean
  Framework created = MustCreateFramework(corrected, "ddci-2020-department");

  Result r = MustCreateResult(Ddci("Sở Xây dựng", 2021, kTnmt2019));
  EXPECT_EQ(r.framework(), "frameworks/ddci-2020-department");
  EXPECT_EQ(r.computed_total().value(), "27.50625");  // 5 × 44.01 / 8

  Result older = MustCreateResult(Ddci("Sở Xây dựng", 2019, kTnmt2019));
  EXPECT_EQ(older.framework(), "frameworks/ddci-2016-department");  // outside the API span
  EXPECT_EQ(older.computed_total().value(), "55.0125");

  // The catalog version no longer scores the years it gave up, even by name:
  // one definition per peer group.
  Result named = Ddci("Sở Y tế", 2021, kTnmt2019);
  named.set_framework("frameworks/ddci-2016-department");
  Result refused;
  grpc::Status by_name = CreateResult(named, &refused);
  EXPECT_EQ(by_name.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(by_name.error_message(), HasSubstr("frameworks/ddci-2020-department took its place"));

  // API versions still may not overlap each other.
  Framework out;
  grpc::Status overlap = CreateFramework(DdciVersion(2021, 2022), "ddci-2021-department", &out);
  EXPECT_EQ(overlap.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(overlap.error_message(), HasSubstr(created.name()));
}

// Results the catalog version scored in the years a new API version takes
// over follow the new version, in the same transaction, so a peer group is
// never ranked on two definitions; results outside its years stay.
TEST_F(ScoringServiceTest, ANewVersionOverTheCatalogRescoresTheResultsOfItsYears) {
  Result in_span = MustCreateResult(Ddci("Sở Xây dựng", 2021, kTnmt2019));
  Result outside = MustCreateResult(Ddci("Sở Xây dựng", 2019, kTnmt2019));
  ASSERT_EQ(in_span.framework(), "frameworks/ddci-2016-department");
  ASSERT_EQ(in_span.computed_total().value(), "55.0125");

  Framework corrected = DdciVersion(2020, 2021);
  *corrected.mutable_scale() = Dec("5");
  MustCreateFramework(corrected, "ddci-2020-department");

  v1::GetResultRequest get;
  get.set_name(in_span.name());
  Result now;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(h_->stub().GetResult(&ctx, get, &now).ok());
  }
  EXPECT_EQ(now.framework(), "frameworks/ddci-2020-department");
  EXPECT_EQ(now.computed_total().value(), "27.50625");
  EXPECT_NE(now.etag(), in_span.etag());
  get.set_name(outside.name());
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(h_->stub().GetResult(&ctx, get, &now).ok());
  }
  EXPECT_EQ(now.framework(), "frameworks/ddci-2016-department");
  EXPECT_EQ(now.computed_total().value(), "55.0125");

  // A new version under which a recorded result would not validate is
  // refused, naming the result, and nothing changes.
  Framework narrow = DdciVersion(2019, 2019);
  narrow.mutable_components(1)->mutable_max()->set_value("5");  // TIME_COSTS 6.83 > 5
  Framework out;
  grpc::Status refused = CreateFramework(narrow, "ddci-2019-department", &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr(outside.name()));
  {
    grpc::ClientContext ctx;
    v1::GetFrameworkRequest req;
    req.set_name("frameworks/ddci-2019-department");
    Framework f;
    EXPECT_EQ(h_->stub().GetFramework(&ctx, req, &f).error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

// Widening an API version over more of a catalog version's years moves the
// results of those years to it, as creating it there would have.
TEST_F(ScoringServiceTest, WideningAVersionOverTheCatalogTakesItsResultsAlong) {
  Framework corrected = DdciVersion(2021, 2021);
  *corrected.mutable_scale() = Dec("5");
  Framework created = MustCreateFramework(corrected, "ddci-2021-department");
  Result r2020 = MustCreateResult(Ddci("Sở Xây dựng", 2020, kTnmt2019));
  ASSERT_EQ(r2020.framework(), "frameworks/ddci-2016-department");

  Framework patch = created;
  patch.mutable_valid_years()->set_start_year(2020);
  Framework out;
  grpc::Status s = UpdateFramework(patch, {"valid_years"}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  Result now;
  ASSERT_TRUE(GetResult(r2020.name(), &now).ok());
  EXPECT_EQ(now.framework(), "frameworks/ddci-2021-department");
  EXPECT_EQ(now.computed_total().value(), "27.50625");
}

TEST_F(ScoringServiceTest, UpdateFrameworkChecksEtagMaskAndRules) {
  Framework f = MustCreateFramework(DdciVersion(2022, 2024), "ddci-2022-department");
  Framework out;
  Framework patch = f;
  patch.set_display_name("DDCI Lạng Sơn 2022–2024");
  patch.set_etag("9");
  EXPECT_EQ(UpdateFramework(patch, {"display_name"}, &out).error_code(), grpc::StatusCode::ABORTED);
  patch.set_etag("1");
  EXPECT_EQ(UpdateFramework(patch, {}, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(UpdateFramework(patch, {"code"}, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(UpdateFramework(patch, {"etag"}, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Another API version of the same body may not be overlapped (a catalog
  // one may: the API version takes precedence).
  MustCreateFramework(DdciVersion(2025, 2026), "ddci-2025-department");
  patch.mutable_valid_years()->set_end_year(2025);
  grpc::Status overlap = UpdateFramework(patch, {"valid_years"}, &out);
  EXPECT_EQ(overlap.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(overlap.error_message(), HasSubstr("frameworks/ddci-2025-department"));
  patch.mutable_valid_years()->set_end_year(2024);
  patch.clear_components();
  EXPECT_EQ(UpdateFramework(patch, {"components"}, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status s = UpdateFramework(patch, {"display_name"}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.display_name(), "DDCI Lạng Sơn 2022–2024");
  EXPECT_EQ(out.etag(), "2");
  EXPECT_EQ(out.components_size(), 8);
  patch.set_name("frameworks/nope");
  EXPECT_EQ(UpdateFramework(patch, {"display_name"}, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ScoringServiceTest, UpdateFrameworkRescoresTheResultsThatUseIt) {
  Framework f = MustCreateFramework(PciVersion(2025, 2026), "pci-2025-province");
  Result r = MustCreateResult(Pci("Quảng Ninh", 2025, kQuangNinh2019));
  EXPECT_EQ(r.framework(), f.name());
  EXPECT_EQ(r.computed_total().value(), "73.40");

  // The 2022–2024 weights: 5 10 5 5 15 10 15 15 10 10.
  const int weights[] = {5, 10, 5, 5, 15, 10, 15, 15, 10, 10};
  Framework patch = f;
  for (int i = 0; i < 10; ++i) patch.mutable_components(i)->set_weight(weights[i]);
  Framework out;
  grpc::Status s = UpdateFramework(patch, {"components"}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  Result got;
  ASSERT_TRUE(GetResult(r.name(), &got).ok());
  EXPECT_EQ(got.computed_total().value(), "73.955") << "the computed total follows the weights";
  EXPECT_NE(got.etag(), r.etag());
}

TEST_F(ScoringServiceTest, UpdateFrameworkRefusesAChangeThatInvalidatesAResult) {
  Framework f = MustCreateFramework(PciVersion(2025, 2026), "pci-2025-province");
  Result r = MustCreateResult(Pci("Quảng Ninh", 2025, kQuangNinh2019));
  Framework patch = f;
  *patch.mutable_components(3)->mutable_max() = Dec("7");  // TIME_COSTS is 7.89
  Framework out;
  grpc::Status s = UpdateFramework(patch, {"components"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr(r.name()));
  EXPECT_THAT(s.error_message(), HasSubstr("TIME_COSTS"));

  patch = f;
  patch.mutable_valid_years()->set_start_year(2026);
  s = UpdateFramework(patch, {"valid_years"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr(r.name()));

  ASSERT_TRUE(GetFramework(f.name(), &out).ok());
  EXPECT_EQ(out.etag(), "1") << "nothing changed";
  grpc::Status in_use = DeleteFramework(f.name());
  EXPECT_EQ(in_use.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(in_use.error_message(), HasSubstr(r.name()));
}

// ---- Results ----------------------------------------------------------------------

TEST_F(ScoringServiceTest, ScoresResultsWithTheVersionValidForThem) {
  Result quang_ninh = MustCreateResult(Pci("Quảng Ninh", 2019, kQuangNinh2019));
  EXPECT_EQ(quang_ninh.framework(), "frameworks/pci-2014-province");
  EXPECT_EQ(quang_ninh.computed_total().value(), "73.40");
  EXPECT_EQ(quang_ninh.subject().display_name(), "Quảng Ninh");
  EXPECT_EQ(quang_ninh.etag(), "1");
  EXPECT_TRUE(quang_ninh.has_create_time());

  Result bac_giang = Pci("Bắc Giang", 2022, kBacGiang2022);
  *bac_giang.mutable_published_total() = Dec("72,80");
  Result scored = MustCreateResult(bac_giang);
  EXPECT_EQ(scored.framework(), "frameworks/pci-2022-province");
  EXPECT_EQ(scored.computed_total().value(), "72.775");
  EXPECT_EQ(scored.published_total().value(), "72.80");
  EXPECT_EQ(scored.total_difference().value(), "0.025");
  EXPECT_FALSE(scored.total_mismatch()) << "72.80 against 72.775 is rounding";

  Result tnmt = Ddci("", 2019, kTnmt2019);
  tnmt.mutable_subject()->set_unit(tnmt_);
  Result unit_result = MustCreateResult(tnmt);
  EXPECT_EQ(unit_result.subject().display_name(), "Sở Tài nguyên và Môi trường");
  EXPECT_EQ(unit_result.computed_total().value(), "55.0125") << "exact";
  EXPECT_EQ(unit_result.display_total().value(), "55.01");

  Result got;
  ASSERT_TRUE(GetResult(scored.name(), &got).ok());
  EXPECT_EQ(got.SerializeAsString(), scored.SerializeAsString());
  EXPECT_EQ(GetResult(absl::StrCat("results/", h_->ids().Next()), &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetResult("results/x", &got).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ScoringServiceTest, PublishedTotalsAreGradedAndMismatchesFlagged) {
  Result r = EntityResult("Tỉnh X", "PAR_INDEX", v1::LEVEL_PROVINCE, 2021);
  *r.mutable_published_total() = Dec("75.50");
  Result graded = MustCreateResult(r);
  EXPECT_EQ(graded.grade(), "C");
  EXPECT_FALSE(graded.has_computed_total());

  Result off = Pci("Quảng Ninh", 2019, kQuangNinh2019);
  *off.mutable_published_total() = Dec("75.00");
  Result flagged = MustCreateResult(off);
  EXPECT_TRUE(flagged.total_mismatch());
  EXPECT_EQ(flagged.total_difference().value(), "1.6");
}

TEST_F(ScoringServiceTest, CreateResultRejectsEveryBrokenRule) {
  MustCreateFramework(DdciVersion(2016, 2021, "UBND tỉnh Cao Bằng"), "ddci-cao-bang");
  struct Case {
    std::string what;
    Result result;
    grpc::StatusCode code;
    std::string message;
  };
  std::vector<Case> cases;
  auto add = [&](const std::string& what, const std::function<void(Result&)>& change,
                 grpc::StatusCode code, const std::string& message) {
    Result r = Ddci("Sở Xây dựng", 2019, {"7.00", "6.50"});
    r.set_framework("frameworks/ddci-2016-department");
    change(r);
    cases.push_back({what, r, code, message});
  };
  add(
      "missing subject", [](Result& r) { r.clear_subject(); }, grpc::StatusCode::INVALID_ARGUMENT,
      "result.subject");
  add(
      "year outside", [](Result& r) { r.set_year(1999); }, grpc::StatusCode::INVALID_ARGUMENT,
      "result.year");
  add(
      "no version",
      [](Result& r) {
        r.set_year(2030);
        r.clear_framework();
      },
      grpc::StatusCode::INVALID_ARGUMENT,
      "no DDCI version for department level in 2030 (define one with CreateFramework)");
  add(
      "several versions", [](Result& r) { r.clear_framework(); },
      grpc::StatusCode::INVALID_ARGUMENT,
      "frameworks/ddci-2016-department, frameworks/ddci-cao-bang");
  add(
      "unknown component",
      [](Result& r) { r.mutable_component_scores(1)->set_component("LAND_ACCESS"); },
      grpc::StatusCode::INVALID_ARGUMENT, "components: TRANSPARENCY, TIME_COSTS");
  add(
      "repeated component",
      [](Result& r) { r.mutable_component_scores(1)->set_component("TRANSPARENCY"); },
      grpc::StatusCode::INVALID_ARGUMENT, "twice");
  add(
      "score above max",
      [](Result& r) { *r.mutable_component_scores(1)->mutable_score() = Dec("11.2"); },
      grpc::StatusCode::INVALID_ARGUMENT, "11.2 is above the maximum 10");
  add(
      "rank above rank_of",
      [](Result& r) {
        r.set_published_rank(24);
        r.set_published_rank_of(23);
      },
      grpc::StatusCode::INVALID_ARGUMENT, "result.published_rank");
  add(
      "component rank above rank_of",
      [](Result& r) {
        r.mutable_component_scores(0)->set_rank(24);
        r.mutable_component_scores(0)->set_rank_of(23);
      },
      grpc::StatusCode::INVALID_ARGUMENT, "component_scores[0].rank");
  add(
      "unknown unit",
      [&](Result& r) { r.mutable_subject()->set_unit(absl::StrCat("units/", h_->ids().Next())); },
      grpc::StatusCode::NOT_FOUND, "not found");
  add(
      "unknown version", [](Result& r) { r.set_framework("frameworks/nope"); },
      grpc::StatusCode::NOT_FOUND, "frameworks/nope");
  add(
      "version of other years", [](Result& r) { r.set_framework("frameworks/pci-2014-province"); },
      grpc::StatusCode::INVALID_ARGUMENT, "does not cover");
  for (const Case& c : cases) {
    Result out;
    grpc::Status s = CreateResult(c.result, &out);
    EXPECT_EQ(s.error_code(), c.code) << c.what << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.message)) << c.what;
  }

  Result ok = Ddci("Sở Xây dựng", 2019, {"7.00", "6.50"});
  ok.set_framework("frameworks/ddci-2016-department");
  Result first = MustCreateResult(ok);
  Result dup = Ddci("so xay dung", 2019, {"7.10"});
  dup.set_framework("frameworks/ddci-cao-bang");
  Result out;
  grpc::Status s = CreateResult(dup, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr(first.name()));
}

TEST_F(ScoringServiceTest, UpdateAndDeleteResults) {
  Result r = MustCreateResult(Pci("Quảng Ninh", 2019, kQuangNinh2019));
  Result patch = r;
  *patch.mutable_published_total() = Dec("75.00");
  patch.set_etag("5");
  Result out;
  EXPECT_EQ(UpdateResult(patch, {"published_total"}, &out).error_code(), grpc::StatusCode::ABORTED);
  patch.set_etag(r.etag());
  EXPECT_EQ(UpdateResult(patch, {}, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(UpdateResult(patch, {"year"}, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(UpdateResult(patch, {"computed_total"}, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status s = UpdateResult(patch, {"published_total"}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(out.total_mismatch());
  EXPECT_EQ(out.etag(), "2");

  *patch.mutable_component_scores(0)->mutable_score() = Dec("10.5");
  patch.set_etag("");
  EXPECT_EQ(UpdateResult(patch, {"component_scores"}, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  patch.clear_component_scores();
  ASSERT_TRUE(UpdateResult(patch, {"component_scores"}, &out).ok());
  EXPECT_FALSE(out.has_computed_total()) << "no components, no computed total";
  EXPECT_FALSE(out.total_mismatch());

  EXPECT_EQ(DeleteResult(r.name(), "1").error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(DeleteResult(r.name(), out.etag()).ok());
  EXPECT_EQ(DeleteResult(r.name()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ScoringServiceTest, ListResultsFiltersAndPages) {
  Result off = Pci("Quảng Ninh", 2019, kQuangNinh2019);
  *off.mutable_published_total() = Dec("75.00");
  MustCreateResult(off);
  MustCreateResult(Pci("Quảng Ninh", 2018, kQuangNinh2019));
  Result bac_giang = Pci("Bắc Giang", 2022, kBacGiang2022);
  *bac_giang.mutable_published_total() = Dec("72.80");
  MustCreateResult(bac_giang);
  MustCreateResult(Pci("Bắc Giang", 2019, kQuangNinh2019));
  Result tnmt = Ddci("", 2019, kTnmt2019);
  tnmt.mutable_subject()->set_unit(tnmt_);
  MustCreateResult(tnmt);

  EXPECT_THAT(Listed({}), ElementsAre("2019 Sở Tài nguyên và Môi trường", "2022 Bắc Giang",
                                      "2019 Bắc Giang", "2019 Quảng Ninh", "2018 Quảng Ninh"));
  v1::ResultFilter mismatch;
  mismatch.set_mismatch_only(true);
  EXPECT_THAT(Listed(mismatch), ElementsAre("2019 Quảng Ninh"));
  v1::ResultFilter years;
  years.mutable_years()->set_start_year(2019);
  years.mutable_years()->set_end_year(2021);
  years.set_framework_code("PCI");
  EXPECT_THAT(Listed(years), ElementsAre("2019 Bắc Giang", "2019 Quảng Ninh"));
  v1::ResultFilter folded;
  folded.set_entity("QUANG  NINH");
  EXPECT_THAT(Listed(folded), ElementsAre("2019 Quảng Ninh", "2018 Quảng Ninh"));
  v1::ResultFilter unit;
  unit.set_unit(tnmt_);
  EXPECT_THAT(Listed(unit), ElementsAre("2019 Sở Tài nguyên và Môi trường"));
  v1::ResultFilter group;
  group.set_peer_group(kLangSonGroup);
  group.set_level(v1::LEVEL_DEPARTMENT);
  EXPECT_THAT(Listed(group), ElementsAre("2019 Sở Tài nguyên và Môi trường"));

  v1::ListResultsRequest req;
  req.set_page_size(2);
  std::vector<std::string> paged;
  for (int pages = 0; pages < 5; ++pages) {
    v1::ListResultsResponse resp;
    ASSERT_TRUE(ListResults(req, &resp).ok());
    EXPECT_LE(resp.results_size(), 2);
    for (const Result& r : resp.results()) paged.push_back(r.subject().display_name());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(paged.size(), 5u);

  v1::ListResultsResponse resp;
  v1::ListResultsRequest bad;
  bad.set_page_token(req.page_token());
  bad.mutable_filter()->set_framework_code("PCI");
  EXPECT_EQ(ListResults(bad, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  bad.set_page_token("garbage");
  EXPECT_EQ(ListResults(bad, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  bad.clear_page_token();
  bad.set_page_size(-3);
  EXPECT_EQ(ListResults(bad, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListResultsRequest both;
  both.mutable_filter()->set_unit(tnmt_);
  both.mutable_filter()->set_entity("Quảng Ninh");
  EXPECT_EQ(ListResults(both, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListResultsRequest inverted;
  inverted.mutable_filter()->mutable_years()->set_start_year(2021);
  inverted.mutable_filter()->mutable_years()->set_end_year(2019);
  EXPECT_EQ(ListResults(inverted, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// ---- Import -------------------------------------------------------------------------

constexpr char kImportHeader[] =
    "framework,level,year,entity,peer_group,TIME_COSTS,TIME_COSTS_rank,TIME_COSTS_rank_of\n";

TEST_F(ScoringServiceTest, ImportIsAllOrNothingAndReportsEveryBadRow) {
  const std::string csv = absl::StrCat(kImportHeader,
                                       "DDCI,department,2019,Sở A,Khối sở,\"7,10\",3,23\n"
                                       "DDCI,department,2019,Sở B,Khối sở,11.2,,\n"
                                       "DDCI,department,2019,Sở C,Khối sở,6.50,,\n"
                                       "DDCI,department,2030,Sở D,Khối sở,6.50,,\n");
  v1::ImportResultsResponse resp;
  grpc::Status s = Import(csv, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.row_count(), 4);
  EXPECT_EQ(resp.imported_count(), 0);
  EXPECT_EQ(resp.skipped_count(), 2);
  ASSERT_EQ(resp.errors_size(), 2);
  EXPECT_EQ(resp.errors(0).line(), 3);
  EXPECT_EQ(resp.errors(0).column(), "TIME_COSTS");
  EXPECT_THAT(resp.errors(0).reason(), HasSubstr("11.2 is above the maximum 10"));
  EXPECT_EQ(resp.errors(1).line(), 5);
  EXPECT_EQ(resp.errors(1).column(), "framework");
  EXPECT_THAT(resp.errors(1).reason(), HasSubstr("no DDCI version for department level in 2030"));
  EXPECT_FALSE(resp.errors_truncated());
  EXPECT_THAT(Listed({}), IsEmpty()) << "a bad row stops the whole import";

  s = Import(csv, &resp, /*skip_invalid=*/true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.imported_count(), 2);
  EXPECT_EQ(resp.skipped_count(), 2);
  EXPECT_EQ(resp.errors_size(), 2);
  EXPECT_THAT(Listed({}), ElementsAre("2019 Sở A", "2019 Sở C"));
  v1::ResultFilter filter;
  filter.set_entity("so a");
  v1::ListResultsRequest req;
  *req.mutable_filter() = filter;
  v1::ListResultsResponse listed;
  ASSERT_TRUE(ListResults(req, &listed).ok());
  ASSERT_EQ(listed.results_size(), 1);
  EXPECT_EQ(listed.results(0).component_scores(0).score().value(), "7.10");
  EXPECT_EQ(listed.results(0).component_scores(0).rank(), 3);
  EXPECT_EQ(listed.results(0).peer_group(), "Khối sở");
}

// Where two measuring bodies define DDCI for the same level and year, a row
// is ambiguous unless its `version` column names one.
TEST_F(ScoringServiceTest, ImportNamesTheVersionWhereBodiesShareAnIndex) {
  MustCreateFramework(DdciVersion(2016, 2021, "UBND tỉnh Cao Bằng"), "ddci-cao-bang");
  const std::string csv =
      "framework,level,year,entity,version,TRANSPARENCY,TIME_COSTS,INFORMAL_CHARGES,"
      "EQUAL_COMPETITION,BUSINESS_SUPPORT,LEGAL_INSTITUTIONS,LEADERSHIP,DYNAMISM\n"
      "DDCI,department,2019,Sở Y tế,ddci-cao-bang,6.77,6.83,5.53,2.65,4.50,6.78,4.69,6.26\n"
      "DDCI,department,2019,Sở Xây dựng,,6.77,6.83,5.53,2.65,4.50,6.78,4.69,6.26\n";
  v1::ImportResultsResponse out;
  ASSERT_TRUE(Import(csv, &out, /*skip_invalid=*/true).ok());
  EXPECT_EQ(out.imported_count(), 1);
  ASSERT_EQ(out.errors_size(), 1);
  EXPECT_EQ(out.errors(0).line(), 3);
  EXPECT_THAT(out.errors(0).reason(), HasSubstr("several DDCI versions"));
  EXPECT_EQ(out.errors(0).column(), "framework");
  // A version that does not cover the row is the version cell's fault.
  v1::ImportResultsResponse wrong;
  ASSERT_TRUE(Import(absl::StrReplaceAll(csv, {{",ddci-cao-bang,", ",pci-2014-province,"}}), &wrong,
                     /*skip_invalid=*/false, /*replace_existing=*/true)
                  .ok());
  ASSERT_GE(wrong.errors_size(), 1);
  EXPECT_EQ(wrong.errors(0).line(), 2);
  EXPECT_EQ(wrong.errors(0).column(), "version");
  v1::ListResultsRequest list;
  list.mutable_filter()->set_entity("Sở Y tế");
  v1::ListResultsResponse listed;
  grpc::ClientContext ctx;
  ASSERT_TRUE(h_->stub().ListResults(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.results_size(), 1);
  EXPECT_EQ(listed.results(0).framework(), "frameworks/ddci-cao-bang");
}

// A store that runs `before_import` right after the import read the
// framework versions it scores the rows with, and so before the import's
// transaction: another writer interleaved deterministically. (Inside the
// import's transaction it would join that transaction instead.)
class InterleavingStore : public ForwardingScoringStore {
 public:
  using ForwardingScoringStore::ForwardingScoringStore;
  std::function<void()> before_import;
  absl::StatusOr<std::vector<Framework>> ListFrameworks() override {
    absl::StatusOr<std::vector<Framework>> read = ForwardingScoringStore::ListFrameworks();
    if (before_import) std::exchange(before_import, nullptr)();
    return read;
  }
};

// Rows are scored before the import's transaction; a version created in
// between over the catalog one would have taken some of them, so the import
// is refused whole (ABORTED) rather than written with the old version.
TEST(ScoringImportRaceTest, AVersionCreatedDuringAnImportAbortsIt) {
  Catalog catalog = *Catalog::Builtin();
  std::unique_ptr<storage::Database> db = *storage::OpenSqlite(":memory:");
  ASSERT_TRUE(storage::Migrate(*db, ScoringMigrations()).ok());
  std::unique_ptr<ScoringStore> sql = NewSqlScoringStore(db.get());
  InterleavingStore store(sql.get());
  InMemoryDirectoryReader directory;
  InMemoryPlanReader plans;
  civil::FakeClock clock(
      absl::FromCivil(absl::CivilSecond(2024, 3, 1, 2, 0, 0), absl::UTCTimeZone()));
  IdGenerator ids;
  ScoringManager manager(&store, &catalog, *ParseFrameworkFile(kTestVersions, catalog), &directory,
                         &plans, &clock, &ids, nullptr);

  store.before_import = [&] {
    v1::CreateFrameworkRequest create;
    *create.mutable_framework() = DdciVersion(2020, 2021);
    create.set_framework_id("ddci-2020-department");
    ASSERT_TRUE(manager.CreateFramework(create).ok());
  };
  v1::ImportResultsRequest request;
  request.set_csv(
      "framework,level,year,entity,TRANSPARENCY,TIME_COSTS,INFORMAL_CHARGES,EQUAL_COMPETITION,"
      "BUSINESS_SUPPORT,LEGAL_INSTITUTIONS,LEADERSHIP,DYNAMISM\n"
      "DDCI,department,2021,Sở Y tế,6.77,6.83,5.53,2.65,4.50,6.78,4.69,6.26\n");
  absl::StatusOr<v1::ImportResultsResponse> imported = manager.ImportResults(request);
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kAborted) << imported.status();

  // Imported again, the row is scored by the new version.
  imported = manager.ImportResults(request);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->imported_count(), 1);
  v1::ListResultsRequest list;
  absl::StatusOr<v1::ListResultsResponse> listed = manager.ListResults(list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->results_size(), 1);
  EXPECT_EQ(listed->results(0).framework(), "frameworks/ddci-2020-department");
}

TEST_F(ScoringServiceTest, ImportValidateOnlyWritesNothing) {
  const std::string csv = absl::StrCat(kImportHeader, "DDCI,department,2019,Sở A,Khối sở,7.10,,\n",
                                       "DDCI,department,2019,Sở B,Khối sở,7.20,,\n");
  v1::ImportResultsResponse resp;
  ASSERT_TRUE(Import(csv, &resp, false, false, /*validate_only=*/true).ok());
  EXPECT_EQ(resp.row_count(), 2);
  EXPECT_EQ(resp.imported_count(), 0);
  EXPECT_EQ(resp.skipped_count(), 0);
  EXPECT_THAT(resp.errors(), IsEmpty());
  EXPECT_THAT(Listed({}), IsEmpty());
}

TEST_F(ScoringServiceTest, ImportReplacesExistingResultsOnlyWhenAsked) {
  Result existing = MustCreateResult(Ddci("Sở A", 2019, {"", "6.00"}));
  const std::string csv = absl::StrCat(kImportHeader, "DDCI,department,2019,sở a,Khối sở,7.50,,\n",
                                       "DDCI,department,2019,Sở B,Khối sở,7.20,,\n");
  v1::ImportResultsResponse resp;
  ASSERT_TRUE(Import(csv, &resp).ok());
  EXPECT_EQ(resp.imported_count(), 0);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_EQ(resp.errors(0).line(), 2);
  EXPECT_THAT(resp.errors(0).reason(), HasSubstr(existing.name()));
  EXPECT_THAT(resp.errors(0).reason(), HasSubstr("replace_existing"));

  ASSERT_TRUE(Import(csv, &resp, false, /*replace_existing=*/true).ok());
  EXPECT_EQ(resp.imported_count(), 2);
  EXPECT_THAT(resp.errors(), IsEmpty());
  Result replaced;
  ASSERT_TRUE(GetResult(existing.name(), &replaced).ok()) << "the result keeps its name";
  EXPECT_EQ(replaced.component_scores(0).score().value(), "7.50");
  EXPECT_EQ(replaced.peer_group(), "Khối sở");
  EXPECT_EQ(replaced.etag(), "2");
  EXPECT_EQ(Listed({}).size(), 2u);
}

TEST_F(ScoringServiceTest, ImportTreatsRepeatedRowsAsBad) {
  const std::string csv = absl::StrCat(kImportHeader, "DDCI,department,2019,Sở E,Khối sở,7.10,,\n",
                                       "DDCI,department,2019,SỞ  E,Khối sở,7.20,,\n");
  v1::ImportResultsResponse resp;
  ASSERT_TRUE(Import(csv, &resp).ok());
  EXPECT_EQ(resp.imported_count(), 0);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_EQ(resp.errors(0).line(), 3);
  EXPECT_THAT(resp.errors(0).reason(), HasSubstr("repeats line 2"));
  EXPECT_THAT(Listed({}), IsEmpty());
}

TEST_F(ScoringServiceTest, ImportResolvesUnitCodes) {
  const std::string csv =
      "framework;level;year;unit;TIME_COSTS\n"
      "DDCI;department;2019;STNMT;6,83\n"
      "DDCI;department;2019;NOPE;6,00\n";
  v1::ImportResultsResponse resp;
  ASSERT_TRUE(Import(csv, &resp, /*skip_invalid=*/true).ok());
  EXPECT_EQ(resp.imported_count(), 1);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_EQ(resp.errors(0).line(), 3);
  EXPECT_EQ(resp.errors(0).column(), "unit");
  EXPECT_THAT(resp.errors(0).reason(), HasSubstr("NOPE"));
  v1::ResultFilter filter;
  filter.set_unit(tnmt_);
  EXPECT_THAT(Listed(filter), ElementsAre("2019 Sở Tài nguyên và Môi trường"));
}

TEST_F(ScoringServiceTest, ImportReportsAtMostAThousandErrors) {
  std::string csv = kImportHeader;
  for (int i = 0; i < 1001; ++i) absl::StrAppend(&csv, "DDCI,department,2030,Sở ", i, ",,5,,\n");
  v1::ImportResultsResponse resp;
  ASSERT_TRUE(Import(csv, &resp).ok());
  EXPECT_EQ(resp.row_count(), 1001);
  EXPECT_EQ(resp.skipped_count(), 1001);
  EXPECT_EQ(resp.errors_size(), 1000);
  EXPECT_TRUE(resp.errors_truncated());
}

TEST_F(ScoringServiceTest, ImportRejectsUnusableFiles) {
  v1::ImportResultsResponse resp;
  EXPECT_EQ(Import("year,entity\n2019,A\n", &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Import(absl::StrCat(kImportHeader, "DDCI,department,2019,\xff\xfe,,7,,\n"), &resp)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// ---- Rankings ------------------------------------------------------------------------

v1::GetRankingRequest LangSonRanking(const std::string& component) {
  v1::GetRankingRequest req;
  req.set_framework_code("DDCI");
  req.set_level(v1::LEVEL_DEPARTMENT);
  req.set_year(2019);
  req.set_peer_group(kLangSonGroup);
  req.set_component(component);
  return req;
}

TEST_F(ScoringServiceTest, RanksTwentyThreeDepartmentsByScores) {
  std::vector<Result> recorded = RecordLangSon2019();
  v1::GetRankingResponse resp;
  grpc::Status s = Ranking(LangSonRanking("TIME_COSTS"), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.basis(), v1::RANKING_BASIS_SCORES);
  EXPECT_EQ(resp.count(), 23);
  EXPECT_EQ(resp.median_score().value(), "7.10");
  EXPECT_EQ(resp.median_rank().value(), "12");
  EXPECT_EQ(resp.below_median_count(), 11);
  ASSERT_EQ(resp.entries_size(), 23);
  EXPECT_TRUE(resp.next_page_token().empty());

  EXPECT_EQ(resp.entries(0).rank(), 1);
  EXPECT_EQ(resp.entries(0).score().value(), "8.50");
  // Ties share a rank, in subject name order; the next rank is skipped.
  EXPECT_EQ(resp.entries(1).rank(), 2);
  EXPECT_EQ(resp.entries(1).subject().entity(), "Đơn vị 02");
  EXPECT_EQ(resp.entries(2).rank(), 2);
  EXPECT_EQ(resp.entries(2).subject().entity(), "Đơn vị 03");
  EXPECT_EQ(resp.entries(3).rank(), 4);
  EXPECT_FALSE(resp.entries(11).below_median()) << "the median itself is not below it";
  EXPECT_TRUE(resp.entries(12).below_median());

  const v1::RankingEntry& tnmt = resp.entries(17);
  EXPECT_EQ(tnmt.subject().unit(), tnmt_);
  EXPECT_EQ(tnmt.subject().display_name(), "Sở Tài nguyên và Môi trường");
  EXPECT_EQ(tnmt.rank(), 18) << "seed 002: 18/23 on time costs";
  EXPECT_EQ(tnmt.published_rank(), 18);
  EXPECT_EQ(tnmt.score().value(), "6.83");
  EXPECT_TRUE(tnmt.below_median());
  EXPECT_EQ(tnmt.result(), recorded[17].name());
}

TEST_F(ScoringServiceTest, RankingPagesCoverTheGroupWithOneMedian) {
  RecordLangSon2019();
  v1::GetRankingRequest req = LangSonRanking("TIME_COSTS");
  req.set_page_size(10);
  std::vector<int> ranks;
  std::vector<int> sizes;
  for (int pages = 0; pages < 5; ++pages) {
    v1::GetRankingResponse resp;
    ASSERT_TRUE(Ranking(req, &resp).ok());
    EXPECT_EQ(resp.count(), 23);
    EXPECT_EQ(resp.median_score().value(), "7.10");
    EXPECT_EQ(resp.below_median_count(), 11);
    sizes.push_back(resp.entries_size());
    for (const v1::RankingEntry& e : resp.entries()) ranks.push_back(e.rank());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(sizes, ElementsAre(10, 10, 3));
  ASSERT_EQ(ranks.size(), 23u);
  EXPECT_EQ(ranks[10], 11);
  EXPECT_EQ(ranks[22], 23);

  v1::GetRankingResponse resp;
  v1::GetRankingRequest other = LangSonRanking("DYNAMISM");
  other.set_page_size(10);
  other.set_page_token(req.page_token());
  EXPECT_EQ(Ranking(other, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "a token belongs to its request";
  other.set_page_token("garbage");
  EXPECT_EQ(Ranking(other, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetRankingRequest negative = LangSonRanking("TIME_COSTS");
  negative.set_page_size(-1);
  EXPECT_EQ(Ranking(negative, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ScoringServiceTest, TheMedianOfAnEvenGroupIsTheMeanOfTheMiddleTwo) {
  std::vector<Result> recorded = RecordLangSon2019();
  ASSERT_TRUE(DeleteResult(recorded[0].name()).ok());
  v1::GetRankingResponse resp;
  ASSERT_TRUE(Ranking(LangSonRanking("TIME_COSTS"), &resp).ok());
  EXPECT_EQ(resp.count(), 22);
  EXPECT_EQ(resp.median_score().value(), "7.075");
  EXPECT_EQ(resp.median_rank().value(), "11.5");
  EXPECT_EQ(resp.below_median_count(), 11);
  EXPECT_EQ(resp.entries(0).rank(), 1);
  EXPECT_EQ(resp.entries(1).rank(), 1);
}

TEST_F(ScoringServiceTest, RanksByPublishedRanksWhenSomeResultsHaveNoScore) {
  RecordLangSon2019();
  // Only the Sở TN&MT has a total (and DYNAMISM): the others are ranked on
  // what was published, i.e. nothing, and left out.
  v1::GetRankingResponse resp;
  ASSERT_TRUE(Ranking(LangSonRanking("DYNAMISM"), &resp).ok());
  EXPECT_EQ(resp.basis(), v1::RANKING_BASIS_PUBLISHED_RANKS);
  EXPECT_EQ(resp.count(), 23) << "n is the number ranked as published";
  EXPECT_EQ(resp.median_rank().value(), "12");
  ASSERT_EQ(resp.entries_size(), 1);
  EXPECT_EQ(resp.entries(0).rank(), 10);
  EXPECT_FALSE(resp.entries(0).below_median());
  EXPECT_FALSE(resp.entries(0).has_score());
  EXPECT_FALSE(resp.has_median_score());

  grpc::Status total = Ranking(LangSonRanking(""), &resp);
  ASSERT_TRUE(total.ok()) << total.error_message();
  EXPECT_EQ(resp.basis(), v1::RANKING_BASIS_PUBLISHED_RANKS);
  ASSERT_EQ(resp.entries_size(), 1);
  EXPECT_EQ(resp.entries(0).rank(), 20) << "seed 002: 20/23 overall";
  EXPECT_TRUE(resp.entries(0).below_median());
  EXPECT_EQ(resp.below_median_count(), 1);
}

TEST_F(ScoringServiceTest, RanksByExactTotalsWhenEveryResultHasOne) {
  Result tnmt = Ddci("", 2019, kTnmt2019);  // 55.0125
  tnmt.mutable_subject()->set_unit(tnmt_);
  tnmt.set_peer_group("Khối thử");
  MustCreateResult(tnmt);
  for (const char* score : {"7.00", "6.00", "5.00"}) {
    Result r = Ddci(absl::StrCat("Sở ", score), 2019, std::vector<std::string>(8, score));
    r.set_peer_group("Khối thử");
    MustCreateResult(r);
  }
  v1::GetRankingRequest req = LangSonRanking("");
  req.set_peer_group("Khối thử");
  v1::GetRankingResponse resp;
  grpc::Status s = Ranking(req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.basis(), v1::RANKING_BASIS_SCORES);
  EXPECT_EQ(resp.count(), 4);
  EXPECT_EQ(resp.median_score().value(), "57.50625") << "(60 + 55.0125) / 2, exact";
  EXPECT_EQ(resp.median_rank().value(), "2.5");
  ASSERT_EQ(resp.entries_size(), 4);
  EXPECT_EQ(resp.entries(2).subject().unit(), tnmt_);
  EXPECT_EQ(resp.entries(2).score().value(), "55.0125");
  EXPECT_EQ(resp.entries(2).rank(), 3);
  EXPECT_TRUE(resp.entries(2).below_median());
  EXPECT_EQ(resp.below_median_count(), 2);
}

TEST_F(ScoringServiceTest, RanksProvincesByPublishedParIndexRanks) {
  struct Row {
    const char* province;
    int rank;
    const char* total;
  };
  for (const Row& row : {Row{"Tỉnh X", 63, ""}, Row{"Tỉnh Y", 10, "85.00"}, Row{"Tỉnh Z", 30, ""},
                         Row{"Tỉnh W", 0, ""}}) {
    Result r = EntityResult(row.province, "PAR_INDEX", v1::LEVEL_PROVINCE, 2021);
    if (row.rank > 0) {
      r.set_published_rank(row.rank);
      r.set_published_rank_of(63);
    }
    if (*row.total != '\0') *r.mutable_published_total() = Dec(row.total);
    MustCreateResult(r);
  }
  v1::GetRankingRequest req;
  req.set_framework_code("PAR_INDEX");
  req.set_year(2021);
  v1::GetRankingResponse resp;
  grpc::Status s = Ranking(req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.basis(), v1::RANKING_BASIS_PUBLISHED_RANKS);
  EXPECT_EQ(resp.count(), 63);
  EXPECT_EQ(resp.median_rank().value(), "32");
  EXPECT_FALSE(resp.has_median_score());
  ASSERT_EQ(resp.entries_size(), 3) << "a result without a rank is left out";
  EXPECT_EQ(resp.entries(0).subject().entity(), "Tỉnh Y");
  EXPECT_EQ(resp.entries(0).rank(), 10);
  EXPECT_EQ(resp.entries(1).rank(), 30);
  EXPECT_FALSE(resp.entries(1).below_median());
  EXPECT_EQ(resp.entries(2).rank(), 63);
  EXPECT_TRUE(resp.entries(2).below_median());
  EXPECT_EQ(resp.below_median_count(), 1);
}

TEST_F(ScoringServiceTest, RankingRequestErrors) {
  RecordLangSon2019();
  v1::GetRankingResponse resp;
  v1::GetRankingRequest req = LangSonRanking("TIME_COSTS");
  req.clear_framework_code();
  EXPECT_EQ(Ranking(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = LangSonRanking("TIME_COSTS");
  req.set_year(0);
  EXPECT_EQ(Ranking(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status unknown = Ranking(LangSonRanking("LAND_ACCESS"), &resp);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unknown.error_message(), HasSubstr("LAND_ACCESS"));
  req = LangSonRanking("TIME_COSTS");
  req.set_year(2018);
  EXPECT_EQ(Ranking(req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  req = LangSonRanking("TIME_COSTS");
  req.set_peer_group("");
  EXPECT_EQ(Ranking(req, &resp).error_code(), grpc::StatusCode::NOT_FOUND)
      << "an empty peer group means results without one";
}

// ---- Trends ------------------------------------------------------------------------

v1::GetTrendRequest TrendOf(const std::string& entity, const std::string& code) {
  v1::GetTrendRequest req;
  req.mutable_subject()->set_entity(entity);
  req.set_framework_code(code);
  return req;
}

TEST_F(ScoringServiceTest, TrendOfSeed001ParIndexRanks) {
  RecordSeed001();
  v1::GetTrendResponse resp;
  grpc::Status s = Trend(TrendOf("tinh x", "PAR_INDEX"), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.basis(), Measure::MEASURE_RANK) << "only 2021 has a score";
  ASSERT_EQ(resp.points_size(), 10);
  EXPECT_EQ(resp.best_year(), 2014);
  EXPECT_EQ(resp.worst_year(), 2021);
  EXPECT_EQ(resp.consecutive_declines(), 3);
  EXPECT_EQ(resp.points(1).rank_delta(), -15);
  EXPECT_FALSE(resp.points(1).declined());
  EXPECT_EQ(resp.points(3).rank_delta(), 24);
  EXPECT_TRUE(resp.points(3).declined());
  EXPECT_FALSE(resp.points(6).declined());
  const v1::TrendPoint& last = resp.points(9);
  EXPECT_EQ(last.year(), 2021);
  EXPECT_EQ(last.rank(), 63);
  EXPECT_EQ(last.rank_of(), 63);
  EXPECT_EQ(last.grade(), "C");
  EXPECT_EQ(last.score().value(), "75.50");
  EXPECT_FALSE(resp.points(8).has_score());
  EXPECT_THAT(last.result(), HasSubstr("results/"));

  v1::GetTrendRequest recent = TrendOf("Tỉnh X", "PAR_INDEX");
  recent.mutable_years()->set_start_year(2019);
  recent.mutable_years()->set_end_year(2021);
  ASSERT_TRUE(Trend(recent, &resp).ok());
  EXPECT_EQ(resp.points_size(), 3);
  EXPECT_EQ(resp.consecutive_declines(), 2);
  EXPECT_EQ(resp.best_year(), 2019);
}

TEST_F(ScoringServiceTest, TrendOnScores) {
  Result y2022 = Pci("Bắc Giang", 2022, kBacGiang2022);
  *y2022.mutable_published_total() = Dec("72.80");
  MustCreateResult(y2022);
  Result y2023 = Pci("Bắc Giang", 2023, {});
  *y2023.mutable_published_total() = Dec("70.00");
  MustCreateResult(y2023);
  v1::GetTrendResponse resp;
  ASSERT_TRUE(Trend(TrendOf("Bắc Giang", "PCI"), &resp).ok());
  EXPECT_EQ(resp.basis(), Measure::MEASURE_SCORE);
  ASSERT_EQ(resp.points_size(), 2);
  EXPECT_EQ(resp.points(1).score_delta().value(), "-2.80");
  EXPECT_TRUE(resp.points(1).declined());
  EXPECT_EQ(resp.best_year(), 2022);
  EXPECT_EQ(resp.worst_year(), 2023);
  EXPECT_EQ(resp.consecutive_declines(), 1);

  v1::GetTrendRequest component = TrendOf("Bắc Giang", "PCI");
  component.set_component("TIME_COSTS");
  ASSERT_TRUE(Trend(component, &resp).ok());
  EXPECT_EQ(resp.basis(), Measure::MEASURE_RANK) << "2023 has no TIME_COSTS score";
  EXPECT_EQ(resp.points(0).score().value(), "7.38");
}

TEST_F(ScoringServiceTest, TrendRequestErrors) {
  RecordSeed001();
  v1::GetTrendResponse resp;
  v1::GetTrendRequest req = TrendOf("Tỉnh X", "PAR_INDEX");
  req.clear_subject();
  EXPECT_EQ(Trend(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = TrendOf("Tỉnh X", "");
  EXPECT_EQ(Trend(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = TrendOf("Tỉnh X", "PAR_INDEX");
  req.set_basis(Measure::MEASURE_PERCENT);
  EXPECT_EQ(Trend(req, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trend(TrendOf("Tỉnh Khác", "PAR_INDEX"), &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Trend(TrendOf("Tỉnh X", "PCI"), &resp).error_code(), grpc::StatusCode::NOT_FOUND);
}

// ---- Scorecards ------------------------------------------------------------------------

pv1::Plan TwoObjectivePlan(const std::string& name, const std::string& issuer_unit) {
  pv1::Plan plan;
  plan.set_name(name);
  plan.set_title("Kế hoạch cải thiện DDCI năm 2020");
  plan.mutable_issuer()->set_display_name("Sở Tài nguyên và Môi trường");
  plan.mutable_issuer()->set_unit(issuer_unit);
  pv1::Objective* o1 = plan.add_objectives();
  o1->set_id("o1");
  o1->set_framework("DDCI");
  o1->set_component("TIME_COSTS");
  o1->set_measure(Measure::MEASURE_SCORE);
  o1->mutable_baseline()->set_year(2019);
  *o1->mutable_baseline()->mutable_value() = Dec("6.83");
  o1->mutable_target()->set_year(2020);
  o1->mutable_target()->set_comparator(Comparator::COMPARATOR_ABOVE);
  *o1->mutable_target()->mutable_value() = Dec("7.70");
  pv1::Objective* o2 = plan.add_objectives();
  o2->set_id("o2");
  o2->set_framework("DDCI");
  o2->set_measure(Measure::MEASURE_SCORE);
  o2->mutable_target()->set_year(2020);
  o2->mutable_target()->set_comparator(Comparator::COMPARATOR_AT_LEAST);
  *o2->mutable_target()->mutable_value() = Dec("70");
  return plan;
}

TEST_F(ScoringServiceTest, ComputesTheScorecardOfAPlanForItsIssuer) {
  const std::string plan_name = absl::StrCat("plans/", h_->ids().Next());
  h_->plans().Put(TwoObjectivePlan(plan_name, tnmt_));
  // 2020: TIME_COSTS 7.80 is above 7.70; the total 71.25 reaches 70.
  Result r = Ddci("", 2020, {"7.90", "7.80", "6.60", "6.10", "7.60", "7.10", "6.40", "7.50"});
  r.mutable_subject()->set_unit(tnmt_);
  Result recorded = MustCreateResult(r);
  EXPECT_EQ(recorded.computed_total().value(), "71.25");

  v1::ComputeScorecardRequest req;
  req.set_plan(plan_name);
  absl::StatusOr<v1::ComputeScorecardResponse> card = h_->manager().ComputeScorecard(req);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->plan(), plan_name);
  EXPECT_EQ(card->subject().unit(), tnmt_);
  EXPECT_EQ(card->subject().display_name(), "Sở Tài nguyên và Môi trường");
  ASSERT_EQ(card->lines_size(), 2);
  EXPECT_EQ(card->lines(0).objective_id(), "o1");
  EXPECT_EQ(card->lines(0).attainment(), v1::ATTAINMENT_MET);
  EXPECT_EQ(card->lines(0).actual().value().value(), "7.80");
  EXPECT_EQ(card->lines(0).result(), recorded.name());
  EXPECT_EQ(card->lines(1).attainment(), v1::ATTAINMENT_MET);
  EXPECT_EQ(card->met_count(), 2);
  EXPECT_EQ(card->no_data_count(), 0);
  EXPECT_TRUE(card->has_compute_time());

  req.set_year(2021);
  card = h_->manager().ComputeScorecard(req);
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->no_data_count(), 2);

  // The same over gRPC, for an entity as the subject.
  grpc::ClientContext ctx;
  v1::ComputeScorecardRequest entity = req;
  entity.set_year(0);
  entity.mutable_subject()->set_entity("Sở khác");
  v1::ComputeScorecardResponse resp;
  grpc::Status s = h_->stub().ComputeScorecard(&ctx, entity, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.subject().entity(), "Sở khác");
  EXPECT_EQ(resp.no_data_count(), 2);
}

TEST_F(ScoringServiceTest, ScorecardErrors) {
  const std::string plan_name = absl::StrCat("plans/", h_->ids().Next());
  h_->plans().Put(TwoObjectivePlan(plan_name, ""));
  v1::ComputeScorecardRequest req;
  req.set_plan(plan_name);
  absl::StatusOr<v1::ComputeScorecardResponse> card = h_->manager().ComputeScorecard(req);
  EXPECT_EQ(card.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(card.status().message()), HasSubstr("issuer"));

  const std::string unknown_issuer = absl::StrCat("plans/", h_->ids().Next());
  h_->plans().Put(TwoObjectivePlan(unknown_issuer, absl::StrCat("units/", h_->ids().Next())));
  req.set_plan(unknown_issuer);
  EXPECT_EQ(h_->manager().ComputeScorecard(req).status().code(),
            absl::StatusCode::kFailedPrecondition);

  req.set_plan(plan_name);
  req.mutable_subject()->set_unit(absl::StrCat("units/", h_->ids().Next()));
  EXPECT_EQ(h_->manager().ComputeScorecard(req).status().code(), absl::StatusCode::kNotFound);

  req.clear_subject();
  req.set_plan(absl::StrCat("plans/", h_->ids().Next()));
  EXPECT_EQ(h_->manager().ComputeScorecard(req).status().code(), absl::StatusCode::kNotFound);
  req.set_plan("not-a-plan");
  EXPECT_EQ(h_->manager().ComputeScorecard(req).status().code(),
            absl::StatusCode::kInvalidArgument);

  h_->plans().FailWith(absl::UnavailableError("plan service does not answer"));
  req.set_plan(plan_name);
  req.mutable_subject()->set_entity("Sở khác");
  grpc::ClientContext ctx;
  v1::ComputeScorecardResponse resp;
  EXPECT_EQ(h_->stub().ComputeScorecard(&ctx, req, &resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  h_->plans().FailWith(absl::OkStatus());
  h_->directory().FailWith(absl::UnavailableError("assignment service does not answer"));
  EXPECT_EQ(h_->manager().ComputeScorecard(req).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ScoringServiceTest, PeersGiveTheStandingOfAResult) {
  std::vector<Result> recorded = RecordLangSon2019();
  absl::StatusOr<PeerContext> time_costs = h_->manager().Peers(recorded[17], "TIME_COSTS");
  ASSERT_TRUE(time_costs.ok()) << time_costs.status();
  EXPECT_EQ(time_costs->count, 23);
  EXPECT_EQ(time_costs->rank, 18);
  EXPECT_TRUE(time_costs->below_median);
  ASSERT_TRUE(time_costs->median.has_value());
  EXPECT_EQ(time_costs->median->value(), "7.10");

  absl::StatusOr<PeerContext> total = h_->manager().Peers(recorded[17], "");
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(total->count, 23);
  EXPECT_EQ(total->rank, 20);
  EXPECT_TRUE(total->below_median);
  EXPECT_FALSE(total->median.has_value());

  absl::StatusOr<std::optional<ScoredResult>> found =
      h_->manager().ResultFor(recorded[17].subject(), "DDCI", 2019);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->framework.name(), "frameworks/ddci-2016-department");
  v1::Subject subject;
  subject.set_unit(tnmt_);
  absl::StatusOr<std::optional<ScoredResult>> latest =
      h_->manager().LatestResult(subject, "DDCI", 2024);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->result.year(), 2019);
  EXPECT_FALSE(h_->manager().ResultFor(subject, "DDCI", 2020)->has_value());
}

// ---- Metrics -------------------------------------------------------------------------------

TEST_F(ScoringServiceTest, MetricsExportUnitScoresCountsAndVersions) {
  Result r = Ddci("", 2020, {"7.90", "7.80", "6.60", "6.10", "7.60", "7.10", "6.40", "7.50"});
  r.mutable_subject()->set_unit(tnmt_);
  Result recorded = MustCreateResult(r);
  MustCreateResult(Pci("Quảng Ninh", 2019, kQuangNinh2019));
  MustCreateFramework(DdciVersion(2022, 2024));

  const std::string metrics = h_->Metrics();
  const std::string labels = absl::StrCat("framework=\"DDCI\",unit=\"", tnmt_, "\",year=\"2020\"");
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("chiso_component_score{component=\"TIME_COSTS\",",
                                              labels, "} 7.8")));
  EXPECT_THAT(metrics,
              HasSubstr(absl::StrCat("chiso_component_score{component=\"\",", labels, "} 71.25")));
  EXPECT_THAT(metrics, Not(HasSubstr("Quảng Ninh"))) << "entities are not units";
  EXPECT_THAT(metrics, HasSubstr("chiso_scoring_results 2"));
  EXPECT_THAT(metrics, HasSubstr("chiso_framework_versions{origin=\"catalog\"} 4"));
  EXPECT_THAT(metrics, HasSubstr("chiso_framework_versions{origin=\"api\"} 1"));

  ASSERT_TRUE(DeleteResult(recorded.name()).ok());
  EXPECT_THAT(h_->Metrics(), Not(HasSubstr("chiso_component_score{")))
      << "series of deleted results go away";
  EXPECT_THAT(h_->Metrics(), HasSubstr("chiso_scoring_results 1"));
}

// Writes only mark the metrics stale; the periodic health check recounts, so
// a client writing results one by one does not pay a full recount per write.
TEST_F(ScoringServiceTest, WritesLeaveTheRecountToTheHealthCheck) {
  EXPECT_THAT(h_->Metrics(), HasSubstr("chiso_scoring_results 0"));
  MustCreateResult(Pci("Quảng Ninh", 2019, kQuangNinh2019));
  EXPECT_THAT(h_->MetricsNow(), HasSubstr("chiso_scoring_results 0"));
  ASSERT_TRUE(h_->manager().RefreshMetrics().ok());
  EXPECT_THAT(h_->MetricsNow(), HasSubstr("chiso_scoring_results 1"));
}

}  // namespace
}  // namespace chiso::scoring
