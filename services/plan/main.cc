// chiso-plan: the plan service. Flags fall back to CHISO_* environment
// variables (see docs/OPERATIONS.md).

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/audit/audit_log.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "common/reminders/producer_flags.h"
#include "common/server/auth_flags.h"
#include "common/server/server.h"
#include "common/server/service_main.h"
#include "common/storage/database.h"
#include "common/unitdir/unit_directory.h"
#include "services/plan/plan_access.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_metrics.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"
#include "services/plan/report_reminder_source.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50051", "gRPC address to listen on (env CHISO_LISTEN)");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9101",
          "Prometheus /metrics address; empty disables it (env CHISO_METRICS_LISTEN)");
ABSL_FLAG(std::string, data_dir, "var",
          "Directory of the embedded database file plan.db (env CHISO_DATA_DIR)");
ABSL_FLAG(
    std::string, catalog_file, "",
    "Extra framework catalog (text format) added to the built-in one (env CHISO_CATALOG_FILE)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error (env CHISO_LOG_LEVEL)");
ABSL_FLAG(absl::Duration, drain_grace, absl::Seconds(5),
          "How long health reports NOT_SERVING before shutdown starts");

int main(int argc, char** argv) {
  chiso::BlockShutdownSignals();
  absl::SetProgramUsageMessage("chiso plan service: plans, objectives and reporting rules");
  // Env first, so a flag on the command line wins.
  if (absl::Status env = chiso::ApplyFlagEnvironment(); !env.ok()) {
    return chiso::FailToStart("plan", env);
  }
  absl::ParseCommandLine(argc, argv);

  if (absl::Status s = chiso::ApplyLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }

  absl::StatusOr<chiso::reminders::ProducerSetup> reminders =
      chiso::reminders::ProducerSetupFromFlags("plan");
  if (!reminders.ok()) {
    std::cerr << reminders.status().message() << "\n";
    return 2;
  }

  absl::StatusOr<std::shared_ptr<const chiso::auth::Authenticator>> authenticator =
      chiso::AuthenticatorFromFlags();
  if (!authenticator.ok()) return chiso::FailToStart("plan", authenticator.status());

  absl::StatusOr<chiso::Catalog> catalog = chiso::Catalog::Load(absl::GetFlag(FLAGS_catalog_file));
  if (!catalog.ok()) return chiso::FailToStart("plan", catalog.status());

  absl::StatusOr<std::unique_ptr<chiso::storage::Database>> db =
      chiso::OpenServiceDatabase(absl::GetFlag(FLAGS_data_dir), "plan.db",
                                 absl::GetFlag(FLAGS_database_url), chiso::plan::PlanMigrations());
  if (!db.ok()) return chiso::FailToStart("plan", db.status());

  auto registry = std::make_shared<prometheus::Registry>();
  chiso::plan::PlanMetrics metrics(*registry);
  std::unique_ptr<chiso::plan::PlanStore> store = chiso::plan::NewSqlPlanStore(db->get());
  chiso::IdGenerator ids;
  chiso::plan::PlanManager manager(store.get(), &*catalog, chiso::civil::Clock::Real(), &ids,
                                   &metrics);
  // PlanMigrations() carries the unit tree and the audit trail too.
  chiso::unitdir::UnitDirectory units(db->get());
  chiso::audit::AuditLog audit(db->get());
  std::unique_ptr<chiso::auth::AccessGate> gate = chiso::plan::NewPlanAccessGate(*authenticator);
  chiso::plan::PlanServiceImpl service(&manager, gate.get(), &audit, &units);
  // The assignment service pushes the unit tree here (ReplaceUnitTree).
  std::unique_ptr<chiso::auth::AccessGate> units_gate =
      chiso::unitdir::NewUnitDirectoryGate(*authenticator);
  chiso::unitdir::UnitDirectoryService units_service(&units, units_gate.get(), &audit);

  // Report reminders: synced after each committed change, reconciled by the
  // elected replica. A Redis outage never fails a plan write.
  chiso::plan::ReportReminderSource reminder_source(
      store.get(), &reminders->calendar, reminders->policy, reminders->lookback, {}, &units);
  std::unique_ptr<chiso::reminders::Producer> producer = chiso::reminders::StartProducer(
      *reminders, &reminder_source, chiso::civil::Clock::Real(), registry.get());
  if (producer != nullptr) {
    manager.SetChangeListener([p = producer.get()](const std::string& plan_name) {
      p->Changed(chiso::reminders::PlanOwner(plan_name.substr(std::string("plans/").size())));
    });
    // The recipients of report reminders carry their unit's ancestors: a new
    // tree re-syncs every issued plan (a failed read waits for the next
    // reconciliation).
    units_service.SetChangeListener([p = producer.get(), &reminder_source] {
      absl::StatusOr<std::vector<std::string>> owners = reminder_source.ActiveOwners();
      if (owners.ok()) p->Changed(*owners);
    });
  }

  chiso::ServerOptions options;
  options.service_name = "plan";
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_listen);
  options.drain_grace = absl::GetFlag(FLAGS_drain_grace);
  // ImportPlanDocument takes .docx files of up to 20 MiB.
  options.max_receive_message_bytes = 21 << 20;
  absl::StatusOr<std::unique_ptr<chiso::Server>> server = chiso::Server::Start(
      options,
      {{chiso::plan::v1::PlanService::service_full_name(), &service},
       {chiso::common::v1::UnitDirectory::service_full_name(), &units_service}},
      registry, [&manager] { return manager.RefreshMetrics(); });
  if (!server.ok()) return chiso::FailToStart("plan", server.status());

  chiso::WaitForShutdownSignal(**server);
  (*server)->Wait();
  if (producer != nullptr) producer->Stop();
  return 0;
}
