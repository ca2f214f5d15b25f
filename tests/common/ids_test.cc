#include "common/ids/ids.h"

#include <set>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "common/ids/page_token.h"
#include "gtest/gtest.h"

namespace chiso {
namespace {

TEST(IdGenerator, IdsAreValidUniqueAndSortByCreation) {
  absl::Time now = absl::FromUnixMillis(1700000000000);
  uint64_t seed = 42;
  IdGenerator ids([&] { return now; }, [&] { return seed = seed * 6364136223846793005ULL + 1; });
  std::vector<std::string> made;
  for (int i = 0; i < 1000; ++i) {
    if (i % 100 == 0) now += absl::Milliseconds(1);
    made.push_back(ids.Next());
  }
  for (size_t i = 0; i < made.size(); ++i) {
    EXPECT_TRUE(IsValidId(made[i])) << made[i];
    if (i > 0) {
      EXPECT_LT(made[i - 1], made[i]);
    }
  }
}

TEST(IdGenerator, StaysMonotonicWhenTheClockStepsBack) {
  absl::Time now = absl::FromUnixMillis(1700000000000);
  IdGenerator ids([&] { return now; }, [] { return uint64_t{7}; });
  const std::string a = ids.Next();
  now -= absl::Seconds(5);
  const std::string b = ids.Next();
  EXPECT_LT(a, b);
}

TEST(IdGenerator, LaterMillisecondsSortAfter) {
  absl::Time now = absl::FromUnixMillis(1700000000000);
  IdGenerator ids([&] { return now; }, [] { return ~uint64_t{0}; });
  const std::string a = ids.Next();
  now += absl::Milliseconds(1);
  EXPECT_LT(a, ids.Next());
}

TEST(IdGenerator, ConcurrentCallersGetDistinctIds) {
  IdGenerator ids;
  std::vector<std::vector<std::string>> out(4);
  std::vector<std::thread> threads;
  for (auto& v : out) {
    threads.emplace_back([&ids, &v] {
      for (int i = 0; i < 2000; ++i) v.push_back(ids.Next());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& v : out) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 8000u);
}

TEST(IsValidId, RejectsOtherShapes) {
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("01HZZZZZZZZZZZZZZZZZZZZZZZ"));  // upper case
  EXPECT_FALSE(IsValidId("01hzzzzzzzzzzzzzzzzzzzzzz"));   // 25 chars
  EXPECT_FALSE(IsValidId("81hzzzzzzzzzzzzzzzzzzzzzzz"));  // overflows 128 bits
  EXPECT_FALSE(IsValidId("01hzzzzzzzzzzzzzzzzzzzzzzi"));  // i is not Crockford
  EXPECT_FALSE(IsValidId("../../etc/passwd0000000000"));
}

TEST(PageToken, RoundTripsTheLastKey) {
  const std::string fp = Fingerprint("filter-a");
  absl::StatusOr<std::string> key = DecodePageToken(EncodePageToken(fp, "01abc"), fp);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "01abc");
}

TEST(PageToken, RejectsATokenOfAnotherFilter) {
  const std::string token = EncodePageToken(Fingerprint("filter-a"), "01abc");
  absl::StatusOr<std::string> key = DecodePageToken(token, Fingerprint("filter-b"));
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find("different filter"), absl::string_view::npos);
}

TEST(PageToken, RejectsGarbage) {
  const std::string fp = Fingerprint("");
  for (const char* bad : {"!!!", "aGVsbG8", "cHQxCmFiYwo"}) {
    EXPECT_EQ(DecodePageToken(bad, fp).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PageToken, RejectsAForgedKeyThatIsNotText) {
  // Anyone can compute the fingerprint, so the key must be checked itself:
  // a database would be asked to compare invalid UTF-8 or a NUL.
  const std::string fp = Fingerprint("");
  for (const std::string& key : {std::string("\xff\xfe"), std::string("a\0b", 3),
                                 std::string("\xc0\xaf"), std::string("\xed\xa0\x80")}) {
    EXPECT_EQ(DecodePageToken(EncodePageToken(fp, key), fp).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(DecodePageToken(EncodePageToken(fp, "Phòng Nội vụ"), fp).ok());
}

TEST(PageToken, FingerprintIsStable) {
  // The same bytes must give the same fingerprint on every replica and
  // release, or tokens break across a rolling update.
  EXPECT_EQ(Fingerprint(""), "cbf29ce484222325");
  EXPECT_EQ(Fingerprint("a"), "af63dc4c8601ec8c");
}

TEST(PageSize, DefaultsAndCaps) {
  EXPECT_EQ(*NormalizePageSize(0), 50);
  EXPECT_EQ(*NormalizePageSize(7), 7);
  EXPECT_EQ(*NormalizePageSize(100000), 500);
  EXPECT_EQ(NormalizePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chiso
