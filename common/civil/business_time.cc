#include "common/civil/business_time.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace chiso::civil {

absl::TimeZone BusinessTimeZone() { return absl::FixedTimeZone(kBusinessUtcOffsetSeconds); }

absl::CivilDay BusinessDay(absl::Time t) { return absl::ToCivilDay(t, BusinessTimeZone()); }

absl::Time StartOfBusinessDay(absl::CivilDay day) {
  return absl::FromCivil(day, BusinessTimeZone());
}

absl::Time EndOfBusinessDay(absl::CivilDay day) { return StartOfBusinessDay(day + 1); }

absl::Time At(absl::CivilDay day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
                         BusinessTimeZone());
}

}  // namespace chiso::civil
