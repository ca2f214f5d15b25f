// "chisoctl audit list": end to end against the real plan service started
// in-process (in-memory SQLite, authentication off, so the principal is
// "anonymous"), whose changes write their audit events, and against a fake
// scoring service that records each ListAuditEvents request, so the tests
// see the filter and the paging chisoctl sends.

#include <cstdint>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "chiso/common/v1/audit.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
namespace pb = chiso::plan::v1;
namespace cv1 = chiso::common::v1;

// The lines of `text` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

class AuditEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    absl::StatusOr<Catalog> catalog = Catalog::Builtin();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<Catalog>(*std::move(catalog));
    absl::StatusOr<std::unique_ptr<storage::Database>> db =
        storage::OpenSqlite(storage::SqliteOptions{.path = ":memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(storage::Migrate(*db_, plan::PlanMigrations()).ok());
    store_ = plan::NewSqlPlanStore(db_.get());
    manager_ = std::make_unique<plan::PlanManager>(
        store_.get(), catalog_.get(), civil::Clock::Real(), &ids_, /*metrics=*/nullptr);
    service_ = std::make_unique<plan::PlanServiceImpl>(manager_.get());

    ServerOptions options;
    options.service_name = "plan";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(options, {{pb::PlanService::service_full_name(), service_.get()}},
                      std::make_shared<prometheus::Registry>(),
                      []() -> absl::Status { return absl::OkStatus(); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
    addr_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
    }
    log::SetOutput(nullptr);
  }

  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), "--addr=" + addr_);
    return RunCli(args, Environment());
  }

  // Creates a draft plan titled `title`; returns its name.
  std::string CreatePlan(const std::string& title) {
    Result r = Run({"--json", "plan", "create", "--title", title, "--issuer", "Sở Xây dựng"});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    pb::Plan plan;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &plan).ok()) << r.out;
    return plan.name();
  }

  // "audit list --service plan ARGS… --json", parsed.
  cv1::ListAuditEventsResponse ListJson(std::vector<std::string> args) {
    std::vector<std::string> full = {"--json", "audit", "list", "--service", "plan"};
    full.insert(full.end(), args.begin(), args.end());
    Result r = Run(full);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    cv1::ListAuditEventsResponse response;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &response).ok()) << r.out;
    return response;
  }

  std::ostringstream logs_;
  std::unique_ptr<Catalog> catalog_;
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<plan::PlanStore> store_;
  std::unique_ptr<plan::PlanManager> manager_;
  std::unique_ptr<plan::PlanServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::string addr_;
};

TEST_F(AuditEndToEndTest, ListingAfterAChangeShowsItsEvent) {
  Result empty = Run({"audit", "list", "--service", "plan"});
  ASSERT_EQ(empty.code, kExitOk) << empty.err;
  EXPECT_EQ(empty.out, "No audit events.\n");

  const std::string name = CreatePlan("Kế hoạch nâng cao chỉ số DDCI");
  ASSERT_FALSE(name.empty());

  Result r = Run({"audit", "list", "--service", "plan"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.err, IsEmpty());
  EXPECT_THAT(r.out, HasSubstr("TIME"));
  for (const char* header : {"PRINCIPAL", "RPC", "RESOURCE", "REQUEST ID", "CLIENT CERT"}) {
    EXPECT_THAT(r.out, HasSubstr(header)) << header;
  }
  const std::vector<std::string> rows = LinesWith(r.out, name);
  ASSERT_THAT(rows, SizeIs(1)) << r.out;
  EXPECT_THAT(rows[0], AllOf(HasSubstr("anonymous"), HasSubstr("CreatePlan"),
                             Not(HasSubstr("chiso.plan.v1.PlanService/"))));
  // The time, in business time, is today's (DD/MM/YYYY HH:MM:SS).
  const std::string today =
      absl::FormatTime("%d/%m/%Y", absl::Now(), absl::FixedTimeZone(7 * 3600));
  EXPECT_EQ(rows[0].substr(0, 10), today);

  cv1::ListAuditEventsResponse listed = ListJson({});
  ASSERT_THAT(listed.events(), SizeIs(1));
  const cv1::AuditEvent& event = listed.events(0);
  EXPECT_EQ(event.rpc(), "chiso.plan.v1.PlanService/CreatePlan");
  EXPECT_EQ(event.resource(), name);
  EXPECT_EQ(event.principal(), "anonymous");
  EXPECT_FALSE(event.request_id().empty());
  EXPECT_THAT(rows[0], HasSubstr(event.request_id()));

  // A later change comes first (newest first).
  Result deleted = Run({"plan", "delete", name});
  ASSERT_EQ(deleted.code, kExitOk) << deleted.err;
  listed = ListJson({});
  ASSERT_THAT(listed.events(), SizeIs(2));
  EXPECT_EQ(listed.events(0).rpc(), "chiso.plan.v1.PlanService/DeletePlan");
  EXPECT_EQ(listed.events(0).resource(), name);
}

TEST_F(AuditEndToEndTest, FiltersPassThrough) {
  const std::string first = CreatePlan("Kế hoạch một");
  const std::string second = CreatePlan("Kế hoạch hai");
  Result updated = Run({"plan", "update", first, "--title", "Kế hoạch một (sửa)"});
  ASSERT_EQ(updated.code, kExitOk) << updated.err;
  ASSERT_THAT(ListJson({}).events(), SizeIs(3));

  cv1::ListAuditEventsResponse by_resource = ListJson({"--resource", first});
  ASSERT_THAT(by_resource.events(), SizeIs(2));
  for (const cv1::AuditEvent& event : by_resource.events()) EXPECT_EQ(event.resource(), first);

  cv1::ListAuditEventsResponse by_rpc = ListJson({"--rpc", "UpdatePlan"});
  ASSERT_THAT(by_rpc.events(), SizeIs(1));
  EXPECT_EQ(by_rpc.events(0).resource(), first);
  EXPECT_THAT(ListJson({"--rpc=chiso.plan.v1.PlanService/CreatePlan"}).events(), SizeIs(2));

  const std::string request_id = by_rpc.events(0).request_id();
  cv1::ListAuditEventsResponse by_request = ListJson({"--request-id", request_id});
  ASSERT_THAT(by_request.events(), SizeIs(1));
  EXPECT_EQ(by_request.events(0).rpc(), "chiso.plan.v1.PlanService/UpdatePlan");

  EXPECT_THAT(ListJson({"--principal", "anonymous"}).events(), SizeIs(3));
  EXPECT_THAT(ListJson({"--principal", "people/nobody"}).events(), IsEmpty());
  EXPECT_THAT(ListJson({"--since", "2000-01-01T00:00:00+07:00"}).events(), SizeIs(3));
  EXPECT_THAT(ListJson({"--since", "+1h"}).events(), IsEmpty());
  EXPECT_THAT(ListJson({"--until", "2000-01-01T00:00:00Z"}).events(), IsEmpty());
  EXPECT_THAT(ListJson({"--resource", second, "--since", "2000-01-01T00:00:00Z", "--until", "+1h"})
                  .events(),
              SizeIs(1));

  // --limit: the newest N, and a line saying more match.
  Result limited = Run({"audit", "list", "--service", "plan", "--limit", "2"});
  ASSERT_EQ(limited.code, kExitOk) << limited.err;
  EXPECT_THAT(LinesWith(limited.out, "Plan "), SizeIs(2)) << limited.out;
  EXPECT_THAT(limited.out, HasSubstr("More audit events match; raise --limit (now 2)"));
  Result filtered = Run({"audit", "list", "--service", "plan", "--principal", "people/nobody"});
  ASSERT_EQ(filtered.code, kExitOk) << filtered.err;
  EXPECT_EQ(filtered.out, "No audit events.\n");
}

TEST_F(AuditEndToEndTest, BadArgumentsAreUsageErrors) {
  Result bad_since = Run({"audit", "list", "--service", "plan", "--since", "yesterday"});
  EXPECT_EQ(bad_since.code, kExitUsage);
  EXPECT_THAT(bad_since.out, IsEmpty());
  EXPECT_THAT(bad_since.err, HasSubstr("--since: expected"));
  EXPECT_THAT(bad_since.err, HasSubstr("chisoctl audit list --help"));

  Result bad_rfc3339 =
      Run({"audit", "list", "--service", "plan", "--since", "2024-13-40T00:00:00+07:00"});
  EXPECT_EQ(bad_rfc3339.code, kExitUsage) << bad_rfc3339.err;
  EXPECT_THAT(bad_rfc3339.err, HasSubstr("--since"));

  Result bad_until = Run({"audit", "list", "--service", "plan", "--until", "soon"});
  EXPECT_EQ(bad_until.code, kExitUsage);
  EXPECT_THAT(bad_until.err, HasSubstr("--until"));

  Result reversed = Run({"audit", "list", "--service", "plan", "--since",
                         "2024-05-01T00:00:00+07:00", "--until", "2024-04-01T00:00:00+07:00"});
  EXPECT_EQ(reversed.code, kExitUsage);
  EXPECT_THAT(reversed.err, HasSubstr("--since must be before --until"));

  Result no_service = Run({"audit", "list"});
  EXPECT_EQ(no_service.code, kExitUsage);
  EXPECT_THAT(no_service.err, HasSubstr("missing --service"));

  Result bad_service = Run({"audit", "list", "--service", "billing"});
  EXPECT_EQ(bad_service.code, kExitUsage);
  EXPECT_THAT(bad_service.err, HasSubstr("--service: expected plan, assignment"));

  for (const char* limit : {"0", "-3", "many"}) {
    Result bad_limit = Run({"audit", "list", "--service", "plan", "--limit", limit});
    EXPECT_EQ(bad_limit.code, kExitUsage) << limit;
    EXPECT_THAT(bad_limit.err, HasSubstr("--limit")) << limit;
  }

  Result blank = Run({"audit", "list", "--service", "plan", "--principal", " "});
  EXPECT_EQ(blank.code, kExitUsage);
  EXPECT_THAT(blank.err, HasSubstr("--principal: must not be empty"));

  Result unknown_flag = Run({"audit", "list", "--service", "plan", "--kind", "x"});
  EXPECT_EQ(unknown_flag.code, kExitUsage);

  Result extra = Run({"audit", "list", "plans/x", "--service", "plan"});
  EXPECT_EQ(extra.code, kExitUsage);
  EXPECT_THAT(extra.err, HasSubstr("unexpected argument \"plans/x\""));

  Result no_verb = Run({"audit"});
  EXPECT_EQ(no_verb.code, kExitUsage);
  EXPECT_THAT(no_verb.err, HasSubstr("missing command after \"audit\": one of list"));

  Result unknown_verb = Run({"audit", "show"});
  EXPECT_EQ(unknown_verb.code, kExitUsage);
  EXPECT_THAT(unknown_verb.err, HasSubstr("unknown command \"audit show\""));
}

TEST_F(AuditEndToEndTest, HelpNamesTheCommandAndItsFlags) {
  Result top = Run({"--help"});
  ASSERT_EQ(top.code, kExitOk);
  EXPECT_THAT(top.out, HasSubstr("audit list --service plan|assignment|scoring|notification"));

  Result area = Run({"audit", "--help"});
  ASSERT_EQ(area.code, kExitOk) << area.err;
  EXPECT_THAT(area.out, HasSubstr("audit list --service"));

  Result help = Run({"audit", "list", "--help"});
  ASSERT_EQ(help.code, kExitOk) << help.err;
  for (const char* flag : {"--service=S", "--principal=P", "--resource=R", "--rpc=M",
                           "--request-id=ID", "--since=TIME", "--until=TIME", "--limit=N"}) {
    EXPECT_THAT(help.out, HasSubstr(flag)) << flag;
  }
  EXPECT_THAT(help.out, HasSubstr("--notification-addr"));
}

TEST_F(AuditEndToEndTest, UnreachableServiceExits5) {
  Result r =
      Run({"--scoring-addr=127.0.0.1:1", "--timeout=2s", "audit", "list", "--service", "scoring"});
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE: cannot reach the scoring service at 127.0.0.1:1"));
}

// ListAuditEvents of the scoring service as chisoctl sees it: records each
// request and answers the pages it is given (`pages[i]` for the i-th call),
// or `status` when it is not OK.
class FakeScoring final : public chiso::scoring::v1::ScoringService::Service {
 public:
  grpc::Status ListAuditEvents(grpc::ServerContext*, const cv1::ListAuditEventsRequest* request,
                               cv1::ListAuditEventsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(*request);
    if (!status.ok()) return status;
    if (requests.size() <= pages.size()) *response = pages[requests.size() - 1];
    return grpc::Status::OK;
  }

  std::mutex mu;
  grpc::Status status = grpc::Status::OK;
  std::vector<cv1::ListAuditEventsResponse> pages;
  std::vector<cv1::ListAuditEventsRequest> requests;
};

class AuditFakeServiceTest : public ::testing::Test {
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

  static cv1::AuditEvent Event(const std::string& id, int64_t unix_seconds) {
    cv1::AuditEvent event;
    event.set_name("auditEvents/" + id);
    event.mutable_time()->set_seconds(unix_seconds);
    event.set_principal("people/" + id);
    event.set_principal_kind("person");
    event.set_rpc("chiso.scoring.v1.ScoringService/CreateFramework");
    event.set_resource("frameworks/DDCI-" + id);
    event.set_request_id("req-" + id);
    event.set_client_certificate("hsdt");
    return event;
  }

  FakeScoring fake_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(AuditFakeServiceTest, SendsEveryFilterAndPagesUpToTheLimit) {
  cv1::ListAuditEventsResponse page1;
  // 30/04/2024 01:00:05 UTC is 08:00:05 in Vietnam.
  *page1.add_events() = Event("a", 1714438805);
  *page1.add_events() = Event("b", 1714438800);
  page1.set_next_page_token("t1");
  cv1::ListAuditEventsResponse page2;
  *page2.add_events() = Event("c", 1714435200);
  page2.set_next_page_token("t2");
  fake_.pages = {page1, page2};

  Result r = Run({"audit", "list", "--service", "scoring", "--principal", "people/a", "--resource",
                  "frameworks/DDCI", "--rpc", "CreateFramework", "--request-id", "req-a", "--since",
                  "2024-04-30T00:00:00+07:00", "--until", "2024-05-01T00:00:00Z", "--limit", "3"});
  ASSERT_EQ(r.code, kExitOk) << r.err;

  ASSERT_THAT(fake_.requests, SizeIs(2));
  for (const cv1::ListAuditEventsRequest& request : fake_.requests) {
    EXPECT_EQ(request.principal(), "people/a");
    EXPECT_EQ(request.resource(), "frameworks/DDCI");
    EXPECT_EQ(request.rpc(), "CreateFramework");
    EXPECT_EQ(request.request_id(), "req-a");
    EXPECT_EQ(request.since().seconds(), 1714410000);  // 2024-04-29T17:00:00Z
    EXPECT_EQ(request.until().seconds(), 1714521600);  // 2024-05-01T00:00:00Z
  }
  EXPECT_EQ(fake_.requests[0].page_size(), 3);
  EXPECT_EQ(fake_.requests[0].page_token(), "");
  EXPECT_EQ(fake_.requests[1].page_size(), 1);
  EXPECT_EQ(fake_.requests[1].page_token(), "t1");

  const std::vector<std::string> rows = LinesWith(r.out, "CreateFramework");
  ASSERT_THAT(rows, SizeIs(3)) << r.out;
  EXPECT_THAT(rows[0],
              AllOf(HasSubstr("30/04/2024 08:00:05"), HasSubstr("people/a"),
                    HasSubstr("frameworks/DDCI-a"), HasSubstr("req-a"), HasSubstr("hsdt")));
  EXPECT_THAT(rows[2], HasSubstr("30/04/2024 07:00:00"));
  EXPECT_THAT(r.out, HasSubstr("More audit events match; raise --limit (now 3)"));
}

TEST_F(AuditFakeServiceTest, DefaultLimitIs100AndJsonPrintsTheResponse) {
  cv1::ListAuditEventsResponse page;
  *page.add_events() = Event("a", 1714438805);
  fake_.pages = {page};
  Result r = Run({"--json", "audit", "list", "--service", "scoring"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_THAT(fake_.requests, SizeIs(1));
  EXPECT_EQ(fake_.requests[0].page_size(), 100);
  EXPECT_FALSE(fake_.requests[0].has_since());
  EXPECT_FALSE(fake_.requests[0].has_until());
  EXPECT_EQ(fake_.requests[0].principal(), "");
  cv1::ListAuditEventsResponse printed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &printed).ok()) << r.out;
  ASSERT_THAT(printed.events(), SizeIs(1));
  EXPECT_EQ(printed.events(0).name(), "auditEvents/a");
  EXPECT_THAT(r.out, HasSubstr("\"client_certificate\": \"hsdt\""));
  EXPECT_THAT(r.out, HasSubstr("\"next_page_token\": \"\""));
}

TEST_F(AuditFakeServiceTest, ErrorsMapToExitCodes) {
  fake_.status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "audit.read is required");
  Result denied = Run({"audit", "list", "--service", "scoring"});
  EXPECT_EQ(denied.code, kExitError);
  EXPECT_EQ(denied.err, "chisoctl: PERMISSION_DENIED: audit.read is required\n");
  EXPECT_THAT(denied.out, IsEmpty());

  fake_.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page token");
  Result refused = Run({"audit", "list", "--service", "scoring"});
  EXPECT_EQ(refused.code, kExitRefused);
  EXPECT_THAT(refused.err, HasSubstr("INVALID_ARGUMENT: bad page token"));

  // A service the fake server does not serve: UNIMPLEMENTED, exit 1.
  fake_.status = grpc::Status::OK;
  Result other = Run({absl::StrCat("--notification-addr=127.0.0.1:", port_), "audit", "list",
                      "--service", "notification"});
  EXPECT_EQ(other.code, kExitError);
  EXPECT_THAT(other.err, HasSubstr("UNIMPLEMENTED"));

  // A bad --since fails before any call.
  const size_t calls = fake_.requests.size();
  Result bad = Run({"audit", "list", "--service", "scoring", "--since", "2024-04-30T25:00:00Z"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_EQ(fake_.requests.size(), calls);
}

}  // namespace
}  // namespace chiso::chisoctl
