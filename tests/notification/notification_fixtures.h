// Shared pieces of the notification tests: names, recipients and built
// notifications as the consumer would store them.
#ifndef CHISO_TESTS_NOTIFICATION_NOTIFICATION_FIXTURES_H_
#define CHISO_TESTS_NOTIFICATION_NOTIFICATION_FIXTURES_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/civil/proto_time.h"
#include "common/ids/ids.h"

namespace chiso::notification::testing {

namespace pb = chiso::notification::v1;

// A fresh valid id ("01…", 26 characters).
inline std::string NewId() {
  static IdGenerator* ids = new IdGenerator();
  return ids->Next();
}

inline pb::Recipient Unit(const std::string& name, const std::string& display,
                          std::initializer_list<std::string> ancestors = {},
                          pb::RecipientRole role = pb::RECIPIENT_ROLE_LEAD_UNIT) {
  pb::Recipient r;
  r.set_unit(name);
  r.set_display_name(display);
  r.set_role(role);
  for (const std::string& a : ancestors) r.add_ancestors(a);
  return r;
}

inline pb::Recipient Person(const std::string& name, const std::string& display,
                            std::initializer_list<std::string> ancestors = {}) {
  pb::Recipient r;
  r.set_person(name);
  r.set_display_name(display);
  r.set_role(pb::RECIPIENT_ROLE_SUPERVISOR);
  for (const std::string& a : ancestors) r.add_ancestors(a);
  return r;
}

inline pb::Recipient Post(const std::string& text,
                          std::initializer_list<std::string> ancestors = {}) {
  pb::Recipient r;
  r.set_post(text);
  r.set_display_name(text);
  r.set_role(pb::RECIPIENT_ROLE_SUPERVISOR);
  for (const std::string& a : ancestors) r.add_ancestors(a);
  return r;
}

// A notification as built from a payload (no name, no delivery time).
inline pb::Notification Built(const std::string& reminder_id, absl::Time fire,
                              std::vector<pb::Recipient> recipients,
                              pb::NotificationKind kind = pb::NOTIFICATION_KIND_TASK_DUE,
                              const std::string& plan = "", const std::string& task = "") {
  pb::Notification n;
  n.set_reminder_id(reminder_id);
  n.set_kind(kind);
  n.set_rule(reminder_id.substr(reminder_id.rfind('/') + 1));
  n.set_plan(plan);
  n.set_task(task);
  for (pb::Recipient& r : recipients) *n.add_recipients() = std::move(r);
  *n.mutable_fire_time() = civil::ToTimestamp(fire);
  n.set_title(absl::StrCat("Nhắc việc ", reminder_id));
  n.set_body("Nội dung");
  return n;
}

inline absl::Time At(int y, int m, int d, int hh = 1, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

}  // namespace chiso::notification::testing

#endif  // CHISO_TESTS_NOTIFICATION_NOTIFICATION_FIXTURES_H_
