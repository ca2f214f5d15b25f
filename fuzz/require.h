// What the fuzz targets share: a check that turns a broken promise into a
// crash, which libFuzzer reports with the input that caused it.

#ifndef CHISO_FUZZ_REQUIRE_H_
#define CHISO_FUZZ_REQUIRE_H_

#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"

namespace chiso::fuzz {

// Prints `what` and aborts unless `ok`.
inline void Require(bool ok, absl::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: broken promise: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace chiso::fuzz

#endif  // CHISO_FUZZ_REQUIRE_H_
