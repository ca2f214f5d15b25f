// chiso-notification: the notification service (reminder delivery to
// inboxes, streams and webhooks; the reminder queue's health). Flags fall
// back to CHISO_* environment variables (see docs/OPERATIONS.md).

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/calendar/working_calendar.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/redis/redis.h"
#include "common/reminders/queue.h"
#include "common/reminders/worker.h"
#include "common/server/auth_flags.h"
#include "common/server/server.h"
#include "common/server/service_main.h"
#include "common/storage/database.h"
#include "services/notification/consumer.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/inbox_manager.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_access.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_store.h"
#include "services/notification/operations_manager.h"
#include "services/notification/queue_admin.h"
#include "services/notification/webhook_manager.h"
#include "services/notification/webhook_sender.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50054", "gRPC address to listen on (env CHISO_LISTEN)");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9104",
          "Prometheus /metrics address; empty disables it (env CHISO_METRICS_LISTEN)");
ABSL_FLAG(std::string, data_dir, "var",
          "Directory of the embedded database file notification.db (env CHISO_DATA_DIR)");
ABSL_FLAG(std::string, redis, "127.0.0.1:6390",
          "Redis of the shared reminder queue, host:port or redis://[:password@]host:port "
          "(env CHISO_REDIS)");
ABSL_FLAG(int, consumer_threads, 2, "Threads claiming reminders from the queue");
ABSL_FLAG(int, batch, 100, "Reminders one thread claims at a time (1-200)");
ABSL_FLAG(absl::Duration, lease, absl::Seconds(30),
          "How long a claimed reminder stays leased; a crash redelivers it after this");
ABSL_FLAG(std::string, calendar_file, "",
          "Working-calendar lines added to the built-in calendar, for the overdue chains "
          "(env CHISO_CALENDAR_FILE)");
ABSL_FLAG(absl::Duration, lateness_threshold, absl::Minutes(5),
          "A reminder delivered later than this after its fire time is marked late");
ABSL_FLAG(absl::Duration, delivery_log_retention, absl::Hours(24 * 14),
          "How far back Subscribe replays from a cursor or a time");
ABSL_FLAG(bool, allow_insecure_webhooks, false,
          "Accept plain http:// webhook URLs (local development only)");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error (env CHISO_LOG_LEVEL)");
ABSL_FLAG(absl::Duration, drain_grace, absl::Seconds(5),
          "How long health reports NOT_SERVING before shutdown starts");

namespace {

int Usage(const std::string& message) {
  std::cerr << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  chiso::BlockShutdownSignals();
  absl::SetProgramUsageMessage(
      "chiso notification service: delivers deadline reminders to inboxes, streams, webhooks");
  // Env first, so a flag on the command line wins.
  if (absl::Status env = chiso::ApplyFlagEnvironment(); !env.ok()) {
    return chiso::FailToStart("notification", env);
  }
  absl::ParseCommandLine(argc, argv);

  if (absl::Status s = chiso::ApplyLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    return Usage(std::string(s.message()));
  }
  const int threads = absl::GetFlag(FLAGS_consumer_threads);
  const int batch = absl::GetFlag(FLAGS_batch);
  const absl::Duration lease = absl::GetFlag(FLAGS_lease);
  if (threads < 1 || threads > 64) return Usage("--consumer_threads: must be 1-64");
  if (batch < 1 || batch > 200) return Usage("--batch: must be 1-200");
  if (lease < absl::Seconds(1)) return Usage("--lease: must be at least 1s");
  if (absl::GetFlag(FLAGS_lateness_threshold) < absl::ZeroDuration()) {
    return Usage("--lateness_threshold: must not be negative");
  }
  if (absl::GetFlag(FLAGS_delivery_log_retention) < absl::Hours(1)) {
    return Usage("--delivery_log_retention: must be at least 1h");
  }
  absl::StatusOr<chiso::redis::Endpoint> endpoint =
      chiso::redis::ParseEndpoint(absl::GetFlag(FLAGS_redis));
  if (!endpoint.ok()) return Usage(absl::StrCat("--redis: ", endpoint.status().message()));
  absl::StatusOr<chiso::calendar::WorkingCalendar> calendar =
      chiso::calendar::WorkingCalendar::BuiltinPlusFile(absl::GetFlag(FLAGS_calendar_file));
  if (!calendar.ok()) return chiso::FailToStart("notification", calendar.status());

  // Refuses to start without credentials to check unless --auth=off.
  absl::StatusOr<std::shared_ptr<const chiso::auth::Authenticator>> authenticator =
      chiso::AuthenticatorFromFlags();
  if (!authenticator.ok()) return chiso::FailToStart("notification", authenticator.status());

  // NotificationMigrations() ends with the audit trail's (common/audit).
  absl::StatusOr<std::unique_ptr<chiso::storage::Database>> db = chiso::OpenServiceDatabase(
      absl::GetFlag(FLAGS_data_dir), "notification.db", absl::GetFlag(FLAGS_database_url),
      chiso::notification::NotificationMigrations());
  if (!db.ok()) return chiso::FailToStart("notification", db.status());

  chiso::civil::Clock* clock = chiso::civil::Clock::Real();
  chiso::IdGenerator ids;
  chiso::notification::NotificationStore store(db->get(), &ids, [clock] { return clock->Now(); });
  absl::StatusOr<int64_t> last_seq = store.LastSeq();
  if (!last_seq.ok()) return chiso::FailToStart("notification", last_seq.status());

  auto registry = std::make_shared<prometheus::Registry>();
  chiso::notification::NotificationMetrics metrics(*registry);
  chiso::notification::DeliveryHub hub(*last_seq);
  chiso::notification::LatenessWindow lateness;
  chiso::notification::WebhookSender sender(&store, clock, &metrics);

  chiso::reminders::QueueOptions queue_options;
  queue_options.lease = lease;
  std::unique_ptr<chiso::notification::QueueAdmin> queue =
      chiso::notification::NewRedisQueueAdmin(*endpoint, queue_options);

  chiso::notification::InboxOptions inbox_options;
  inbox_options.retention = absl::GetFlag(FLAGS_delivery_log_retention);
  chiso::notification::InboxManager inbox(&store, &hub, clock, &metrics, inbox_options);
  chiso::notification::WebhookRules rules;
  rules.allow_insecure = absl::GetFlag(FLAGS_allow_insecure_webhooks);
  chiso::notification::WebhookManager webhooks(&store, rules);
  chiso::notification::OperationsManager operations(queue.get(), &store, &lateness, &*calendar,
                                                    clock, [&sender] { sender.Wake(); });
  // Who may call what (notification_access.h), and the audit trail of the
  // changes made through the API, kept in the service's own database.
  std::unique_ptr<chiso::auth::AccessGate> gate =
      chiso::notification::NewNotificationGate(*authenticator);
  chiso::audit::AuditLog audit(db->get());
  chiso::notification::NotificationServiceImpl service(&inbox, &webhooks, &operations, gate.get(),
                                                       &audit);

  chiso::notification::ConsumerOptions consumer_options;
  consumer_options.late_threshold = absl::GetFlag(FLAGS_lateness_threshold);
  chiso::notification::ReminderConsumer consumer(
      &store, &hub, &*calendar, clock, &metrics, &lateness, [&sender] { sender.Wake(); },
      consumer_options);
  chiso::reminders::WorkerOptions worker_options;
  worker_options.threads = threads;
  worker_options.batch = batch;
  chiso::reminders::Worker worker(*endpoint, queue_options, worker_options, consumer.AsHandler());

  // Health follows the database only: the inboxes work while Redis is down
  // (the workers reconnect by themselves), and a replica that stops serving
  // because of Redis would take the inboxes down with it.
  std::atomic<bool> stopping{false};
  auto health = [&]() -> absl::Status {
    if (stopping.load()) return absl::UnavailableError("shutting down");
    return (*db)->Ping();
  };

  chiso::ServerOptions options;
  options.service_name = "notification";
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_listen);
  // The drain happens below, before the workers and streams stop.
  options.drain_grace = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<chiso::Server>> server = chiso::Server::Start(
      options, {{chiso::notification::v1::NotificationService::service_full_name(), &service}},
      registry, health);
  if (!server.ok()) return chiso::FailToStart("notification", server.status());

  worker.Start();
  sender.Start();
  // The queue gauges come from Redis, read on a timer of their own so that a
  // slow or unreachable Redis never delays a health check.
  absl::Notification stop_refresh;
  std::thread refresher([&] {
    do {
      absl::StatusOr<chiso::reminders::Stats> stats = queue->GetStats();
      if (stats.ok()) {
        metrics.SetQueue(stats->due, stats->leased, stats->dead,
                         absl::Milliseconds(stats->oldest_ready_age_ms));
      } else {
        chiso::log::Warning("queue metrics not refreshed", {{"error", stats.status().ToString()}});
      }
    } while (!stop_refresh.WaitForNotificationWithTimeout(absl::Seconds(15)));
  });

  chiso::WaitForSignal();
  // NOT_SERVING first, so load balancers stop sending new calls; then the
  // workers settle the batches in hand, the streams end with UNAVAILABLE
  // (clients reconnect elsewhere with their cursor), and the server stops.
  stopping.store(true);
  (*server)->CheckHealth();
  absl::SleepFor(absl::GetFlag(FLAGS_drain_grace));
  worker.Stop();
  sender.Stop();
  stop_refresh.Notify();
  refresher.join();
  hub.Shutdown();
  (*server)->Shutdown();
  (*server)->Wait();
  return 0;
}
