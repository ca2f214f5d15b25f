#ifndef CHISO_TOOLS_CHISO_TOKEN_CLI_H_
#define CHISO_TOOLS_CHISO_TOKEN_CLI_H_

// chiso-token, issuing credentials for the chiso services (docs/SECURITY.md):
//
//   chiso-token jwt --alg HS256 --secret-file F | --alg RS256 --private-key PEM
//                   --iss I --aud A --sub S [--kid K] [--kind person|system|service]
//                   [--unit units/...] [--roles planner,viewer] [--scopes "a b"]
//                   [--ttl 8h]
//       prints a signed JWT.
//   chiso-token api-key --id ID [--sub S] [--kind ...] [--unit ...] [--roles ...]
//                       [--scopes ...] [--expires 2027-06-30T00:00:00Z]
//       prints a new random API key (line 1) and the keys-file entry holding
//       its SHA-256 (the rest).

#include <ostream>
#include <string>
#include <vector>

namespace chiso::chisotoken {

inline constexpr int kExitOk = 0;
// Reading a key file, signing or the random generator failed.
inline constexpr int kExitError = 1;
// Unknown command or flag, a missing, repeated or invalid flag value.
inline constexpr int kExitUsage = 2;

// Runs chiso-token with `args` (argv without the program name).
int RunChisoToken(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace chiso::chisotoken

#endif  // CHISO_TOOLS_CHISO_TOKEN_CLI_H_
