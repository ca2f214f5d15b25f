// The Kubernetes manifests (deploy/k8s): every overlay is rendered with
// `kubectl kustomize` (every kubectl of CHISO_KUBECTL, e.g. Debian's 1.20 with
// kustomize v2.0.3 and a current one) and the rendered objects are checked:
// probes, resources, security contexts, Service selectors, references to
// ConfigMaps and Secrets, shutdown timing, the flags the containers pass, the
// monitoring wiring, and per overlay replicas, autoscaling, disruption budgets,
// anti-affinity and the network policies.

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/server/service_main.h"
#include "gtest/gtest.h"
#include "tests/deploy/deploy_support.h"

namespace chiso::deploytest {
namespace {

// The four services and the path of each built binary (compile definitions).
const std::map<std::string, std::string>& ServiceBinaries() {
  static const auto* binaries = new std::map<std::string, std::string>{
      {"plan", CHISO_PLAN_BIN},
      {"assignment", CHISO_ASSIGNMENT_BIN},
      {"scoring", CHISO_SCORING_BIN},
      {"notification", CHISO_NOTIFICATION_BIN},
  };
  return *binaries;
}

// Secrets the operator creates before applying an overlay, never rendered
// (deploy/k8s/README.md documents each, with its keys): the database URL of
// each service, in the overlays without a generated one (prod); each
// service's TLS certificate, key and CA; the API key hashes; the API keys the
// services present on their calls to other services.
const std::map<std::string, std::set<std::string>>& OperatorSecrets() {
  static const auto* secrets = new std::map<std::string, std::set<std::string>>{
      {"chiso-database", {"plan", "assignment", "scoring", "notification"}},
      {"chiso-tls-plan", {"tls.crt", "tls.key", "ca.crt"}},
      {"chiso-tls-assignment", {"tls.crt", "tls.key", "ca.crt"}},
      {"chiso-tls-scoring", {"tls.crt", "tls.key", "ca.crt"}},
      {"chiso-tls-notification", {"tls.crt", "tls.key", "ca.crt"}},
      {"chiso-api-keys", {"api_keys.yaml"}},
      {"chiso-service-credentials", {"assignment", "scoring"}},
  };
  return *secrets;
}

// How long a chiso server gives in-flight calls after the drain grace
// (docs/OPERATIONS.md, "Health, shutdown").
constexpr absl::Duration kInFlightGrace = absl::Seconds(10);

// Kinds without a namespace.
bool ClusterScoped(const std::string& kind) {
  return kind == "Namespace" || kind == "ClusterRole" || kind == "ClusterRoleBinding" ||
         kind == "CustomResourceDefinition" || kind == "PersistentVolume" ||
         kind == "StorageClass" || kind == "PriorityClass";
}

// Every test runs on every render; a render that failed is reported by
// DeployRender.EveryOverlayRendersWithEveryKubectl and skipped elsewhere.
std::vector<const Render*> GoodRenders() {
  std::vector<const Render*> good;
  for (const Render& r : Renders()) {
    if (r.error.empty()) good.push_back(&r);
  }
  return good;
}

// A generated ConfigMap or Secret name without kustomize's hash suffix.
std::string WithoutHash(const std::string& name) {
  static const std::regex hash("-[a-z0-9]{10}$");
  return std::regex_replace(name, hash, "");
}

TEST(DeployRender, EveryOverlayRendersWithEveryKubectl) {
  const std::vector<std::string> overlays = Overlays();
  EXPECT_NE(std::find(overlays.begin(), overlays.end(), "dev"), overlays.end());
  EXPECT_NE(std::find(overlays.begin(), overlays.end(), "prod"), overlays.end());
  ASSERT_FALSE(Renders().empty());
  for (const Render& r : Renders()) {
    EXPECT_EQ(r.error, "") << r.Label();
  }
  // Every kubectl renders the same objects (names of generated objects differ
  // only in their hash).
  for (const std::string& overlay : overlays) {
    std::optional<std::multiset<std::string>> first;
    for (const Render* r : RendersOf(overlay)) {
      std::multiset<std::string> names;
      for (const Y& o : r->objects) {
        names.insert(absl::StrCat(Str(o["kind"]), "/", WithoutHash(Str(o["metadata"]["name"]))));
      }
      if (!first) {
        first = names;
      } else {
        EXPECT_EQ(names, *first) << r->Label();
      }
    }
  }
}

TEST(DeployRender, EveryNamespacedObjectIsInTheChisoNamespace) {
  for (const Render* r : GoodRenders()) {
    ASSERT_TRUE(r->Find("Namespace", "chiso")) << r->Label();
    for (const Y& o : r->objects) {
      const std::string kind = Str(o["kind"]);
      if (ClusterScoped(kind)) continue;
      EXPECT_EQ(Str(o["metadata"]["namespace"]), "chiso")
          << r->Label() << ": " << kind << "/" << Str(o["metadata"]["name"]);
    }
  }
}

TEST(DeployWorkloads, TheFourServicesRunInEveryOverlay) {
  for (const Render* r : GoodRenders()) {
    std::set<std::string> services;
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        if (!ChisoService(c).empty()) {
          services.insert(ChisoService(c));
          EXPECT_EQ(w.kind, "Deployment") << r->Label() << ": " << w.Label();
        }
      }
    }
    EXPECT_EQ(services, (std::set<std::string>{"plan", "assignment", "scoring", "notification"}))
        << r->Label();
    EXPECT_TRUE(r->Find("StatefulSet", "redis")) << r->Label();
  }
}

TEST(DeployWorkloads, EveryContainerHasReadinessAndLivenessProbes) {
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label(), " ", Str(c["name"]));
        EXPECT_TRUE(c["readinessProbe"].IsMap()) << where;
        EXPECT_TRUE(c["livenessProbe"].IsMap()) << where;
        if (ChisoService(c).empty()) continue;
        // Native gRPC probes (grpc.health.v1) on the plaintext probe port: the
        // gRPC port has TLS, which the kubelet's probe does not speak.
        const int grpc_port = ContainerPort(c, "grpc");
        const int probe_port = ContainerPort(c, "probe");
        EXPECT_NE(grpc_port, 0) << where << ": no container port named grpc";
        EXPECT_NE(probe_port, 0) << where << ": no container port named probe";
        EXPECT_NE(probe_port, grpc_port) << where;
        for (const char* probe : {"readinessProbe", "livenessProbe"}) {
          EXPECT_TRUE(c[probe]["grpc"].IsMap()) << where << " " << probe << " is not gRPC";
          EXPECT_EQ(c[probe]["grpc"]["port"].as<int>(0), probe_port) << where << " " << probe;
        }
        // The service serves its probes where the probes ask.
        std::optional<std::string> probe_listen = EnvValue(*r, c, "CHISO_PROBE_LISTEN");
        ASSERT_TRUE(probe_listen) << where << ": CHISO_PROBE_LISTEN not set";
        EXPECT_TRUE(absl::EndsWith(*probe_listen, absl::StrCat(":", probe_port)))
            << where << ": CHISO_PROBE_LISTEN=" << *probe_listen;
        // Readiness follows the dependencies (the server's health, ""); liveness
        // must not, or a database outage would restart every replica.
        EXPECT_EQ(Str(c["readinessProbe"]["grpc"]["service"]), "") << where;
        EXPECT_EQ(Str(c["livenessProbe"]["grpc"]["service"]), "chiso.liveness") << where;
      }
    }
  }
}

TEST(DeployWorkloads, EveryContainerHasRequestsAndLimits) {
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label(), " ", Str(c["name"]));
        for (const char* kind : {"requests", "limits"}) {
          for (const char* resource : {"cpu", "memory"}) {
            EXPECT_NE(Str(c["resources"][kind][resource]), "")
                << where << ": no " << kind << "." << resource;
          }
        }
      }
    }
  }
}

// The user of the runtime image (Dockerfile: USER <uid>:<gid>).
std::pair<int, int> ImageUser() {
  static const std::regex user(R"((^|\n)USER\s+(\d+):(\d+))");
  const std::string dockerfile = ReadSourceFile("Dockerfile");
  std::smatch m;
  if (!std::regex_search(dockerfile, m, user)) return {-1, -1};
  return {std::stoi(m[2]), std::stoi(m[3])};
}

TEST(DeployWorkloads, EveryContainerRunsLockedDown) {
  const auto [image_uid, image_gid] = ImageUser();
  ASSERT_GT(image_uid, 0) << "the Dockerfile sets no numeric non-root USER uid:gid";
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      const Y& pod = w.pod_spec["securityContext"];
      EXPECT_EQ(Str(w.pod_spec["automountServiceAccountToken"]), "false") << w.Label();
      const std::string account = Str(w.pod_spec["serviceAccountName"]);
      const std::optional<Y> sa = r->Find("ServiceAccount", account);
      EXPECT_TRUE(sa) << r->Label() << ": " << w.Label() << " has no ServiceAccount of its own";
      if (sa) {
        EXPECT_EQ(Str((*sa)["automountServiceAccountToken"]), "false") << account;
      }
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label(), " ", Str(c["name"]));
        const Y& sc = c["securityContext"];
        // The container's setting wins over the pod's.
        auto effective = [&](const char* field) {
          return sc[field].IsDefined() ? Str(sc[field]) : Str(pod[field]);
        };
        EXPECT_EQ(effective("runAsNonRoot"), "true") << where;
        int uid = 0, gid = 0;
        EXPECT_TRUE(absl::SimpleAtoi(effective("runAsUser"), &uid) && uid > 0) << where;
        EXPECT_TRUE(absl::SimpleAtoi(effective("runAsGroup"), &gid) && gid > 0) << where;
        if (!ChisoService(c).empty()) {
          EXPECT_EQ(uid, image_uid) << where << ": not the image's user";
          EXPECT_EQ(gid, image_gid) << where << ": not the image's group";
        }
        EXPECT_EQ(Str(sc["readOnlyRootFilesystem"]), "true") << where;
        EXPECT_EQ(Str(sc["allowPrivilegeEscalation"]), "false") << where;
        bool drops_all = false;
        if (sc["capabilities"]["drop"].IsSequence()) {
          for (const Y& cap : sc["capabilities"]["drop"]) drops_all |= Str(cap) == "ALL";
        }
        EXPECT_TRUE(drops_all) << where << ": capabilities not dropped";
        EXPECT_FALSE(sc["capabilities"]["add"].IsDefined()) << where;
        EXPECT_FALSE(sc["privileged"].as<bool>(false)) << where;
        const std::string seccomp = sc["seccompProfile"].IsDefined()
                                        ? Str(sc["seccompProfile"]["type"])
                                        : Str(pod["seccompProfile"]["type"]);
        EXPECT_EQ(seccomp, "RuntimeDefault") << where;
      }
    }
  }
}

// The volume mounted at `path` in `container`, if any.
std::optional<Y> VolumeAt(const Workload& w, const Y& container, const std::string& path) {
  if (!container["volumeMounts"].IsSequence()) return std::nullopt;
  for (const Y& m : container["volumeMounts"]) {
    if (Str(m["mountPath"]) != path) continue;
    if (w.pod_spec["volumes"].IsSequence()) {
      for (const Y& v : w.pod_spec["volumes"]) {
        if (Str(v["name"]) == Str(m["name"])) return v;
      }
    }
    // A volumeClaimTemplate of a StatefulSet.
    if (w.object["spec"]["volumeClaimTemplates"].IsSequence()) {
      for (const Y& t : w.object["spec"]["volumeClaimTemplates"]) {
        if (Str(t["metadata"]["name"]) == Str(m["name"])) return t;
      }
    }
  }
  return std::nullopt;
}

TEST(DeployWorkloads, ChisoContainersWriteOnlyToTmpAndTheirDataDir) {
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        if (ChisoService(c).empty()) continue;
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
        const std::optional<Y> tmp = VolumeAt(w, c, "/tmp");
        EXPECT_TRUE(tmp && (*tmp)["emptyDir"].IsDefined()) << where << ": /tmp is no emptyDir";
        std::optional<std::string> data_dir = EnvValue(*r, c, "CHISO_DATA_DIR");
        ASSERT_TRUE(data_dir) << where << ": CHISO_DATA_DIR not set";
        EXPECT_TRUE(absl::StartsWith(*data_dir, "/")) << where << ": " << *data_dir;
        EXPECT_TRUE(VolumeAt(w, c, *data_dir)) << where << ": nothing writable at " << *data_dir;
      }
    }
  }
}

// The Secret volume holding file `path` in `container`: the volume mounted
// at its directory, a Secret that has the file (its items, when listed).
std::optional<Y> SecretVolumeOf(const Workload& w, const Y& container, const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  const std::optional<Y> volume = VolumeAt(w, container, path.substr(0, slash));
  if (!volume || !(*volume)["secret"].IsDefined()) return std::nullopt;
  const Y& items = (*volume)["secret"]["items"];
  if (!items.IsSequence()) return volume;
  for (const Y& item : items) {
    if (Str(item["path"]) == path.substr(slash + 1)) return volume;
  }
  return std::nullopt;
}

// Every chiso container serves TLS with mutual TLS and requires credentials,
// from Secrets mounted read-only; the services that call others present an
// API key of their own.
TEST(DeploySecurity, EveryServiceServesMutualTlsAndRequiresCredentials) {
  const std::set<std::string> callers = {"assignment", "scoring"};
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string service = ChisoService(c);
        if (service.empty()) continue;
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
        const std::optional<std::string> plaintext = EnvValue(*r, c, "CHISO_PLAINTEXT");
        EXPECT_TRUE(!plaintext || *plaintext == "false" || *plaintext == "0")
            << where << ": CHISO_PLAINTEXT=" << *plaintext;
        std::vector<std::string> files = {"CHISO_TLS_CERT_FILE", "CHISO_TLS_KEY_FILE",
                                          "CHISO_TLS_CA_FILE", "CHISO_TLS_CLIENT_CA_FILE",
                                          "CHISO_API_KEYS_FILE"};
        if (callers.count(service)) files.push_back("CHISO_CALL_CREDENTIAL_FILE");
        for (const std::string& variable : files) {
          const std::optional<std::string> path = EnvValue(*r, c, variable);
          ASSERT_TRUE(path && !path->empty()) << where << ": " << variable << " not set";
          const std::optional<Y> volume = SecretVolumeOf(w, c, *path);
          EXPECT_TRUE(volume) << where << ": " << variable << "=" << *path
                              << " is not a file of a mounted Secret";
        }
        // The certificate is the service's own.
        const std::optional<Y> tls =
            SecretVolumeOf(w, c, EnvValue(*r, c, "CHISO_TLS_CERT_FILE").value_or(""));
        if (tls) {
          EXPECT_EQ(Str((*tls)["secret"]["secretName"]), "chiso-tls-" + service) << where;
        }
        const std::optional<std::string> auth = EnvValue(*r, c, "CHISO_AUTH");
        EXPECT_EQ(auth.value_or("required"), "required") << where;
        if (c["volumeMounts"].IsSequence()) {
          for (const Y& m : c["volumeMounts"]) {
            if (absl::StartsWith(Str(m["mountPath"]), "/etc/chiso/")) {
              EXPECT_TRUE(m["readOnly"].as<bool>(false)) << where << " " << Str(m["mountPath"]);
            }
          }
        }
      }
    }
  }
}

TEST(DeployServices, EverySelectorMatchesAWorkloadAndItsPorts) {
  for (const Render* r : GoodRenders()) {
    const std::vector<Workload> workloads = Workloads(*r);
    for (const Y& s : r->OfKind("Service")) {
      const std::string where = absl::StrCat(r->Label(), ": Service/", Str(s["metadata"]["name"]));
      const std::map<std::string, std::string> selector = LabelMap(s["spec"]["selector"]);
      ASSERT_FALSE(selector.empty()) << where << " selects nothing";
      const Workload* target = nullptr;
      for (const Workload& w : workloads) {
        if (IsSubset(selector, LabelMap(w.pod_labels))) {
          EXPECT_EQ(target, nullptr) << where << " selects the pods of two workloads";
          target = &w;
        }
      }
      ASSERT_NE(target, nullptr) << where << " selects no pods";
      for (const Y& port : s["spec"]["ports"]) {
        const Y& target_port = port["targetPort"];
        bool found = false;
        for (const Y& c : target->pod_spec["containers"]) {
          if (!c["ports"].IsSequence()) continue;
          for (const Y& p : c["ports"]) {
            found |= Str(p["name"]) == Str(target_port) ||
                     Str(p["containerPort"]) == Str(target_port) ||
                     (!target_port.IsDefined() && Str(p["containerPort"]) == Str(port["port"]));
          }
        }
        EXPECT_TRUE(found) << where << ": port " << Str(port["name"]) << " targets "
                           << Str(target_port) << ", which " << target->Label() << " lacks";
      }
    }
  }
}

// A key of a ConfigMap (data or binaryData) or a Secret (data or stringData).
bool HasKey(const Y& object, const std::string& key) {
  for (const char* field : {"data", "binaryData", "stringData"}) {
    if (object[field][key].IsDefined()) return true;
  }
  return false;
}

// Whether `name`/`key` (key "" for the whole object) resolves in the render.
// Secrets may be the operator's (OperatorSecrets), when the render has none.
std::string CheckReference(const Render& r, const std::string& kind, const std::string& name,
                           const std::string& key) {
  const std::optional<Y> object = r.Find(kind, name);
  if (!object && kind == "Secret") {
    auto it = OperatorSecrets().find(name);
    if (it == OperatorSecrets().end()) return absl::StrCat("Secret ", name, " is not rendered");
    if (!key.empty() && it->second.count(key) == 0) {
      return absl::StrCat("operator Secret ", name, " has no documented key ", key);
    }
    return "";
  }
  if (!object) return absl::StrCat(kind, " ", name, " is not rendered");
  if (!key.empty() && !HasKey(*object, key)) return absl::StrCat(kind, " ", name, " lacks ", key);
  return "";
}

TEST(DeployConfig, EveryConfigMapAndSecretAContainerReadsExists) {
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
      auto optional = [](const Y& ref) { return ref["optional"].as<bool>(false); };
      std::vector<Y> containers;
      for (const char* list : {"containers", "initContainers"}) {
        if (!w.pod_spec[list].IsSequence()) continue;
        for (const Y& c : w.pod_spec[list]) containers.push_back(c);
      }
      for (const Y& c : containers) {
        if (c["env"].IsSequence()) {
          for (const Y& e : c["env"]) {
            for (const auto& [field, kind] :
                 {std::pair<const char*, const char*>{"configMapKeyRef", "ConfigMap"},
                  {"secretKeyRef", "Secret"}}) {
              const Y& ref = e["valueFrom"][field];
              if (!ref.IsDefined() || optional(ref)) continue;
              EXPECT_EQ(CheckReference(*r, kind, Str(ref["name"]), Str(ref["key"])), "")
                  << where << " env " << Str(e["name"]);
            }
          }
        }
        if (c["envFrom"].IsSequence()) {
          for (const Y& from : c["envFrom"]) {
            for (const auto& [field, kind] :
                 {std::pair<const char*, const char*>{"configMapRef", "ConfigMap"},
                  {"secretRef", "Secret"}}) {
              const Y& ref = from[field];
              if (!ref.IsDefined() || optional(ref)) continue;
              EXPECT_EQ(CheckReference(*r, kind, Str(ref["name"]), ""), "") << where;
            }
          }
        }
      }
      if (!w.pod_spec["volumes"].IsSequence()) continue;
      for (const Y& v : w.pod_spec["volumes"]) {
        for (const auto& [field, kind, name_field] :
             {std::tuple<const char*, const char*, const char*>{"configMap", "ConfigMap", "name"},
              {"secret", "Secret", "secretName"}}) {
          const Y& ref = v[field];
          if (!ref.IsDefined() || optional(ref)) continue;
          const std::string name = Str(ref[name_field]);
          EXPECT_EQ(CheckReference(*r, kind, name, ""), "") << where << " volume";
          if (ref["items"].IsSequence()) {
            for (const Y& item : ref["items"]) {
              EXPECT_EQ(CheckReference(*r, kind, name, Str(item["key"])), "") << where;
            }
          }
        }
      }
    }
  }
}

TEST(DeployConfig, TheOperatorSecretsAreDocumented) {
  const std::string readme = ReadSourceFile("deploy/k8s/README.md");
  ASSERT_FALSE(readme.empty()) << "deploy/k8s/README.md is missing";
  for (const auto& [name, keys] : OperatorSecrets()) {
    EXPECT_TRUE(absl::StrContains(readme, name)) << name;
    for (const std::string& key : keys) {
      EXPECT_TRUE(absl::StrContains(readme, absl::StrCat("`", key, "`"))) << name << " " << key;
    }
  }
}

// host:port of an address ("plan:50051", "redis://:pw@redis:6379").
std::pair<std::string, int> HostPort(std::string address) {
  if (const size_t scheme = address.find("://"); scheme != std::string::npos) {
    address = address.substr(scheme + 3);
  }
  if (const size_t at = address.rfind('@'); at != std::string::npos) {
    address = address.substr(at + 1);
  }
  address = address.substr(0, address.find_first_of("/?"));
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return {address, 0};
  }
  return {address.substr(0, colon), port};
}

// Whether a rendered Service `host` (in the namespace) exposes `port`.
bool ServiceExposes(const Render& r, const std::string& host, int port) {
  const std::optional<Y> s = r.Find("Service", host);
  if (!s) return false;
  for (const Y& p : (*s)["spec"]["ports"]) {
    if (p["port"].as<int>(0) == port) return true;
  }
  return false;
}

TEST(DeployConfig, ServiceAddressesPointAtRenderedServices) {
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string service = ChisoService(c);
        if (service.empty()) continue;
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
        for (const char* var : {"CHISO_PLAN_ADDR", "CHISO_ASSIGNMENT_ADDR", "CHISO_SCORING_ADDR",
                                "CHISO_NOTIFICATION_ADDR", "CHISO_REDIS"}) {
          std::optional<std::string> value = EnvValue(*r, c, var);
          ASSERT_TRUE(value) << where << ": " << var << " not set";
          const auto [host, port] = HostPort(*value);
          EXPECT_TRUE(ServiceExposes(*r, host, port)) << where << ": " << var << "=" << *value;
        }
        // Each service listens where its container ports and Service say.
        std::optional<std::string> listen = EnvValue(*r, c, "CHISO_LISTEN");
        std::optional<std::string> metrics = EnvValue(*r, c, "CHISO_METRICS_LISTEN");
        ASSERT_TRUE(listen && metrics) << where;
        EXPECT_EQ(HostPort(*listen).second, ContainerPort(c, "grpc")) << where;
        EXPECT_EQ(HostPort(*metrics).second, ContainerPort(c, "metrics")) << where;
        EXPECT_TRUE(ServiceExposes(*r, service, ContainerPort(c, "grpc"))) << where;
      }
    }
    // Generated database URLs point at a rendered PostgreSQL, one database each.
    for (const Y& secret : r->OfKind("Secret")) {
      if (WithoutHash(Str(secret["metadata"]["name"])) != "chiso-database") continue;
      std::set<std::string> databases;
      for (const auto& kv : secret["data"].entries()) {
        std::string url;
        ASSERT_TRUE(absl::Base64Unescape(Str(kv.second), &url));
        EXPECT_TRUE(absl::StartsWith(url, "postgresql://")) << r->Label() << " " << url;
        const auto [host, port] = HostPort(url);
        EXPECT_TRUE(ServiceExposes(*r, host, port)) << r->Label() << ": " << url;
        const std::string path = url.substr(url.find('/', url.find('@')) + 1);
        databases.insert(path.substr(0, path.find('?')));
      }
      EXPECT_EQ(databases.size(), 4u) << r->Label() << ": the services share a database";
    }
  }
}

// The value of `--name=value` in a container's args.
std::optional<std::string> FlagValue(const Y& container, const std::string& name) {
  if (!container["args"].IsSequence()) return std::nullopt;
  for (const Y& arg : container["args"]) {
    const std::string a = Str(arg);
    if (absl::StartsWith(a, "--" + name + "=")) return a.substr(name.size() + 3);
  }
  return std::nullopt;
}

TEST(DeployShutdown, TheGracePeriodOutlastsTheDrain) {
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        if (ChisoService(c).empty()) continue;
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
        std::optional<std::string> drain = FlagValue(c, "drain_grace");
        ASSERT_TRUE(drain) << where << ": --drain_grace is not set explicitly";
        absl::Duration drain_grace;
        ASSERT_TRUE(absl::ParseDuration(*drain, &drain_grace)) << where << ": " << *drain;
        // Kubernetes' default when the field is absent.
        const int grace = w.pod_spec["terminationGracePeriodSeconds"].as<int>(30);
        EXPECT_GT(absl::Seconds(grace), drain_grace + kInFlightGrace)
            << where << ": terminationGracePeriodSeconds " << grace << " vs --drain_grace "
            << *drain << " + " << kInFlightGrace << " for in-flight calls";
      }
    }
  }
}

// The flags a binary accepts and its --helpfull text.
struct Help {
  std::set<std::string> flags;
  std::string text;
};
Help HelpOf(const std::string& binary) {
  static std::map<std::string, Help>* cache = new std::map<std::string, Help>;
  auto it = cache->find(binary);
  if (it != cache->end()) return it->second;
  const CommandResult r =
      RunCommand(absl::StrCat("ASAN_OPTIONS=detect_leaks=0 ", ShellQuote(binary), " --helpfull"));
  Help help;
  help.text = r.out + r.err;
  static const std::regex flag(R"(^\s+--([A-Za-z0-9_]+) \()");
  for (absl::string_view line : absl::StrSplit(help.text, '\n')) {
    std::smatch m;
    const std::string l(line);
    if (std::regex_search(l, m, flag)) help.flags.insert(m[1]);
  }
  // Flag descriptions wrap: "(env" and the variable may be on two lines.
  help.text =
      absl::StrJoin(absl::StrSplit(help.text, absl::ByAnyChar(" \n\t"), absl::SkipEmpty()), " ");
  (*cache)[binary] = help;
  return help;
}

TEST(DeployFlags, EveryFlagAContainerPassesIsAcceptedByItsBinary) {
  for (const auto& [service, binary] : ServiceBinaries()) {
    ASSERT_TRUE(HelpOf(binary).flags.count("drain_grace")) << binary << " --helpfull:\n"
                                                           << HelpOf(binary).text;
  }
  for (const Render* r : GoodRenders()) {
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string service = ChisoService(c);
        if (service.empty()) continue;
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
        ASSERT_TRUE(ServiceBinaries().count(service)) << where << ": no binary chiso-" << service;
        const Help help = HelpOf(ServiceBinaries().at(service));
        if (!c["args"].IsSequence()) continue;
        for (const Y& arg : c["args"]) {
          const std::string a = Str(arg);
          ASSERT_TRUE(absl::StartsWith(a, "--")) << where << ": argument " << a;
          std::string name = a.substr(2, a.find('=') - 2);
          if (absl::StartsWith(name, "no") && !help.flags.count(name)) name = name.substr(2);
          EXPECT_TRUE(help.flags.count(name))
              << where << ": chiso-" << service << " has no flag --" << name;
        }
        // The variables set for this container alone are ones the binary reads
        // (the shared ConfigMap also carries variables for the other services).
        if (!c["env"].IsSequence()) continue;
        for (const Y& e : c["env"]) {
          const std::string name = Str(e["name"]);
          if (!absl::StartsWith(name, "CHISO_")) continue;
          bool read = false;
          for (const std::string& flag : help.flags) read |= FlagEnvironmentVariable(flag) == name;
          EXPECT_TRUE(read) << where << ": chiso-" << service << " reads no " << name;
        }
      }
    }
  }
}

TEST(DeployRedis, RunsWithPersistenceAndNoEviction) {
  for (const Render* r : GoodRenders()) {
    const std::optional<Y> redis = r->Find("StatefulSet", "redis");
    ASSERT_TRUE(redis) << r->Label();
    const Y& c = (*redis)["spec"]["template"]["spec"]["containers"][0];
    std::vector<std::string> args;
    for (const Y& a : c["args"]) args.push_back(Str(a));
    const std::string joined = absl::StrJoin(args, " ");
    for (const char* setting :
         {"--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction"}) {
      EXPECT_TRUE(absl::StrContains(joined, setting)) << r->Label() << ": " << joined;
    }
    // noeviction only refuses writes under a maxmemory; it must leave room
    // below the container's limit (an AOF rewrite forks), or the kernel kills
    // Redis first.
    auto bytes = [](std::string v) -> double {
      double scale = 1;
      for (const auto& [suffix, s] : std::vector<std::pair<std::string, double>>{
               {"gb", 1e9}, {"mb", 1e6}, {"Gi", 1073741824.0}, {"Mi", 1048576.0}}) {
        if (absl::EndsWith(v, suffix)) {
          scale = s;
          v = v.substr(0, v.size() - suffix.size());
          break;
        }
      }
      double n = 0;
      return absl::SimpleAtod(v, &n) ? n * scale : 0;
    };
    std::string maxmemory;
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--maxmemory") maxmemory = args[i + 1];
    }
    const double limit = bytes(Str(c["resources"]["limits"]["memory"]));
    EXPECT_GT(bytes(maxmemory), 0) << r->Label() << ": no --maxmemory";
    EXPECT_LE(bytes(maxmemory), 0.7 * limit) << r->Label() << ": --maxmemory " << maxmemory;
    EXPECT_TRUE((*redis)["spec"]["volumeClaimTemplates"].IsSequence()) << r->Label();
  }
}

// The in-cluster databases collate like C: the services page lists by text
// keys compared byte by byte, as on SQLite.
TEST(DeployPostgres, DatabasesAreCreatedWithTheCCollation) {
  int scripts = 0;
  for (const Render* r : GoodRenders()) {
    for (const Y& cm : r->OfKind("ConfigMap")) {
      for (const auto& kv : cm["data"].entries()) {
        if (!absl::StrContains(Str(kv.second), "CREATE DATABASE")) continue;
        ++scripts;
        EXPECT_TRUE(absl::StrContains(Str(kv.second), "LC_COLLATE 'C'"))
            << r->Label() << ": " << kv.first;
      }
    }
  }
  EXPECT_GT(scripts, 0) << "no database init script rendered";
}

TEST(DeployMonitoring, EveryServiceIsScrapedAndTheDashboardAndRulesShip) {
  for (const Render* r : GoodRenders()) {
    // The ServiceMonitor needs the Prometheus Operator's CRD: prod has it,
    // dev (a cluster that may lack the operator) relies on the annotations.
    std::vector<Y> monitors = r->OfKind("ServiceMonitor");
    const bool prod = r->overlay == "prod";
    ASSERT_EQ(monitors.size(), prod ? 1u : 0u) << r->Label();
    const Y monitor = prod ? monitors[0] : Y();
    std::set<std::string> endpoint_ports;
    for (const Y& e : monitor["spec"]["endpoints"]) endpoint_ports.insert(Str(e["port"]));
    if (prod) {
      EXPECT_EQ(endpoint_ports, std::set<std::string>{"metrics"}) << r->Label();
    }
    const std::string job_label = Str(monitor["spec"]["jobLabel"]);
    for (const Workload& w : Workloads(*r)) {
      for (const Y& c : w.pod_spec["containers"]) {
        const std::string service = ChisoService(c);
        if (service.empty()) continue;
        const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
        const int metrics_port = ContainerPort(c, "metrics");
        ASSERT_NE(metrics_port, 0) << where << ": no container port named metrics";
        const Y& annotations = w.object["spec"]["template"]["metadata"]["annotations"];
        EXPECT_EQ(Str(annotations["prometheus.io/scrape"]), "true") << where;
        EXPECT_EQ(Str(annotations["prometheus.io/port"]), std::to_string(metrics_port)) << where;
        EXPECT_EQ(Str(annotations["prometheus.io/path"]), "/metrics") << where;
        // The Service of the pods is selected by the ServiceMonitor, has a port
        // named metrics, and its job label is chiso-<service> (the job the
        // alert rules and the dashboard use).
        const std::optional<Y> s = r->Find("Service", service);
        ASSERT_TRUE(s) << where;
        const auto labels = LabelMap((*s)["metadata"]["labels"]);
        if (prod) {
          EXPECT_TRUE(Selects(monitor["spec"]["selector"], labels)) << where;
          EXPECT_EQ(labels.count(job_label) ? labels.at(job_label) : "", "chiso-" + service)
              << where;
        }
        bool metrics_port_named = false;
        for (const Y& p : (*s)["spec"]["ports"]) {
          metrics_port_named |= Str(p["name"]) == "metrics";
        }
        EXPECT_TRUE(metrics_port_named) << where;
      }
    }
    // Only the chiso Services (not Redis, not PostgreSQL) are selected.
    for (const Y& s : prod ? r->OfKind("Service") : std::vector<Y>{}) {
      const std::string name = Str(s["metadata"]["name"]);
      const bool chiso = ServiceBinaries().count(name) > 0;
      EXPECT_EQ(Selects(monitor["spec"]["selector"], LabelMap(s["metadata"]["labels"])), chiso)
          << r->Label() << ": Service/" << name;
    }
    // The dashboard for Grafana's sidecar and the rule file for Prometheus.
    bool dashboard = false, rules = false;
    for (const Y& cm : r->OfKind("ConfigMap")) {
      const bool labelled = Str(cm["metadata"]["labels"]["grafana_dashboard"]) == "1";
      for (const auto& kv : cm["data"].entries()) {
        const std::string key = kv.first;
        if (labelled && absl::EndsWith(key, ".json")) {
          const Y json = YAML::Load(Str(kv.second));
          dashboard |= json["panels"].IsSequence();
        }
        if (absl::EndsWith(key, ".yaml") && absl::StrContains(Str(kv.second), "groups:")) {
          const Y file = YAML::Load(Str(kv.second));
          rules |= file["groups"].IsSequence();
        }
      }
    }
    EXPECT_TRUE(dashboard) << r->Label() << ": no ConfigMap labelled grafana_dashboard=1";
    EXPECT_TRUE(rules) << r->Label() << ": no ConfigMap with the Prometheus rule file";
  }
}

// The Deployments of the chiso services in a render.
std::vector<Workload> Deployments(const Render& r) {
  std::vector<Workload> found;
  for (const Workload& w : Workloads(r)) {
    if (w.kind == "Deployment") found.push_back(w);
  }
  return found;
}

TEST(DeployDev, OneReplicaEachAndTheInClusterDatabase) {
  ASSERT_FALSE(RendersOf("dev").empty());
  for (const Render* r : RendersOf("dev")) {
    if (!r->error.empty()) continue;
    for (const Workload& w : Workloads(*r)) {
      EXPECT_EQ(w.object["spec"]["replicas"].as<int>(1), 1) << r->Label() << ": " << w.Label();
    }
    EXPECT_TRUE(r->Find("StatefulSet", "postgres")) << r->Label();
    EXPECT_TRUE(r->OfKind("HorizontalPodAutoscaler").empty()) << r->Label();
  }
}

TEST(DeployProd, ReplicatedAutoscaledBudgetedAndSpread) {
  ASSERT_FALSE(RendersOf("prod").empty());
  for (const Render* r : RendersOf("prod")) {
    if (!r->error.empty()) continue;
    // The database is external: no in-cluster PostgreSQL, no generated URLs.
    EXPECT_FALSE(r->Find("StatefulSet", "postgres")) << r->Label();
    for (const Y& s : r->OfKind("Secret")) {
      EXPECT_NE(WithoutHash(Str(s["metadata"]["name"])), "chiso-database") << r->Label();
    }
    const std::vector<Workload> deployments = Deployments(*r);
    EXPECT_EQ(deployments.size(), 4u) << r->Label();
    for (const Workload& w : deployments) {
      const std::string where = absl::StrCat(r->Label(), ": ", w.Label());
      EXPECT_GE(w.object["spec"]["replicas"].as<int>(1), 2) << where;
      int hpas = 0;
      for (const Y& h : r->OfKind("HorizontalPodAutoscaler")) {
        const Y& target = h["spec"]["scaleTargetRef"];
        if (Str(target["kind"]) != "Deployment" || Str(target["name"]) != w.name) continue;
        ++hpas;
        EXPECT_GE(h["spec"]["minReplicas"].as<int>(1), 2) << where;
        EXPECT_GE(h["spec"]["maxReplicas"].as<int>(0), h["spec"]["minReplicas"].as<int>(1))
            << where;
      }
      EXPECT_EQ(hpas, 1) << where << ": HorizontalPodAutoscalers";
      int pdbs = 0;
      for (const Y& p : r->OfKind("PodDisruptionBudget")) {
        if (Selects(p["spec"]["selector"], LabelMap(w.pod_labels))) ++pdbs;
      }
      EXPECT_EQ(pdbs, 1) << where << ": PodDisruptionBudgets";
      // Preferred anti-affinity by node, on the Deployment's own pods.
      bool spread = false;
      const Y& terms = w.pod_spec["affinity"]["podAntiAffinity"]
                                 ["preferredDuringSchedulingIgnoredDuringExecution"];
      if (terms.IsSequence()) {
        for (const Y& t : terms) {
          const Y& term = t["podAffinityTerm"];
          spread |= Str(term["topologyKey"]) == "kubernetes.io/hostname" &&
                    Selects(term["labelSelector"], LabelMap(w.pod_labels)) &&
                    term["labelSelector"].IsMap();
        }
      }
      EXPECT_TRUE(spread) << where << ": no pod anti-affinity by hostname";
    }
  }
}

// ---- NetworkPolicy evaluation (prod) ----

// One end of a connection: a pod (namespace, labels) or a host outside the
// cluster.
struct Endpoint {
  std::string ns;  // "" for outside the cluster
  std::map<std::string, std::string> labels;
};
Endpoint Outside() { return {"", {}}; }

bool PeerMatches(const Y& peer, const std::string& policy_ns, const Endpoint& e) {
  if (peer["ipBlock"].IsDefined()) {
    // Only "anywhere" is known to include a given outside host; pod IPs are
    // not matched by ipBlocks (implementation-defined in Kubernetes).
    return e.ns.empty() && Str(peer["ipBlock"]["cidr"]) == "0.0.0.0/0";
  }
  if (e.ns.empty()) return false;
  const Y& ns_selector = peer["namespaceSelector"];
  if (ns_selector.IsDefined()) {
    if (!Selects(ns_selector, {{"kubernetes.io/metadata.name", e.ns}})) return false;
  } else if (e.ns != policy_ns) {
    return false;
  }
  return Selects(peer["podSelector"], e.labels);
}

bool PortMatches(const Y& ports, int port, const std::string& protocol) {
  if (!ports.IsSequence() || ports.size() == 0) return true;
  for (const Y& p : ports) {
    const std::string proto = p["protocol"].IsDefined() ? Str(p["protocol"]) : "TCP";
    if (proto == protocol && (!p["port"].IsDefined() || p["port"].as<int>(-1) == port)) {
      return true;
    }
  }
  return false;
}

bool HasPolicyType(const Y& policy, const std::string& type) {
  const Y& types = policy["spec"]["policyTypes"];
  if (!types.IsSequence()) return type == "Ingress" || policy["spec"]["egress"].IsDefined();
  for (const Y& t : types) {
    if (Str(t) == type) return true;
  }
  return false;
}

// Whether the policies of the render let `pod` make (direction "Egress", to
// `other`) or take ("Ingress", from `other`) a connection on port/protocol.
bool Permits(const Render& r, const std::string& direction, const Endpoint& pod,
             const Endpoint& other, int port, const std::string& protocol) {
  if (pod.ns != "chiso") return true;  // only the chiso namespace has policies here
  bool isolated = false;
  const std::string rules_field = direction == "Ingress" ? "ingress" : "egress";
  const std::string peers_field = direction == "Ingress" ? "from" : "to";
  for (const Y& policy : r.OfKind("NetworkPolicy")) {
    if (Str(policy["metadata"]["namespace"]) != pod.ns) continue;
    if (!Selects(policy["spec"]["podSelector"], pod.labels)) continue;
    if (!HasPolicyType(policy, direction)) continue;
    isolated = true;
    const Y& rules = policy["spec"][rules_field];
    if (!rules.IsSequence()) continue;
    for (const Y& rule : rules) {
      if (!PortMatches(rule["ports"], port, protocol)) continue;
      const Y& peers = rule[peers_field];
      if (!peers.IsSequence() || peers.size() == 0) return true;
      for (const Y& peer : peers) {
        if (PeerMatches(peer, pod.ns, other)) return true;
      }
    }
  }
  return !isolated;
}

bool Allowed(const Render& r, const Endpoint& from, const Endpoint& to, int port,
             const std::string& protocol = "TCP") {
  return Permits(r, "Egress", from, to, port, protocol) &&
         Permits(r, "Ingress", to, from, port, protocol);
}

TEST(DeployProd, NetworkPoliciesAllowOnlyTheCallsOfTheArchitecture) {
  ASSERT_FALSE(RendersOf("prod").empty());
  for (const Render* r : RendersOf("prod")) {
    if (!r->error.empty()) continue;
    // A default deny of both directions for every pod.
    bool default_deny = false;
    for (const Y& p : r->OfKind("NetworkPolicy")) {
      default_deny |= LabelMap(p["spec"]["podSelector"]["matchLabels"]).empty() &&
                      !p["spec"]["podSelector"]["matchExpressions"].IsDefined() &&
                      HasPolicyType(p, "Ingress") && HasPolicyType(p, "Egress") &&
                      !p["spec"]["ingress"].IsDefined() && !p["spec"]["egress"].IsDefined();
    }
    EXPECT_TRUE(default_deny) << r->Label() << ": no default-deny NetworkPolicy";

    std::map<std::string, Endpoint> pods;
    std::map<std::string, int> grpc_port, metrics_port, probe_port;
    for (const Workload& w : Workloads(*r)) {
      pods[w.name] = {"chiso", LabelMap(w.pod_labels)};
      for (const Y& c : w.pod_spec["containers"]) {
        grpc_port[w.name] = ContainerPort(c, "grpc");
        metrics_port[w.name] = ContainerPort(c, "metrics");
        probe_port[w.name] = ContainerPort(c, "probe");
      }
    }
    const std::vector<std::string> services = {"plan", "assignment", "scoring", "notification"};
    for (const std::string& s : services) ASSERT_TRUE(pods.count(s)) << r->Label() << " " << s;
    ASSERT_TRUE(pods.count("redis")) << r->Label();
    // The in-cluster PostgreSQL's pods, as ../postgres labels them.
    const Endpoint postgres{
        "chiso", {{"app.kubernetes.io/name", "postgres"}, {"app.kubernetes.io/part-of", "chiso"}}};
    const Endpoint prometheus{"monitoring", {{"app.kubernetes.io/name", "prometheus"}}};
    const Endpoint dns{"kube-system", {{"k8s-app", "kube-dns"}}};
    const Endpoint elsewhere{"other", {{"app", "something"}}};
    const std::string where = r->Label();

    std::set<std::pair<std::string, std::string>> calls = {
        {"assignment", "plan"}, {"scoring", "plan"}, {"scoring", "assignment"}};
    for (const std::string& to : services) {
      const int port = grpc_port[to];
      EXPECT_TRUE(Allowed(*r, Outside(), pods[to], port)) << where << ": outside -> " << to;
      // The kubelet probes from the node, outside the pod network.
      ASSERT_NE(probe_port[to], 0) << where << " " << to;
      EXPECT_TRUE(Allowed(*r, Outside(), pods[to], probe_port[to]))
          << where << ": kubelet -> " << to << " probe port";
      EXPECT_TRUE(Allowed(*r, prometheus, pods[to], metrics_port[to])) << where << " " << to;
      EXPECT_FALSE(Allowed(*r, Outside(), pods[to], metrics_port[to])) << where << " " << to;
      EXPECT_FALSE(Allowed(*r, elsewhere, pods[to], metrics_port[to])) << where << " " << to;
      for (const std::string& from : services) {
        if (from == to) continue;
        EXPECT_EQ(Allowed(*r, pods[from], pods[to], port), calls.count({from, to}) > 0)
            << where << ": " << from << " -> " << to;
      }
    }
    for (const std::string& s : services) {
      const bool uses_queue = s != "scoring";
      EXPECT_EQ(Allowed(*r, pods[s], pods["redis"], 6379), uses_queue) << where << " " << s;
      EXPECT_TRUE(Allowed(*r, pods[s], postgres, 5432)) << where << ": " << s << " -> postgres";
      EXPECT_TRUE(Allowed(*r, pods[s], Outside(), 5432)) << where << ": " << s << " -> database";
      EXPECT_TRUE(Allowed(*r, pods[s], dns, 53, "UDP")) << where << ": " << s << " -> dns";
      EXPECT_TRUE(Allowed(*r, pods[s], dns, 53, "TCP")) << where << ": " << s << " -> dns";
      EXPECT_EQ(Allowed(*r, pods[s], Outside(), 443), s == "notification")
          << where << ": " << s << " -> https webhooks";
      EXPECT_FALSE(Allowed(*r, pods[s], Outside(), 80)) << where << " " << s;
    }
    // Redis and PostgreSQL admit their clients only, whatever the clients' egress.
    EXPECT_FALSE(Permits(*r, "Ingress", pods["redis"], pods["scoring"], 6379, "TCP")) << where;
    EXPECT_FALSE(Permits(*r, "Ingress", pods["redis"], elsewhere, 6379, "TCP")) << where;
    EXPECT_FALSE(Permits(*r, "Ingress", postgres, pods["redis"], 5432, "TCP")) << where;
    EXPECT_FALSE(Permits(*r, "Ingress", postgres, Outside(), 5432, "TCP")) << where;
    EXPECT_FALSE(Allowed(*r, Outside(), pods["redis"], 6379)) << where;
    EXPECT_FALSE(Allowed(*r, elsewhere, pods["redis"], 6379)) << where;
    EXPECT_FALSE(Allowed(*r, elsewhere, postgres, 5432)) << where;
    EXPECT_FALSE(Allowed(*r, pods["redis"], Outside(), 443)) << where;
    EXPECT_FALSE(Allowed(*r, pods["redis"], postgres, 5432)) << where;
  }
}

}  // namespace
}  // namespace chiso::deploytest
