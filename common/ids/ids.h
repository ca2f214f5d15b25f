#ifndef CHISO_COMMON_IDS_IDS_H_
#define CHISO_COMMON_IDS_IDS_H_

// Sortable resource ids: 26 characters of lower-case Crockford base32, the
// first 10 encoding the creation time in milliseconds and the last 16 random
// bits (the ULID layout). Ids made later sort after ids made earlier, so a
// listing ordered by id is ordered by creation and keyset pagination is stable.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace chiso {

class IdGenerator {
 public:
  // `now` and `random` default to the real clock and a random generator;
  // tests inject their own for repeatable ids.
  IdGenerator();
  IdGenerator(std::function<absl::Time()> now, std::function<uint64_t()> random);

  // Returns a new id, strictly greater than every id this generator returned
  // before (within one millisecond the random part is incremented).
  std::string Next();

 private:
  std::function<absl::Time()> now_;
  std::function<uint64_t()> random_;
  absl::Mutex mu_;
  uint64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_hi_ ABSL_GUARDED_BY(mu_) = 0;  // top 16 of the 80 random bits
  uint64_t last_lo_ ABSL_GUARDED_BY(mu_) = 0;  // low 64 random bits
};

// True if `id` has the form IdGenerator makes: 26 characters of lower-case
// Crockford base32 whose first character is 0–7.
bool IsValidId(absl::string_view id);

}  // namespace chiso

#endif  // CHISO_COMMON_IDS_IDS_H_
