#ifndef CHISO_TESTS_ACCESS_TEST_IDENTITIES_H_
#define CHISO_TESTS_ACCESS_TEST_IDENTITIES_H_

// Callers for authorization tests: principals registered by the test, each
// with its own API key in a keys file of the test's own.
//
//   TestIdentities ids;
//   std::string viewer = ids.Person("people/a", "units/a", {auth::Role::kViewer});
//   AccessGate gate(name, rules, ids.authenticator());
//   grpc::ClientContext ctx; ids.Authorize(&ctx, viewer);

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/auth/api_keys.h"
#include "common/auth/authenticator.h"
#include "common/auth/principal.h"
#include "grpcpp/client_context.h"

namespace chiso::testing {

class TestIdentities {
 public:
  TestIdentities();
  // Removes the keys file and its directory.
  ~TestIdentities();
  TestIdentities(const TestIdentities&) = delete;
  TestIdentities& operator=(const TestIdentities&) = delete;

  // Registers `principal` and returns its credential (the API key).
  std::string Add(const auth::Principal& principal);
  // A person of `unit` with `roles`.
  std::string Person(const std::string& id, const std::string& unit,
                     const std::set<auth::Role>& roles);
  // A system of `unit` granted `scopes` (role system).
  std::string System(const std::string& id, const std::string& unit,
                     const std::set<std::string>& scopes);
  // One of chiso's services (kind service, role system) granted `scopes`.
  std::string Service(const std::string& id, const std::set<std::string>& scopes);

  // The key id of a credential Add returned (audit records the caller's
  // credential as "api-key:<key id>").
  const std::string& KeyId(const std::string& credential) const { return key_ids_.at(credential); }

  // Accepts every credential Add returned (also those added later).
  std::shared_ptr<const auth::Authenticator> authenticator() const { return authenticator_; }

  // The API keys file (for a service's --api_keys_file).
  const std::string& keys_file() const { return path_; }

  // Sends `credential` as "authorization: Bearer <credential>".
  static void Authorize(grpc::ClientContext* context, const std::string& credential);

 private:
  std::string dir_;
  std::string path_;
  std::string yaml_;
  int next_ = 0;
  std::map<std::string, std::string> key_ids_;  // by credential
  std::shared_ptr<auth::ApiKeyStore> store_;
  std::shared_ptr<const auth::Authenticator> authenticator_;
};

}  // namespace chiso::testing

#endif  // CHISO_TESTS_ACCESS_TEST_IDENTITIES_H_
