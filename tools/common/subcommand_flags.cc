#include "tools/common/subcommand_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace chiso::tools {

absl::Status ParseSubcommandFlags(const SubcommandFlags& spec, const std::vector<std::string>& args,
                                  std::map<std::string, std::string>* flags) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (spec.switches.count(name) > 0) {
      if (has_value && value != "true" && value != "false") {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      }
      (*flags)[name] = has_value ? value : "true";
      continue;
    }
    if (spec.required.count(name) == 0 && spec.optional.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (flags->count(name) > 0) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " given twice"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("--", name, " is empty"));
    (*flags)[name] = value;
  }
  for (const std::string& name : spec.required) {
    if (flags->count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("missing --", name));
    }
  }
  return absl::OkStatus();
}

}  // namespace chiso::tools
