// chiso-assignment: the assignment service (units, people, tasks, progress
// reports, summaries). Flags fall back to CHISO_* environment variables (see
// docs/OPERATIONS.md).

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/civil/date.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "common/reminders/producer_flags.h"
#include "common/server/auth_flags.h"
#include "common/server/server.h"
#include "common/server/service_main.h"
#include "common/server/transport.h"
#include "common/status/grpc_status.h"
#include "common/storage/database.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "services/assignment/assignment_access.h"
#include "services/assignment/assignment_metrics.h"
#include "services/assignment/assignment_service.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/plan_client.h"
#include "services/assignment/task_manager.h"
#include "services/assignment/task_reminder_source.h"
#include "services/assignment/unit_manager.h"
#include "services/assignment/unit_tree_publisher.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50052", "gRPC address to listen on (env CHISO_LISTEN)");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9102",
          "Prometheus /metrics address; empty disables it (env CHISO_METRICS_LISTEN)");
ABSL_FLAG(std::string, data_dir, "var",
          "Directory of the embedded database file assignment.db (env CHISO_DATA_DIR)");
ABSL_FLAG(std::string, plan_addr, "localhost:50051",
          "Address of the plan service (env CHISO_PLAN_ADDR)");
ABSL_FLAG(
    std::string, catalog_file, "",
    "Extra framework catalog (text format) added to the built-in one (env CHISO_CATALOG_FILE)");
ABSL_FLAG(int, due_soon_days, 7, "A task is due soon this many days before its due date");
ABSL_FLAG(bool, evidence_required, true,
          "Completing a task needs a progress report with evidence (tài liệu kiểm chứng)");
ABSL_FLAG(std::string, today, "",
          "Business date the service takes as today (30/4/2024 or 2024-04-30), for rehearsals "
          "and audits of timeliness; empty: the real date in Asia/Ho_Chi_Minh");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error (env CHISO_LOG_LEVEL)");
ABSL_FLAG(absl::Duration, unit_tree_push_interval, absl::Seconds(60),
          "How often the unit tree is sent to the plan service when no unit changes (it is "
          "also sent at start and after every change to units; an unchanged tree is not "
          "resent) (env CHISO_UNIT_TREE_PUSH_INTERVAL)");
ABSL_FLAG(absl::Duration, drain_grace, absl::Seconds(5),
          "How long health reports NOT_SERVING before shutdown starts");

namespace {

// The plan service answers its health check (a dependency of this service).
absl::Status PlanServiceHealthy(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  chiso::AttachServiceCredential(&context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("chiso.plan.v1.PlanService");
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("plan service: ", status.error_message()));
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError("plan service: not serving");
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  chiso::BlockShutdownSignals();
  absl::SetProgramUsageMessage("chiso assignment service: units, tasks, progress, timeliness");
  // Env first, so a flag on the command line wins.
  if (absl::Status env = chiso::ApplyFlagEnvironment(); !env.ok()) {
    return chiso::FailToStart("assignment", env);
  }
  absl::ParseCommandLine(argc, argv);

  if (absl::Status s = chiso::ApplyLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_due_soon_days) < 0) {
    std::cerr << "--due_soon_days: must not be negative\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_unit_tree_push_interval) <= absl::ZeroDuration()) {
    std::cerr << "--unit_tree_push_interval: must be positive\n";
    return 2;
  }

  absl::StatusOr<std::shared_ptr<const chiso::auth::Authenticator>> authenticator =
      chiso::AuthenticatorFromFlags();
  if (!authenticator.ok()) return chiso::FailToStart("assignment", authenticator.status());
  std::unique_ptr<chiso::auth::AccessGate> gate =
      chiso::assignment::NewAssignmentGate(*authenticator);
  if (!gate->authentication_on()) {
    chiso::log::Warning("authentication is off (--auth=off): every caller may do everything");
  }

  absl::StatusOr<chiso::reminders::ProducerSetup> reminders =
      chiso::reminders::ProducerSetupFromFlags("assignment");
  if (!reminders.ok()) {
    std::cerr << reminders.status().message() << "\n";
    return 2;
  }

  absl::StatusOr<chiso::Catalog> catalog = chiso::Catalog::Load(absl::GetFlag(FLAGS_catalog_file));
  if (!catalog.ok()) return chiso::FailToStart("assignment", catalog.status());

  absl::StatusOr<std::unique_ptr<chiso::storage::Database>> db = chiso::OpenServiceDatabase(
      absl::GetFlag(FLAGS_data_dir), "assignment.db", absl::GetFlag(FLAGS_database_url),
      chiso::assignment::AssignmentMigrations());
  if (!db.ok()) return chiso::FailToStart("assignment", db.status());

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      chiso::ServiceChannel(absl::GetFlag(FLAGS_plan_addr));
  if (!channel.ok()) return chiso::FailToStart("assignment", channel.status());
  std::shared_ptr<grpc::Channel> plan_channel = *channel;
  std::unique_ptr<chiso::assignment::PlanClient> plans =
      chiso::assignment::NewGrpcPlanClient(plan_channel);
  std::unique_ptr<chiso::assignment::AssignmentStore> store =
      chiso::assignment::NewSqlAssignmentStore(db->get());
  chiso::IdGenerator ids;
  chiso::civil::Clock* clock = chiso::civil::Clock::Real();
  std::unique_ptr<chiso::civil::FakeClock> fixed_clock;
  if (!absl::GetFlag(FLAGS_today).empty()) {
    absl::StatusOr<absl::CivilDay> today = chiso::civil::ParseDate(absl::GetFlag(FLAGS_today));
    if (!today.ok()) {
      std::cerr << "--today: " << today.status().message() << "\n";
      return 2;
    }
    // Frozen at 09:00 of that day in Hà Nội.
    fixed_clock = std::make_unique<chiso::civil::FakeClock>(chiso::civil::At(*today, 9, 0));
    clock = fixed_clock.get();
    chiso::log::Warning("clock fixed", {{"today", absl::FormatCivilTime(*today)}});
  }
  chiso::assignment::UnitManager units(store.get(), clock, &ids);
  chiso::assignment::TaskManagerOptions task_options;
  task_options.due_soon_days = absl::GetFlag(FLAGS_due_soon_days);
  task_options.evidence_required_default = absl::GetFlag(FLAGS_evidence_required);
  chiso::assignment::TaskManager tasks(store.get(), plans.get(), &*catalog, clock, &ids,
                                       task_options);
  // The audit trail lives in the service's database (its migrations are the
  // last of AssignmentMigrations()).
  chiso::audit::AuditLog audit(db->get());
  chiso::assignment::AssignmentServiceImpl service(&units, &tasks, gate.get(), &audit);

  auto registry = std::make_shared<prometheus::Registry>();
  chiso::assignment::AssignmentMetrics metrics(*registry);
  // Health: the database and the plan service answer. The same periodic
  // check refreshes the domain metrics, whose timeliness moves with the clock.
  // Recounting reads every task, so it runs at most once a minute.
  absl::Time last_metrics = absl::InfinitePast();
  auto health = [&]() -> absl::Status {
    if (absl::Status s = (*db)->Ping(); !s.ok()) return s;
    if (absl::Status s = PlanServiceHealthy(plan_channel); !s.ok()) return s;
    if (absl::Now() - last_metrics < absl::Minutes(1)) return absl::OkStatus();
    last_metrics = absl::Now();
    absl::StatusOr<std::vector<chiso::assignment::v1::Unit>> all_units = store->AllUnits();
    absl::StatusOr<std::vector<chiso::assignment::v1::Task>> all_tasks = tasks.CurrentTasks();
    if (all_units.ok() && all_tasks.ok()) {
      metrics.Update(*all_tasks, *all_units);
    } else {
      chiso::log::Warning(
          "metrics not refreshed",
          {{"error", (all_units.ok() ? all_tasks.status() : all_units.status()).ToString()}});
    }
    return absl::OkStatus();
  };

  // The plan service's copy of the unit tree: pushed at start, after every
  // change to units and periodically; a failed push never fails a unit RPC.
  chiso::assignment::UnitTreePublisherOptions publisher_options;
  publisher_options.interval = absl::GetFlag(FLAGS_unit_tree_push_interval);
  chiso::assignment::UnitTreePublisher publisher(store.get(), plan_channel, registry.get(),
                                                 publisher_options);
  service.SetUnitChangeListener([&publisher] { publisher.Changed(); });

  chiso::ServerOptions options;
  options.service_name = "assignment";
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_listen);
  options.drain_grace = absl::GetFlag(FLAGS_drain_grace);
  absl::StatusOr<std::unique_ptr<chiso::Server>> server = chiso::Server::Start(
      options, {{chiso::assignment::v1::AssignmentService::service_full_name(), &service}},
      registry, health);
  if (!server.ok()) return chiso::FailToStart("assignment", server.status());

  publisher.Start();

  // Reminders of tasks: synced after each committed change, reconciled by
  // the elected replica. A Redis outage never fails a task write.
  chiso::assignment::TaskReminderSource reminder_source(store.get(), &reminders->calendar,
                                                        reminders->policy, reminders->lookback);
  std::unique_ptr<chiso::reminders::Producer> producer =
      chiso::reminders::StartProducer(*reminders, &reminder_source, clock, registry.get());
  if (producer != nullptr) {
    service.SetTaskChangeListener([p = producer.get()](std::vector<std::string> names) {
      for (std::string& name : names) {
        if (absl::StartsWith(name, "tasks/")) name = chiso::reminders::TaskOwner(name.substr(6));
      }
      p->Changed(names);
    });
  }

  chiso::WaitForShutdownSignal(**server);
  (*server)->Wait();
  publisher.Stop();
  if (producer != nullptr) producer->Stop();
  return 0;
}
