#include "tests/deploy/deploy_support.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace chiso::deploytest {

Y::Y(const YAML::Node& node) : node_(node), defined_(node.IsDefined()) {}

Y Y::operator[](const std::string& key) const {
  if (!IsMap()) return Y();
  const YAML::Node& node = node_;
  const YAML::Node value = node[key];
  return value.IsDefined() ? Y(value) : Y();
}

Y Y::operator[](size_t index) const {
  if (!IsSequence() || index >= node_.size()) return Y();
  const YAML::Node& node = node_;
  return Y(node[index]);
}

std::vector<Y>::const_iterator Y::begin() const {
  if (!items_) {
    items_ = std::make_shared<std::vector<Y>>();
    if (IsSequence()) {
      for (const YAML::Node& item : node_) items_->push_back(Y(item));
    }
  }
  return items_->cbegin();
}

std::vector<Y>::const_iterator Y::end() const {
  begin();
  return items_->cend();
}

std::vector<std::pair<std::string, Y>> Y::entries() const {
  std::vector<std::pair<std::string, Y>> found;
  if (!IsMap()) return found;
  for (const auto& kv : node_) found.emplace_back(kv.first.as<std::string>(), Y(kv.second));
  return found;
}

std::string SourceDir() {
  // A copy of the tree to check instead (e.g. a deliberately broken manifest).
  const char* env = std::getenv("CHISO_DEPLOY_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : CHISO_SOURCE_DIR;
}

std::string ReadSourceFile(const std::string& relative_path) {
  std::ifstream in(SourceDir() + "/" + relative_path);
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShellQuote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  char err_path[] = "/tmp/chiso-deploy-test-XXXXXX";
  const int fd = mkstemp(err_path);
  if (fd < 0) return result;
  close(fd);
  FILE* pipe = popen((command + " 2>" + ShellQuote(err_path)).c_str(), "r");
  if (pipe != nullptr) {
    char buffer[8192];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::ifstream err(err_path);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  unlink(err_path);
  return result;
}

std::vector<std::string> Kubectls() {
  const char* env = std::getenv("CHISO_KUBECTL");
  if (env == nullptr || *env == '\0') env = CHISO_DEPLOY_KUBECTL;
  return absl::StrSplit(env, ':', absl::SkipEmpty());
}

std::vector<std::string> Overlays() {
  std::vector<std::string> names;
  const std::string root = SourceDir() + "/deploy/k8s/overlays";
  if (DIR* dir = opendir(root.c_str())) {
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      struct stat st;
      if (name[0] != '.' && stat((root + "/" + name + "/kustomization.yaml").c_str(), &st) == 0) {
        names.push_back(name);
      }
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Render::Label() const { return absl::StrCat(overlay, " (", kubectl, ")"); }

std::vector<Y> Render::OfKind(const std::string& kind) const {
  std::vector<Y> found;
  for (const Y& o : objects) {
    if (Str(o["kind"]) == kind) found.push_back(o);
  }
  return found;
}

std::optional<Y> Render::Find(const std::string& kind, const std::string& name) const {
  for (const Y& o : objects) {
    if (Str(o["kind"]) == kind && Str(o["metadata"]["name"]) == name) return o;
  }
  return std::nullopt;
}

namespace {

Render RenderOverlay(const std::string& kubectl, const std::string& overlay) {
  Render render;
  render.kubectl = kubectl;
  render.overlay = overlay;
  const CommandResult r =
      RunCommand(absl::StrCat(ShellQuote(kubectl), " kustomize ",
                              ShellQuote(SourceDir() + "/deploy/k8s/overlays/" + overlay)));
  if (r.status != 0) {
    render.error = absl::StrCat("kubectl kustomize exited with ", r.status, ": ", r.err);
    return render;
  }
  try {
    for (const YAML::Node& doc : YAML::LoadAll(r.out)) {
      if (doc.IsMap()) render.objects.push_back(Y(doc));
    }
  } catch (const YAML::Exception& e) {
    render.error = absl::StrCat("rendered YAML does not parse: ", e.what());
  }
  if (render.error.empty() && render.objects.empty()) render.error = "nothing rendered";
  return render;
}

}  // namespace

const std::vector<Render>& Renders() {
  static const std::vector<Render>* renders = [] {
    auto* all = new std::vector<Render>;
    for (const std::string& kubectl : Kubectls()) {
      for (const std::string& overlay : Overlays()) all->push_back(RenderOverlay(kubectl, overlay));
    }
    return all;
  }();
  return *renders;
}

std::vector<const Render*> RendersOf(const std::string& overlay) {
  std::vector<const Render*> found;
  for (const Render& r : Renders()) {
    if (r.overlay == overlay) found.push_back(&r);
  }
  return found;
}

std::vector<Workload> Workloads(const Render& render) {
  std::vector<Workload> found;
  for (const Y& o : render.objects) {
    const std::string kind = Str(o["kind"]);
    if (kind != "Deployment" && kind != "StatefulSet") continue;
    found.push_back({kind, Str(o["metadata"]["name"]), o, o["spec"]["template"]["spec"],
                     o["spec"]["template"]["metadata"]["labels"]});
  }
  return found;
}

std::string ChisoService(const Y& container) {
  const Y& command = container["command"];
  if (!command.IsSequence() || command.size() == 0) return "";
  const std::string program = Str(command[0]);
  constexpr absl::string_view kPrefix = "/usr/local/bin/chiso-";
  if (!absl::StartsWith(program, kPrefix)) return "";
  return program.substr(kPrefix.size());
}

std::string Str(const Y& node) { return node.as<std::string>(""); }

std::map<std::string, std::string> LabelMap(const Y& node) {
  std::map<std::string, std::string> labels;
  if (!node.IsMap()) return labels;
  for (const auto& kv : node.entries()) labels[kv.first] = Str(kv.second);
  return labels;
}

bool IsSubset(const std::map<std::string, std::string>& subset,
              const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : subset) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool Selects(const Y& selector, const std::map<std::string, std::string>& labels) {
  if (!selector.IsDefined() || selector.IsNull()) return true;  // no selector: everything
  if (!IsSubset(LabelMap(selector["matchLabels"]), labels)) return false;
  const Y& expressions = selector["matchExpressions"];
  if (!expressions.IsSequence()) return true;
  for (const Y& e : expressions) {
    const std::string key = Str(e["key"]);
    const std::string op = Str(e["operator"]);
    std::set<std::string> values;
    if (e["values"].IsSequence()) {
      for (const Y& v : e["values"]) values.insert(Str(v));
    }
    auto it = labels.find(key);
    const bool has = it != labels.end();
    if (op == "In" && !(has && values.count(it->second))) return false;
    if (op == "NotIn" && has && values.count(it->second)) return false;
    if (op == "Exists" && !has) return false;
    if (op == "DoesNotExist" && has) return false;
  }
  return true;
}

int ContainerPort(const Y& container, const std::string& name) {
  const Y& ports = container["ports"];
  if (!ports.IsSequence()) return 0;
  for (const Y& p : ports) {
    if (Str(p["name"]) == name) return p["containerPort"].as<int>(0);
  }
  return 0;
}

std::optional<std::string> EnvValue(const Render& render, const Y& container,
                                    const std::string& name) {
  // An explicit env entry wins over envFrom (Kubernetes' precedence).
  if (container["env"].IsSequence()) {
    for (const Y& e : container["env"]) {
      if (Str(e["name"]) != name) continue;
      if (e["value"].IsDefined()) return Str(e["value"]);
      const Y& ref = e["valueFrom"]["configMapKeyRef"];
      if (!ref.IsDefined()) return std::nullopt;
      const std::optional<Y> cm = render.Find("ConfigMap", Str(ref["name"]));
      if (!cm) return std::nullopt;
      const Y& value = (*cm)["data"][Str(ref["key"])];
      if (!value.IsDefined()) return std::nullopt;
      return Str(value);
    }
  }
  if (container["envFrom"].IsSequence()) {
    std::optional<std::string> value;
    for (const Y& from : container["envFrom"]) {
      const Y& ref = from["configMapRef"];
      if (!ref.IsDefined()) continue;
      const std::optional<Y> cm = render.Find("ConfigMap", Str(ref["name"]));
      if (!cm) continue;
      // A later source wins.
      const Y& data = (*cm)["data"][name];
      if (data.IsDefined()) value = Str(data);
    }
    return value;
  }
  return std::nullopt;
}

}  // namespace chiso::deploytest
