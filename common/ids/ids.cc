#include "common/ids/ids.h"

#include "absl/random/random.h"
#include "absl/time/clock.h"

namespace chiso {
namespace {

constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

}  // namespace

IdGenerator::IdGenerator()
    : IdGenerator([] { return absl::Now(); },
                  [] {
                    static thread_local absl::BitGen gen;
                    return absl::Uniform<uint64_t>(gen);
                  }) {}

IdGenerator::IdGenerator(std::function<absl::Time()> now, std::function<uint64_t()> random)
    : now_(std::move(now)), random_(std::move(random)) {}

std::string IdGenerator::Next() {
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now_()));
  uint64_t hi, lo;
  {
    absl::MutexLock lock(&mu_);
    if (ms <= last_ms_) {
      // Same (or an earlier, if the clock stepped back) millisecond: stay
      // monotonic by incrementing the previous random part.
      ms = last_ms_;
      lo = last_lo_ + 1;
      hi = last_hi_ + (lo == 0 ? 1 : 0);
      if (hi > 0xFFFF) {  // 2^80 ids in one millisecond: move to the next.
        ++ms;
        hi = 0;
        lo = 0;
      }
    } else {
      hi = random_() & 0x7FFF;  // leave room to increment without overflow
      lo = random_();
    }
    last_ms_ = ms;
    last_hi_ = hi;
    last_lo_ = lo;
  }
  // 128 bits: 48 of time, 80 of randomness, written as 26 base32 digits
  // (130 bits, the top two always zero).
  std::string out(26, '0');
  uint64_t high = (ms << 16) | hi;  // top 64 bits
  uint64_t low = lo;                // bottom 64 bits
  for (int i = 25; i >= 0; --i) {
    out[i] = kAlphabet[low & 31];
    low = (low >> 5) | (high << 59);
    high >>= 5;
  }
  return out;
}

bool IsValidId(absl::string_view id) {
  if (id.size() != 26 || id[0] < '0' || id[0] > '7') return false;
  for (char c : id) {
    bool ok = false;
    for (const char* a = kAlphabet; *a != '\0'; ++a) {
      if (*a == c) {
        ok = true;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace chiso
