#ifndef CHISO_COMMON_IDS_PAGE_TOKEN_H_
#define CHISO_COMMON_IDS_PAGE_TOKEN_H_

// Opaque page tokens for keyset pagination (AIP-158). A token carries the key
// of the last item returned and a fingerprint of the request's filter, so a
// token cannot be replayed against a different filter.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chiso {

// Returns a stable fingerprint (same on every replica and release) of the
// bytes that define a listing, e.g. the serialized filter message.
std::string Fingerprint(absl::string_view bytes);

// Returns a token that resumes the listing defined by `fingerprint` after
// `last_key`.
std::string EncodePageToken(absl::string_view fingerprint, absl::string_view last_key);

// Returns the last key of a token made by EncodePageToken. Errors:
// InvalidArgument "page_token: malformed" when it is not such a token, and
// "page_token: issued for a different filter" when the fingerprint differs.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view fingerprint);

// Returns the page size to use: `requested` if positive, `default_size` if 0,
// at most `max_size`. Errors: InvalidArgument for a negative value.
absl::StatusOr<int> NormalizePageSize(int requested, int default_size = 50, int max_size = 500);

}  // namespace chiso

#endif  // CHISO_COMMON_IDS_PAGE_TOKEN_H_
