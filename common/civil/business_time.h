// Business time: Asia/Ho_Chi_Minh, which is UTC+7 all year (Vietnam has no
// daylight saving time). Deadlines are civil days in this zone, and a task
// due on 2024-04-30 is on time until 2024-04-30 24:00 in Hà Nội.
//
// The zone is a fixed offset (absl::FixedTimeZone), so nothing here reads
// the system time zone database.

#ifndef CHISO_COMMON_CIVIL_BUSINESS_TIME_H_
#define CHISO_COMMON_CIVIL_BUSINESS_TIME_H_

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace chiso::civil {

// Offset of business time from UTC, in seconds (UTC+7, no DST).
inline constexpr int kBusinessUtcOffsetSeconds = 7 * 60 * 60;

// Returns the business time zone: a fixed UTC+7 zone.
absl::TimeZone BusinessTimeZone();

// Returns the date in Vietnam at instant `t`: 2024-04-29 17:00 UTC is
// 2024-04-30 00:00 in Vietnam, so BusinessDay of it is 2024-04-30.
absl::CivilDay BusinessDay(absl::Time t);

// Returns the instant `day` begins in Vietnam (00:00 UTC+7, which is 17:00
// UTC of the previous day).
absl::Time StartOfBusinessDay(absl::CivilDay day);

// Returns the instant `day` ends in Vietnam, exclusive: the start of the next
// day. Work due on `day` is on time when finished before this instant.
absl::Time EndOfBusinessDay(absl::CivilDay day);

// Returns the instant of `hour`:`minute` on `day` in Vietnam:
// At(2024-04-30, 8, 0) is 2024-04-30 01:00 UTC. Values outside 0..23 and
// 0..59 are normalised as absl::CivilMinute does (hour 24 is 00:00 of the
// next day).
absl::Time At(absl::CivilDay day, int hour, int minute);

}  // namespace chiso::civil

#endif  // CHISO_COMMON_CIVIL_BUSINESS_TIME_H_
