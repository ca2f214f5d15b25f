#include "common/auth/api_keys.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/auth/test_keys.h"

namespace chiso::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_keys::TempPath;
using testing_keys::WriteFile;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);  // 2027-01-15T08:00:00Z

std::string Entry(const std::string& id, const std::string& sha, const std::string& extra = "") {
  return absl::StrCat("  - id: ", id, "\n    sha256: ", sha, "\n    principal:\n      id: systems/",
                      id,
                      "\n      kind: system\n      unit: units/so-noi-vu\n      roles: [system]\n"
                      "      scopes: [plans.read, tasks.report]\n",
                      extra);
}

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempPath("keys.yaml");
    alpha_ = GenerateApiKey("alpha").value();
    bravo_ = GenerateApiKey("bravo-2").value();
  }

  std::unique_ptr<ApiKeyStore> Open(const std::string& content) {
    WriteFile(path_, content);
    auto store = ApiKeyStore::Open(path_, [this] { return now_; });
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  static void ExpectRejected(const ApiKeyStore& store, const std::string& key,
                             const std::string& reason) {
    absl::StatusOr<Principal> p = store.Authenticate(key);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(reason));
    const size_t sep = key.rfind('_');
    if (sep != std::string::npos && key.size() - sep > 8) {
      EXPECT_THAT(std::string(p.status().message()), Not(HasSubstr(key.substr(sep + 1))));
    }
  }

  std::string path_;
  NewApiKey alpha_;
  NewApiKey bravo_;
  absl::Time now_ = kNow;
};

TEST_F(ApiKeysTest, GeneratedKeysAreSelfIdentifyingAndRandom) {
  EXPECT_THAT(alpha_.key, ::testing::MatchesRegex("chiso_alpha_[A-Za-z0-9_-]{43}"));
  EXPECT_EQ(alpha_.sha256, Sha256Hex(alpha_.key));
  EXPECT_EQ(alpha_.sha256.size(), 64u);
  EXPECT_NE(alpha_.key, GenerateApiKey("alpha").value().key);
  auto parsed = ParseApiKey(alpha_.key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->key_id, "alpha");
  EXPECT_FALSE(GenerateApiKey("bad_id").ok());
  EXPECT_FALSE(ParseApiKey("chiso_alpha_short").has_value());
  EXPECT_FALSE(ParseApiKey("alpha_0123456789012345678901234").has_value());
}

TEST_F(ApiKeysTest, AuthenticatesAValidKey) {
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  ASSERT_NE(store, nullptr);
  absl::StatusOr<Principal> p = store->Authenticate(alpha_.key);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "systems/alpha");
  EXPECT_EQ(p->kind, Principal::Kind::kSystem);
  EXPECT_EQ(p->unit, "units/so-noi-vu");
  EXPECT_EQ(p->roles, std::set<Role>{Role::kSystem});
  EXPECT_EQ(p->scopes, (std::set<std::string>{"plans.read", "tasks.report"}));
  EXPECT_EQ(p->credential, "api-key:alpha");
  EXPECT_EQ(store->size(), 1u);
}

TEST_F(ApiKeysTest, AcceptsUpperCaseHashInTheFile) {
  std::string upper = alpha_.sha256;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", upper)));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
}

TEST_F(ApiKeysTest, RejectsWrongSecretUnknownIdAndMalformedKeys) {
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  ASSERT_NE(store, nullptr);
  std::string wrong = alpha_.key;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  ExpectRejected(*store, wrong, "wrong secret for API key \"alpha\"");
  // bravo's key is well formed but bravo is not in the file.
  ExpectRejected(*store, bravo_.key, "unknown API key id \"bravo-2\"");
  // alpha's secret presented under another id does not match either.
  ExpectRejected(*store, absl::StrCat("chiso_bravo-2_", alpha_.key.substr(12)),
                 "unknown API key id");
  ExpectRejected(*store, "chiso_alpha", "malformed API key");
  ExpectRejected(*store, "chiso_alpha_tooshort", "malformed API key");
  ExpectRejected(*store, absl::StrCat(alpha_.key, "!"), "malformed API key");
}

TEST_F(ApiKeysTest, RejectsExpiredKeys) {
  auto store = Open(absl::StrCat(
      "keys:\n", Entry("alpha", alpha_.sha256, "    expires: 2027-01-15T09:00:00Z\n")));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
  now_ = kNow + absl::Hours(1);
  ExpectRejected(*store, alpha_.key, "API key \"alpha\" expired at 2027-01-15T09:00:00Z");
}

// Deleting the keys file is a revocation: no key stays accepted. The file
// back, its keys are accepted again.
TEST_F(ApiKeysTest, ADeletedKeysFileRevokesEveryKey) {
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Authenticate(alpha_.key).ok());
  ASSERT_EQ(unlink(path_.c_str()), 0);
  absl::StatusOr<bool> gone = store->ReloadIfChanged();
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->size(), 0u);
  ExpectRejected(*store, alpha_.key, "unknown API key id \"alpha\"");
  EXPECT_TRUE(store->ReloadIfChanged().ok());  // reported once

  WriteFile(path_, absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  EXPECT_TRUE(store->ReloadIfChanged().value());
  EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
}

TEST_F(ApiKeysTest, ReloadSwapsKeysWithoutRestart) {
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Authenticate(alpha_.key).ok());
  EXPECT_FALSE(store->ReloadIfChanged().value());  // nothing changed

  // alpha revoked, bravo added.
  WriteFile(path_, absl::StrCat("keys:\n", Entry("bravo-2", bravo_.sha256)));
  ExpectRejected(*store, bravo_.key, "unknown API key id");  // not yet reloaded
  absl::StatusOr<bool> changed = store->ReloadIfChanged();
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(store->Authenticate(bravo_.key).ok());
  ExpectRejected(*store, alpha_.key, "unknown API key id \"alpha\"");
  EXPECT_FALSE(store->ReloadIfChanged().value());

  // Reload() re-reads unconditionally.
  WriteFile(path_, absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256),
                                Entry("bravo-2", bravo_.sha256)));
  ASSERT_TRUE(store->Reload().ok());
  EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
  EXPECT_TRUE(store->Authenticate(bravo_.key).ok());
  EXPECT_EQ(store->size(), 2u);

  // No keys at all is a valid file: everything is revoked.
  WriteFile(path_, "keys: []\n");
  ASSERT_TRUE(store->Reload().ok());
  ExpectRejected(*store, alpha_.key, "unknown API key id");
}

TEST_F(ApiKeysTest, BrokenFileOnReloadKeepsTheOldKeys) {
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  ASSERT_NE(store, nullptr);
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"keys: [ {id: alpha, sha256: \n", "not valid YAML"},
      {absl::StrCat("keys:\n", Entry("bravo-2", bravo_.sha256, "    role: admin\n")),
       "unknown field \"role\""},
      {absl::StrCat("keys:\n", Entry("bravo-2", bravo_.sha256), Entry("bravo-2", bravo_.sha256)),
       "key id used twice"},
      {absl::StrCat("keys:\n", Entry("bravo-2", "abc")), "64 hex digits"},
      {absl::StrCat("keys:\n", Entry("bravo-2", bravo_.sha256, "    expires: tomorrow\n")),
       "RFC 3339"},
      {"keys:\n  - id: bravo-2\n    sha256: " + bravo_.sha256 +
           "\n    principal: {id: p, kind: person, roles: [root]}\n",
       "unknown role"},
      {"keys:\n  - id: bravo-2\n    sha256: " + bravo_.sha256 +
           "\n    principal: {id: p, kind: person, roles: [viewer]}\n",
       "unit: required"},
      {"kees: []\n", "unknown field \"kees\""},
  };
  for (const auto& [content, reason] : broken) {
    SCOPED_TRACE(content);
    WriteFile(path_, content);
    absl::Status reloaded = store->Reload();
    ASSERT_FALSE(reloaded.ok());
    EXPECT_THAT(std::string(reloaded.message()), HasSubstr(reason));
    EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
    ExpectRejected(*store, bravo_.key, "unknown API key id");
    EXPECT_FALSE(store->ReloadIfChanged().ok());  // still broken, still the old keys
    EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
  }
  // A missing file, too.
  ASSERT_EQ(unlink(path_.c_str()), 0);
  EXPECT_FALSE(store->Reload().ok());
  EXPECT_TRUE(store->Authenticate(alpha_.key).ok());
  // Opening a broken file fails.
  WriteFile(path_, "keys: {}\n");
  EXPECT_FALSE(ApiKeyStore::Open(path_).ok());
}

TEST_F(ApiKeysTest, ReadersSeeOldOrNewKeysDuringReloads) {
  auto store = Open(absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256)));
  ASSERT_NE(store, nullptr);
  const std::string with_both =
      absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256), Entry("bravo-2", bravo_.sha256));
  const std::string alpha_only = absl::StrCat("keys:\n", Entry("alpha", alpha_.sha256));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!store->Authenticate(alpha_.key).ok()) failures++;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    WriteFile(path_, i % 2 == 0 ? with_both : alpha_only);
    ASSERT_TRUE(store->Reload().ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(ApiKeysTest, EntryYamlLoadsAndHoldsNoSecret) {
  Principal p;
  p.id = "jobs/nightly-report";
  p.kind = Principal::Kind::kService;
  p.roles = {Role::kSystem};
  p.scopes = {"reports.read"};
  const std::string entry =
      ApiKeyEntryYaml("alpha", alpha_.sha256, p, absl::FromUnixSeconds(1900000000));
  EXPECT_THAT(entry, Not(HasSubstr(alpha_.key.substr(12))));
  auto store = Open(absl::StrCat("keys:\n", entry));
  ASSERT_NE(store, nullptr) << entry;
  absl::StatusOr<Principal> got = store->Authenticate(alpha_.key);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, "jobs/nightly-report");
  EXPECT_EQ(got->kind, Principal::Kind::kService);
  EXPECT_EQ(got->unit, "");
  EXPECT_EQ(got->roles, (std::set<Role>{Role::kSystem}));
  now_ = absl::FromUnixSeconds(1900000000);
  ExpectRejected(*store, alpha_.key, "expired");
}

}  // namespace
}  // namespace chiso::auth
