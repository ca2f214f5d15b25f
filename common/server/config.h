#ifndef CHISO_COMMON_SERVER_CONFIG_H_
#define CHISO_COMMON_SERVER_CONFIG_H_

// Flag defaults that fall back to environment variables, so one binary is
// configured by flags on a workstation and by env in a container:
//   ABSL_FLAG(std::string, listen, chiso::EnvOr("CHISO_LISTEN", "0.0.0.0:50051"), "…");
// A flag given on the command line wins over the variable.

#include <cstdlib>
#include <string>

namespace chiso {

inline std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace chiso

#endif  // CHISO_COMMON_SERVER_CONFIG_H_
