#ifndef CHISO_TESTS_SUPPORT_TEST_DATABASE_H_
#define CHISO_TESTS_SUPPORT_TEST_DATABASE_H_

// Store tests run once per storage backend:
//
//   class FooStoreTest : public ::testing::TestWithParam<test_support::Backend> {
//     void SetUp() override { db_ = test_support::OpenTestDatabase(GetParam()); … }
//   };
//   INSTANTIATE_TEST_SUITE_P(Backends, FooStoreTest, test_support::AllBackends(),
//                            test_support::BackendName);
//
// SQLite runs in memory. PostgreSQL runs on the server ctest starts once for
// the whole run (the `chiso_postgres` fixture; chiso_test(… POSTGRES) asks
// for it); each database is a fresh schema there. Run by hand, outside
// ctest, the first PostgreSQL test starts a private server and stops it at
// exit.

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "gtest/gtest.h"

namespace chiso::test_support {

enum class Backend { kSqlite, kPostgres };

// Prints "sqlite" or "postgres" (test names and failure messages).
void PrintTo(Backend backend, std::ostream* os);

inline auto AllBackends() { return ::testing::Values(Backend::kSqlite, Backend::kPostgres); }

// "sqlite" or "postgres", for test names.
std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

// The URL of a fresh, empty schema on the test PostgreSQL server. Two calls
// give two schemas; two opens of one URL share it (two replicas). Errors:
// Unavailable when no server can be started (the message says why).
absl::StatusOr<std::string> FreshPostgresUrl();

// An empty database of `backend`; adds a test failure and returns null when
// it cannot be opened.
std::unique_ptr<storage::Database> OpenTestDatabase(Backend backend);

}  // namespace chiso::test_support

#endif  // CHISO_TESTS_SUPPORT_TEST_DATABASE_H_
