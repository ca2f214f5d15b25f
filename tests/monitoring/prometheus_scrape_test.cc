// The monitoring of deploy/k8s/base/monitoring against the real suite: a
// private redis-server and the four service binaries run as child processes,
// a real Prometheus scrapes their metrics ports every second with the job
// names the rules and the dashboard assume (chiso-plan, chiso-assignment,
// chiso-scoring, chiso-notification) and evaluates rules.yaml. The test drives
// a department's plan, tasks (one overdue, one done), results and reminders
// through the services, then asks Prometheus over HTTP:
//   - every target is up and every rule evaluates without error;
//   - each service exports its gRPC metrics and its domain metrics;
//   - every query of every dashboard panel, with its template variables
//     substituted, returns data (not just NaN), and so does every variable's;
//   - no alert is pending in the healthy suite, and ChisoServiceDown notices a
//     service that stops.
// CHISO_MONITORING_DIR in the environment runs it on a changed copy of the
// files (to see it fail on a broken query).
#include <curl/curl.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"

namespace chiso {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace nv1 = chiso::notification::v1;
namespace pv1 = chiso::plan::v1;
namespace sv1 = chiso::scoring::v1;
using google::protobuf::Struct;
using google::protobuf::Value;
using test_support::ChildProcess;
using test_support::FreePort;
using test_support::MakeService;
using test_support::ServiceChannel;
using test_support::ServiceProcess;
using test_support::TailOf;

// ---- HTTP and JSON ----------------------------------------------------------

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// The body of a GET; any HTTP status (Prometheus explains a 400 in JSON).
absl::StatusOr<std::string> HttpGet(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(rc));
  if (status >= 500) return absl::UnavailableError(absl::StrCat("HTTP ", status, ": ", body));
  return body;
}

std::string Escape(const std::string& s) {
  char* escaped = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out = escaped == nullptr ? "" : escaped;
  curl_free(escaped);
  return out;
}

absl::StatusOr<Struct> ParseJson(const std::string& text) {
  Struct out;
  auto status = google::protobuf::util::JsonStringToMessage(text, &out);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("not JSON (", status.ToString(), "): ", text));
  }
  return out;
}

// s[key], or a null Value.
const Value& Get(const Struct& s, const std::string& key) {
  static const Value kNull;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kNull : it->second;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- the dashboard ------------------------------------------------------------

struct PanelQuery {
  std::string panel;
  std::string expr;
};

void CollectQueries(const Value& panels, std::vector<PanelQuery>* out) {
  for (const Value& p : panels.list_value().values()) {
    const Struct& panel = p.struct_value();
    for (const Value& t : Get(panel, "targets").list_value().values()) {
      const std::string expr = Get(t.struct_value(), "expr").string_value();
      if (!expr.empty()) out->push_back({Get(panel, "title").string_value(), expr});
    }
    CollectQueries(Get(panel, "panels"), out);  // rows hold their panels when collapsed
  }
}

// Grafana's built-in intervals become a window covering the whole test; a
// template variable becomes ".*" (every panel matches variables with =~).
// Adds a failure for a variable the dashboard does not define.
std::string Substitute(const std::string& expr, const std::set<std::string>& variables) {
  static const std::regex kVar(R"(\$\{?(\w+)\}?)");
  std::string out;
  auto begin = std::sregex_iterator(expr.begin(), expr.end(), kVar);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out += expr.substr(last, static_cast<size_t>(m.position(0)) - last);
    const std::string name = m[1].str();
    if (name == "__rate_interval" || name == "__interval" || name == "__range") {
      out += "1m";
    } else {
      EXPECT_TRUE(variables.count(name) == 1) << "undefined variable $" << name << " in " << expr;
      out += ".*";
    }
    last = static_cast<size_t>(m.position(0) + m.length(0));
  }
  return out + expr.substr(last);
}

// ---- the test -------------------------------------------------------------------

// One DDCI component of seed 002 (as tests/e2e/scoring_e2e_test.cc): the
// department's score and the plan's target, both for 2024 here.
struct Component {
  const char* code;
  const char* score;
  const char* target;
};
constexpr Component kComponents[] = {
    {"TRANSPARENCY", "6.77", "7.80"},     {"TIME_COSTS", "6.83", "7.70"},
    {"INFORMAL_CHARGES", "5.53", "6.50"}, {"EQUAL_COMPETITION", "2.65", "6.0"},
    {"BUSINESS_SUPPORT", "4.50", "7.5"},  {"LEGAL_INSTITUTIONS", "6.78", "7.0"},
    {"LEADERSHIP", "4.69", "6.3"},        {"DYNAMISM", "6.26", "7.4"},
};

// The files under test; CHISO_MONITORING_DIR in the environment points the
// test at a changed copy.
std::string MonitoringDir() {
  const char* dir = getenv("CHISO_MONITORING_DIR");
  return dir != nullptr && *dir != '\0' ? dir : CHISO_MONITORING_DIR;
}

const char* const kServices[] = {"plan", "assignment", "scoring", "notification"};

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(CHISO_PROMETHEUS_BIN).empty() || access(CHISO_PROMETHEUS_BIN, X_OK) != 0) {
      GTEST_SKIP() << "prometheus is not installed (apt-get install prometheus)";
    }
    CHISO_START_REDIS_OR_SKIP(redis_);
    char tmpl[] = "/tmp/chiso-monitoring-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const char* binaries[] = {CHISO_PLAN_BIN, CHISO_ASSIGNMENT_BIN, CHISO_SCORING_BIN,
                              CHISO_NOTIFICATION_BIN};
    for (int i = 0; i < 4; ++i) {
      services_[kServices[i]] = MakeService(kServices[i], binaries[i], dir_);
      metrics_port_[kServices[i]] = FreePort();
    }
    const int plan_port = services_["plan"]->port;
    extra_["plan"] = {};
    // 15 July 2024: a task due 30 June is overdue, one due 20 July due soon.
    extra_["assignment"] = {absl::StrCat("--plan_addr=127.0.0.1:", plan_port),
                            "--today=2024-07-15"};
    extra_["scoring"] = {
        absl::StrCat("--plan_addr=127.0.0.1:", plan_port),
        absl::StrCat("--assignment_addr=127.0.0.1:", services_["assignment"]->port)};
    extra_["notification"] = {"--lease=2s"};
    for (const char* name : kServices) {
      // The scoring service does not use the reminder queue.
      if (std::string(name) != "scoring") {
        extra_[name].push_back(absl::StrCat("--redis=127.0.0.1:", redis_.port()));
      }
      extra_[name].push_back(absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port_[name]));
      ASSERT_TRUE(Start(name));
    }
    plans_ = pv1::PlanService::NewStub(ServiceChannel(services_["plan"]->port));
    Connect();
    scoring_ = sv1::ScoringService::NewStub(ServiceChannel(services_["scoring"]->port));
    inbox_ = nv1::NotificationService::NewStub(ServiceChannel(services_["notification"]->port));
  }

  void TearDown() override {
    // Our connections first: a server shutting down waits for its clients.
    inbox_.reset();
    scoring_.reset();
    directory_.reset();
    plans_.reset();
    (void)prometheus_.Stop(absl::Seconds(10));
    // Sanitizer builds may exit 1 at SIGTERM (LeakSanitizer): only stop them.
    for (const char* name : {"notification", "scoring", "assignment", "plan"}) {
      if (services_[name] != nullptr) (void)services_[name]->process.Stop();
    }
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  bool Start(const std::string& name) {
    return test_support::StartService(*services_[name], dir_, extra_[name]);
  }
  void Connect() {
    directory_ = av1::AssignmentService::NewStub(ServiceChannel(services_["assignment"]->port));
  }

  std::string Url(const std::string& path) {
    return absl::StrCat("http://127.0.0.1:", prometheus_port_, path);
  }

  // Prometheus on a free port, scraping the four metrics ports every second
  // (job = chiso-<service>, as the ServiceMonitor of deploy/k8s names them)
  // and evaluating rules.yaml every second.
  void StartPrometheus() {
    prometheus_port_ = FreePort();
    const std::string config = absl::StrCat(dir_, "/prometheus.yml");
    std::ofstream out(config);
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        << "rule_files:\n  - " << MonitoringDir() << "/rules.yaml\n"
        << "scrape_configs:\n";
    for (const char* name : kServices) {
      out << "  - job_name: chiso-" << name << "\n    static_configs:\n"
          << "      - targets: ['127.0.0.1:" << metrics_port_[name] << "']\n";
    }
    out.close();
    prometheus_log_ = absl::StrCat(dir_, "/prometheus.log");
    absl::Status started = prometheus_.Start(
        {CHISO_PROMETHEUS_BIN, absl::StrCat("--config.file=", config),
         absl::StrCat("--storage.tsdb.path=", dir_, "/tsdb"),
         absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port_), "--log.level=warn"},
        prometheus_log_);
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_TRUE(Eventually([&] {
      absl::StatusOr<std::string> ready = HttpGet(Url("/-/ready"));
      return ready.ok() && ready->find("Ready") != std::string::npos;
    })) << "Prometheus did not become ready:\n"
        << TailOf(prometheus_log_);
  }

  // Waits until Prometheus has scraped all four targets successfully.
  void WaitForTargetsUp() {
    std::string targets_seen;
    ASSERT_TRUE(Eventually([&] {
      absl::StatusOr<Struct> data = Api("/api/v1/targets");
      if (!data.ok()) return false;
      int up = 0;
      targets_seen.clear();
      for (const Value& t : Get(*data, "activeTargets").list_value().values()) {
        const std::string job =
            Get(Get(t.struct_value(), "labels").struct_value(), "job").string_value();
        const std::string health = Get(t.struct_value(), "health").string_value();
        absl::StrAppend(&targets_seen, job, "=", health, " ");
        if (health == "up") ++up;
      }
      return up == 4;
    })) << "targets: "
        << targets_seen << "\n"
        << TailOf(prometheus_log_);
  }

  // The `data` of an API answer, or a failure quoting Prometheus's error.
  absl::StatusOr<Struct> Api(const std::string& path) {
    absl::StatusOr<std::string> body = HttpGet(Url(path));
    if (!body.ok()) return body.status();
    absl::StatusOr<Struct> answer = ParseJson(*body);
    if (!answer.ok()) return answer.status();
    if (Get(*answer, "status").string_value() != "success") {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", *body));
    }
    return Get(*answer, "data").struct_value();
  }

  // The result vector of an instant query.
  absl::StatusOr<std::vector<Value>> Query(const std::string& expr) {
    absl::StatusOr<Struct> data = Api(absl::StrCat("/api/v1/query?query=", Escape(expr)));
    if (!data.ok()) return data.status();
    const Value& result = Get(*data, "result");
    return std::vector<Value>(result.list_value().values().begin(),
                              result.list_value().values().end());
  }

  template <typename F>
  bool Eventually(F done, absl::Duration limit = absl::Seconds(30)) {
    const absl::Time deadline = absl::Now() + limit;
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return done();
  }

  // ---- traffic --------------------------------------------------------------

  std::string CreateUnit(const std::string& code, const std::string& name, av1::UnitKind kind,
                         const std::string& parent) {
    return test_support::CreateUnit(*directory_, code, name, kind, parent);
  }

  // Sở TN&MT's DDCI plan for 2024: a target on each component and on the total.
  std::string IssuedPlan(const std::string& department) {
    pv1::CreatePlanRequest create;
    pv1::Plan* plan = create.mutable_plan();
    plan->set_number("45/KH-STNMT");
    plan->set_title("Nâng cao Chỉ số năng lực cạnh tranh cấp sở, ngành năm 2024");
    plan->mutable_issuer()->set_display_name("Sở Tài nguyên và Môi trường");
    plan->mutable_issuer()->set_unit(department);
    plan->mutable_issued_on()->set_year(2024);
    plan->mutable_issued_on()->set_month(3);
    plan->mutable_issued_on()->set_day(1);
    plan->mutable_period()->set_start_year(2024);
    plan->mutable_period()->set_end_year(2024);
    for (const Component& c : kComponents) {
      pv1::Objective* o = plan->add_objectives();
      o->set_id(absl::StrCat("c-", c.code));
      o->set_framework("DDCI");
      o->set_component(c.code);
      o->set_measure(cv1::MEASURE_SCORE);
      o->mutable_target()->set_year(2024);
      o->mutable_target()->set_comparator(cv1::COMPARATOR_ABOVE);
      o->mutable_target()->mutable_value()->set_value(c.target);
    }
    pv1::Objective* total = plan->add_objectives();
    total->set_id("total");
    total->set_framework("DDCI");
    total->set_measure(cv1::MEASURE_SCORE);
    total->mutable_target()->set_year(2024);
    total->mutable_target()->set_comparator(cv1::COMPARATOR_AT_LEAST);
    total->mutable_target()->mutable_value()->set_value("70");
    grpc::ClientContext ctx;
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

  std::string CreateTask(const std::string& plan, const std::string& objective,
                         const std::string& lead, const std::string& phrase) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    av1::CreateTaskRequest req;
    av1::Task* t = req.mutable_task();
    t->set_plan(plan);
    t->set_objective_id(objective);
    t->set_title(absl::StrCat("Cải thiện chỉ số thành phần ", objective));
    t->mutable_lead_unit()->set_unit(lead);
    t->set_supervisor_post("Phó Giám đốc Sở phụ trách");
    t->mutable_schedule()->set_phrase(phrase);
    av1::Task out;
    grpc::Status s = directory_->CreateTask(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.name();
  }

  void Complete(const std::string& task, const std::string& lead) {
    grpc::ClientContext ctx;
    av1::ReportProgressRequest req;
    req.set_task(task);
    av1::ProgressReport* r = req.mutable_progress_report();
    r->set_reporting_unit(lead);
    r->set_percent_complete(100);
    r->set_status(av1::TASK_STATUS_DONE);
    r->add_evidence()->set_url("https://stnmt.example.vn/bao-cao-ket-qua");
    av1::ReportProgressResponse res;
    grpc::Status s = directory_->ReportProgress(&ctx, req, &res);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(res.task().timeliness(), av1::TIMELINESS_DONE_ON_TIME);
  }

  void RecordResult(const std::string& department) {
    sv1::Result r;
    r.mutable_subject()->set_unit(department);
    r.set_framework_code("DDCI");
    r.set_level(sv1::LEVEL_DEPARTMENT);
    r.set_year(2024);
    r.set_peer_group("Sở, ban, ngành tỉnh");
    for (const Component& c : kComponents) {
      sv1::ComponentScore* s = r.add_component_scores();
      s->set_component(c.code);
      s->mutable_score()->set_value(c.score);
    }
    grpc::ClientContext ctx;
    sv1::CreateResultRequest req;
    *req.mutable_result() = r;
    sv1::Result out;
    grpc::Status s = scoring_->CreateResult(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  // Cheap reads on every service, so that rates are not all zero.
  void Reads() {
    {
      grpc::ClientContext ctx;
      pv1::ListPlansRequest req;
      pv1::ListPlansResponse res;
      EXPECT_TRUE(plans_->ListPlans(&ctx, req, &res).ok());
    }
    {
      grpc::ClientContext ctx;
      av1::ListTasksRequest req;
      av1::ListTasksResponse res;
      EXPECT_TRUE(directory_->ListTasks(&ctx, req, &res).ok());
    }
    {
      grpc::ClientContext ctx;
      sv1::ListFrameworksRequest req;
      sv1::ListFrameworksResponse res;
      EXPECT_TRUE(scoring_->ListFrameworks(&ctx, req, &res).ok());
    }
    {
      grpc::ClientContext ctx;
      nv1::ListNotificationsRequest req;
      nv1::ListNotificationsResponse res;
      EXPECT_TRUE(inbox_->ListNotifications(&ctx, req, &res).ok());
    }
    {
      grpc::ClientContext ctx;
      nv1::GetQueueStatsRequest req;
      nv1::QueueStats res;
      EXPECT_TRUE(inbox_->GetQueueStats(&ctx, req, &res).ok());
    }
  }

  test_support::RedisServer redis_;
  std::string dir_;
  std::map<std::string, std::unique_ptr<ServiceProcess>> services_;
  std::map<std::string, int> metrics_port_;
  std::map<std::string, std::vector<std::string>> extra_;
  ChildProcess prometheus_;
  int prometheus_port_ = 0;
  std::string prometheus_log_;
  std::unique_ptr<pv1::PlanService::Stub> plans_;
  std::unique_ptr<av1::AssignmentService::Stub> directory_;
  std::unique_ptr<sv1::ScoringService::Stub> scoring_;
  std::unique_ptr<nv1::NotificationService::Stub> inbox_;
};

TEST_F(PrometheusScrapeTest, EveryServiceMetricRuleAndPanelHasData) {
  // Prometheus scrapes before anything happens, so that every counter's
  // increase (the reminders delivered at once, below) falls in its window.
  StartPrometheus();
  ASSERT_FALSE(HasFatalFailure());
  WaitForTargetsUp();
  ASSERT_FALSE(HasFatalFailure());

  // A department, two divisions, the plan, three tasks: one overdue, one due
  // soon (its reminders fire at once by the real clock), one done on time.
  const std::string province =
      CreateUnit("LS", "UBND tỉnh Lạng Sơn", av1::UNIT_KIND_PROVINCIAL_COMMITTEE, "");
  const std::string department =
      CreateUnit("STNMT", "Sở Tài nguyên và Môi trường", av1::UNIT_KIND_DEPARTMENT, province);
  const std::string office =
      CreateUnit("STNMT-VP", "Văn phòng Sở", av1::UNIT_KIND_OFFICE, department);
  const std::string land =
      CreateUnit("STNMT-DD", "Phòng Đất đai", av1::UNIT_KIND_DIVISION, department);
  ASSERT_FALSE(HasFailure());
  const std::string plan = IssuedPlan(department);
  CreateTask(plan, "c-TIME_COSTS", land, "trước ngày 30/6/2024");
  CreateTask(plan, "c-TRANSPARENCY", office, "trước ngày 20/7/2024");
  Complete(CreateTask(plan, "c-DYNAMISM", office, "trước ngày 31/10/2024"), office);
  ASSERT_FALSE(HasFailure());

  // The assignment service counts tasks per timeliness at start, then once a
  // minute: a restart shows the new tasks now.
  directory_.reset();
  (void)services_["assignment"]->process.Stop();
  ASSERT_TRUE(Start("assignment"));
  Connect();

  RecordResult(department);
  ASSERT_FALSE(HasFailure());

  // A few seconds of reads inside the scraped window.
  WaitForTargetsUp();
  for (int i = 0; i < 15; ++i) {
    Reads();
    absl::SleepFor(absl::Milliseconds(200));
  }

  // Each service's gRPC and domain metrics.
  const std::vector<std::string> grpc_metrics = {
      "grpc_server_started_total",           "grpc_server_handled_total",
      "grpc_server_handling_seconds_bucket", "grpc_server_handling_seconds_count",
      "grpc_server_msg_received_total",      "grpc_server_msg_sent_total"};
  const std::vector<std::string> producer_metrics = {
      "chiso_reminder_sync_pending",
      "chiso_reminder_syncs_total",
      "chiso_reminder_reconciler_leader",
      "chiso_reminder_reconciliations_total",
      "chiso_reminder_reconcile_last_success_timestamp_seconds",
      "chiso_reminder_epoch_changes_total"};
  std::map<std::string, std::vector<std::string>> expected = {
      {"plan", {"chiso_plans", "chiso_component_target"}},
      {"assignment", {"chiso_tasks", "chiso_unit_on_time_ratio"}},
      {"scoring", {"chiso_component_score", "chiso_scoring_results", "chiso_framework_versions"}},
      {"notification",
       {"chiso_reminders", "chiso_reminder_oldest_due_age_seconds",
        "chiso_reminder_lateness_seconds_bucket", "chiso_reminder_lateness_seconds_count",
        "chiso_notifications_delivered_total"}}};
  for (const char* name : {"plan", "assignment"}) {
    expected[name].insert(expected[name].end(), producer_metrics.begin(), producer_metrics.end());
  }
  for (auto& [name, metrics] : expected) {
    metrics.insert(metrics.end(), grpc_metrics.begin(), grpc_metrics.end());
    SCOPED_TRACE(name);
    std::set<std::string> missing;
    Eventually([&] {
      missing = std::set<std::string>(metrics.begin(), metrics.end());
      absl::StatusOr<std::vector<Value>> names =
          Query(absl::StrCat("count by (__name__) ({job=\"chiso-", name, "\"})"));
      if (!names.ok()) return false;
      for (const Value& v : *names) {
        missing.erase(
            Get(Get(v.struct_value(), "metric").struct_value(), "__name__").string_value());
      }
      return missing.empty();
    });
    EXPECT_TRUE(missing.empty()) << "chiso-" << name
                                 << " does not export: " << absl::StrJoin(missing, ", ") << "\n"
                                 << TailOf(services_[name]->log);
  }

  // Every rule of rules.yaml evaluates without error against the real series.
  std::vector<std::string> unhealthy;
  int rules = 0;
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<Struct> data = Api("/api/v1/rules");
    if (!data.ok()) return false;
    unhealthy.clear();
    rules = 0;
    bool evaluated = true;
    for (const Value& g : Get(*data, "groups").list_value().values()) {
      for (const Value& r : Get(g.struct_value(), "rules").list_value().values()) {
        ++rules;
        const std::string health = Get(r.struct_value(), "health").string_value();
        if (health == "unknown") evaluated = false;
        if (health != "ok") {
          unhealthy.push_back(absl::StrCat(Get(r.struct_value(), "name").string_value(), ": ",
                                           health, " ",
                                           Get(r.struct_value(), "lastError").string_value()));
        }
      }
    }
    return rules > 0 && evaluated;
  })) << "rules not evaluated: "
      << absl::StrJoin(unhealthy, "; ");
  EXPECT_GE(rules, 11);
  EXPECT_TRUE(unhealthy.empty()) << absl::StrJoin(unhealthy, "\n");

  // Every dashboard query, and every template variable's, returns data.
  absl::StatusOr<Struct> dashboard = ParseJson(ReadFile(MonitoringDir() + "/dashboard.json"));
  ASSERT_TRUE(dashboard.ok()) << dashboard.status();
  std::set<std::string> variables;
  std::vector<PanelQuery> queries;
  static const std::regex kLabelValues(R"(^label_values\((.+),\s*(\w+)\)$)");
  for (const Value& v :
       Get(Get(*dashboard, "templating").struct_value(), "list").list_value().values()) {
    variables.insert(Get(v.struct_value(), "name").string_value());
    const std::string definition = Get(v.struct_value(), "definition").string_value();
    std::smatch m;
    if (std::regex_match(definition, m, kLabelValues)) {
      queries.push_back({absl::StrCat("variable ", Get(v.struct_value(), "name").string_value()),
                         absl::StrCat("count by (", m[2].str(), ") (", m[1].str(), ")")});
    }
  }
  CollectQueries(Get(*dashboard, "panels"), &queries);
  ASSERT_GE(queries.size(), 20u);
  for (const PanelQuery& q : queries) {
    const std::string expr = Substitute(q.expr, variables);
    std::string why;
    const bool has_data = Eventually(
        [&] {
          absl::StatusOr<std::vector<Value>> result = Query(expr);
          if (!result.ok()) {
            why = result.status().ToString();
            return false;
          }
          // A quantile of no observations is NaN: a panel without data.
          for (const Value& v : *result) {
            const auto& sample = Get(v.struct_value(), "value").list_value().values();
            if (sample.size() == 2 && sample[1].string_value() != "NaN") return true;
          }
          why = result->empty() ? "empty result" : "only NaN";
          return false;
        },
        absl::Seconds(10));
    EXPECT_TRUE(has_data) << "panel \"" << q.panel << "\": " << expr << "\n  " << why;
  }
  // A healthy suite raises no alert, not even a pending one. The exception
  // comes from the fixed --today of the assignment service: the reminders
  // here are a 2024 plan's, delivered now, all "late" (fewer than the 10
  // that ChisoReminderDeliveredLate needs, but allowed for). The last
  // reconciliation is stamped with the wall clock, not that business date,
  // so ChisoReminderReconcileStale stays quiet.
  absl::StatusOr<std::vector<Value>> active = Query("ALERTS");
  ASSERT_TRUE(active.ok()) << active.status();
  for (const Value& a : *active) {
    const Struct& labels = Get(a.struct_value(), "metric").struct_value();
    const std::string alert = Get(labels, "alertname").string_value();
    if (alert == "ChisoReminderDeliveredLate") continue;
    ADD_FAILURE() << "alert " << Get(labels, "alertname").string_value() << " is "
                  << Get(labels, "alertstate").string_value() << " for "
                  << Get(labels, "job").string_value() << " in a healthy suite";
  }

  // A service that stops answering is caught by the job the rules name:
  // ChisoServiceDown turns pending (it fires after 2 minutes).
  scoring_.reset();
  (void)services_["scoring"]->process.Stop();
  std::string seen;
  EXPECT_TRUE(Eventually(
      [&] {
        absl::StatusOr<std::vector<Value>> down = Query(
            "ALERTS{alertname=\"ChisoServiceDown\", job=\"chiso-scoring\", "
            "alertstate=\"pending\"}");
        return down.ok() && !down->empty();
      },
      absl::Seconds(15)))
      << "ChisoServiceDown did not notice the scoring service stop";

  // CHISO_MONITORING_PAUSE=1 keeps Prometheus up for a minute to look around
  // (its address goes to stderr); the ctest timeout allows it.
  if (getenv("CHISO_MONITORING_PAUSE") != nullptr) {
    std::cerr << "Prometheus: " << Url("/") << "\n";
    absl::SleepFor(absl::Seconds(60));
  }
}

}  // namespace
}  // namespace chiso
