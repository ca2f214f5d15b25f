// chisoctl's notification commands against the real notification service,
// started in-process on a free port of 127.0.0.1 over its store on an
// in-memory SQLite database, with a fake reminder queue (the operator
// methods' view of Redis) and a fake clock. Reminders reach the inboxes
// through the queue consumer's own code path, as the workers hand them over:
// inbox listing and marking read, queue statistics, pending reminders, dead
// letters of both kinds and their retry, and webhooks with their secret read
// from a file.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/text/text.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/notification/consumer.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/inbox_manager.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_domain.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_store.h"
#include "services/notification/operations_manager.h"
#include "services/notification/queue_admin.h"
#include "services/notification/webhook_manager.h"
#include "tests/chisoctl/run_cli.h"
#include "tests/notification/fake_queue_admin.h"
#include "tools/chisoctl/cli.h"
#include "tools/chisoctl/notification_commands.h"

namespace chiso::chisoctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
namespace npb = chiso::notification::v1;

// A port of 127.0.0.1 that nothing listens on: a call there fails with
// UNAVAILABLE (exit 5), so exit 2 shows that no call was made.
std::string ClosedAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
}

Result RunAt(const std::string& addr, std::vector<std::string> args,
             const std::string& input = "") {
  if (!addr.empty()) args.insert(args.begin(), "--notification-addr=" + addr);
  return RunCli(args, Environment(), input);
}

// Thursday 16 May 2024, 09:00 in Hà Nội.
const absl::CivilDay kToday(2024, 5, 16);

class NotificationEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    clock_.Set(civil::At(kToday, 9, 0));
    absl::StatusOr<std::unique_ptr<storage::Database>> db =
        storage::OpenSqlite(storage::SqliteOptions{.path = ":memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(storage::Migrate(*db_, notification::NotificationMigrations()).ok());
    store_ = std::make_unique<notification::NotificationStore>(db_.get(), &ids_,
                                                               [this] { return clock_.Now(); });
    hub_ = std::make_unique<notification::DeliveryHub>(0);
    inbox_ =
        std::make_unique<notification::InboxManager>(store_.get(), hub_.get(), &clock_, nullptr);
    webhooks_ =
        std::make_unique<notification::WebhookManager>(store_.get(), notification::WebhookRules());
    operations_ = std::make_unique<notification::OperationsManager>(
        &queue_, store_.get(), &lateness_, &calendar::WorkingCalendar::Builtin(), &clock_);
    consumer_ = std::make_unique<notification::ReminderConsumer>(
        store_.get(), hub_.get(), &calendar::WorkingCalendar::Builtin(), &clock_,
        /*metrics=*/nullptr, &lateness_, /*on_webhook_work=*/nullptr);
    service_ = std::make_unique<notification::NotificationServiceImpl>(
        inbox_.get(), webhooks_.get(), operations_.get());
    ServerOptions options;
    options.service_name = "notification";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    options.shutdown_deadline = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(options, {{npb::NotificationService::service_full_name(), service_.get()}},
                      std::make_shared<prometheus::Registry>(), nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    addr_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  void TearDown() override {
    if (hub_ != nullptr) hub_->Shutdown();
    server_.reset();
    for (const std::string& path : files_) std::remove(path.c_str());
    log::SetOutput(nullptr);
  }

  Result Run(std::vector<std::string> args, const std::string& input = "") {
    return RunAt(addr_, std::move(args), input);
  }

  // Runs a command with --json, expects success, and parses what it prints.
  template <typename Message>
  Message RunJson(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--json");
    Result r = Run(std::move(args), input);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    Message message;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &message).ok()) << r.out;
    return message;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    // Unique per process: ctest runs the tests of this file in parallel.
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/chisoctl-notification-", ::getpid(), "-", name);
    std::ofstream(path, std::ios::binary) << text;
    files_.push_back(path);
    return path;
  }

  static npb::Recipient UnitRecipient(const std::string& unit, const std::string& display,
                                      npb::RecipientRole role,
                                      std::vector<std::string> ancestors = {}) {
    npb::Recipient r;
    r.set_unit(unit);
    r.set_display_name(display);
    r.set_role(role);
    for (const std::string& a : ancestors) r.add_ancestors(a);
    return r;
  }

  // A reminder as a producer queues it.
  npb::ReminderPayload Payload(const std::string& owner, absl::CivilDay due,
                               const std::string& rule, const std::string& subject,
                               std::vector<npb::Recipient> recipients, absl::Time fire) {
    npb::ReminderPayload p;
    p.set_reminder_id(reminders::ReminderId(owner, due, rule));
    p.set_rule(rule);
    if (absl::StartsWith(owner, "task/")) p.set_task(absl::StrCat("tasks/", owner.substr(5)));
    p.set_plan(plan_);
    *p.mutable_due_date() = reminders::ToProtoDate(due);
    p.set_fire_at_ms(absl::ToUnixMillis(fire));
    for (npb::Recipient& r : recipients) *p.add_recipients() = std::move(r);
    p.set_subject(subject);
    p.set_lead_unit_display_name("Phòng Tài chính - Kế hoạch");
    p.set_plan_number("60/KH-UBND");
    p.set_plan_title("Cải thiện chỉ số DDCI năm 2024");
    p.set_generation("1");
    return p;
  }

  // Hands reminders to the consumer as a worker does after a claim.
  void Consume(const std::vector<npb::ReminderPayload>& payloads) {
    std::vector<reminders::Claimed> batch;
    for (const npb::ReminderPayload& p : payloads) {
      reminders::Claimed c;
      c.id = p.reminder_id();
      c.fire_at_ms = p.fire_at_ms();
      c.attempt = 1;
      c.payload = p.SerializeAsString();
      batch.push_back(std::move(c));
    }
    for (const reminders::Outcome& outcome : consumer_->Handle(batch)) {
      EXPECT_EQ(outcome.kind, reminders::Outcome::Kind::kAck) << outcome.error;
    }
  }

  std::ostringstream logs_;
  civil::FakeClock clock_;
  IdGenerator ids_;
  notification::testing::FakeQueueAdmin queue_;
  notification::LatenessWindow lateness_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<notification::NotificationStore> store_;
  std::unique_ptr<notification::DeliveryHub> hub_;
  std::unique_ptr<notification::InboxManager> inbox_;
  std::unique_ptr<notification::WebhookManager> webhooks_;
  std::unique_ptr<notification::OperationsManager> operations_;
  std::unique_ptr<notification::ReminderConsumer> consumer_;
  std::unique_ptr<notification::NotificationServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::string addr_;
  std::vector<std::string> files_;
  const std::string district_ = "units/" + ids_.Next();
  const std::string finance_ = "units/" + ids_.Next();
  const std::string office_ = "units/" + ids_.Next();
  const std::string plan_ = "plans/" + ids_.Next();
  const std::string task_a_ = ids_.Next();
  const std::string task_b_ = ids_.Next();
};

// Every line of a table that holds one of `cells` has it starting at the
// terminal column of the heading `header`.
void ExpectAlignedUnder(const std::string& table, const std::string& header,
                        const std::vector<std::string>& cells) {
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_FALSE(lines.empty());
  const size_t at = lines[0].find(header);
  ASSERT_NE(at, std::string::npos) << table;
  const int column = text::DisplayWidth(lines[0].substr(0, at));
  for (const std::string& cell : cells) {
    bool found = false;
    for (const std::string& line : lines) {
      const size_t pos = line.find(cell);
      if (pos == std::string::npos) continue;
      found = true;
      EXPECT_EQ(text::DisplayWidth(line.substr(0, pos)), column) << line;
    }
    EXPECT_TRUE(found) << cell << " not in\n" << table;
  }
}

// The line of `table` that contains `text`, "" when none does.
std::string LineWith(const std::string& table, const std::string& text) {
  for (absl::string_view line : absl::StrSplit(table, '\n')) {
    if (absl::StrContains(line, text)) return std::string(line);
  }
  return "";
}

TEST_F(NotificationEndToEndTest, InboxesListAndMarkRemindersRead) {
  const auto lead = npb::RECIPIENT_ROLE_LEAD_UNIT;
  const auto coordinating = npb::RECIPIENT_ROLE_COORDINATING_UNIT;
  const absl::Time now = clock_.Now();
  // Due today, fired two hours ago while the queue was down: delivered late.
  // Its subject is written decomposed (NFD) and carries an escape sequence.
  const std::string nfd_subject = "Kie\xcc\x82\xcc\x89m tra \x1b[2Jcông vụ";
  Consume({Payload(reminders::TaskOwner(task_a_), kToday, "due", nfd_subject,
                   {UnitRecipient(finance_, "Phòng Tài chính - Kế hoạch", lead, {district_}),
                    UnitRecipient(office_, "Văn phòng HĐND và UBND", coordinating, {district_})},
                   now - absl::Hours(2))});
  clock_.Advance(absl::Minutes(1));
  // Due in a week, on time.
  Consume({Payload(reminders::TaskOwner(task_b_), kToday + 7, "before-7d",
                   "Rà soát danh mục dự án đầu tư công",
                   {UnitRecipient(finance_, "Phòng Tài chính - Kế hoạch", lead, {district_})},
                   clock_.Now() - absl::Seconds(3))});
  clock_.Advance(absl::Minutes(1));
  // A plan's report, to the office only.
  Consume({Payload(reminders::PlanOwner(plan_.substr(6)), kToday + 7, "report-5wd",
                   "Báo cáo kết quả thực hiện tháng 5",
                   {UnitRecipient(office_, "Văn phòng HĐND và UBND",
                                  npb::RECIPIENT_ROLE_REPORTING_UNIT, {district_})},
                   clock_.Now() - absl::Seconds(1))});

  // The finance office's inbox, newest fire time first.
  npb::ListNotificationsResponse finance =
      RunJson<npb::ListNotificationsResponse>({"inbox", "list", "--recipient", finance_});
  ASSERT_EQ(finance.notifications_size(), 2);
  EXPECT_EQ(finance.notifications(0).kind(), npb::NOTIFICATION_KIND_TASK_DUE_SOON);
  EXPECT_EQ(finance.notifications(1).kind(), npb::NOTIFICATION_KIND_TASK_DUE);
  EXPECT_TRUE(finance.notifications(1).late());
  const std::string due_name = finance.notifications(1).name();
  const std::string soon_name = finance.notifications(0).name();

  Result table = Run({"inbox", "list", "--recipient", finance_});
  ASSERT_EQ(table.code, kExitOk) << table.err;
  EXPECT_THAT(table.out, StartsWith("NAME"));
  EXPECT_THAT(table.out, HasSubstr("FIRED"));
  EXPECT_THAT(table.out, Not(HasSubstr("\x1b"))) << "escape sequences reach the terminal";
  const std::string due_line = LineWith(table.out, due_name);
  // Fire time in business time, the kind, the lateness, and unread.
  EXPECT_THAT(due_line, HasSubstr("16/05/2024 07:00"));
  EXPECT_THAT(due_line, HasSubstr("  due  "));
  EXPECT_THAT(due_line, HasSubstr("+2h"));
  EXPECT_THAT(due_line, HasSubstr("Phòng Tài chính - Kế hoạch; Văn phòng"));
  EXPECT_THAT(due_line, ::testing::EndsWith("no"));
  const std::string soon_line = LineWith(table.out, soon_name);
  EXPECT_THAT(soon_line, HasSubstr("16/05/2024 09:00"));
  EXPECT_THAT(soon_line, HasSubstr("due-soon"));
  EXPECT_THAT(soon_line, Not(HasSubstr("+")));
  // Columns line up after Vietnamese titles, precomposed or not.
  ExpectAlignedUnder(table.out, "RECIPIENTS",
                     {"Phòng Tài chính - Kế hoạch; Văn phòng", "Phòng Tài chính - Kế hoạch  "});
  ExpectAlignedUnder(table.out, "LATE", {"+2h"});

  // Filters: kinds as written with _ or -, plan, task, subtree.
  EXPECT_EQ(RunJson<npb::ListNotificationsResponse>(
                {"inbox", "list", "--recipient", finance_, "--kind", "due_soon"})
                .notifications_size(),
            1);
  npb::ListNotificationsResponse reports = RunJson<npb::ListNotificationsResponse>(
      {"inbox", "list", "--kind", "report-due", "--plan", plan_});
  ASSERT_EQ(reports.notifications_size(), 1);
  EXPECT_EQ(reports.notifications(0).recipients(0).unit(), office_);
  EXPECT_EQ(RunJson<npb::ListNotificationsResponse>({"inbox", "list", "--task", task_b_})
                .notifications_size(),
            1);
  EXPECT_EQ(RunJson<npb::ListNotificationsResponse>({"inbox", "list", "--recipient", district_})
                .notifications_size(),
            0);
  EXPECT_EQ(RunJson<npb::ListNotificationsResponse>(
                {"inbox", "list", "--recipient", district_, "--subtree"})
                .notifications_size(),
            3);
  Result limited = Run({"inbox", "list", "--limit", "1"});
  ASSERT_EQ(limited.code, kExitOk) << limited.err;
  EXPECT_THAT(limited.out, HasSubstr("report-due"));
  EXPECT_THAT(limited.out, Not(HasSubstr(due_name)));
  EXPECT_THAT(limited.out, HasSubstr("raise --limit"));

  // Marking read: by name, once; then everything before now.
  Result marked = Run({"inbox", "read", "--recipient", finance_, due_name});
  ASSERT_EQ(marked.code, kExitOk) << marked.err;
  EXPECT_EQ(marked.out, absl::StrCat("Marked 1 notification as read in ", finance_, ".\n"));
  marked = Run({"inbox", "read", "--recipient", finance_, due_name.substr(14)});  // bare id
  ASSERT_EQ(marked.code, kExitOk) << marked.err;
  EXPECT_EQ(marked.out,
            absl::StrCat("Marked 0 notifications as read in ", finance_, " (1 already read).\n"));
  npb::ListNotificationsResponse unread = RunJson<npb::ListNotificationsResponse>(
      {"inbox", "list", "--recipient", finance_, "--unread"});
  ASSERT_EQ(unread.notifications_size(), 1);
  EXPECT_EQ(unread.notifications(0).name(), soon_name);
  // Read by the finance office, not by the office: "yes" for one, "1/2" for both.
  EXPECT_THAT(LineWith(Run({"inbox", "list", "--recipient", finance_}).out, due_name),
              ::testing::EndsWith("yes"));
  EXPECT_THAT(LineWith(Run({"inbox", "list", "--recipient", finance_, "--recipient", office_}).out,
                       due_name),
              ::testing::EndsWith("1/2"));
  // Another inbox's notification is not in this one: NOT_FOUND, nothing marked.
  Result elsewhere =
      Run({"inbox", "read", "--recipient", finance_, reports.notifications(0).name()});
  EXPECT_EQ(elsewhere.code, kExitNotFound) << elsewhere.err;
  EXPECT_THAT(elsewhere.err, StartsWith("chisoctl: NOT_FOUND: "));

  npb::MarkReadResponse all = RunJson<npb::MarkReadResponse>(
      {"inbox", "read", "--recipient", office_, "--all-before", "17/05/2024"});
  EXPECT_EQ(all.marked_count(), 2);
  EXPECT_THAT(
      RunJson<npb::ListNotificationsResponse>({"inbox", "list", "--recipient", office_, "--unread"})
          .notifications(),
      IsEmpty());
  // Before today's office hours: nothing fired yet.
  Result none = Run({"inbox", "read", "--recipient", finance_, "--all-before", "16/05/2024 06:00"});
  ASSERT_EQ(none.code, kExitOk) << none.err;
  EXPECT_THAT(none.out, StartsWith("Marked 0 notifications"));
  EXPECT_EQ(RunJson<npb::MarkReadResponse>(
                {"inbox", "read", "--recipient", finance_, "--all-before", "now"})
                .marked_count(),
            1);
  EXPECT_EQ(Run({"inbox", "list", "--recipient", "units/" + ids_.Next()}).out,
            "No notifications.\n");
}

TEST_F(NotificationEndToEndTest, QueueStatsDeadLettersAndRetry) {
  queue_.stats.now_ms = absl::ToUnixMillis(clock_.Now());
  queue_.stats.due = 12;
  queue_.stats.ready = 3;
  queue_.stats.leased = 2;
  queue_.stats.dead = 1;
  queue_.stats.oldest_ready_age_ms = 1500;
  queue_.stats.epoch = "e-2024-05";
  for (int i = 1; i <= 100; ++i) {
    lateness_.Add(clock_.Now() - absl::Seconds(10), absl::Milliseconds(i));
  }
  Result stats = Run({"queue", "stats"});
  ASSERT_EQ(stats.code, kExitOk) << stats.err;
  EXPECT_THAT(stats.out, HasSubstr("Due:              12\n"));
  EXPECT_THAT(stats.out, HasSubstr("Ready:            3\n"));
  EXPECT_THAT(stats.out, HasSubstr("Leased:           2\n"));
  EXPECT_THAT(stats.out, HasSubstr("Dead:             1\n"));
  EXPECT_THAT(stats.out, HasSubstr("Oldest due age:   1.5s\n"));
  EXPECT_THAT(stats.out, HasSubstr("Lateness window:  5m\n"));
  EXPECT_THAT(stats.out, HasSubstr("Delivered:        100\n"));
  EXPECT_THAT(stats.out, HasSubstr("Lateness p50:     50ms\n"));
  EXPECT_THAT(stats.out, HasSubstr("Lateness p99:     99ms\n"));
  EXPECT_THAT(stats.out, HasSubstr("Lateness max:     100ms\n"));
  EXPECT_THAT(stats.out, HasSubstr("Epoch:            e-2024-05\n"));
  EXPECT_THAT(stats.out, HasSubstr("Server time:      16/05/2024 09:00\n"));
  npb::QueueStats json = RunJson<npb::QueueStats>({"queue", "stats", "--window", "1h"});
  EXPECT_EQ(json.due_count(), 12);
  EXPECT_EQ(json.lateness().window().seconds(), 3600);
  EXPECT_EQ(json.epoch(), "e-2024-05");

  // Redis down: UNAVAILABLE, exit 5.
  queue_.down = absl::UnavailableError("reminder queue (redis): connection refused");
  Result down = Run({"queue", "stats"});
  EXPECT_EQ(down.code, kExitUnreachable);
  EXPECT_THAT(down.err, HasSubstr("reminder queue (redis)"));
  queue_.down = absl::OkStatus();

  // A reminder the queue dead-lettered, and a webhook delivery that failed.
  npb::ReminderPayload payload = Payload(
      reminders::TaskOwner(task_a_), kToday - 1, "overdue-1", "Rà soát thủ tục",
      {UnitRecipient(finance_, "Phòng Tài chính - Kế hoạch", npb::RECIPIENT_ROLE_LEAD_UNIT)},
      clock_.Now() - absl::Hours(1));
  queue_.dead.push_back({payload.reminder_id(), payload.SerializeAsString(), 8,
                         "inbox store: disk full",
                         absl::ToUnixMillis(clock_.Now() - absl::Minutes(10))});
  const std::string secret = WriteFile("secret", std::string(64, 'a') + "\n");
  npb::Webhook hook = RunJson<npb::Webhook>(
      {"webhook", "create", "--name", "Hệ thống quản lý văn bản", "--url",
       "https://vanban.example.gov.vn/hook", "--secret-file", secret, "--max-attempts", "1"});
  Consume(
      {Payload(reminders::TaskOwner(task_b_), kToday, "due", "Tổng hợp dự toán",
               {UnitRecipient(office_, "Văn phòng HĐND và UBND", npb::RECIPIENT_ROLE_LEAD_UNIT)},
               clock_.Now())});
  std::vector<notification::OutboxDelivery> claimed =
      *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 1u);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(store_->DeliveryFailed(claimed[0].id, "HTTP 503", clock_.Now(), std::nullopt).ok());

  npb::ListDeadLettersResponse dead = RunJson<npb::ListDeadLettersResponse>({"queue", "dead"});
  ASSERT_EQ(dead.dead_letters_size(), 2);
  EXPECT_EQ(dead.dead_letters(0).webhook(), hook.name());
  EXPECT_EQ(dead.dead_letters(1).reminder_id(), payload.reminder_id());
  Result table = Run({"queue", "dead"});
  ASSERT_EQ(table.code, kExitOk) << table.err;
  EXPECT_THAT(table.out, StartsWith("NAME"));
  const std::string reminder_line = LineWith(table.out, dead.dead_letters(1).name());
  EXPECT_THAT(reminder_line, HasSubstr("16/05/2024 08:50"));
  EXPECT_THAT(reminder_line, HasSubstr("inbox store: disk full"));
  EXPECT_THAT(reminder_line, HasSubstr("Rà soát thủ tục"));
  EXPECT_THAT(LineWith(table.out, dead.dead_letters(0).name()), HasSubstr("HTTP 503"));
  ExpectAlignedUnder(table.out, "LAST ERROR", {"inbox store: disk full", "HTTP 503"});
  EXPECT_EQ(RunJson<npb::ListDeadLettersResponse>({"queue", "dead", "--webhook", hook.name()})
                .dead_letters_size(),
            1);
  EXPECT_EQ(RunJson<npb::ListDeadLettersResponse>(
                {"queue", "dead", "--prefix", reminders::TaskOwner(task_a_) + "/"})
                .dead_letters_size(),
            1);
  EXPECT_EQ(
      RunJson<npb::ListDeadLettersResponse>({"queue", "dead", "--limit", "1"}).dead_letters_size(),
      1);

  // Retry the reminder at a given business time, then the delivery now.
  Result retried = Run({"queue", "retry", dead.dead_letters(1).name(), "--at", "16/05/2024 14:00"});
  ASSERT_EQ(retried.code, kExitOk) << retried.err;
  EXPECT_EQ(retried.out,
            absl::StrCat("Requeued reminder ", payload.reminder_id(), " at 16/05/2024 14:00.\n"));
  ASSERT_EQ(queue_.requeued.size(), 1u);
  EXPECT_EQ(queue_.requeued[0].first, payload.reminder_id());
  EXPECT_EQ(queue_.requeued[0].second, absl::ToUnixMillis(civil::At(kToday, 14, 0)));
  Result again = Run({"queue", "retry", dead.dead_letters(1).name()});
  EXPECT_EQ(again.code, kExitNotFound) << again.err;

  npb::RetryDeadLetterResponse delivery =
      RunJson<npb::RetryDeadLetterResponse>({"queue", "retry", dead.dead_letters(0).name()});
  EXPECT_EQ(delivery.webhook(), hook.name());
  EXPECT_EQ(store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5)->size(), 1u);
  EXPECT_EQ(Run({"queue", "dead"}).out, "No dead letters.\n");
}

TEST_F(NotificationEndToEndTest, QueuePendingShowsWhatFiresNext) {
  const auto lead = npb::RECIPIENT_ROLE_LEAD_UNIT;
  // Queued as the producers queue them, with their fire times.
  auto queue = [&](const npb::ReminderPayload& p, int64_t attempts = 0, absl::Duration retry = {}) {
    reminders::PendingReminder r;
    r.id = p.reminder_id();
    r.scheduled_fire_at_ms = p.fire_at_ms();
    r.fire_at_ms = p.fire_at_ms() + absl::ToInt64Milliseconds(retry);
    r.attempts = attempts;
    r.payload = p.SerializeAsString();
    queue_.pending.push_back(std::move(r));
  };
  const std::string long_subject =
      "Rà soát, cắt giảm thời gian giải quyết thủ tục hành chính trong lĩnh vực đất đai và "
      "xây dựng trên địa bàn huyện";
  queue(Payload(
      reminders::TaskOwner(task_a_), kToday + 7, "before-7d", long_subject,
      {UnitRecipient(finance_, "Phòng Tài chính - Kế hoạch", lead),
       UnitRecipient(office_, "Văn phòng HĐND và UBND", npb::RECIPIENT_ROLE_COORDINATING_UNIT)},
      civil::At(kToday, 8, 0)));
  queue(Payload(
      reminders::PlanOwner(plan_.substr(6)), kToday + 7, "report-5wd",
      "Báo cáo kết quả thực hiện tháng 5",
      {UnitRecipient(office_, "Văn phòng HĐND và UBND", npb::RECIPIENT_ROLE_REPORTING_UNIT)},
      civil::At(kToday + 1, 8, 0)));
  // Failed once; retried 2 minutes after its fire time.
  queue(Payload(reminders::TaskOwner(task_b_), kToday - 1, "overdue-1", "Tổng hợp dự toán",
                {UnitRecipient(finance_, "Phòng Tài chính - Kế hoạch", lead)},
                civil::At(kToday, 8, 30)),
        1, absl::Minutes(2));
  npb::ReminderPayload other = Payload(reminders::TaskOwner(ids_.Next()), kToday + 1, "before-1d",
                                       "Việc của kế hoạch khác", {}, civil::At(kToday, 10, 0));
  other.set_plan("plans/" + ids_.Next());
  queue(other);

  Result table = Run({"queue", "pending"});
  ASSERT_EQ(table.code, kExitOk) << table.err;
  EXPECT_THAT(table.out, StartsWith("FIRE"));
  const std::vector<std::string> lines = absl::StrSplit(table.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << table.out;
  EXPECT_THAT(lines[0], HasSubstr("KIND"));
  EXPECT_THAT(lines[0], HasSubstr("TASK/PLAN"));
  // Soonest first, in business time.
  EXPECT_THAT(lines[1], StartsWith("16/05/2024 08:00 "));
  EXPECT_THAT(lines[1], HasSubstr("due-soon"));
  EXPECT_THAT(lines[1], HasSubstr("before-7d"));
  EXPECT_THAT(lines[1], HasSubstr("23/05/2024"));
  EXPECT_THAT(lines[1], HasSubstr("tasks/" + task_a_));
  // Both recipients, cut at 40 columns.
  EXPECT_THAT(lines[1], HasSubstr("Phòng Tài chính - Kế hoạch; Văn phòng H…"));
  EXPECT_THAT(lines[1], HasSubstr("Rà soát, cắt giảm"));
  EXPECT_THAT(lines[1], Not(HasSubstr("trên địa bàn huyện")));  // cut at 50 columns
  EXPECT_THAT(lines[1], HasSubstr("…"));
  EXPECT_THAT(lines[2], StartsWith("16/05/2024 08:32 (attempt 2)"));
  EXPECT_THAT(lines[2], HasSubstr("overdue"));
  EXPECT_THAT(lines[3], StartsWith("16/05/2024 10:00 "));
  EXPECT_THAT(lines[4], StartsWith("17/05/2024 08:00 "));
  EXPECT_THAT(lines[4], HasSubstr("report-due"));
  EXPECT_THAT(lines[4], HasSubstr(plan_));  // a report has no task: its plan
  ExpectAlignedUnder(table.out, "SUBJECT",
                     {"Rà soát, cắt giảm", "Tổng hợp dự toán", "Báo cáo kết quả"});

  // --plan keeps this plan's tasks and reports; --prefix one owner.
  npb::ListPendingRemindersResponse ours =
      RunJson<npb::ListPendingRemindersResponse>({"queue", "pending", "--plan", plan_});
  ASSERT_EQ(ours.reminders_size(), 3);
  EXPECT_EQ(ours.reminders(1).attempts(), 1);
  EXPECT_EQ(
      ours.reminders(1).fire_time().seconds() - ours.reminders(1).scheduled_fire_time().seconds(),
      120);
  EXPECT_EQ(queue_.pending_queries.back().plan, plan_);
  npb::ListPendingRemindersResponse one = RunJson<npb::ListPendingRemindersResponse>(
      {"queue", "pending", "--prefix", reminders::TaskOwner(task_b_) + "/"});
  ASSERT_EQ(one.reminders_size(), 1);
  EXPECT_EQ(one.reminders(0).rule(), "overdue-1");

  // --limit stops early and says more are queued; --all follows every page,
  // short ones included, --page-size at a time.
  Result limited = Run({"queue", "pending", "--limit", "2"});
  ASSERT_EQ(limited.code, kExitOk) << limited.err;
  EXPECT_THAT(limited.out,
              HasSubstr("More reminders are queued after these; raise --limit (now 2)"));
  EXPECT_EQ(queue_.pending_queries.back().limit, 2);
  queue_.examine_at_most = 1;
  const size_t before = queue_.pending_queries.size();
  npb::ListPendingRemindersResponse all = RunJson<npb::ListPendingRemindersResponse>(
      {"queue", "pending", "--all", "--page-size", "1", "--prefix", "plan/"});
  ASSERT_EQ(all.reminders_size(), 1);
  EXPECT_TRUE(all.next_page_token().empty());
  EXPECT_EQ(queue_.pending_queries.size() - before, 4u);  // one entry examined per call
  EXPECT_EQ(queue_.pending_queries.back().limit, 1);
  queue_.examine_at_most = 0;
  Result every = Run({"queue", "pending", "--all"});
  EXPECT_THAT(every.out, Not(HasSubstr("More reminders")));

  queue_.pending.clear();
  EXPECT_EQ(Run({"queue", "pending"}).out, "No pending reminders.\n");
  queue_.down = absl::UnavailableError("reminder queue (redis): connection refused");
  Result down = Run({"queue", "pending"});
  EXPECT_EQ(down.code, kExitUnreachable);
  EXPECT_THAT(down.err, HasSubstr("reminder queue (redis)"));
  // The service's own check of the prefix: INVALID_ARGUMENT, exit 4.
  queue_.down = absl::OkStatus();
  Result bad = Run({"queue", "pending", "--prefix", "Task/"});
  EXPECT_EQ(bad.code, kExitRefused) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("filter.reminder_id_prefix"));
}

TEST_F(NotificationEndToEndTest, WebhooksTakeTheirSecretFromAFile) {
  const std::string hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const std::string secret_file = WriteFile("hook.secret", hex + "\n");

  // The secret is never taken from the command line.
  Result inline_secret = Run({"webhook", "create", "--name", "Văn bản", "--url",
                              "https://vanban.example.gov.vn/h", "--secret", hex});
  EXPECT_EQ(inline_secret.code, kExitUsage);
  EXPECT_THAT(inline_secret.err, HasSubstr("--secret-file"));
  EXPECT_THAT(inline_secret.err, Not(HasSubstr(hex)));
  // Too short a secret is refused before the call, without showing it.
  Result short_secret =
      Run({"webhook", "create", "--name", "Văn bản", "--url", "https://vanban.example.gov.vn/h",
           "--secret-file", WriteFile("short.secret", "hunter2\n")});
  EXPECT_EQ(short_secret.code, kExitUsage);
  EXPECT_THAT(short_secret.err, HasSubstr("is 7 bytes; it must be 32 to 256 bytes"));
  EXPECT_THAT(short_secret.err, Not(HasSubstr("hunter2")));
  Result missing_file =
      Run({"webhook", "create", "--name", "Văn bản", "--url", "https://vanban.example.gov.vn/h",
           "--secret-file", "/nonexistent/chiso.secret"});
  EXPECT_EQ(missing_file.code, kExitUsage);
  EXPECT_THAT(missing_file.err, HasSubstr("cannot read /nonexistent/chiso.secret"));
  // Plain http is the server's to refuse (allowed only for local development).
  Result insecure = Run({"webhook", "create", "--name", "Văn bản", "--url",
                         "http://vanban.example.gov.vn/h", "--secret-file", secret_file});
  EXPECT_EQ(insecure.code, kExitRefused) << insecure.err;
  EXPECT_THAT(insecure.err, HasSubstr("https"));

  Result created = Run({"webhook", "create", "--name", "Hệ thống quản lý văn bản tỉnh", "--url",
                        "https://vanban.example.gov.vn/hook", "--secret-file", secret_file,
                        "--recipient", finance_, "--subtree", "--kind", "overdue,escalation"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  EXPECT_THAT(created.out, HasSubstr("Display name:  Hệ thống quản lý văn bản tỉnh\n"));
  EXPECT_THAT(created.out, HasSubstr("State:         active\n"));
  EXPECT_THAT(created.out, HasSubstr(absl::StrCat("Delivers:      ", finance_,
                                                  " and their subtrees; kinds overdue, "
                                                  "escalation\n")));
  EXPECT_THAT(created.out, HasSubstr("Secret set:    16/05/2024 09:00\n"));
  EXPECT_THAT(created.out, Not(HasSubstr(hex)));
  // From standard input too; the JSON never holds a secret.
  npb::Webhook portal = RunJson<npb::Webhook>(
      {"webhook", "create", "--name", "Cổng dịch vụ công", "--url",
       "https://dichvucong.example.gov.vn/nhac-viec", "--secret-file", "-", "--paused"},
      std::string(40, 'z') + "\r\n");
  EXPECT_TRUE(portal.secret().empty());
  EXPECT_EQ(portal.state(), npb::WEBHOOK_STATE_PAUSED);
  EXPECT_EQ(portal.max_attempts(), 10);

  // The secret stored is the file's, without its line break: an overdue
  // reminder to a unit under the finance office goes to the first webhook
  // (the paused one gets nothing) signed with it.
  Consume({Payload(reminders::TaskOwner(task_a_), kToday - 1, "overdue-1", "Rà soát thủ tục",
                   {UnitRecipient("units/" + ids_.Next(), "Tổ kế toán",
                                  npb::RECIPIENT_ROLE_LEAD_UNIT, {finance_, district_})},
                   clock_.Now())});
  std::vector<notification::OutboxDelivery> claimed =
      *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].secret, hex);

  // Listing by display name; a Vietnamese column lines up.
  Result list = Run({"webhook", "list"});
  ASSERT_EQ(list.code, kExitOk) << list.err;
  std::vector<std::string> lines = absl::StrSplit(list.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << list.out;
  EXPECT_THAT(lines[1], HasSubstr("Cổng dịch vụ công"));
  EXPECT_THAT(lines[1], HasSubstr("paused"));
  EXPECT_THAT(lines[2], HasSubstr("Hệ thống quản lý văn bản tỉnh"));
  ExpectAlignedUnder(list.out, "URL",
                     {"https://dichvucong.example.gov.vn", "https://vanban.example.gov.vn"});
  npb::ListWebhooksResponse listed = RunJson<npb::ListWebhooksResponse>({"webhook", "list"});
  ASSERT_EQ(listed.webhooks_size(), 2);
  const std::string name = listed.webhooks(1).name();
  for (const npb::Webhook& w : listed.webhooks()) EXPECT_TRUE(w.secret().empty());

  // Pause and resume; a stale etag is refused.
  Result paused = Run({"webhook", "pause", name});
  ASSERT_EQ(paused.code, kExitOk) << paused.err;
  EXPECT_THAT(paused.out, HasSubstr("State:         paused\n"));
  Result stale = Run({"webhook", "resume", name, "--etag", listed.webhooks(1).etag()});
  EXPECT_EQ(stale.code, kExitRefused) << stale.err;
  EXPECT_THAT(stale.err, StartsWith("chisoctl: ABORTED: "));
  npb::Webhook resumed = RunJson<npb::Webhook>({"webhook", "resume", name.substr(9)});
  EXPECT_EQ(resumed.state(), npb::WEBHOOK_STATE_ACTIVE);
  EXPECT_EQ(RunJson<npb::Webhook>({"webhook", "get", name}).state(), npb::WEBHOOK_STATE_ACTIVE);

  Result deleted = Run({"webhook", "delete", name});
  ASSERT_EQ(deleted.code, kExitOk) << deleted.err;
  EXPECT_EQ(deleted.out, absl::StrCat("Deleted ", name, ".\n"));
  Result gone = Run({"webhook", "get", name});
  EXPECT_EQ(gone.code, kExitNotFound);
  EXPECT_THAT(gone.out, IsEmpty());
  EXPECT_EQ(RunJson<npb::ListWebhooksResponse>({"webhook", "list"}).webhooks_size(), 1);
}

// Bad input is reported with exit 2 before any call: the address is a closed
// port, where a call would end with exit 5.
TEST(NotificationCliTest, BadInputFailsBeforeAnyCall) {
  const std::string closed = ClosedAddress();
  const std::string secret = absl::StrCat(::testing::TempDir(), "/chisoctl-notif-", ::getpid());
  std::ofstream(secret) << std::string(40, 's');
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"inbox"}, "missing command after \"inbox\": one of list, read"},
      {{"inbox", "show"}, "unknown command \"inbox show\"; expected one of list, read"},
      {{"inbox", "list", "--unread"}, "--unread needs --recipient"},
      {{"inbox", "list", "--subtree"}, "--subtree needs --recipient"},
      {{"inbox", "list", "--recipient", "phong-tai-chinh"},
       "--recipient: expected units/ID or people/ID (got \"phong-tai-chinh\")"},
      {{"inbox", "list", "--kind", "soon"},
       "--kind: unknown value \"soon\"; expected one of due-soon, due, overdue, escalation, "
       "check-in, report-due"},
      {{"inbox", "list", "--plan", "plans/a b"}, "--plan: expected plans/ID or ID"},
      {{"inbox", "list", "--limit", "0"}, "--limit: expected a whole number from 1"},
      {{"inbox", "list", "extra"}, "unexpected argument \"extra\""},
      {{"inbox", "read", "01HV3K"}, "missing --recipient"},
      {{"inbox", "read", "--recipient", "units/a", "--recipient", "units/b", "x"},
       "--recipient: one inbox at a time"},
      {{"inbox", "read", "--recipient", "units/a"}, "missing NAME"},
      {{"inbox", "read", "--recipient", "units/a", "x", "--all-before", "now"},
       "give NAMEs or --all-before, not both"},
      {{"inbox", "read", "--recipient", "units/a", "--all-before", "yesterday"},
       "--all-before: expected now, +DURATION"},
      {{"inbox", "read", "--recipient", "units/a", "--all-before", "16/05/2024 25:00"},
       "--all-before: expected a time of day HH:MM"},
      {{"inbox", "read", "--recipient", "units/a", "notifications/a/b"},
       "NAME must be notifications/ID or ID"},
      {{"queue", "stats", "--window", "soon"}, "--window: expected a duration"},
      {{"queue", "dead", "--prefix", " "}, "--prefix: must not be empty"},
      {{"queue", "pending", "--prefix", ""}, "--prefix: must not be empty"},
      {{"queue", "pending", "--plan", "tasks/x/y"}, "--plan: expected plans/ID or ID"},
      {{"queue", "pending", "--limit", "0"}, "--limit: expected a whole number from 1"},
      {{"queue", "pending", "--limit", "5", "--all"}, "give --limit or --all, not both"},
      {{"queue", "pending", "--page-size", "501"}, "--page-size: expected 1 to 500"},
      {{"queue", "pending", "--page-size", "0"}, "--page-size: expected 1 to 500"},
      {{"queue", "dead", "--webhook", "hooks/x/y"}, "--webhook: expected webhooks/ID or ID"},
      {{"queue", "retry"}, "missing DEADLETTER_NAME"},
      {{"queue", "retry", "deadLetters/reminder-x", "--at", "mai"}, "--at: expected"},
      {{"webhook", "create", "--url", "https://a.example/h", "--secret-file", secret},
       "missing --name"},
      {{"webhook", "create", "--name", "A", "--secret-file", secret}, "missing --url"},
      {{"webhook", "create", "--name", "A", "--url", "vanban.example.gov.vn"},
       "--url: expected an https:// URL"},
      {{"webhook", "create", "--name", "A", "--url", "https://a.example/h"},
       "missing --secret-file"},
      {{"webhook", "create", "--name", "A", "--url", "https://a.example/h", "--secret-file", secret,
        "--max-attempts", "51"},
       "--max-attempts: expected 1 to 50"},
      {{"webhook", "create", "--name", "A", "--url", "https://a.example/h", "--secret-file", secret,
        "--subtree"},
       "--subtree needs --recipient"},
      {{"webhook", "pause"}, "missing NAME"},
      {{"webhook", "delete", "webhooks/"}, "NAME must be webhooks/ID or ID"},
      {{"webhook", "list", "--timeout", "0"}, "--timeout: must be more than zero"},
  };
  for (const Case& c : cases) {
    Result r = RunAt(closed, c.args);
    EXPECT_EQ(r.code, kExitUsage) << absl::StrJoin(c.args, " ") << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << absl::StrJoin(c.args, " ");
    EXPECT_THAT(r.out, IsEmpty());
  }
  std::remove(secret.c_str());

  // Good input reaches the (closed) address: exit 5 naming it.
  Result unreachable = RunAt(closed, {"queue", "stats"});
  EXPECT_EQ(unreachable.code, kExitUnreachable) << unreachable.err;
  EXPECT_THAT(unreachable.err, HasSubstr("cannot reach the notification service at " + closed));
}

TEST(NotificationCliTest, AddressComesFromTheFlagThenTheEnvironment) {
  EXPECT_EQ(NotificationServiceAddress(std::nullopt, ""), "localhost:50054");
  EXPECT_EQ(NotificationServiceAddress(std::nullopt, "notify:9000"), "notify:9000");
  EXPECT_EQ(NotificationServiceAddress(std::string("flag:1"), "notify:9000"), "flag:1");

  const std::string closed = ClosedAddress();
  ASSERT_EQ(setenv("CHISO_NOTIFICATION_ADDR", closed.c_str(), 1), 0);
  Result r = RunAt("", {"webhook", "list"});
  unsetenv("CHISO_NOTIFICATION_ADDR");
  EXPECT_EQ(r.code, kExitUnreachable) << r.err;
  EXPECT_THAT(r.err, HasSubstr(closed));
}

TEST(NotificationCliTest, HelpNamesTheCommandsAndTheFlag) {
  Result r = RunAt("", {"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--notification-addr"));
  EXPECT_THAT(r.out, HasSubstr("CHISO_NOTIFICATION_ADDR"));
  EXPECT_THAT(r.out, HasSubstr("inbox list|read"));
  EXPECT_THAT(r.out, HasSubstr("webhook create|get|list|pause|resume|delete"));
  r = RunAt("", {"queue", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("queue retry DEADLETTER_NAME [--at TIME]"));
  EXPECT_THAT(r.out, HasSubstr("queue pending [--plan P] [--prefix P] [--limit N | --all]"));
  r = RunAt("", {"webhook", "create", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--secret-file=FILE"));
  EXPECT_THAT(r.out, HasSubstr("--notification-addr"));
}

TEST(NotificationCliTest, TimesAreReadInBusinessTime) {
  const absl::Time now = civil::At(kToday, 9, 30);
  EXPECT_EQ(*ParseTimeArg("at", "now", now), now);
  EXPECT_EQ(*ParseTimeArg("at", "+2h", now), now + absl::Hours(2));
  EXPECT_EQ(*ParseTimeArg("at", "16/05/2024", now), civil::StartOfBusinessDay(kToday));
  EXPECT_EQ(*ParseTimeArg("at", "2024-05-16", now), civil::StartOfBusinessDay(kToday));
  EXPECT_EQ(*ParseTimeArg("at", "16/5/2024 14:05", now), civil::At(kToday, 14, 5));
  EXPECT_EQ(*ParseTimeArg("at", "2024-05-16T07:05:00Z", now), civil::At(kToday, 14, 5));
  EXPECT_EQ(*ParseTimeArg("at", "2024-05-16T14:05:00+07:00", now), civil::At(kToday, 14, 5));
  for (const char* bad : {"", "tomorrow", "+-1h", "+soon", "31/04/2024", "16/05/2024 8h",
                          "16/05/2024 24:00", "2024-05-16T14:05"}) {
    absl::StatusOr<absl::Time> parsed = ParseTimeArg("at", bad, now);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(std::string(parsed.status().message()), StartsWith("--at: expected")) << bad;
  }
}

}  // namespace
}  // namespace chiso::chisoctl
