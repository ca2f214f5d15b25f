#include "common/reminders/producer_flags.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

ABSL_FLAG(std::string, redis, "127.0.0.1:6390",
          "Redis of the reminder queue, host:port or redis://[:password@]host:port; empty "
          "turns reminders off (env CHISO_REDIS)");
ABSL_FLAG(std::string, calendar_file, "",
          "Extra working-calendar lines (holidays, make-up working days) added to the built-in "
          "calendar (env CHISO_CALENDAR_FILE)");
ABSL_FLAG(std::string, reminder_policy_file, "",
          "Suite-wide reminder policy in protobuf text format (ReminderPolicy); plans may "
          "override it (env CHISO_REMINDER_POLICY_FILE)");
ABSL_FLAG(absl::Duration, reminder_lookback, absl::Hours(24 * 7),
          "Reminders due this far back are still sent, late, when Redis lost them");
ABSL_FLAG(absl::Duration, reconcile_interval, absl::Minutes(5),
          "How often the elected replica rebuilds the reminder queue from the database");

namespace chiso::reminders {

absl::StatusOr<chiso::notification::v1::ReminderPolicy> ParsePolicyText(absl::string_view text) {
  chiso::notification::v1::ReminderPolicy policy;
  google::protobuf::TextFormat::Parser parser;
  class Collector : public google::protobuf::io::ErrorCollector {
   public:
    void AddError(int line, int column, const std::string& message) override {
      if (first.empty())
        first = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
    }
    std::string first;
  } errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &policy)) {
    return absl::InvalidArgumentError(absl::StrCat("reminder policy: ", errors.first));
  }
  return policy;
}

absl::StatusOr<ProducerSetup> ProducerSetupFromFlags(absl::string_view role) {
  ProducerSetup setup;
  const std::string redis = absl::GetFlag(FLAGS_redis);
  if (!redis.empty()) {
    absl::StatusOr<redis::Endpoint> endpoint = redis::ParseEndpoint(redis);
    if (!endpoint.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--redis: ", endpoint.status().message()));
    }
    setup.endpoint = *endpoint;
  }
  absl::StatusOr<calendar::WorkingCalendar> calendar =
      calendar::WorkingCalendar::BuiltinPlusFile(absl::GetFlag(FLAGS_calendar_file));
  if (!calendar.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--calendar_file: ", calendar.status().message()));
  }
  setup.calendar = *std::move(calendar);
  const std::string policy_file = absl::GetFlag(FLAGS_reminder_policy_file);
  if (!policy_file.empty()) {
    std::ifstream in(policy_file);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--reminder_policy_file: cannot read ", policy_file));
    }
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<chiso::notification::v1::ReminderPolicy> policy = ParsePolicyText(text.str());
    if (!policy.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--reminder_policy_file ", policy_file, ": ", policy.status().message()));
    }
    setup.policy = *std::move(policy);
  }
  setup.lookback = absl::GetFlag(FLAGS_reminder_lookback);
  if (setup.lookback < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--reminder_lookback: must not be negative");
  }
  setup.producer.role = std::string(role);
  setup.producer.reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval);
  if (setup.producer.reconcile_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--reconcile_interval: at least 1s");
  }
  return setup;
}

std::unique_ptr<Producer> StartProducer(const ProducerSetup& setup, ReminderSource* source,
                                        const civil::Clock* clock, prometheus::Registry* registry) {
  if (!setup.endpoint) {
    log::Warning("reminders are off (--redis is empty)", {{"role", setup.producer.role}});
    return nullptr;
  }
  auto producer = std::make_unique<Producer>(*setup.endpoint, setup.queue, setup.producer, source,
                                             clock, registry);
  producer->Start();
  log::Info("reminder producer started",
            {{"role", setup.producer.role},
             {"redis", absl::StrCat(setup.endpoint->host, ":", setup.endpoint->port)}});
  return producer;
}

}  // namespace chiso::reminders
