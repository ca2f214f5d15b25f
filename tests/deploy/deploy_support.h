// Helpers of the deployment tests: running commands, rendering the kustomize
// overlays of deploy/k8s with every kubectl under test, and reading the
// rendered objects.
#ifndef CHISO_TESTS_DEPLOY_DEPLOY_SUPPORT_H_
#define CHISO_TESTS_DEPLOY_DEPLOY_SUPPORT_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "yaml-cpp/yaml.h"

namespace chiso::deploytest {

// A read-only YAML node in which a missing key, at any depth, reads as an
// undefined node (yaml-cpp throws on `a["missing"]["b"]`).
class Y {
 public:
  Y() = default;              // undefined
  Y(const YAML::Node& node);  // NOLINT: implicit, so YAML::Load results convert

  Y operator[](const std::string& key) const;
  Y operator[](size_t index) const;
  bool IsDefined() const { return defined_; }
  bool IsMap() const { return defined_ && node_.IsMap(); }
  bool IsSequence() const { return defined_ && node_.IsSequence(); }
  bool IsScalar() const { return defined_ && node_.IsScalar(); }
  bool IsNull() const { return defined_ && node_.IsNull(); }
  size_t size() const { return IsMap() || IsSequence() ? node_.size() : 0; }
  // The scalar as T, `fallback` when missing or not a T.
  template <typename T>
  T as(const T& fallback) const {
    return IsScalar() ? node_.as<T>(fallback) : fallback;
  }
  // The elements of a sequence (none for anything else).
  std::vector<Y>::const_iterator begin() const;
  std::vector<Y>::const_iterator end() const;
  // The entries of a map (none for anything else).
  std::vector<std::pair<std::string, Y>> entries() const;

 private:
  YAML::Node node_;
  bool defined_ = false;
  mutable std::shared_ptr<std::vector<Y>> items_;
};

// The repository root: CHISO_DEPLOY_SOURCE_DIR from the environment, else
// the compile definition CHISO_SOURCE_DIR.
std::string SourceDir();
// The whole content of a file under the repository root; "" when unreadable.
std::string ReadSourceFile(const std::string& relative_path);

struct CommandResult {
  int status = -1;  // exit status; -1 when the command did not run or was killed
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs `command` with /bin/sh.
CommandResult RunCommand(const std::string& command);
// `s` quoted for /bin/sh.
std::string ShellQuote(const std::string& s);

// The kubectl binaries to render with: CHISO_KUBECTL (several separated by
// ':'), else those of the build (CHISO_DEPLOY_KUBECTL, kubectl from PATH by
// default).
std::vector<std::string> Kubectls();
// The overlay directories under deploy/k8s/overlays (names, sorted).
std::vector<std::string> Overlays();

struct Render {
  std::string kubectl;
  std::string overlay;
  std::string error;  // empty when kubectl kustomize succeeded and the YAML parsed
  std::vector<Y> objects;

  // "overlay (kubectl)" for failure messages.
  std::string Label() const;
  std::vector<Y> OfKind(const std::string& kind) const;
  // The object of `kind` named `name`, if rendered.
  std::optional<Y> Find(const std::string& kind, const std::string& name) const;
};
// Every overlay rendered with every kubectl (computed once per process).
const std::vector<Render>& Renders();
// The renders of one overlay ("dev", "prod").
std::vector<const Render*> RendersOf(const std::string& overlay);

// A Deployment or StatefulSet of a render, with its pod spec.
struct Workload {
  std::string kind;
  std::string name;
  Y object;
  Y pod_spec;    // spec.template.spec
  Y pod_labels;  // spec.template.metadata.labels
  std::string Label() const { return kind + "/" + name; }
};
std::vector<Workload> Workloads(const Render& render);

// The chiso service of a container ("plan", …), from its command
// /usr/local/bin/chiso-<service>; "" for other containers (Redis, PostgreSQL).
std::string ChisoService(const Y& container);

// A scalar as a string ("" when missing or not a scalar).
std::string Str(const Y& node);
// Labels (a map of strings) as a std::map.
std::map<std::string, std::string> LabelMap(const Y& node);
// Whether a label selector ({matchLabels, matchExpressions}) selects `labels`.
// An empty selector selects everything.
bool Selects(const Y& selector, const std::map<std::string, std::string>& labels);
// Whether every entry of `subset` is in `labels` (a Service's selector).
bool IsSubset(const std::map<std::string, std::string>& subset,
              const std::map<std::string, std::string>& labels);

// The containerPort of the port named `name` in `container`; 0 when none.
int ContainerPort(const Y& container, const std::string& name);
// The value of env variable `name` of a container: a literal `value`, or a
// key of a rendered ConfigMap reached by configMapKeyRef or envFrom.
std::optional<std::string> EnvValue(const Render& render, const Y& container,
                                    const std::string& name);

}  // namespace chiso::deploytest

#endif  // CHISO_TESTS_DEPLOY_DEPLOY_SUPPORT_H_
