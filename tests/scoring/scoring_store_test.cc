// The SQL store of the scoring service on an in-memory SQLite database:
// framework versions and results kept whole with their etags, uniqueness of
// a subject's result per framework and year, transactions that write all or
// nothing, listing order and keyset paging, and the reads behind rankings,
// trends and metrics.

#include "services/scoring/scoring_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"
#include "common/unitdir/unit_directory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace chiso::scoring {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = chiso::scoring::v1;

Framework Version(const std::string& id, int start, int end) {
  Framework f;
  f.set_name(absl::StrCat("frameworks/", id));
  f.set_code("DDCI");
  f.set_display_name("DDCI");
  f.set_level(v1::LEVEL_DEPARTMENT);
  f.mutable_valid_years()->set_start_year(start);
  f.mutable_valid_years()->set_end_year(end);
  f.set_origin(v1::FRAMEWORK_ORIGIN_API);
  f.mutable_create_time()->set_seconds(1000);
  f.mutable_update_time()->set_seconds(1000);
  return f;
}

class ScoringStoreTest : public ::testing::TestWithParam<test_support::Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, ScoringMigrations()).ok());
    store_ = NewSqlScoringStore(db_.get());
  }

  static absl::Status Accept(const std::vector<Framework>&) { return absl::OkStatus(); }

  Result MakeResult(const std::string& entity, int year, const std::string& code = "DDCI",
                    const std::string& framework = "frameworks/ddci-a") {
    Result r;
    r.set_name(absl::StrCat("results/", ids_.Next()));
    r.mutable_subject()->set_entity(entity);
    r.mutable_subject()->set_display_name(entity);
    r.set_framework_code(code);
    r.set_level(v1::LEVEL_DEPARTMENT);
    r.set_year(year);
    r.set_framework(framework);
    r.mutable_create_time()->set_seconds(2000);
    r.mutable_update_time()->set_seconds(2000);
    return r;
  }

  Result UnitResult(const std::string& unit, int year) {
    Result r = MakeResult("", year);
    r.mutable_subject()->set_unit(unit);
    r.mutable_subject()->set_display_name(absl::StrCat("Unit ", unit));
    return r;
  }

  absl::StatusOr<Result> Put(const Result& r) {
    return store_->CreateResult(
        r, [](Result&, const std::vector<Framework>&) { return absl::OkStatus(); });
  }

  Result MustPut(const Result& r) {
    absl::StatusOr<Result> created = Put(r);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : r;
  }

  std::vector<std::string> Listed(const ResultQuery& q) {
    absl::StatusOr<ResultPage> page = store_->ListResults(q);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const Result& r : page->results) {
      out.push_back(
          absl::StrCat(r.framework_code(), " ", r.year(), " ", r.subject().display_name()));
    }
    return out;
  }

  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ScoringStore> store_;
};
INSTANTIATE_TEST_SUITE_P(Backends, ScoringStoreTest, test_support::AllBackends(),
                         test_support::BackendName);

// ---- Framework versions -------------------------------------------------------

TEST_P(ScoringStoreTest, CreatesAndGetsAVersionWholeWithAnEtag) {
  absl::StatusOr<Framework> created =
      store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->etag(), "1");
  absl::StatusOr<Framework> got = store_->GetFramework("ddci-a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->SerializeAsString(), created->SerializeAsString());
  absl::StatusOr<std::vector<Framework>> all = store_->ListFrameworks();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().etag(), "1");
}

TEST_P(ScoringStoreTest, AVersionIdIsUniqueAndUnknownOnesAreNotFound) {
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  absl::Status dup = store_->CreateFramework(Version("ddci-a", 2021, 2022), Accept).status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(dup.message()), HasSubstr("frameworks/ddci-a"));
  absl::Status missing = store_->GetFramework("nope").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("frameworks/nope not found"));
}

TEST_P(ScoringStoreTest, CreateCheckSeesTheStoredVersionsAndCanRefuse) {
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  std::vector<std::string> seen;
  absl::Status refused = store_
                             ->CreateFramework(Version("ddci-b", 2019, 2022),
                                               [&](const std::vector<Framework>& stored) {
                                                 for (const Framework& f : stored)
                                                   seen.push_back(f.name());
                                                 return absl::AlreadyExistsError("overlaps");
                                               })
                             .status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(seen, ElementsAre("frameworks/ddci-a"));
  EXPECT_EQ(store_->GetFramework("ddci-b").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(ScoringStoreTest, UpdateRescoresTheResultsOfTheVersionInTheSameTransaction) {
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-b", 2021, 2022), Accept).ok());
  Result r1 = MustPut(MakeResult("Sở A", 2019));
  Result r2 = MustPut(MakeResult("Sở B", 2021, "DDCI", "frameworks/ddci-b"));
  std::vector<std::string> others;
  std::vector<std::string> rescored;
  absl::StatusOr<Framework> updated = store_->UpdateFramework(
      "ddci-a",
      [&](Framework& f, const std::vector<Framework>& rest) {
        for (const Framework& o : rest) others.push_back(o.name());
        f.set_display_name("DDCI mới");
        f.mutable_update_time()->set_seconds(3000);
        return absl::OkStatus();
      },
      [&](Result& r, const Framework& f) {
        rescored.push_back(r.name());
        EXPECT_EQ(f.display_name(), "DDCI mới");
        r.set_grade("rescored");
        return absl::OkStatus();
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_THAT(others, ElementsAre("frameworks/ddci-b"));
  EXPECT_THAT(rescored, ElementsAre(r1.name()));
  absl::StatusOr<Result> got = store_->GetResult(r1.name().substr(8));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->grade(), "rescored");
  EXPECT_EQ(got->etag(), "2");
  EXPECT_EQ(got->update_time().seconds(), 3000);
  EXPECT_EQ(store_->GetResult(r2.name().substr(8))->etag(), "1");
}

TEST_P(ScoringStoreTest, ARefusedRescoreLeavesVersionAndResultsUnchanged) {
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  Result r1 = MustPut(MakeResult("Sở A", 2019));
  Result r2 = MustPut(MakeResult("Sở B", 2019));
  absl::Status refused =
      store_
          ->UpdateFramework(
              "ddci-a",
              [](Framework& f, const std::vector<Framework>&) {
                f.set_display_name("changed");
                return absl::OkStatus();
              },
              [&](Result& r, const Framework&) {
                if (r.name() == r2.name()) {
                  return absl::FailedPreconditionError(absl::StrCat(r.name(), " breaks"));
                }
                r.set_grade("changed");
                return absl::OkStatus();
              })
          .status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetFramework("ddci-a")->display_name(), "DDCI");
  EXPECT_EQ(store_->GetFramework("ddci-a")->etag(), "1");
  EXPECT_EQ(store_->GetResult(r1.name().substr(8))->grade(), "");
  EXPECT_EQ(store_->GetResult(r1.name().substr(8))->etag(), "1");
}

TEST_P(ScoringStoreTest, UpdateOfAnUnknownVersionIsNotFound) {
  absl::Status s =
      store_
          ->UpdateFramework(
              "nope", [](Framework&, const std::vector<Framework>&) { return absl::OkStatus(); },
              [](Result&, const Framework&) { return absl::OkStatus(); })
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST_P(ScoringStoreTest, AVersionInUseCannotBeDeleted) {
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  Result r = MustPut(MakeResult("Sở A", 2019));
  auto ok = [](const Framework&) { return absl::OkStatus(); };
  absl::Status in_use = store_->DeleteFramework("ddci-a", ok);
  EXPECT_EQ(in_use.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(in_use.message()), HasSubstr(r.name()));
  EXPECT_THAT(std::string(in_use.message()), HasSubstr("1 recorded result"));

  ASSERT_TRUE(
      store_->DeleteResult(r.name().substr(8), [](const Result&) { return absl::OkStatus(); })
          .ok());
  EXPECT_EQ(
      store_->DeleteFramework("ddci-a", [](const Framework&) { return absl::AbortedError("etag"); })
          .code(),
      absl::StatusCode::kAborted);
  EXPECT_TRUE(store_->DeleteFramework("ddci-a", ok).ok());
  EXPECT_EQ(store_->GetFramework("ddci-a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteFramework("ddci-a", ok).code(), absl::StatusCode::kNotFound);
}

// ---- Results ---------------------------------------------------------------------

TEST_P(ScoringStoreTest, CreatesAResultAfterPreparingItWithTheStoredVersions) {
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  absl::StatusOr<Result> created = store_->CreateResult(
      MakeResult("Sở A", 2019), [](Result& r, const std::vector<Framework>& s) {
        EXPECT_EQ(s.size(), 1u);
        r.set_grade("B");
        return absl::OkStatus();
      });
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->etag(), "1");
  EXPECT_EQ(created->grade(), "B");
  absl::StatusOr<Result> got = store_->GetResult(created->name().substr(8));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), created->SerializeAsString());

  absl::Status refused = store_
                             ->CreateResult(MakeResult("Sở B", 2019),
                                            [](Result&, const std::vector<Framework>&) {
                                              return absl::InvalidArgumentError("bad");
                                            })
                             .status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Listed({}).size(), 1u);
}

TEST_P(ScoringStoreTest, OneResultPerSubjectFrameworkAndYear) {
  Result first = MustPut(MakeResult("Quảng Ninh", 2019, "PCI"));
  absl::Status dup = Put(MakeResult("quang  ninh", 2019, "PCI")).status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(dup.message()), HasSubstr(first.name()));
  EXPECT_TRUE(Put(MakeResult("Quảng Ninh", 2020, "PCI")).ok());
  EXPECT_TRUE(Put(MakeResult("Quảng Ninh", 2019, "PAPI")).ok());
  EXPECT_TRUE(Put(UnitResult("units/01j0000000000000000000000a", 2019)).ok());
}

TEST_P(ScoringStoreTest, UpdateBumpsTheEtagAndKeepsTheKeyImmutable) {
  Result r = MustPut(MakeResult("Sở A", 2019));
  const std::string id = r.name().substr(8);
  absl::StatusOr<Result> updated =
      store_->UpdateResult(id, [](Result& res, const std::vector<Framework>&) {
        res.set_peer_group("Khối sở");
        res.set_total_mismatch(true);
        return absl::OkStatus();
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(store_->GetResult(id)->peer_group(), "Khối sở");
  ResultQuery mismatched;
  mismatched.mismatch_only = true;
  EXPECT_EQ(Listed(mismatched).size(), 1u);

  absl::Status immutable = store_
                               ->UpdateResult(id,
                                              [](Result& res, const std::vector<Framework>&) {
                                                res.set_year(2020);
                                                return absl::OkStatus();
                                              })
                               .status();
  EXPECT_EQ(immutable.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetResult(id)->year(), 2019);
  EXPECT_EQ(
      store_
          ->UpdateResult(ids_.Next(),
                         [](Result&, const std::vector<Framework>&) { return absl::OkStatus(); })
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

TEST_P(ScoringStoreTest, ListsByCodeThenNewestYearThenSubjectName) {
  MustPut(MakeResult("Sở Xây dựng", 2019));
  MustPut(MakeResult("Sở Tài chính", 2019));
  MustPut(MakeResult("Bắc Giang", 2022, "PCI"));
  MustPut(MakeResult("Sở Tài chính", 2020));
  MustPut(MakeResult("An Giang", 2022, "PCI"));
  EXPECT_THAT(Listed({}),
              ElementsAre("DDCI 2020 Sở Tài chính", "DDCI 2019 Sở Tài chính",
                          "DDCI 2019 Sở Xây dựng", "PCI 2022 An Giang", "PCI 2022 Bắc Giang"));
}

TEST_P(ScoringStoreTest, ListWithinAUnitKeepsItsSubtreeAndEntities) {
  // units/000000000000000000000000pr ─┬─ units/0000000000000000000000000a ──
  // units/000000000000000000000000a1
  //          └─ units/0000000000000000000000000b
  unitdir::UnitDirectory tree(db_.get());
  ASSERT_TRUE(
      tree.Replace({{"units/000000000000000000000000pr", ""},
                    {"units/0000000000000000000000000a", "units/000000000000000000000000pr"},
                    {"units/000000000000000000000000a1", "units/0000000000000000000000000a"},
                    {"units/0000000000000000000000000b", "units/000000000000000000000000pr"}})
          .ok());
  MustPut(UnitResult("units/0000000000000000000000000a", 2019));
  MustPut(UnitResult("units/000000000000000000000000a1", 2019));
  MustPut(UnitResult("units/0000000000000000000000000b", 2019));
  MustPut(UnitResult("units/000000000000000000000000pr", 2019));
  MustPut(MakeResult("Quảng Ninh", 2019));

  ResultQuery q;
  q.within_unit = "units/0000000000000000000000000a";
  EXPECT_THAT(Listed(q),
              ElementsAre("DDCI 2019 Quảng Ninh", "DDCI 2019 Unit units/0000000000000000000000000a",
                          "DDCI 2019 Unit units/000000000000000000000000a1"));
  // Pages of one stay correct under the filter.
  q.limit = 1;
  std::vector<std::string> paged;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<ResultPage> page = store_->ListResults(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Result& r : page->results) paged.push_back(r.subject().display_name());
    if (!page->more) break;
    q.after = ResultOrderKey(page->results.back());
  }
  EXPECT_THAT(paged, ElementsAre("Quảng Ninh", "Unit units/0000000000000000000000000a",
                                 "Unit units/000000000000000000000000a1"));

  ResultQuery unknown;
  unknown.within_unit = "units/000000000000000000000000zz";
  EXPECT_THAT(Listed(unknown), ElementsAre("DDCI 2019 Quảng Ninh"));
  ResultQuery root;
  root.within_unit = "units/000000000000000000000000pr";
  EXPECT_EQ(Listed(root).size(), 5u);
}

TEST_P(ScoringStoreTest, ListFiltersCombine) {
  Result a = MakeResult("Sở A", 2018);
  a.set_peer_group("Khối sở");
  MustPut(a);
  Result b = MakeResult("Sở B", 2019);
  b.set_peer_group("Khối sở");
  b.set_level(v1::LEVEL_DISTRICT);
  MustPut(b);
  MustPut(MakeResult("Sở A", 2020));
  MustPut(MakeResult("Sở A", 2019, "PCI"));

  ResultQuery q;
  q.subject_key = "entity:so a";
  EXPECT_THAT(Listed(q), ElementsAre("DDCI 2020 Sở A", "DDCI 2018 Sở A", "PCI 2019 Sở A"));
  q.framework_code = "DDCI";
  q.from_year = 2019;
  EXPECT_THAT(Listed(q), ElementsAre("DDCI 2020 Sở A"));
  ResultQuery group;
  group.peer_group = "Khối sở";
  EXPECT_THAT(Listed(group), ElementsAre("DDCI 2019 Sở B", "DDCI 2018 Sở A"));
  group.level = v1::LEVEL_DISTRICT;
  EXPECT_THAT(Listed(group), ElementsAre("DDCI 2019 Sở B"));
  ResultQuery none;
  none.peer_group = "";
  EXPECT_THAT(Listed(none), ElementsAre("DDCI 2020 Sở A", "PCI 2019 Sở A"));
  ResultQuery upto;
  upto.to_year = 2018;
  EXPECT_THAT(Listed(upto), ElementsAre("DDCI 2018 Sở A"));
}

TEST_P(ScoringStoreTest, KeysetPagesCoverEveryResultOnce) {
  for (int year = 2015; year <= 2021; ++year) {
    for (const char* who : {"Sở C", "Sở A", "Sở B"}) MustPut(MakeResult(who, year));
  }
  ResultQuery q;
  q.limit = 4;
  std::vector<std::string> all;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<ResultPage> page = store_->ListResults(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Result& r : page->results) {
      all.push_back(absl::StrCat(r.year(), " ", r.subject().display_name()));
    }
    if (!page->more) break;
    q.after = ResultOrderKey(page->results.back());
  }
  ASSERT_EQ(all.size(), 21u);
  EXPECT_EQ(all.front(), "2021 Sở A");
  EXPECT_EQ(all[3], "2020 Sở A");
  EXPECT_EQ(all.back(), "2015 Sở C");

  ResultQuery bad;
  bad.after = "not a key";
  EXPECT_EQ(store_->ListResults(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ScoringStoreTest, ImportWritesEveryRowOrNone) {
  Result existing = MustPut(MakeResult("Sở A", 2019));
  std::vector<ImportRow> rows(3);
  rows[0].result = MakeResult("Sở B", 2019);
  rows[1].result = MakeResult("Sở C", 2019);
  rows[2].result = MakeResult("Sở A", 2019);  // collides, not marked as a replacement
  absl::Status collided = store_->ImportResults(rows, Accept);
  EXPECT_EQ(collided.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(collided.message()), HasSubstr(existing.name()));
  EXPECT_EQ(Listed({}).size(), 1u);

  EXPECT_EQ(
      store_
          ->ImportResults(
              rows, [](const std::vector<Framework>&) { return absl::AbortedError("changed"); })
          .code(),
      absl::StatusCode::kAborted);
  EXPECT_EQ(Listed({}).size(), 1u);

  rows[2].replace = existing.name();
  rows[2].result.set_note("replaced");
  rows[2].result.mutable_create_time()->set_seconds(9999);
  ASSERT_TRUE(store_->ImportResults(rows, Accept).ok());
  EXPECT_EQ(Listed({}).size(), 3u);
  absl::StatusOr<Result> replaced = store_->GetResult(existing.name().substr(8));
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->note(), "replaced");
  EXPECT_EQ(replaced->etag(), "2");
  EXPECT_EQ(replaced->create_time().seconds(), 2000) << "replacing keeps the create time";
}

TEST_P(ScoringStoreTest, ReplacingAResultThatIsGoneFails) {
  std::vector<ImportRow> rows(1);
  rows[0].result = MakeResult("Sở A", 2019);
  rows[0].replace = absl::StrCat("results/", ids_.Next());
  EXPECT_EQ(store_->ImportResults(rows, Accept).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Listed({}).empty());
}

TEST_P(ScoringStoreTest, ReadsTheSeriesTheLatestAndTheGroupOfASubject) {
  for (int year : {2012, 2014, 2013, 2021}) MustPut(MakeResult("Quảng Ngãi", year, "PAR_INDEX"));
  MustPut(MakeResult("Bình Định", 2014, "PAR_INDEX"));
  const std::string key = "entity:quang ngai";

  absl::StatusOr<std::vector<Result>> series = store_->SubjectResults(key, "PAR_INDEX", 0, 0);
  ASSERT_TRUE(series.ok());
  std::vector<int> years;
  for (const Result& r : *series) years.push_back(r.year());
  EXPECT_THAT(years, ElementsAre(2012, 2013, 2014, 2021));
  EXPECT_EQ(store_->SubjectResults(key, "PAR_INDEX", 2013, 2014)->size(), 2u);

  absl::StatusOr<std::optional<Result>> found = store_->FindResult(key, "PAR_INDEX", 2013);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->year(), 2013);
  EXPECT_FALSE(store_->FindResult(key, "PAR_INDEX", 2015)->has_value());
  EXPECT_EQ((*store_->LatestResult(key, "PAR_INDEX", 2020))->year(), 2014);
  EXPECT_FALSE(store_->LatestResult(key, "PAR_INDEX", 2011)->has_value());

  GroupQuery group;
  group.framework_code = "PAR_INDEX";
  group.year = 2014;
  EXPECT_EQ(store_->GroupResults(group)->size(), 2u);
  group.level = v1::LEVEL_PROVINCE;
  EXPECT_EQ(store_->GroupResults(group)->size(), 0u) << "the fixtures are department results";
  group.level = v1::LEVEL_UNSPECIFIED;
  group.peer_group = "other";
  EXPECT_EQ(store_->GroupResults(group)->size(), 0u);
}

TEST_P(ScoringStoreTest, SnapshotHasTheUnitResultsOfTheLatestTenYears) {
  const std::string unit = "units/01j0000000000000000000000a";
  for (int year = 2010; year <= 2021; ++year) MustPut(UnitResult(unit, year));
  MustPut(MakeResult("Quảng Ninh", 2021));
  ASSERT_TRUE(store_->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  absl::StatusOr<MetricsSnapshot> snapshot = store_->Snapshot(10);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->result_count, 13);
  EXPECT_EQ(snapshot->api_framework_count, 1);
  ASSERT_EQ(snapshot->unit_results.size(), 10u);
  for (const Result& r : snapshot->unit_results) {
    EXPECT_EQ(r.subject().unit(), unit);
    EXPECT_GE(r.year(), 2012);
  }
}

TEST_P(ScoringStoreTest, DataSurvivesReopeningTheFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / absl::StrCat("scoring_store_", ids_.Next(), ".db"))
          .string();
  {
    std::unique_ptr<storage::Database> db = *storage::OpenSqlite(path);
    ASSERT_TRUE(storage::Migrate(*db, ScoringMigrations()).ok());
    std::unique_ptr<ScoringStore> store = NewSqlScoringStore(db.get());
    ASSERT_TRUE(store->CreateFramework(Version("ddci-a", 2016, 2020), Accept).ok());
  }
  {
    std::unique_ptr<storage::Database> db = *storage::OpenSqlite(path);
    ASSERT_TRUE(storage::Migrate(*db, ScoringMigrations()).ok());
    EXPECT_TRUE(NewSqlScoringStore(db.get())->GetFramework("ddci-a").ok());
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

}  // namespace
}  // namespace chiso::scoring
