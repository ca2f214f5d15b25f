// Deadline reminders end to end, across the real binaries: the plan and
// assignment services produce reminders into a real redis-server, the
// notification service consumes them into its inbox. The consumer is killed
// with SIGKILL mid-run, Redis goes away and comes back empty, and still every
// reminder reaches the inbox exactly once.
//
// The assignment service runs with --today in 2024, so every reminder of the
// tasks created here is already due by Redis's (real) clock and fires at once.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/redis/redis.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"

namespace chiso {
namespace {

namespace av1 = chiso::assignment::v1;
namespace nv1 = chiso::notification::v1;
namespace pv1 = chiso::plan::v1;
using test_support::MakeService;
using test_support::ServiceChannel;
using test_support::ServiceProcess;
using test_support::TailOf;

class RemindersEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CHISO_START_REDIS_OR_SKIP(redis_);
    char tmpl[] = "/tmp/chiso-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    plan_ = MakeService("plan", CHISO_PLAN_BIN, dir_);
    assignment_ = MakeService("assignment", CHISO_ASSIGNMENT_BIN, dir_);
    notification_ = MakeService("notification", CHISO_NOTIFICATION_BIN, dir_);

    ASSERT_TRUE(StartService(*plan_, {}));
    ASSERT_TRUE(StartService(
        *assignment_, {absl::StrCat("--plan_addr=127.0.0.1:", plan_->port), "--today=2024-04-22"}));
    plans_ = pv1::PlanService::NewStub(Channel(*plan_));
    tasks_ = av1::AssignmentService::NewStub(Channel(*assignment_));
    inbox_ = nv1::NotificationService::NewStub(Channel(*notification_));
    redis_conn_ = std::make_unique<redis::Connection>(redis_.endpoint());

    district_ = CreateUnit("HBT", "UBND huyện Hòa Bình Tây", av1::UNIT_KIND_DISTRICT_COMMITTEE, "");
    finance_ =
        CreateUnit("HBT-TCKH", "Phòng Tài chính - Kế hoạch", av1::UNIT_KIND_DIVISION, district_);
    plan_name_ = IssuedPlan();
  }

  void TearDown() override {
    // Close our connections first: a server shutting down waits seconds for
    // connected clients to go away.
    inbox_.reset();
    tasks_.reset();
    plans_.reset();
    for (ServiceProcess* s : {notification_.get(), assignment_.get(), plan_.get()}) {
      if (s != nullptr) (void)s->process.Stop();
    }
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  std::shared_ptr<grpc::Channel> Channel(const ServiceProcess& s) { return ServiceChannel(s.port); }

  // Starts a service with its own data directory and the test's Redis.
  bool StartService(ServiceProcess& s, std::vector<std::string> extra) {
    extra.insert(extra.begin(), absl::StrCat("--redis=127.0.0.1:", redis_.port()));
    return test_support::StartService(s, dir_, extra);
  }

  std::string CreateUnit(const std::string& code, const std::string& name, av1::UnitKind kind,
                         const std::string& parent) {
    return test_support::CreateUnit(*tasks_, code, name, kind, parent);
  }

  std::string IssuedPlan() {
    grpc::ClientContext ctx;
    pv1::CreatePlanRequest create;
    pv1::Plan* plan = create.mutable_plan();
    plan->set_number("12/KH-UBND");
    plan->set_title("Cải thiện chỉ số DDCI huyện Hòa Bình Tây năm 2024");
    plan->mutable_issuer()->set_display_name("UBND huyện Hòa Bình Tây");
    plan->mutable_issuer()->set_unit(district_);
    plan->mutable_issued_on()->set_year(2024);
    plan->mutable_issued_on()->set_month(3);
    plan->mutable_issued_on()->set_day(1);
    plan->mutable_period()->set_start_year(2024);
    plan->mutable_period()->set_end_year(2024);
    auto* o = plan->add_objectives();
    o->set_framework("DDCI");
    o->set_component("TIME_COSTS");
    o->mutable_target()->set_year(2024);
    o->mutable_target()->set_comparator(chiso::common::v1::COMPARATOR_AT_LEAST);
    o->mutable_target()->mutable_value()->set_value("8.50");
    pv1::Plan created;
    grpc::Status s = plans_->CreatePlan(&ctx, create, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext ctx2;
    pv1::IssuePlanRequest issue;
    issue.set_name(created.name());
    pv1::Plan issued;
    s = plans_->IssuePlan(&ctx2, issue, &issued);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  grpc::Status CreateTask(const std::string& timeframe, std::string* name) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    av1::CreateTaskRequest req;
    av1::Task* t = req.mutable_task();
    t->set_plan(plan_name_);
    t->set_objective_id("o1");
    t->set_title("Rút ngắn thời gian giải quyết hồ sơ đất đai");
    t->mutable_lead_unit()->set_unit(finance_);
    t->set_supervisor_post("Phó Chủ tịch UBND huyện phụ trách kinh tế");
    t->mutable_schedule()->set_phrase(timeframe);
    av1::Task out;
    grpc::Status s = tasks_->CreateTask(&ctx, req, &out);
    *name = out.name();
    return s;
  }

  std::vector<std::string> Strings(const std::vector<std::string>& argv) {
    absl::StatusOr<redis::Reply> r = redis_conn_->Command(argv);
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& e : r->elements) out.push_back(e.str);
    return out;
  }
  int64_t Integer(const std::vector<std::string>& argv) {
    absl::StatusOr<redis::Reply> r = redis_conn_->Command(argv);
    return r.ok() ? r->integer : -1;
  }
  int64_t Pending() { return Integer({"ZCARD", "{rem}:due"}); }
  int64_t Leased() { return Integer({"ZCARD", "{rem}:lease"}); }
  int64_t Acked() { return Integer({"ZCARD", "{rem}:done"}); }
  // Reminders whose fire time has passed and that nobody has claimed.
  int64_t Ready() {
    return Integer({"ZCOUNT", "{rem}:due", "-inf", absl::StrCat(absl::ToUnixMillis(absl::Now()))});
  }
  std::set<std::string> PendingIds() {
    std::vector<std::string> ids = Strings({"ZRANGE", "{rem}:due", "0", "-1"});
    return std::set<std::string>(ids.begin(), ids.end());
  }

  // Waits until `done` holds, up to `limit` (generous: behaviour, not speed).
  template <typename F>
  bool Eventually(F done, absl::Duration limit = absl::Seconds(60)) {
    const absl::Time deadline = absl::Now() + limit;
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return done();
  }

  // Waits until the producers stopped adding: the pending count is unchanged
  // for a second.
  void WaitForQuietQueue() {
    int64_t last = -1;
    int still = 0;
    Eventually([&] {
      const int64_t now = Pending();
      still = (now == last && now > 0) ? still + 1 : 0;
      last = now;
      return still >= 20;
    });
  }

  // Every notification in the inbox, counted by reminder id.
  std::map<std::string, int> Inbox() {
    std::map<std::string, int> seen;
    std::string token;
    do {
      grpc::ClientContext ctx;
      nv1::ListNotificationsRequest req;
      req.set_page_size(500);
      req.set_page_token(token);
      nv1::ListNotificationsResponse res;
      grpc::Status s = inbox_->ListNotifications(&ctx, req, &res);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& n : res.notifications()) ++seen[n.reminder_id()];
      token = res.next_page_token();
    } while (!token.empty());
    return seen;
  }

  test_support::RedisServer redis_;
  std::string dir_;
  std::unique_ptr<ServiceProcess> plan_, assignment_, notification_;
  std::unique_ptr<pv1::PlanService::Stub> plans_;
  std::unique_ptr<av1::AssignmentService::Stub> tasks_;
  std::unique_ptr<nv1::NotificationService::Stub> inbox_;
  std::unique_ptr<redis::Connection> redis_conn_;
  std::string district_, finance_, plan_name_;
};

std::vector<std::string> NotificationFlags() {
  // A short lease so the crash is redelivered quickly; small batches so the
  // kill lands mid-run.
  return {"--lease=2s", "--batch=10", "--consumer_threads=2"};
}

TEST_F(RemindersEndToEndTest, EveryReminderReachesTheInboxOnceThroughAConsumerCrash) {
  // 60 tasks due from 2 May to 28 June 2024: each has reminders before, on
  // and after its due date, all due by now.
  std::vector<std::string> names;
  for (int i = 0; i < 60; ++i) {
    const int month = 5 + i / 30;
    const int day = 2 + i % 27;
    std::string name;
    grpc::Status s =
        CreateTask(absl::StrCat("hoàn thành trước ngày ", day, "/", month, "/2024"), &name);
    ASSERT_TRUE(s.ok()) << s.error_message();
    names.push_back(name);
  }
  // A cancelled task's reminders never fire.
  {
    grpc::ClientContext ctx;
    av1::CancelTaskRequest cancel;
    cancel.set_name(names.back());
    cancel.set_reason("Nhiệm vụ đã được giao trong kế hoạch khác");
    av1::Task out;
    grpc::Status s = tasks_->CancelTask(&ctx, cancel, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::string cancelled = absl::StrCat("task/", names.back().substr(6), "/");
  WaitForQuietQueue();
  const std::set<std::string> expected = PendingIds();
  ASSERT_GT(expected.size(), 200u);
  EXPECT_EQ(Ready(), static_cast<int64_t>(expected.size()));
  for (const std::string& id : expected) {
    EXPECT_FALSE(absl::StartsWith(id, cancelled)) << id;
  }

  // The consumer starts, and is killed while it works.
  ASSERT_TRUE(StartService(*notification_, NotificationFlags()));
  ASSERT_TRUE(Eventually([&] { return Acked() >= 20; }, absl::Seconds(60)));
  notification_->process.Kill();
  const int64_t acked_at_kill = Acked();
  EXPECT_LT(acked_at_kill, static_cast<int64_t>(expected.size())) << "the kill came too late";

  // Restarted, it finishes; what was leased comes back after one lease.
  ASSERT_TRUE(StartService(*notification_, NotificationFlags()));
  ASSERT_TRUE(Eventually([&] { return Ready() == 0 && Leased() == 0; }, absl::Seconds(120)))
      << "ready " << Ready() << ", leased " << Leased() << "\n"
      << TailOf(notification_->log);

  const std::map<std::string, int> inbox = Inbox();
  for (const std::string& id : expected) {
    auto it = inbox.find(id);
    ASSERT_NE(it, inbox.end()) << "lost: " << id;
    EXPECT_EQ(it->second, 1) << "duplicated: " << id;
  }
  EXPECT_EQ(inbox.size(), expected.size());
  for (const auto& [id, count] : inbox) EXPECT_FALSE(absl::StartsWith(id, cancelled)) << id;

  // The overdue chains went on through the acks: each open task now waits
  // for its next "still overdue" link, scheduled by the ack of the last one.
  int chains = 0;
  for (const std::string& id : PendingIds()) {
    if (absl::StrContains(id, "/overdue-")) ++chains;
  }
  EXPECT_EQ(chains, static_cast<int>(names.size()) - 1);
}

TEST_F(RemindersEndToEndTest, RedisOutagesFailNoWriteAndLostRemindersAreRebuilt) {
  // Redis is down: creating a task still succeeds.
  ASSERT_TRUE(redis_.Stop().ok());
  std::string task;
  const absl::Time before = absl::Now();
  grpc::Status s = CreateTask("hoàn thành trước ngày 10/5/2024", &task);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(absl::Now() - before, absl::Seconds(5));

  // Redis comes back (empty): the producer catches up.
  ASSERT_TRUE(redis_.Start().ok());
  redis_conn_ = std::make_unique<redis::Connection>(redis_.endpoint());
  const std::string due_id = absl::StrCat("task/", task.substr(6), "/2024-05-10/due");
  ASSERT_TRUE(Eventually([&] { return PendingIds().count(due_id) == 1; }))
      << TailOf(assignment_->log);
  WaitForQuietQueue();
  const std::set<std::string> expected = PendingIds();

  ASSERT_TRUE(StartService(*notification_, NotificationFlags()));
  ASSERT_TRUE(Eventually([&] { return Ready() == 0 && Leased() == 0 && Acked() > 0; }));
  ASSERT_EQ(Inbox().size(), expected.size());

  // Redis restarts with its data wiped: the reconciler sees the new epoch and
  // rebuilds the queue from the database. The links already delivered come
  // again and the inbox absorbs them; nothing is shown twice.
  redis_.Kill();
  ASSERT_TRUE(redis_.Start(/*wipe_data=*/true).ok());
  redis_conn_ = std::make_unique<redis::Connection>(redis_.endpoint());
  ASSERT_TRUE(Eventually([&] { return Pending() > 0 || Acked() > 0; })) << TailOf(assignment_->log);
  ASSERT_TRUE(Eventually([&] { return Ready() == 0 && Leased() == 0; }));
  // The wipe took the tombstones too: only the reconciler, rescheduling
  // every reminder from the database, can have made them delivered again.
  ASSERT_TRUE(Eventually([&] {
    std::vector<std::string> ids = Strings({"ZRANGE", "{rem}:done", "0", "-1"});
    const std::set<std::string> done(ids.begin(), ids.end());
    for (const std::string& id : expected) {
      if (done.count(id) == 0) return false;
    }
    return true;
  })) << TailOf(assignment_->log);
  const std::map<std::string, int> inbox = Inbox();
  for (const std::string& id : expected) {
    auto it = inbox.find(id);
    ASSERT_NE(it, inbox.end()) << "lost: " << id;
    EXPECT_EQ(it->second, 1) << "duplicated: " << id;
  }
}

}  // namespace
}  // namespace chiso
