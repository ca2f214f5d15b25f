#include "tools/chiso-token/cli.h"

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/api_keys.h"
#include "common/auth/jwt.h"
#include "common/auth/principal.h"
#include "tools/common/subcommand_flags.h"

namespace chiso::chisotoken {
namespace {

using auth::Principal;

constexpr char kUsage[] = R"(chiso-token: issues credentials for the chiso services.

Usage:
  chiso-token jwt --alg HS256 --secret-file FILE --iss ISSUER --aud AUDIENCE --sub SUBJECT
                  [--kid KID] [--kind person|system|service] [--unit units/ID]
                  [--roles ROLE,...] [--scopes "SCOPE ..."] [--ttl 8h]
  chiso-token jwt --alg RS256 --private-key PEM_FILE ... (the same claims flags)
      Prints a signed JWT (iat now, exp now + ttl; default ttl 1h, at most
      720h). The HS256 secret is the file's bytes without a trailing newline
      (at least 32 bytes). --kind defaults to person; service is refused
      (services use API keys).
  chiso-token api-key --id KEY_ID [--sub PRINCIPAL_ID] [--kind ...] [--unit ...]
                      [--roles ...] [--scopes ...] [--expires 2027-06-30T00:00:00Z]
      Prints a new random API key on the first line (give it to the caller;
      it is shown once and stored nowhere) and then the keys-file entry with
      its SHA-256 to append under "keys:". --sub defaults to KEY_ID. --kind
      is required: system (limited to --unit's subtree) or service (one of
      chiso's own services: no unit, role system, sees every unit).

Roles: administrator, planner, reporter, viewer, system.
Exit status: 0 ok, 1 error, 2 usage error. See docs/SECURITY.md.
)";

int Usage(std::ostream& err, absl::string_view message) {
  err << "chiso-token: " << message << "\nRun \"chiso-token --help\" for usage.\n";
  return kExitUsage;
}

int Fail(std::ostream& err, const absl::Status& status) {
  err << "chiso-token: " << status.message() << "\n";
  return kExitError;
}

using Command = tools::SubcommandFlags;

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"jwt",
       {{"alg", "iss", "aud", "sub"},
        {"secret-file", "private-key", "kid", "kind", "unit", "roles", "scopes", "ttl"},
        {}}},
      {"api-key", {{"id"}, {"sub", "kind", "unit", "roles", "scopes", "expires"}, {}}},
  };
  return *commands;
}

std::string Get(const std::map<std::string, std::string>& flags, const std::string& name,
                const std::string& fallback = "") {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

// The principal the flags describe; INVALID_ARGUMENT for a bad value.
absl::StatusOr<Principal> PrincipalFromFlags(const std::map<std::string, std::string>& flags,
                                             const std::string& id,
                                             const std::string& default_kind) {
  Principal p;
  p.id = id;
  absl::StatusOr<Principal::Kind> kind = auth::ParseKind(Get(flags, "kind", default_kind));
  if (!kind.ok()) return kind.status();
  p.kind = *kind;
  p.unit = Get(flags, "unit");
  for (absl::string_view name : absl::StrSplit(Get(flags, "roles"), ',', absl::SkipEmpty())) {
    absl::StatusOr<auth::Role> role = auth::ParseRole(name);
    if (!role.ok()) return role.status();
    p.roles.insert(*role);
  }
  for (absl::string_view scope :
       absl::StrSplit(Get(flags, "scopes"), absl::ByAnyChar(" ,"), absl::SkipEmpty())) {
    p.scopes.insert(std::string(scope));
  }
  if (absl::Status s = auth::ValidatePrincipal(p); !s.ok()) return s;
  return p;
}

int RunJwt(const std::map<std::string, std::string>& flags, std::ostream& out, std::ostream& err) {
  absl::StatusOr<auth::JwtAlgorithm> alg = auth::ParseJwtAlgorithm(Get(flags, "alg"));
  if (!alg.ok()) return Usage(err, absl::StrCat("--alg: ", alg.status().message()));
  const bool hs = *alg == auth::JwtAlgorithm::kHs256;
  const std::string key_flag = hs ? "secret-file" : "private-key";
  const std::string other_flag = hs ? "private-key" : "secret-file";
  if (flags.count(key_flag) == 0) {
    return Usage(err, absl::StrCat("--alg ", Get(flags, "alg"), " needs --", key_flag));
  }
  if (flags.count(other_flag) > 0) {
    return Usage(err,
                 absl::StrCat("--", other_flag, " does not go with --alg ", Get(flags, "alg")));
  }
  absl::Duration ttl = absl::Hours(1);
  if (flags.count("ttl") > 0 && !absl::ParseDuration(Get(flags, "ttl"), &ttl)) {
    return Usage(err, "--ttl: not a duration (8h, 30m, 90s)");
  }
  if (ttl < absl::Seconds(1) || ttl > absl::Hours(720)) {
    return Usage(err, "--ttl: between 1s and 720h");
  }
  absl::StatusOr<Principal> principal = PrincipalFromFlags(flags, Get(flags, "sub"), "person");
  if (!principal.ok()) return Usage(err, principal.status().message());

  absl::StatusOr<std::string> material = auth::ReadJwtKeyFile(*alg, Get(flags, key_flag));
  if (!material.ok()) return Fail(err, material.status());
  auth::JwtSigningKey key{*alg, Get(flags, "kid"), *std::move(material)};
  absl::StatusOr<std::string> token = auth::SignJwt(
      key, auth::ClaimsFor(*principal, Get(flags, "iss"), Get(flags, "aud"), absl::Now(), ttl));
  if (!token.ok()) return Fail(err, token.status());
  out << *token << "\n";
  return kExitOk;
}

int RunApiKey(const std::map<std::string, std::string>& flags, std::ostream& out,
              std::ostream& err) {
  const std::string id = Get(flags, "id");
  if (absl::Status s = auth::ValidateApiKeyId(id); !s.ok()) {
    return Usage(err, absl::StrCat("--id: ", s.message()));
  }
  // No default kind: a service sees every unit, a system only its own.
  if (flags.count("kind") == 0) {
    return Usage(err,
                 "--kind is required: system (another system, limited to --unit) or service "
                 "(one of chiso's own services, which sees every unit)");
  }
  absl::StatusOr<Principal> principal = PrincipalFromFlags(flags, Get(flags, "sub", id), "service");
  if (!principal.ok()) return Usage(err, principal.status().message());
  std::optional<absl::Time> expires;
  if (flags.count("expires") > 0) {
    absl::Time t;
    std::string parse_error;
    if (!absl::ParseTime(absl::RFC3339_full, Get(flags, "expires"), &t, &parse_error)) {
      return Usage(err, "--expires: not an RFC 3339 time (2027-06-30T00:00:00Z)");
    }
    expires = t;
  }
  absl::StatusOr<auth::NewApiKey> key = auth::GenerateApiKey(id);
  if (!key.ok()) return Fail(err, key.status());
  out << key->key << "\n"
      << "# keys-file entry (append under \"keys:\"; the key above is not stored anywhere):\n"
      << auth::ApiKeyEntryYaml(id, key->sha256, *principal, expires);
  return kExitOk;
}

}  // namespace

int RunChisoToken(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return Usage(err, "missing command (jwt or api-key)");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return kExitOk;
  }
  auto command = Commands().find(args[0]);
  if (command == Commands().end()) {
    return Usage(err, absl::StrCat("unknown command \"", args[0], "\""));
  }
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return kExitOk;
    }
  }
  std::map<std::string, std::string> flags;
  if (absl::Status s = tools::ParseSubcommandFlags(command->second, args, &flags); !s.ok()) {
    return Usage(err, s.message());
  }
  if (args[0] == "jwt") return RunJwt(flags, out, err);
  return RunApiKey(flags, out, err);
}

}  // namespace chiso::chisotoken
