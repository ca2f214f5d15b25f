#include "common/auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/base64url.h"
#include "google/protobuf/util/json_util.h"

namespace chiso::auth {

namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

constexpr size_t kMinHmacSecret = 32;
constexpr int kMinRsaBits = 2048;
// 9999-12-31T23:59:59Z: NumericDates beyond are refused.
constexpr double kMaxNumericDate = 253402300799.0;

absl::Status Unauthenticated(absl::string_view reason) {
  return absl::UnauthenticatedError(reason);
}

// `s` quoted for a message if it is a short printable token, else "".
std::string Quoted(absl::string_view s) {
  return IsPrintableToken(s, 64) ? absl::StrCat(" \"", s, "\"") : std::string();
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::optional<Struct> ParseObject(absl::string_view json) {
  Struct out;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &out).ok()) {
    return std::nullopt;
  }
  return out;
}

const Value* Field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

// A NumericDate claim: absent (nullopt, ok), a finite number in range, or an
// error.
absl::StatusOr<std::optional<double>> NumericDate(const Struct& claims, const std::string& name) {
  const Value* v = Field(claims, name);
  if (v == nullptr) return std::optional<double>();
  if (v->kind_case() != Value::kNumberValue || !std::isfinite(v->number_value()) ||
      v->number_value() < 0 || v->number_value() > kMaxNumericDate) {
    return Unauthenticated(absl::StrCat("claim \"", name, "\" is not a valid NumericDate"));
  }
  return std::optional<double>(v->number_value());
}

absl::StatusOr<PkeyPtr> ReadPublicKey(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::InternalError("BIO_new_mem_buf failed");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError("RS256 key: not a PEM public key (BEGIN PUBLIC KEY)");
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return absl::InvalidArgumentError("RS256 key: not an RSA key");
  }
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RS256 key: ", EVP_PKEY_get_bits(key.get()), " bits, at least 2048 needed"));
  }
  return key;
}

std::string HmacSha256(absl::string_view secret, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &out_len) == nullptr) {
    return std::string();
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

}  // namespace

struct JwtVerifier::LoadedKey {
  JwtAlgorithm alg;
  std::string kid;
  std::string secret;  // HS256
  PkeyPtr public_key;  // RS256

  bool Check(absl::string_view signed_part, absl::string_view signature) const {
    if (alg == JwtAlgorithm::kHs256) {
      const std::string mac = HmacSha256(secret, signed_part);
      return mac.size() == 32 && signature.size() == mac.size() &&
             CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
    }
    if (static_cast<int>(signature.size()) != EVP_PKEY_get_size(public_key.get())) return false;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return false;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key.get()) != 1) {
      return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size()) == 1;
  }
};

absl::string_view JwtAlgorithmName(JwtAlgorithm alg) {
  return alg == JwtAlgorithm::kHs256 ? "HS256" : "RS256";
}

absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(absl::string_view name) {
  if (name == "HS256") return JwtAlgorithm::kHs256;
  if (name == "RS256") return JwtAlgorithm::kRs256;
  return absl::InvalidArgumentError(
      absl::StrCat("algorithm", Quoted(name), " is not accepted (HS256 or RS256)"));
}

JwtVerifier::JwtVerifier(JwtVerifierOptions options) : options_(std::move(options)) {}
JwtVerifier::~JwtVerifier() = default;

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(JwtVerifierOptions options) {
  if (options.issuer.empty()) return absl::InvalidArgumentError("jwt: issuer is required");
  if (options.audience.empty()) return absl::InvalidArgumentError("jwt: audience is required");
  if (options.keys.empty()) return absl::InvalidArgumentError("jwt: at least one key is required");
  if (options.leeway < absl::ZeroDuration() || options.leeway > absl::Minutes(10)) {
    return absl::InvalidArgumentError("jwt: leeway must be between 0 and 10 minutes");
  }
  if (options.max_token_size == 0) {
    return absl::InvalidArgumentError("jwt: max_token_size must be positive");
  }
  if (!options.clock) options.clock = [] { return absl::Now(); };
  std::vector<std::unique_ptr<LoadedKey>> loaded;
  std::vector<JwtKey> keys = std::move(options.keys);
  options.keys.clear();
  for (size_t i = 0; i < keys.size(); ++i) {
    JwtKey& key = keys[i];
    const std::string where = key.kid.empty() ? absl::StrCat("jwt: key #", i + 1)
                                              : absl::StrCat("jwt: key \"", key.kid, "\"");
    if (!key.kid.empty()) {
      if (!IsPrintableToken(key.kid, 128)) {
        return absl::InvalidArgumentError(
            absl::StrCat("jwt: key #", i + 1, ": kid must be 1-128 printable characters"));
      }
      for (const auto& other : loaded) {
        if (other->kid == key.kid) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": kid used twice"));
        }
      }
    }
    auto entry = std::make_unique<LoadedKey>();
    entry->alg = key.alg;
    entry->kid = key.kid;
    if (key.alg == JwtAlgorithm::kHs256) {
      if (key.material.size() < kMinHmacSecret) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": HS256 secret shorter than 32 bytes"));
      }
      if (absl::StrContains(key.material, "-----BEGIN")) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": HS256 secret is a PEM text (an RS256 key given as HS256?)"));
      }
      entry->secret = std::move(key.material);
    } else {
      auto pkey = ReadPublicKey(key.material);
      if (!pkey.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", pkey.status().message()));
      }
      entry->public_key = *std::move(pkey);
    }
    loaded.push_back(std::move(entry));
  }
  std::unique_ptr<JwtVerifier> verifier(new JwtVerifier(std::move(options)));
  verifier->keys_ = std::move(loaded);
  return verifier;
}

absl::StatusOr<Principal> JwtVerifier::Verify(absl::string_view token) const {
  if (token.empty()) return Unauthenticated("empty token");
  if (token.size() > options_.max_token_size) {
    return Unauthenticated(absl::StrCat("token too large (", token.size(), " bytes, at most ",
                                        options_.max_token_size, ")"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Unauthenticated("malformed token: not three dot-separated parts");
  }
  if (parts[0].empty() || parts[1].empty()) {
    return Unauthenticated("malformed token: empty header or payload");
  }
  if (parts[2].empty()) return Unauthenticated("unsigned token (empty signature)");

  // Header.
  const std::optional<std::string> header_json = Base64UrlDecode(parts[0]);
  if (!header_json) return Unauthenticated("malformed token: header is not base64url");
  const std::optional<Struct> header = ParseObject(*header_json);
  if (!header) return Unauthenticated("malformed token: header is not a JSON object");
  const Value* alg_value = Field(*header, "alg");
  if (alg_value == nullptr || alg_value->kind_case() != Value::kStringValue) {
    return Unauthenticated("malformed token: header has no \"alg\"");
  }
  const std::string& alg_name = alg_value->string_value();
  if (alg_name == "none" || alg_name == "None" || alg_name == "NONE") {
    return Unauthenticated("algorithm \"none\" is not accepted");
  }
  absl::StatusOr<JwtAlgorithm> alg = ParseJwtAlgorithm(alg_name);
  if (!alg.ok()) return Unauthenticated(alg.status().message());
  if (Field(*header, "crit") != nullptr) {
    return Unauthenticated("header \"crit\" extensions are not supported");
  }

  // Keys.
  std::vector<const LoadedKey*> candidates;
  std::string kid;
  if (const Value* kid_value = Field(*header, "kid"); kid_value != nullptr) {
    if (kid_value->kind_case() != Value::kStringValue) {
      return Unauthenticated("malformed token: \"kid\" is not a string");
    }
    kid = kid_value->string_value();
    const LoadedKey* found = nullptr;
    for (const auto& key : keys_) {
      if (!key->kid.empty() && key->kid == kid) found = key.get();
    }
    if (found == nullptr) return Unauthenticated(absl::StrCat("unknown key id", Quoted(kid)));
    if (found->alg != *alg) {
      return Unauthenticated(absl::StrCat("algorithm ", JwtAlgorithmName(*alg),
                                          " does not match key", Quoted(kid), " (",
                                          JwtAlgorithmName(found->alg), ")"));
    }
    candidates.push_back(found);
  } else {
    for (const auto& key : keys_) {
      if (key->alg == *alg) candidates.push_back(key.get());
    }
    if (candidates.empty()) {
      return Unauthenticated(absl::StrCat("no ", JwtAlgorithmName(*alg), " key is configured"));
    }
  }

  // Signature, before anything in the payload is believed.
  const std::optional<std::string> signature = Base64UrlDecode(parts[2]);
  if (!signature) return Unauthenticated("malformed token: signature is not base64url");
  const absl::string_view signed_part = token.substr(0, parts[0].size() + 1 + parts[1].size());
  bool verified = false;
  for (const LoadedKey* key : candidates) {
    if (key->Check(signed_part, *signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) return Unauthenticated("bad signature");

  // Claims.
  const std::optional<std::string> payload_json = Base64UrlDecode(parts[1]);
  if (!payload_json) return Unauthenticated("malformed token: payload is not base64url");
  const std::optional<Struct> claims = ParseObject(*payload_json);
  if (!claims) return Unauthenticated("malformed token: payload is not a JSON object");

  const Value* iss = Field(*claims, "iss");
  if (iss == nullptr || iss->kind_case() != Value::kStringValue) {
    return Unauthenticated("missing issuer (\"iss\")");
  }
  if (iss->string_value() != options_.issuer) return Unauthenticated("wrong issuer");

  const Value* aud = Field(*claims, "aud");
  bool audience_ok = false;
  if (aud == nullptr) return Unauthenticated("missing audience (\"aud\")");
  if (aud->kind_case() == Value::kStringValue) {
    audience_ok = aud->string_value() == options_.audience;
  } else if (aud->kind_case() == Value::kListValue) {
    for (const Value& v : aud->list_value().values()) {
      if (v.kind_case() != Value::kStringValue) {
        return Unauthenticated("malformed audience (\"aud\" holds a non-string)");
      }
      if (v.string_value() == options_.audience) audience_ok = true;
    }
  } else {
    return Unauthenticated("malformed audience (\"aud\" is not a string or an array)");
  }
  if (!audience_ok) return Unauthenticated("wrong audience");

  const absl::Time now = options_.clock();
  absl::StatusOr<std::optional<double>> exp = NumericDate(*claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Unauthenticated("missing expiry (\"exp\")");
  const absl::Time expires = absl::FromUnixSeconds(static_cast<int64_t>(std::floor(**exp)));
  if (now - options_.leeway >= expires) {
    return Unauthenticated(absl::StrCat("token expired at ", Rfc3339(expires)));
  }
  absl::StatusOr<std::optional<double>> nbf = NumericDate(*claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value()) {
    const absl::Time not_before = absl::FromUnixSeconds(static_cast<int64_t>(std::ceil(**nbf)));
    if (now + options_.leeway < not_before) {
      return Unauthenticated(absl::StrCat("token not valid before ", Rfc3339(not_before)));
    }
  }
  absl::StatusOr<std::optional<double>> iat = NumericDate(*claims, "iat");
  if (!iat.ok()) return iat.status();
  if (iat->has_value()) {
    const absl::Time issued = absl::FromUnixSeconds(static_cast<int64_t>(std::ceil(**iat)));
    if (now + options_.leeway < issued) {
      return Unauthenticated(absl::StrCat("token issued in the future (", Rfc3339(issued), ")"));
    }
  }

  Principal principal;
  const Value* sub = Field(*claims, "sub");
  if (sub == nullptr || sub->kind_case() != Value::kStringValue || sub->string_value().empty()) {
    return Unauthenticated("missing subject (\"sub\")");
  }
  principal.id = sub->string_value();
  if (const Value* kind = Field(*claims, "kind"); kind != nullptr) {
    if (kind->kind_case() != Value::kStringValue) {
      return Unauthenticated("claim \"kind\" is not a string");
    }
    absl::StatusOr<Principal::Kind> parsed = ParseKind(kind->string_value());
    if (!parsed.ok()) return Unauthenticated(absl::StrCat("claims: ", parsed.status().message()));
    // A service sees every unit; an identity provider outside chiso must not
    // be able to mint one. chiso's services present API keys.
    if (*parsed == Principal::Kind::kService) {
      return Unauthenticated("claim \"kind\": service principals use API keys, not JWTs");
    }
    principal.kind = *parsed;
  }
  if (const Value* unit = Field(*claims, "unit"); unit != nullptr) {
    if (unit->kind_case() != Value::kStringValue) {
      return Unauthenticated("claim \"unit\" is not a string");
    }
    principal.unit = unit->string_value();
  }
  if (const Value* roles = Field(*claims, "roles"); roles != nullptr) {
    if (roles->kind_case() != Value::kListValue) {
      return Unauthenticated("claim \"roles\" is not an array");
    }
    for (const Value& v : roles->list_value().values()) {
      if (v.kind_case() != Value::kStringValue) {
        return Unauthenticated("claim \"roles\" holds a non-string");
      }
      absl::StatusOr<Role> role = ParseRole(v.string_value());
      if (!role.ok()) return Unauthenticated(absl::StrCat("claims: ", role.status().message()));
      principal.roles.insert(*role);
    }
  }
  if (const Value* scope = Field(*claims, "scope"); scope != nullptr) {
    if (scope->kind_case() != Value::kStringValue) {
      return Unauthenticated("claim \"scope\" is not a string");
    }
    for (absl::string_view s : absl::StrSplit(scope->string_value(), ' ', absl::SkipEmpty())) {
      principal.scopes.insert(std::string(s));
    }
  }
  principal.credential = absl::StrCat("jwt:", kid.empty() ? options_.issuer : kid);
  if (absl::Status valid = ValidatePrincipal(principal); !valid.ok()) {
    return Unauthenticated(absl::StrCat("claims: ", valid.message()));
  }
  return principal;
}

bool LooksLikeJwt(absl::string_view credential) {
  // base64url of "{" followed by any character starts with "ey".
  return absl::StartsWith(credential, "ey") &&
         std::count(credential.begin(), credential.end(), '.') == 2;
}

absl::StatusOr<std::string> SignJws(absl::string_view header_json, absl::string_view payload_json,
                                    JwtAlgorithm alg, absl::string_view material) {
  const std::string signed_part =
      absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(payload_json));
  std::string signature;
  if (alg == JwtAlgorithm::kHs256) {
    if (material.empty()) return absl::InvalidArgumentError("HS256: empty secret");
    signature = HmacSha256(material, signed_part);
    if (signature.empty()) return absl::InternalError("HMAC failed");
  } else {
    BioPtr bio(BIO_new_mem_buf(material.data(), static_cast<int>(material.size())));
    if (!bio) return absl::InternalError("BIO_new_mem_buf failed");
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
      return absl::InvalidArgumentError("RS256: not a PEM RSA private key");
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
      return absl::InternalError("RSA signing failed");
    }
    signature.resize(len);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
      return absl::InternalError("RSA signing failed");
    }
    signature.resize(len);
  }
  return absl::StrCat(signed_part, ".", Base64UrlEncode(signature));
}

absl::StatusOr<std::string> SignJwt(const JwtSigningKey& key, const Struct& claims) {
  Struct header;
  (*header.mutable_fields())["alg"].set_string_value(std::string(JwtAlgorithmName(key.alg)));
  (*header.mutable_fields())["typ"].set_string_value("JWT");
  if (!key.kid.empty()) (*header.mutable_fields())["kid"].set_string_value(key.kid);
  std::string header_json;
  std::string payload_json;
  if (!google::protobuf::util::MessageToJsonString(header, &header_json).ok() ||
      !google::protobuf::util::MessageToJsonString(claims, &payload_json).ok()) {
    return absl::InternalError("JSON encoding failed");
  }
  return SignJws(header_json, payload_json, key.alg, key.material);
}

Struct ClaimsFor(const Principal& principal, absl::string_view issuer, absl::string_view audience,
                 absl::Time issued_at, absl::Duration ttl) {
  Struct claims;
  auto& f = *claims.mutable_fields();
  f["iss"].set_string_value(std::string(issuer));
  f["aud"].set_string_value(std::string(audience));
  f["sub"].set_string_value(principal.id);
  f["kind"].set_string_value(std::string(KindName(principal.kind)));
  if (!principal.unit.empty()) f["unit"].set_string_value(principal.unit);
  auto* roles = f["roles"].mutable_list_value();
  for (Role role : principal.roles)
    roles->add_values()->set_string_value(std::string(RoleName(role)));
  if (!principal.scopes.empty()) {
    std::string scope;
    for (const std::string& s : principal.scopes)
      absl::StrAppend(&scope, scope.empty() ? "" : " ", s);
    f["scope"].set_string_value(scope);
  }
  const int64_t iat = absl::ToUnixSeconds(issued_at);
  f["iat"].set_number_value(static_cast<double>(iat));
  f["exp"].set_number_value(static_cast<double>(iat + absl::ToInt64Seconds(ttl)));
  return claims;
}

absl::StatusOr<std::string> ReadJwtKeyFile(JwtAlgorithm alg, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string material = buffer.str();
  if (alg == JwtAlgorithm::kHs256) {
    if (absl::EndsWith(material, "\n")) material.pop_back();
    if (absl::EndsWith(material, "\r")) material.pop_back();
    if (material.size() < 32) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": HS256 secret shorter than 32 bytes"));
    }
  }
  return material;
}

}  // namespace chiso::auth
