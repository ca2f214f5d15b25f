#include "tools/chisoctl/args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace chiso::chisoctl {
namespace {

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char name) {
  for (const FlagSpec& spec : specs) {
    if (spec.short_name != '\0' && spec.short_name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

bool ParsedArgs::Has(absl::string_view name) const {
  return values_.find(std::string(name)) != values_.end();
}

std::string ParsedArgs::Get(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() || it->second.empty() ? "" : it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool ParsedArgs::GetBool(absl::string_view name) const { return Get(name) == "true"; }

absl::Status ParseArgs(const std::vector<std::string>& args, size_t begin,
                       const std::vector<FlagSpec>& specs, bool stop_at_positional, ParsedArgs* out,
                       size_t* next) {
  size_t i = begin;
  bool flags_ended = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool looks_like_flag = !flags_ended && arg.size() > 1 && arg[0] == '-';
    if (!looks_like_flag) {
      if (stop_at_positional) break;
      out->positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }

    const FlagSpec* spec = nullptr;
    std::string shown;  // the flag as the user wrote it, for messages
    absl::string_view inline_value;
    bool has_inline_value = false;
    if (absl::StartsWith(arg, "--")) {
      absl::string_view body = absl::string_view(arg).substr(2);
      const size_t eq = body.find('=');
      if (eq != absl::string_view::npos) {
        inline_value = body.substr(eq + 1);
        has_inline_value = true;
        body = body.substr(0, eq);
      }
      shown = absl::StrCat("--", body);
      spec = FindLong(specs, body);
    } else if (arg.size() == 2) {
      shown = arg;
      spec = FindShort(specs, arg[1]);
    } else {
      shown = arg;
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", shown));

    std::string value;
    if (!spec->takes_value) {
      if (has_inline_value) {
        if (inline_value != "true" && inline_value != "false") {
          return absl::InvalidArgumentError(
              absl::StrCat(shown, " is a switch: give it alone or as ", shown, "=true|false"));
        }
        value = std::string(inline_value);
      } else {
        value = "true";
      }
    } else if (has_inline_value) {
      value = std::string(inline_value);
    } else {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(shown, " needs a value"));
      }
      value = args[++i];
    }
    out->values_[spec->name].push_back(std::move(value));
  }
  if (next != nullptr) *next = i;
  return absl::OkStatus();
}

}  // namespace chiso::chisoctl
