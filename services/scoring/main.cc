// chiso-scoring: the scoring service. Flags fall back to CHISO_* environment
// variables (see docs/OPERATIONS.md).

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/auth_flags.h"
#include "common/server/server.h"
#include "common/server/service_main.h"
#include "common/server/transport.h"
#include "common/storage/database.h"
#include "common/unitdir/unit_directory.h"
#include "services/scoring/framework_domain.h"
#include "services/scoring/scoring_access.h"
#include "services/scoring/scoring_clients.h"
#include "services/scoring/scoring_manager.h"
#include "services/scoring/scoring_metrics.h"
#include "services/scoring/scoring_service.h"
#include "services/scoring/scoring_store.h"
#include "services/scoring/unit_tree_refresher.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50053", "gRPC address to listen on (env CHISO_LISTEN)");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9103",
          "Prometheus /metrics address; empty disables it (env CHISO_METRICS_LISTEN)");
ABSL_FLAG(std::string, data_dir, "var",
          "Directory of the embedded database file scoring.db (env CHISO_DATA_DIR)");
ABSL_FLAG(std::string, plan_addr, "localhost:50051",
          "Address of the plan service, read by ComputeScorecard (env CHISO_PLAN_ADDR)");
ABSL_FLAG(std::string, assignment_addr, "localhost:50052",
          "Address of the assignment service: units and plan progress (env "
          "CHISO_ASSIGNMENT_ADDR)");
ABSL_FLAG(
    std::string, catalog_file, "",
    "Extra framework catalog (text format) added to the built-in one (env CHISO_CATALOG_FILE)");
ABSL_FLAG(std::string, framework_file, "",
          "Extra framework versions (text format chiso.scoring.v1.FrameworkCatalog) added to "
          "the built-in ones (env CHISO_FRAMEWORK_FILE)");
ABSL_FLAG(absl::Duration, unit_tree_refresh_interval, absl::Seconds(60),
          "How often the copy of the unit tree that scopes results is refreshed from the "
          "assignment service (env CHISO_UNIT_TREE_REFRESH_INTERVAL)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error (env CHISO_LOG_LEVEL)");
ABSL_FLAG(absl::Duration, drain_grace, absl::Seconds(5),
          "How long health reports NOT_SERVING before shutdown starts");

int main(int argc, char** argv) {
  chiso::BlockShutdownSignals();
  absl::SetProgramUsageMessage(
      "chiso scoring service: index frameworks, results, rankings, trends and plan scorecards");
  // Env first, so a flag on the command line wins.
  if (absl::Status env = chiso::ApplyFlagEnvironment(); !env.ok()) {
    return chiso::FailToStart("scoring", env);
  }
  absl::ParseCommandLine(argc, argv);

  if (absl::Status s = chiso::ApplyLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }

  absl::StatusOr<std::shared_ptr<const chiso::auth::Authenticator>> authenticator =
      chiso::AuthenticatorFromFlags();
  if (!authenticator.ok()) return chiso::FailToStart("scoring", authenticator.status());
  const absl::Duration refresh_interval = absl::GetFlag(FLAGS_unit_tree_refresh_interval);
  if (refresh_interval <= absl::ZeroDuration()) {
    return chiso::FailToStart(
        "scoring", absl::InvalidArgumentError("--unit_tree_refresh_interval must be positive"));
  }
  std::unique_ptr<chiso::auth::AccessGate> gate = chiso::scoring::NewScoringGate(*authenticator);

  absl::StatusOr<chiso::Catalog> catalog = chiso::Catalog::Load(absl::GetFlag(FLAGS_catalog_file));
  if (!catalog.ok()) return chiso::FailToStart("scoring", catalog.status());
  absl::StatusOr<std::vector<chiso::scoring::v1::Framework>> versions =
      chiso::scoring::LoadCatalogFrameworks(*catalog, absl::GetFlag(FLAGS_framework_file));
  if (!versions.ok()) return chiso::FailToStart("scoring", versions.status());

  absl::StatusOr<std::unique_ptr<chiso::storage::Database>> db = chiso::OpenServiceDatabase(
      absl::GetFlag(FLAGS_data_dir), "scoring.db", absl::GetFlag(FLAGS_database_url),
      chiso::scoring::ScoringMigrations());
  if (!db.ok()) return chiso::FailToStart("scoring", db.status());

  // The other services are needed only by ComputeScorecard and by results
  // about units; the scoring service serves the rest while they are away, so
  // its health does not depend on them. Calls to them carry this service's
  // own credential (--call_credential_file), over TLS unless --plaintext.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> plan_channel =
      chiso::ServiceChannel(absl::GetFlag(FLAGS_plan_addr));
  if (!plan_channel.ok()) return chiso::FailToStart("scoring", plan_channel.status());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> assignment_channel =
      chiso::ServiceChannel(absl::GetFlag(FLAGS_assignment_addr));
  if (!assignment_channel.ok()) return chiso::FailToStart("scoring", assignment_channel.status());
  std::unique_ptr<chiso::scoring::PlanReader> plans =
      chiso::scoring::NewGrpcPlanReader(*plan_channel);
  std::unique_ptr<chiso::scoring::DirectoryReader> directory =
      chiso::scoring::NewGrpcDirectoryReader(*assignment_channel);

  // The copy of the unit tree that scopes results, refreshed from the
  // assignment service in the background (and on a unit it does not know).
  std::unique_ptr<chiso::scoring::UnitLister> unit_lister =
      chiso::scoring::NewGrpcUnitLister(*assignment_channel);
  chiso::unitdir::UnitDirectory unit_directory(db->get());
  chiso::scoring::RefreshingUnitTree unit_tree(&unit_directory, db->get(), unit_lister.get());
  chiso::audit::AuditLog audit(db->get());

  auto registry = std::make_shared<prometheus::Registry>();
  chiso::scoring::ScoringMetrics metrics(*registry);
  std::unique_ptr<chiso::scoring::ScoringStore> store =
      chiso::scoring::NewSqlScoringStore(db->get());
  chiso::IdGenerator ids;
  chiso::scoring::ScoringManager manager(store.get(), &*catalog, *std::move(versions),
                                         directory.get(), plans.get(), chiso::civil::Clock::Real(),
                                         &ids, &metrics);
  manager.SetAccess(&unit_tree, &audit);
  chiso::scoring::ScoringServiceImpl service(&manager, gate.get());

  chiso::ServerOptions options;
  options.service_name = "scoring";
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_listen);
  options.drain_grace = absl::GetFlag(FLAGS_drain_grace);
  // ImportResults takes CSV files up to 10 MiB.
  options.max_receive_message_bytes = 11 << 20;
  absl::StatusOr<std::unique_ptr<chiso::Server>> server = chiso::Server::Start(
      options, {{chiso::scoring::v1::ScoringService::service_full_name(), &service}}, registry,
      [&manager, &db]() -> absl::Status {
        if (absl::Status s = (*db)->Ping(); !s.ok()) return s;
        return manager.RefreshMetrics();
      });
  if (!server.ok()) return chiso::FailToStart("scoring", server.status());
  unit_tree.Start(refresh_interval);

  chiso::WaitForShutdownSignal(**server);
  (*server)->Wait();
  unit_tree.Stop();
  return 0;
}
