#include "common/auth/file_version.h"

#include <sys/stat.h>

namespace chiso::auth {

std::optional<FileVersion> FileVersionOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  FileVersion version;
  version.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  version.size = static_cast<int64_t>(st.st_size);
  version.inode = static_cast<uint64_t>(st.st_ino);
  version.device = static_cast<uint64_t>(st.st_dev);
  return version;
}

}  // namespace chiso::auth
