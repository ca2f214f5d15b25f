// chisoctl's scoring commands against a fake chiso.scoring.v1.ScoringService
// started in-process on a free port of 127.0.0.1: the fake records each
// request and answers with a canned response, so the tests check what each
// command sends and what it prints, and that bad input fails with a usage
// error before any call.

#include "tools/chisoctl/scoring_commands.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
namespace spb = chiso::scoring::v1;
using chiso::common::v1::Comparator;
using chiso::common::v1::Measure;

// The scoring service as chisoctl sees it: each method records its request
// (the last one, and how many calls there were) and returns `status` when it
// is not OK, else its canned response.
class FakeScoring final : public spb::ScoringService::Service {
 public:
  grpc::Status status = grpc::Status::OK;

  spb::ListFrameworksResponse frameworks;
  spb::Framework framework;
  spb::ImportResultsResponse import;
  spb::ListResultsResponse results;
  spb::GetRankingResponse ranking;
  spb::GetTrendResponse trend;
  spb::ComputeScorecardResponse scorecard;

  spb::ListFrameworksRequest list_frameworks_request;
  spb::GetFrameworkRequest get_framework_request;
  spb::CreateFrameworkRequest create_framework_request;
  spb::DeleteFrameworkRequest delete_framework_request;
  spb::ImportResultsRequest import_request;
  std::vector<spb::ListResultsRequest> list_results_requests;
  spb::GetRankingRequest ranking_request;
  spb::GetTrendRequest trend_request;
  spb::ComputeScorecardRequest scorecard_request;

  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  grpc::Status ListFrameworks(grpc::ServerContext*, const spb::ListFrameworksRequest* request,
                              spb::ListFrameworksResponse* response) override {
    return Answer(*request, &list_frameworks_request, frameworks, response);
  }
  grpc::Status GetFramework(grpc::ServerContext*, const spb::GetFrameworkRequest* request,
                            spb::Framework* response) override {
    return Answer(*request, &get_framework_request, framework, response);
  }
  grpc::Status CreateFramework(grpc::ServerContext*, const spb::CreateFrameworkRequest* request,
                               spb::Framework* response) override {
    return Answer(*request, &create_framework_request, framework, response);
  }
  grpc::Status DeleteFramework(grpc::ServerContext*, const spb::DeleteFrameworkRequest* request,
                               google::protobuf::Empty* response) override {
    return Answer(*request, &delete_framework_request, google::protobuf::Empty(), response);
  }
  grpc::Status ImportResults(grpc::ServerContext*, const spb::ImportResultsRequest* request,
                             spb::ImportResultsResponse* response) override {
    return Answer(*request, &import_request, import, response);
  }
  grpc::Status ListResults(grpc::ServerContext*, const spb::ListResultsRequest* request,
                           spb::ListResultsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    list_results_requests.push_back(*request);
    if (!status.ok()) return status;
    *response = results;
    return grpc::Status::OK;
  }
  grpc::Status GetRanking(grpc::ServerContext*, const spb::GetRankingRequest* request,
                          spb::GetRankingResponse* response) override {
    return Answer(*request, &ranking_request, ranking, response);
  }
  grpc::Status GetTrend(grpc::ServerContext*, const spb::GetTrendRequest* request,
                        spb::GetTrendResponse* response) override {
    return Answer(*request, &trend_request, trend, response);
  }
  grpc::Status ComputeScorecard(grpc::ServerContext*, const spb::ComputeScorecardRequest* request,
                                spb::ComputeScorecardResponse* response) override {
    return Answer(*request, &scorecard_request, scorecard, response);
  }

 private:
  template <typename Request, typename Response>
  grpc::Status Answer(const Request& request, Request* recorded, const Response& canned,
                      Response* response) {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    *recorded = request;
    if (!status.ok()) return status;
    *response = canned;
    return grpc::Status::OK;
  }

  std::mutex mu_;
  int calls_ = 0;
};

spb::Framework PciFramework() {
  spb::Framework f;
  f.set_name("frameworks/pci-2022-province");
  f.set_code("PCI");
  f.set_display_name("Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)");
  f.set_level(spb::LEVEL_PROVINCE);
  f.mutable_valid_years()->set_start_year(2022);
  f.mutable_valid_years()->set_end_year(2024);
  spb::Component* c = f.add_components();
  c->set_code("TIME_COSTS");
  c->set_name_vi("Chi phí thời gian");
  c->mutable_min()->set_value("0");
  c->mutable_max()->set_value("10");
  c->set_weight(15);
  c->set_higher_is_better(true);
  c = f.add_components();
  c->set_code("TRANSPARENCY");
  c->set_name_vi("Tính minh bạch");
  c->mutable_min()->set_value("0");
  c->mutable_max()->set_value("10");
  c->set_weight(85);
  c->set_higher_is_better(true);
  f.set_aggregation(spb::AGGREGATION_WEIGHTED_SUM_SCALED);
  f.mutable_scale()->set_value("10");
  spb::GradeBand* band = f.add_grade_bands();
  band->set_grade("A");
  band->set_label("Nhóm A");
  band->mutable_lower_bound()->set_value("90");
  spb::ProvenanceNote* note = f.add_provenance();
  note->set_subject("weights");
  note->set_provenance(spb::PROVENANCE_VERIFIED);
  note->set_note("Quảng Ninh 2019 reproduces 73.40");
  f.set_origin(spb::FRAMEWORK_ORIGIN_CATALOG);
  return f;
}

class ScoringCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override { server_->Shutdown(); }

  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), absl::StrCat("--scoring-addr=127.0.0.1:", port_));
    return RunCli(args, Environment());
  }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    const std::string path = absl::StrCat(::testing::TempDir(), name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  // The line of `text` that starts with `prefix`, or "".
  static std::string LineStarting(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return line;
    }
    return "";
  }

  FakeScoring fake_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(ScoringAddressTest, FlagThenEnvironmentThenDefault) {
  EXPECT_EQ(ScoringServiceAddress(std::nullopt, ""), "localhost:50053");
  EXPECT_EQ(ScoringServiceAddress(std::nullopt, "scoring:9000"), "scoring:9000");
  EXPECT_EQ(ScoringServiceAddress(std::string("flag:1"), "scoring:9000"), "flag:1");
  EXPECT_TRUE(IsScoringArea("ranking"));
  EXPECT_FALSE(IsScoringArea("plan"));
}

TEST_F(ScoringCommandsTest, HelpNamesTheCommandsAndTheFlag) {
  Result r = Run({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--scoring-addr=HOST:PORT"));
  EXPECT_THAT(r.out, HasSubstr("framework list|get|create|delete"));
  EXPECT_THAT(r.out, HasSubstr("scorecard PLAN"));
  r = Run({"framework", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("framework create FILE [--id ID]"));
  r = Run({"results", "import", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--skip-invalid"));
  EXPECT_THAT(r.out, HasSubstr("--scoring-addr=HOST:PORT"));
  r = Run({"ranking", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, StartsWith("Usage: chisoctl [global flags] ranking FRAMEWORK YEAR"));
  EXPECT_EQ(fake_.calls(), 0);
}

TEST_F(ScoringCommandsTest, FrameworkListSendsTheFilterAndPrintsTheTable) {
  *fake_.frameworks.add_frameworks() = PciFramework();
  Result r = Run(
      {"framework", "list", "--code=pci", "--level=Province", "--year=2023", "--origin=catalog"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const spb::FrameworkFilter& filter = fake_.list_frameworks_request.filter();
  EXPECT_EQ(filter.code(), "PCI");
  EXPECT_EQ(filter.level(), spb::LEVEL_PROVINCE);
  EXPECT_EQ(filter.year(), 2023);
  EXPECT_EQ(filter.origin(), spb::FRAMEWORK_ORIGIN_CATALOG);
  EXPECT_THAT(r.out, StartsWith("NAME"));
  EXPECT_THAT(r.out, HasSubstr("COMPONENTS  AGGREGATION"));
  const std::string row = LineStarting(r.out, "frameworks/pci-2022-province");
  EXPECT_THAT(row, HasSubstr("PCI"));
  EXPECT_THAT(row, HasSubstr("province"));
  EXPECT_THAT(row, HasSubstr("2022–2024"));
  EXPECT_THAT(row, HasSubstr(" 2  weighted-sum-scaled"));
  EXPECT_THAT(row, EndsWith("catalog"));

  fake_.frameworks.Clear();
  r = Run({"framework", "list"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, "No frameworks.\n");
}

TEST_F(ScoringCommandsTest, FrameworkGetPrintsComponentsBandsAndProvenance) {
  fake_.framework = PciFramework();
  Result r = Run({"framework", "get", "pci-2022-province"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.get_framework_request.name(), "frameworks/pci-2022-province");
  EXPECT_THAT(r.out, HasSubstr("Level:        province\n"));
  EXPECT_THAT(r.out, HasSubstr("Aggregation:  weighted-sum-scaled, scale 10\n"));
  EXPECT_THAT(r.out, HasSubstr("Components (2):"));
  EXPECT_THAT(LineStarting(r.out, "  TIME_COSTS"),
              ::testing::MatchesRegex(".*Chi phí thời gian +0 +10 +15% +higher"));
  EXPECT_THAT(LineStarting(r.out, "  A "), ::testing::MatchesRegex(".*Nhóm A +90"));
  EXPECT_THAT(r.out, HasSubstr("weights"));
  EXPECT_THAT(r.out, HasSubstr("verified"));
  EXPECT_THAT(r.out, HasSubstr("Quảng Ninh 2019 reproduces 73.40"));
}

TEST_F(ScoringCommandsTest, FrameworkGetNotFoundExits3) {
  fake_.status = grpc::Status(grpc::StatusCode::NOT_FOUND, "frameworks/nope not found");
  Result r = Run({"framework", "get", "frameworks/nope"});
  EXPECT_EQ(r.code, kExitNotFound);
  EXPECT_EQ(r.err, "chisoctl: NOT_FOUND: frameworks/nope not found\n");
  EXPECT_THAT(r.out, IsEmpty());
}

TEST_F(ScoringCommandsTest, FrameworkCreateSendsTheTextFormatFileAndTheId) {
  const std::string path = WriteFile("ddci.txtpb", R"(
code: "DDCI"
display_name: "Chỉ số DDCI"
level: LEVEL_DISTRICT
valid_years { start_year: 2024 end_year: 2024 }
components { code: "TRANSPARENCY" name_vi: "Tính minh bạch" min { value: "0" } max { value: "10" } }
aggregation: AGGREGATION_MEAN_SCALED
scale { value: "10" }
)");
  fake_.framework = PciFramework();
  Result r = Run({"framework", "create", path, "--id", "ddci-2024-district"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const spb::CreateFrameworkRequest& sent = fake_.create_framework_request;
  EXPECT_EQ(sent.framework_id(), "ddci-2024-district");
  EXPECT_EQ(sent.framework().code(), "DDCI");
  EXPECT_EQ(sent.framework().level(), spb::LEVEL_DISTRICT);
  ASSERT_EQ(sent.framework().components_size(), 1);
  EXPECT_EQ(sent.framework().components(0).max().value(), "10");
  EXPECT_EQ(sent.framework().scale().value(), "10");
  EXPECT_THAT(r.out, HasSubstr("Name:         frameworks/pci-2022-province"));

  // A text-format error names the file, line and column; nothing is sent.
  const std::string bad = WriteFile("bad.txtpb", "code: \"DDCI\"\n  levle: LEVEL_DISTRICT\n");
  const int before = fake_.calls();
  r = Run({"framework", "create", bad});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith(absl::StrCat("chisoctl: ", bad, ": line 2, column ")));
  EXPECT_THAT(r.err, HasSubstr("levle"));
  EXPECT_EQ(fake_.calls(), before);
}

TEST_F(ScoringCommandsTest, FrameworkDeleteSendsTheNameAndEtag) {
  Result r = Run({"framework", "delete", "frameworks/ddci-2024-district", "--etag=e1"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.delete_framework_request.name(), "frameworks/ddci-2024-district");
  EXPECT_EQ(fake_.delete_framework_request.etag(), "e1");
  EXPECT_EQ(r.out, "Deleted frameworks/ddci-2024-district.\n");
}

constexpr char kCsv[] =
    "framework,level,year,entity,TIME_COSTS\n"
    "PCI,province,2022,Quảng Ninh,7.80\n"
    "PCI,province,2022,Bắc Giang,11.2\n"
    "PCI,province,2022,units/zz,6.5\n";

void AddRowErrors(spb::ImportResultsResponse* response) {
  spb::RowError* e = response->add_errors();
  e->set_line(3);
  e->set_column("TIME_COSTS");
  e->set_reason("11.2 is above the maximum 10");
  e = response->add_errors();
  e->set_line(4);
  e->set_reason("unknown unit units/zz");
}

TEST_F(ScoringCommandsTest, ResultsImportSkipInvalidSendsTheCsvAndListsTheBadRows) {
  const std::string path = WriteFile("results.csv", kCsv);
  fake_.import.set_row_count(3);
  fake_.import.set_imported_count(1);
  fake_.import.set_skipped_count(2);
  AddRowErrors(&fake_.import);
  Result r = Run({"results", "import", path, "--skip-invalid", "--replace"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.import_request.csv(), kCsv);
  EXPECT_TRUE(fake_.import_request.skip_invalid());
  EXPECT_TRUE(fake_.import_request.replace_existing());
  EXPECT_FALSE(fake_.import_request.validate_only());
  EXPECT_EQ(r.out,
            "3 rows read, 1 imported, 2 skipped\n"
            "line 3, column TIME_COSTS: 11.2 is above the maximum 10\n"
            "line 4: unknown unit units/zz\n");
  EXPECT_THAT(r.err, IsEmpty());
}

TEST_F(ScoringCommandsTest, ResultsImportWithBadRowsAndNothingImportedFails) {
  const std::string path = WriteFile("results.csv", kCsv);
  fake_.import.set_row_count(3);
  fake_.import.set_imported_count(0);
  fake_.import.set_skipped_count(2);
  AddRowErrors(&fake_.import);
  Result r = Run({"results", "import", path});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_FALSE(fake_.import_request.skip_invalid());
  EXPECT_FALSE(fake_.import_request.replace_existing());
  EXPECT_THAT(r.out, StartsWith("3 rows read, 0 imported, 2 skipped\n"));
  EXPECT_THAT(r.out, HasSubstr("line 3, column TIME_COSTS: 11.2 is above the maximum 10\n"));
  EXPECT_EQ(r.err, "chisoctl: nothing imported: fix the rows above or pass --skip-invalid\n");

  // A dry run of a good file writes nothing and succeeds.
  fake_.import.Clear();
  fake_.import.set_row_count(3);
  r = Run({"results", "import", path, "--dry-run"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(fake_.import_request.validate_only());
  EXPECT_EQ(r.out, "3 rows read, 0 imported, 0 skipped (dry run: nothing was written)\n");
}

TEST_F(ScoringCommandsTest, ResultsImportChecksTheFileBeforeSending) {
  Result r = Run({"results", "import", "/nonexistent/results.csv"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("cannot read /nonexistent/results.csv"));

  const std::string big = absl::StrCat(::testing::TempDir(), "big.csv");
  { std::ofstream(big, std::ios::binary) << "framework\n"; }
  std::filesystem::resize_file(big, (10u << 20) + 1);
  r = Run({"results", "import", big});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("at most 10 MiB"));
  std::filesystem::remove(big);

  r = Run({"results", "import", WriteFile("latin1.csv", "entity\nQu\xe1ng Ninh\n")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("not UTF-8"));
  EXPECT_EQ(fake_.calls(), 0);
}

TEST_F(ScoringCommandsTest, ResultsListSendsTheFilterAndShowsTotals) {
  spb::Result* a = fake_.results.add_results();
  a->set_name("results/r1");
  a->mutable_subject()->set_entity("Quảng Ninh");
  a->set_framework_code("PCI");
  a->set_year(2022);
  a->mutable_published_total()->set_value("72.80");
  a->mutable_computed_total()->set_value("72.775");
  a->set_published_rank(1);
  a->set_published_rank_of(63);
  a->set_published_tier("Rất tốt");
  spb::Result* b = fake_.results.add_results();
  b->set_name("results/r2");
  b->mutable_subject()->set_entity("Bắc Giang");
  b->set_framework_code("PCI");
  b->set_year(2022);
  b->mutable_published_total()->set_value("65.10");
  b->mutable_computed_total()->set_value("64.333");
  b->set_total_mismatch(true);
  spb::Result* c = fake_.results.add_results();
  c->set_name("results/r3");
  c->mutable_subject()->set_unit("units/sxd");
  c->mutable_subject()->set_display_name("Sở Xây dựng");
  c->set_framework_code("PCI");
  c->set_year(2022);
  c->mutable_computed_total()->set_value("70.1255");
  c->mutable_display_total()->set_value("70.13");
  c->set_grade("B");

  Result r = Run({"results", "list", "--framework=PCI", "--entity", "Quảng  Ninh",
                  "--years=2019-2022", "--mismatch-only", "--limit=2"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(fake_.list_results_requests.size(), 1u);
  const spb::ListResultsRequest& sent = fake_.list_results_requests[0];
  EXPECT_EQ(sent.filter().framework_code(), "PCI");
  EXPECT_EQ(sent.filter().entity(), "Quảng Ninh");
  EXPECT_EQ(sent.filter().years().start_year(), 2019);
  EXPECT_EQ(sent.filter().years().end_year(), 2022);
  EXPECT_TRUE(sent.filter().mismatch_only());
  EXPECT_EQ(sent.page_size(), 2);
  // --limit=2 keeps two of the three.
  EXPECT_THAT(r.out, Not(HasSubstr("results/r3")));

  fake_.list_results_requests.clear();
  r = Run({"results", "list", "--unit=units/sxd", "--year=2022", "--level=province"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(fake_.list_results_requests.size(), 1u);
  EXPECT_EQ(fake_.list_results_requests[0].filter().unit(), "units/sxd");
  EXPECT_EQ(fake_.list_results_requests[0].filter().years().start_year(), 2022);
  EXPECT_EQ(fake_.list_results_requests[0].filter().years().end_year(), 2022);
  EXPECT_EQ(fake_.list_results_requests[0].filter().level(), spb::LEVEL_PROVINCE);
  EXPECT_THAT(LineStarting(r.out, "results/r1"),
              ::testing::MatchesRegex(".* 72.80 +1/63  Rất tốt"));
  EXPECT_THAT(LineStarting(r.out, "results/r2"), HasSubstr("65.10 (computed 64.333*)"));
  EXPECT_THAT(LineStarting(r.out, "results/r3"), HasSubstr("Sở Xây dựng"));
  EXPECT_THAT(LineStarting(r.out, "results/r3"), HasSubstr("70.13 (computed)"));
  EXPECT_THAT(LineStarting(r.out, "results/r3"), EndsWith("B"));
  EXPECT_THAT(r.out, HasSubstr("* the total computed from the component scores differs"));
}

TEST_F(ScoringCommandsTest, RankingSendsTheRequestAndPrintsTheMedian) {
  fake_.ranking.set_basis(spb::RANKING_BASIS_SCORES);
  fake_.ranking.set_count(23);
  fake_.ranking.mutable_median_score()->set_value("7.45");
  fake_.ranking.mutable_median_rank()->set_value("12");
  fake_.ranking.set_below_median_count(11);
  spb::RankingEntry* e = fake_.ranking.add_entries();
  e->set_rank(1);
  e->mutable_subject()->set_display_name("Sở Tư pháp");
  e->mutable_score()->set_value("8.12");
  e = fake_.ranking.add_entries();
  e->set_rank(17);
  e->mutable_subject()->set_unit("units/sxd");
  e->mutable_subject()->set_display_name("Sở Xây dựng");
  e->mutable_score()->set_value("6.42");
  e->set_below_median(true);

  Result r = Run({"ranking", "ddci", "2020", "--level=department", "--component=transparency",
                  "--peer-group=Sở, ban, ngành", "--limit=30"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const spb::GetRankingRequest& sent = fake_.ranking_request;
  EXPECT_EQ(sent.framework_code(), "DDCI");
  EXPECT_EQ(sent.year(), 2020);
  EXPECT_EQ(sent.level(), spb::LEVEL_DEPARTMENT);
  EXPECT_EQ(sent.component(), "TRANSPARENCY");
  EXPECT_EQ(sent.peer_group(), "Sở, ban, ngành");
  EXPECT_EQ(sent.page_size(), 30);
  const std::string header = LineStarting(r.out, "DDCI 2020");
  EXPECT_THAT(header, HasSubstr("by TRANSPARENCY"));
  EXPECT_THAT(header, HasSubstr("basis: scores"));
  EXPECT_THAT(header, HasSubstr("n = 23"));
  EXPECT_THAT(header, HasSubstr("median score 7.45"));
  EXPECT_THAT(header, HasSubstr("11 below the median"));
  EXPECT_THAT(LineStarting(r.out, "   1"), Not(HasSubstr("dưới trung vị")));
  EXPECT_THAT(LineStarting(r.out, "  17"),
              ::testing::MatchesRegex(" +17  Sở Xây dựng +6.42  dưới trung vị"));

  // With published ranks only, the header gives the median rank.
  fake_.ranking.set_basis(spb::RANKING_BASIS_PUBLISHED_RANKS);
  fake_.ranking.clear_median_score();
  r = Run({"ranking", "PAR_INDEX", "2021"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.ranking_request.level(), spb::LEVEL_UNSPECIFIED);
  EXPECT_TRUE(fake_.ranking_request.component().empty());
  EXPECT_THAT(r.out, HasSubstr("by the total (basis: published ranks): n = 23, median rank 12"));

  r = Run({"--json", "ranking", "PAR_INDEX", "2021"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"median_rank\""));
  EXPECT_THAT(r.out, HasSubstr("\"below_median_count\": 11"));
}

TEST_F(ScoringCommandsTest, TrendSendsTheSubjectAndPrintsBestWorstAndDeclines) {
  fake_.trend.set_basis(Measure::MEASURE_RANK);
  struct Point {
    int year;
    int rank;
    bool declined;
  };
  int previous = 0;
  for (const Point& p : std::vector<Point>{{2014, 26, false},
                                           {2018, 20, false},
                                           {2019, 30, true},
                                           {2020, 40, true},
                                           {2021, 50, true}}) {
    spb::TrendPoint* point = fake_.trend.add_points();
    point->set_year(p.year);
    point->set_rank(p.rank);
    point->set_rank_of(63);
    point->mutable_score()->set_value("70.00");
    if (previous > 0) point->set_rank_delta(p.rank - previous);
    point->set_declined(p.declined);
    previous = p.rank;
  }
  fake_.trend.set_best_year(2018);
  fake_.trend.set_worst_year(2021);
  fake_.trend.set_consecutive_declines(3);

  Result r = Run({"trend", "Lạng Sơn", "par_index", "--years=2014–2021", "--by=rank"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const spb::GetTrendRequest& sent = fake_.trend_request;
  EXPECT_EQ(sent.subject().entity(), "Lạng Sơn");
  EXPECT_EQ(sent.framework_code(), "PAR_INDEX");
  EXPECT_EQ(sent.years().start_year(), 2014);
  EXPECT_EQ(sent.years().end_year(), 2021);
  EXPECT_EQ(sent.basis(), Measure::MEASURE_RANK);
  EXPECT_THAT(r.out, StartsWith("PAR_INDEX total of Lạng Sơn, compared on ranks\n"));
  EXPECT_THAT(LineStarting(r.out, "2019"),
              ::testing::MatchesRegex("2019 +70.00 +30/63 +\\+10  yes"));
  EXPECT_THAT(LineStarting(r.out, "2018"), ::testing::MatchesRegex("2018 +70.00 +20/63 +-6"));
  EXPECT_THAT(r.out, HasSubstr("Best year:  2018 (rank 20/63)\n"));
  EXPECT_THAT(r.out, HasSubstr("Worst year: 2021 (rank 50/63)\n"));
  EXPECT_THAT(r.out, HasSubstr("Consecutive declines: 3 (2019–2021)\n"));

  r = Run({"trend", "units/sxd", "DDCI", "--component=TRANSPARENCY", "--by", "score"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.trend_request.subject().unit(), "units/sxd");
  EXPECT_EQ(fake_.trend_request.component(), "TRANSPARENCY");
  EXPECT_EQ(fake_.trend_request.basis(), Measure::MEASURE_SCORE);
  EXPECT_FALSE(fake_.trend_request.has_years());
}

TEST_F(ScoringCommandsTest, ScorecardPrintsAttainmentLeadUnitsAndCounts) {
  spb::ComputeScorecardResponse& sc = fake_.scorecard;
  sc.set_plan("plans/p1");
  sc.mutable_subject()->set_unit("units/sxd");
  sc.mutable_subject()->set_display_name("Sở Xây dựng");
  spb::ScorecardLine* line = sc.add_lines();
  line->set_objective_id("o1");
  line->set_framework("DDCI");
  line->set_component("TRANSPARENCY");
  line->set_measure(Measure::MEASURE_SCORE);
  line->mutable_baseline()->set_year(2019);
  line->mutable_baseline()->mutable_value()->set_value("6.42");
  line->mutable_baseline()->set_rank(17);
  line->mutable_baseline()->set_rank_of(23);
  line->mutable_target()->set_year(2020);
  line->mutable_target()->set_comparator(Comparator::COMPARATOR_ABOVE);
  line->mutable_target()->mutable_value()->set_value("7.50");
  line->mutable_actual()->set_year(2020);
  line->mutable_actual()->mutable_value()->set_value("7.91");
  line->set_attainment(spb::ATTAINMENT_MET);
  line->mutable_gap()->set_value("-0.41");
  line->mutable_points_to_gain()->set_value("0");
  line->add_lead_units()->set_display_name("Văn phòng Sở");
  line->mutable_task_progress()->set_task_count(3);
  line = sc.add_lines();
  line->set_objective_id("o2");
  line->set_framework("DDCI");
  line->set_component("TIME_COSTS");
  line->set_measure(Measure::MEASURE_SCORE);
  line->mutable_target()->set_year(2020);
  line->mutable_target()->set_comparator(Comparator::COMPARATOR_AT_LEAST);
  line->mutable_target()->mutable_value()->set_value("7.00");
  line->mutable_actual()->set_year(2020);
  line->mutable_actual()->mutable_value()->set_value("6.50");
  line->set_attainment(spb::ATTAINMENT_NOT_MET);
  line->mutable_gap()->set_value("0.50");
  line->set_below_median(true);
  line->mutable_points_to_gain()->set_value("0.05");
  line->add_lead_units()->set_display_name("Phòng Quản lý xây dựng");
  line->add_lead_units()->set_unit("units/thanh-tra");
  line->mutable_task_progress()->set_task_count(5);
  line->mutable_task_progress()->set_overdue_count(2);
  line = sc.add_lines();
  line->set_objective_id("o3");
  line->set_framework("DDCI");
  line->set_measure(Measure::MEASURE_RANK);
  line->mutable_target()->set_year(2020);
  line->mutable_target()->set_comparator(Comparator::COMPARATOR_AT_MOST);
  line->mutable_target()->mutable_value()->set_value("10");
  line->set_attainment(spb::ATTAINMENT_NO_DATA);
  spb::ComponentPriority* p = sc.add_priorities();
  p->set_framework("DDCI");
  p->set_component("TIME_COSTS");
  p->set_objective_id("o2");
  p->mutable_score()->set_value("6.50");
  p->mutable_reference()->set_value("7.00");
  p->mutable_points_to_gain()->set_value("0.05");
  sc.set_met_count(1);
  sc.set_not_met_count(1);
  sc.set_no_data_count(1);

  Result r = Run({"scorecard", "p1", "--unit=units/sxd", "--year=2020"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.scorecard_request.plan(), "plans/p1");
  EXPECT_EQ(fake_.scorecard_request.subject().unit(), "units/sxd");
  EXPECT_EQ(fake_.scorecard_request.year(), 2020);
  EXPECT_THAT(r.out, StartsWith("Scorecard of plans/p1 for Sở Xây dựng (units/sxd)\n"));
  const std::string o1 = LineStarting(r.out, "o1 ");
  EXPECT_THAT(o1, HasSubstr("DDCI/TRANSPARENCY"));
  EXPECT_THAT(o1, HasSubstr("6.42 @2019, rank 17/23"));
  EXPECT_THAT(o1, HasSubstr("> 7.50 @2020"));
  EXPECT_THAT(o1, HasSubstr("7.91 @2020"));
  EXPECT_THAT(o1, HasSubstr(" đạt "));
  EXPECT_THAT(o1, Not(HasSubstr("không đạt")));
  EXPECT_THAT(o1, Not(HasSubstr("dưới trung vị")));
  EXPECT_THAT(o1, HasSubstr("Văn phòng Sở"));
  EXPECT_THAT(o1, EndsWith(" 0/3"));
  const std::string o2 = LineStarting(r.out, "o2 ");
  EXPECT_THAT(o2, HasSubstr("≥ 7.00 @2020"));
  EXPECT_THAT(o2, HasSubstr("không đạt"));
  EXPECT_THAT(o2, HasSubstr("dưới trung vị"));
  EXPECT_THAT(o2, HasSubstr("0.05"));
  EXPECT_THAT(o2, HasSubstr("Phòng Quản lý xây dựng; units/thanh-tra"));
  EXPECT_THAT(o2, EndsWith(" 2/5"));
  const std::string o3 = LineStarting(r.out, "o3 ");
  EXPECT_THAT(o3, HasSubstr("DDCI (total)"));
  EXPECT_THAT(o3, HasSubstr("≤ 10 @2020"));
  EXPECT_THAT(o3, HasSubstr("chưa có số liệu"));
  EXPECT_THAT(r.out, HasSubstr("Priorities (most points to gain first):"));
  EXPECT_THAT(LineStarting(r.out, "  1 "),
              ::testing::MatchesRegex("  1  DDCI/TIME_COSTS  o2 +6.50 +7.00 +0.05"));
  EXPECT_THAT(r.out,
              EndsWith("1 met (đạt), 1 not met (không đạt), 1 without data (chưa có số liệu).\n"));

  r = Run({"scorecard", "plans/p1", "--entity=Lạng Sơn"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(fake_.scorecard_request.subject().entity(), "Lạng Sơn");
  EXPECT_EQ(fake_.scorecard_request.year(), 0);
}

TEST_F(ScoringCommandsTest, BadArgumentsAreUsageErrorsBeforeAnyCall) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
    std::string help;
  };
  const std::string csv = WriteFile("ok.csv", kCsv);
  const std::vector<Case> cases = {
      {{"framework"},
       "missing command after \"framework\": one of list, get, create, delete",
       "framework"},
      {{"framework", "show"}, "unknown command \"framework show\"", "framework"},
      {{"framework", "list", "--level=city"},
       "--level: unknown value \"city\"; expected one of province, department, district, commune",
       "framework list"},
      {{"framework", "list", "--year=1999"},
       "--year: expected a year from 2000 to 2100",
       "framework list"},
      {{"framework", "list", "--origin=file"},
       "--origin: unknown value \"file\"",
       "framework list"},
      {{"framework", "list", "--code=P-C-I"},
       "--code: expected a framework code",
       "framework list"},
      {{"framework", "get"}, "missing NAME", "framework get"},
      {{"framework", "get", "frameworks/a/b"}, "NAME must be frameworks/ID or ID", "framework get"},
      {{"framework", "create", csv, "--id=Bad_Id"},
       "--id: expected 1 to 63 of a-z",
       "framework create"},
      {{"framework", "create", "/nonexistent/f.txtpb"},
       "cannot read /nonexistent/f.txtpb",
       "framework create"},
      {{"results", "import"}, "missing FILE.csv", "results import"},
      {{"results", "import", csv, "--skip"}, "--skip", "results import"},
      {{"results", "list", "--year=2020", "--years=2019-2021"},
       "give --year or --years, not both",
       "results list"},
      {{"results", "list", "--years=2023-2019"},
       "--years: the first year comes after the last",
       "results list"},
      {{"results", "list", "--years=19-21"}, "--years: expected years A-B", "results list"},
      {{"results", "list", "--limit=0"},
       "--limit: expected a whole number from 1 to 10000",
       "results list"},
      {{"results", "list", "--limit=10001"},
       "--limit: expected a whole number from 1 to 10000",
       "results list"},
      {{"results", "list", "--unit=SXD"}, "--unit: expected units/ID", "results list"},
      {{"results", "list", "--unit=units/1", "--entity=X"},
       "give --unit or --entity, not both",
       "results list"},
      {{"ranking"}, "missing FRAMEWORK", "ranking"},
      {{"ranking", "DDCI"}, "missing YEAR", "ranking"},
      {{"ranking", "DDCI", "20"},
       "YEAR: expected a year from 2000 to 2100 (got \"20\")",
       "ranking"},
      {{"ranking", "DD CI", "2020"}, "FRAMEWORK: expected a framework code", "ranking"},
      {{"ranking", "DDCI", "2020", "--level=ward"}, "--level: unknown value \"ward\"", "ranking"},
      {{"ranking", "DDCI", "2020", "--limit=abc"}, "--limit: expected a whole number", "ranking"},
      {{"ranking", "DDCI", "2020", "--component=Minh bạch"},
       "--component: expected a component",
       "ranking"},
      {{"ranking", "DDCI", "2020", "extra"}, "unexpected argument \"extra\"", "ranking"},
      {{"trend", "units/", "PAR_INDEX"}, "SUBJECT: expected units/ID or an entity name", "trend"},
      {{"trend", "Lạng Sơn", "PAR_INDEX", "--by=grade"}, "--by: expected rank or score", "trend"},
      {{"trend", "Lạng Sơn", "PAR_INDEX", "--years=2014-21"},
       "--years: expected years A-B",
       "trend"},
      {{"scorecard", "plans/a/b"}, "PLAN must be plans/ID or ID", "scorecard"},
      {{"scorecard", "p1", "--year=abc"}, "--year: expected a year", "scorecard"},
      {{"scorecard", "p1", "--unit=units/1", "--entity=X"},
       "give --unit or --entity, not both",
       "scorecard"},
      {{"scorecard", "p1", "--timeout=0"}, "--timeout: must be more than zero", "scorecard"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args);
    const std::string shown = absl::StrJoin(c.args, " ");
    EXPECT_EQ(r.code, kExitUsage) << shown << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("chisoctl: ")) << shown;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << shown;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("Run \"chisoctl ", c.help, " --help\" for usage.")))
        << shown;
    EXPECT_THAT(r.out, IsEmpty()) << shown;
  }
  EXPECT_EQ(fake_.calls(), 0);
}

}  // namespace
}  // namespace chiso::chisoctl
