#ifndef CHISO_SERVICES_NOTIFICATION_MESSAGE_BUILDER_H_
#define CHISO_SERVICES_NOTIFICATION_MESSAGE_BUILDER_H_

// Builds the notification a reminder becomes: the fields copied from the
// queued payload, and the Vietnamese title and body people read, e.g.
//   title  Nhắc việc: Xây dựng kế hoạch kiểm tra đến hạn ngày 30/04/2024
//   body   Nhiệm vụ: Xây dựng kế hoạch kiểm tra
//          Đơn vị chủ trì: Phòng Tài chính - Kế hoạch
//          Kế hoạch số 60/KH-UBND: Cải thiện chỉ số DDCI năm 2024
//          Hạn hoàn thành: 30/04/2024
//          Hôm nay là hạn hoàn thành nhiệm vụ. Đề nghị …
// Pure: no I/O, no clock.

#include <string>

#include "chiso/common/v1/types.pb.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"

namespace chiso::notification {

// "30/04/2024"; "" for an unset date.
std::string FormatDueDate(const chiso::common::v1::Date& date);

// The kind of `payload`: its own when set, otherwise the kind its rule
// implies ("before-7d" → TASK_DUE_SOON …); UNSPECIFIED for an unknown rule.
chiso::notification::v1::NotificationKind KindOf(
    const chiso::notification::v1::ReminderPayload& payload);

// The notification of `payload` without name, delivery time or lateness
// (set when it is stored). `calendar` counts the working days an escalated
// task is overdue.
chiso::notification::v1::Notification BuildNotification(
    const chiso::notification::v1::ReminderPayload& payload,
    const calendar::WorkingCalendar& calendar);

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_MESSAGE_BUILDER_H_
