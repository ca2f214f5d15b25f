#include "common/auth/access.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "chiso/common/v1/unit_directory.grpc.pb.h"
#include "common/server/server.h"
#include "common/status/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/access/test_identities.h"

namespace chiso::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace cpb = ::chiso::common::v1;

Caller WithRoles(std::set<Role> roles, Principal::Kind kind = Principal::Kind::kPerson) {
  Caller c;
  c.principal.id = "people/a";
  c.principal.kind = kind;
  c.principal.unit = "units/a";
  c.principal.roles = std::move(roles);
  return c;
}

TEST(PermissionTest, RolesGrantWhatTheTableSays) {
  const Caller viewer = WithRoles({Role::kViewer});
  EXPECT_TRUE(viewer.Has(Permission::kRead));
  EXPECT_FALSE(viewer.Has(Permission::kReport));
  EXPECT_FALSE(viewer.Has(Permission::kPlan));

  const Caller reporter = WithRoles({Role::kReporter});
  EXPECT_TRUE(reporter.Has(Permission::kRead));
  EXPECT_TRUE(reporter.Has(Permission::kReport));
  EXPECT_FALSE(reporter.Has(Permission::kPlan));
  EXPECT_FALSE(reporter.Has(Permission::kScore));

  const Caller planner = WithRoles({Role::kPlanner});
  for (Permission p :
       {Permission::kRead, Permission::kReport, Permission::kPlan, Permission::kScore}) {
    EXPECT_TRUE(planner.Has(p)) << PermissionName(p);
  }
  EXPECT_FALSE(planner.Has(Permission::kAdminister));
  EXPECT_FALSE(planner.Has(Permission::kAuditRead));

  const Caller admin = WithRoles({Role::kAdministrator});
  for (Permission p : {Permission::kRead, Permission::kReport, Permission::kPlan,
                       Permission::kScore, Permission::kAdminister, Permission::kAuditRead}) {
    EXPECT_TRUE(admin.Has(p)) << PermissionName(p);
  }
  // Only services are granted the unit tree, and only by scope.
  EXPECT_FALSE(admin.Has(Permission::kUnitsSync));
}

TEST(PermissionTest, SystemsHaveExactlyTheirScopes) {
  Caller system = WithRoles({Role::kSystem}, Principal::Kind::kSystem);
  system.principal.scopes = {"read", "report"};
  EXPECT_TRUE(system.Has(Permission::kRead));
  EXPECT_TRUE(system.Has(Permission::kReport));
  EXPECT_FALSE(system.Has(Permission::kPlan));
  EXPECT_FALSE(system.Has(Permission::kAdminister));
  // The unit tree is for services only, whatever a system was granted.
  system.principal.scopes.insert("units.sync");
  EXPECT_FALSE(system.Has(Permission::kUnitsSync));
  Caller service = WithRoles({Role::kSystem}, Principal::Kind::kService);
  service.principal.scopes = {"units.sync"};
  EXPECT_TRUE(service.Has(Permission::kUnitsSync));
  // A scope without the role system grants nothing.
  Caller person = WithRoles({Role::kViewer});
  person.principal.scopes = {"administer"};
  EXPECT_FALSE(person.Has(Permission::kAdminister));
}

TEST(PermissionTest, AnonymousMayDoEverything) {
  const Caller anonymous = AnonymousCaller("x");
  EXPECT_TRUE(anonymous.Has(Permission::kUnitsSync));
  EXPECT_TRUE(anonymous.Unrestricted());
  EXPECT_EQ(anonymous.principal.id, "anonymous");
}

TEST(PermissionTest, MessagesNameTheRoles) {
  EXPECT_EQ(RolesGranting(Permission::kAdminister),
            "administrator or a system granted \"administer\"");
  EXPECT_EQ(RolesGranting(Permission::kReport),
            "reporter, planner, administrator or a system granted \"report\"");
}

// a ─ b ─ c, and d on its own.
class FakeTree : public UnitTree {
 public:
  absl::StatusOr<bool> Contains(absl::string_view ancestor, absl::string_view unit) const override {
    if (fail_) return absl::UnavailableError("tree unavailable");
    std::string u(unit);
    for (int i = 0; i < 10 && !u.empty(); ++i) {
      if (u == ancestor) return true;
      auto it = parents_.find(u);
      u = it == parents_.end() ? "" : it->second;
    }
    return false;
  }
  bool fail_ = false;

 private:
  std::map<std::string, std::string> parents_ = {
      {"units/b", "units/a"}, {"units/c", "units/b"}, {"units/d", ""}};
};

TEST(ScopeTest, RestrictedCallersSeeTheirSubtree) {
  FakeTree tree;
  Caller b = WithRoles({Role::kPlanner});
  b.principal.unit = "units/b";
  EXPECT_TRUE(InScope(b, tree, "units/b").value());
  EXPECT_TRUE(InScope(b, tree, "units/c").value());
  EXPECT_FALSE(InScope(b, tree, "units/a").value());
  EXPECT_FALSE(InScope(b, tree, "units/d").value());
  EXPECT_FALSE(InScope(b, tree, "").value());
}

TEST(ScopeTest, AdministratorsAndServicesAreUnrestricted) {
  FakeTree tree;
  tree.fail_ = true;  // not even asked
  EXPECT_TRUE(InScope(WithRoles({Role::kAdministrator}), tree, "units/d").value());
  Caller service = WithRoles({Role::kSystem}, Principal::Kind::kService);
  service.principal.unit = "";
  EXPECT_TRUE(InScope(service, tree, "").value());
}

TEST(ScopeTest, FailsClosedWhenTheTreeCannotBeRead) {
  FakeTree tree;
  tree.fail_ = true;
  absl::StatusOr<bool> in = InScope(WithRoles({Role::kViewer}), tree, "units/c");
  EXPECT_EQ(in.status().code(), absl::StatusCode::kUnavailable);
}

TEST(CheckRulesTest, EveryMethodExactlyOnce) {
  const auto* service =
      cpb::ReplaceUnitTreeRequest::descriptor()->file()->FindServiceByName("UnitDirectory");
  ASSERT_NE(service, nullptr);
  EXPECT_TRUE(
      AccessGate(service->full_name(), {{"ReplaceUnitTree", Permission::kUnitsSync}}, nullptr)
          .CheckRules(*service)
          .ok());
  absl::Status missing = AccessGate(service->full_name(), {}, nullptr).CheckRules(*service);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("ReplaceUnitTree has no rule"));
  absl::Status extra = AccessGate(service->full_name(),
                                  {{"ReplaceUnitTree", Permission::kUnitsSync},
                                   {"ReplaceUnitTree", Permission::kRead},
                                   {"Nope", Permission::kRead}},
                                  nullptr)
                           .CheckRules(*service);
  EXPECT_THAT(std::string(extra.message()), HasSubstr("more than one rule"));
  EXPECT_THAT(std::string(extra.message()), HasSubstr("Nope is not a method"));
}

// A service whose one method passes the gate and remembers the caller.
class GatedService final : public cpb::UnitDirectory::Service {
 public:
  explicit GatedService(const AccessGate* gate) : gate_(gate) {}
  grpc::Status ReplaceUnitTree(grpc::ServerContext* context, const cpb::ReplaceUnitTreeRequest*,
                               cpb::ReplaceUnitTreeResponse*) override {
    absl::StatusOr<Caller> caller = gate_->Admit(*context, "ReplaceUnitTree");
    if (!caller.ok()) return ToGrpcStatus(caller.status());
    absl::MutexLock lock(&mu_);
    last_ = *caller;
    return grpc::Status::OK;
  }
  Caller last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

 private:
  const AccessGate* gate_;
  absl::Mutex mu_;
  Caller last_;
};

class GateTest : public ::testing::Test {
 protected:
  void Start(std::shared_ptr<const Authenticator> authenticator) {
    gate_ = std::make_unique<AccessGate>(
        cpb::UnitDirectory::service_full_name(),
        std::vector<RpcRule>{{"ReplaceUnitTree", Permission::kUnitsSync}},
        std::move(authenticator));
    service_ = std::make_unique<GatedService>(gate_.get());
    ServerOptions options;
    options.service_name = "gate-test";
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ =
        Server::Start(options, {{cpb::UnitDirectory::service_full_name(), service_.get()}},
                      std::make_shared<prometheus::Registry>(), [] { return absl::OkStatus(); })
            .value();
    stub_ = cpb::UnitDirectory::NewStub(server_->InProcessChannel());
  }
  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  grpc::Status Call(const std::string& credential, grpc::ClientContext* context) {
    if (!credential.empty()) testing::TestIdentities::Authorize(context, credential);
    cpb::ReplaceUnitTreeResponse response;
    return stub_->ReplaceUnitTree(context, cpb::ReplaceUnitTreeRequest(), &response);
  }
  grpc::Status Call(const std::string& credential) {
    grpc::ClientContext context;
    return Call(credential, &context);
  }

  testing::TestIdentities ids_;
  std::unique_ptr<AccessGate> gate_;
  std::unique_ptr<GatedService> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<cpb::UnitDirectory::Stub> stub_;
};

TEST_F(GateTest, RefusesCallersWithoutAGoodCredential) {
  Start(ids_.authenticator());
  grpc::Status none = Call("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("missing bearer credential"));

  const std::string forged = "chiso_k1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  grpc::Status bad = Call(forged);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(bad.error_message(), Not(HasSubstr(forged)));

  grpc::ClientContext twice;
  const std::string good = ids_.Service("services/assignment", {"units.sync"});
  twice.AddMetadata("authorization", "Bearer " + good);
  grpc::Status two = Call(good, &twice);
  EXPECT_EQ(two.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(two.error_message(), HasSubstr("more than one"));
}

TEST_F(GateTest, RefusesAnActionTheRoleLacksNamingIt) {
  Start(ids_.authenticator());
  grpc::Status denied = Call(ids_.Person("people/admin", "units/a", {Role::kAdministrator}));
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(),
              HasSubstr("ReplaceUnitTree needs the permission \"units.sync\""));
  EXPECT_THAT(denied.error_message(), HasSubstr("people/admin has administrator"));

  grpc::Status system = Call(ids_.System("systems/x", "units/a", {"read"}));
  EXPECT_EQ(system.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(system.error_message(), HasSubstr("scopes read"));
}

TEST_F(GateTest, AdmitsAndDescribesTheCaller) {
  Start(ids_.authenticator());
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "req-42");
  ASSERT_TRUE(Call(ids_.Service("services/assignment", {"units.sync"}), &context).ok());
  const Caller caller = service_->last();
  EXPECT_FALSE(caller.anonymous);
  EXPECT_EQ(caller.principal.id, "services/assignment");
  EXPECT_EQ(caller.request_id, "req-42");
  EXPECT_EQ(caller.rpc, "chiso.common.v1.UnitDirectory/ReplaceUnitTree");
  EXPECT_EQ(caller.client_certificate, "");
}

TEST_F(GateTest, TheRequestIdTheServerMadeIsTheOneItAnswers) {
  Start(ids_.authenticator());
  grpc::ClientContext context;
  ASSERT_TRUE(Call(ids_.Service("services/assignment", {"units.sync"}), &context).ok());
  auto answered = context.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(answered, context.GetServerInitialMetadata().end());
  const std::string made(answered->second.data(), answered->second.size());
  EXPECT_FALSE(made.empty());
  EXPECT_EQ(service_->last().request_id, made);
}

TEST_F(GateTest, WithAuthenticationOffEveryCallerIsAnonymous) {
  Start(nullptr);
  ASSERT_TRUE(Call("").ok());
  EXPECT_TRUE(service_->last().anonymous);
  EXPECT_EQ(service_->last().principal.id, "anonymous");
}

TEST(GateRulesTest, AMethodWithoutARuleIsAnInternalError) {
  AccessGate gate("chiso.x.v1.X", {}, nullptr);
  grpc::ServerContext context;
  absl::StatusOr<Caller> caller = gate.Admit(context, "Missing");
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace chiso::auth
