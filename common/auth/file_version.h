#ifndef CHISO_COMMON_AUTH_FILE_VERSION_H_
#define CHISO_COMMON_AUTH_FILE_VERSION_H_

// Which version of a file is on disk, for credential files that are re-read
// when they change (API keys, JWT keys, a service's own credential):
// modification time, size, inode and device, so an edit in place and a
// rename over it are both seen.

#include <cstdint>
#include <optional>
#include <string>

namespace chiso::auth {

struct FileVersion {
  int64_t mtime_ns = 0;
  int64_t size = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  bool operator==(const FileVersion& o) const {
    return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode && device == o.device;
  }
  bool operator!=(const FileVersion& o) const { return !(*this == o); }
};

// The version of the file at `path`; nullopt when it cannot be stat'ed
// (gone, or not readable by this process).
std::optional<FileVersion> FileVersionOf(const std::string& path);

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_FILE_VERSION_H_
