// The monitoring files of deploy/k8s/base/monitoring, read as data: every
// alert of rules.yaml is complete (for, severity, summary, description,
// runbook_url to its own section of docs/ALERTS.md) and has promtool cases
// that fire and that stay quiet; the dashboard is a templated Grafana
// dashboard whose panels chart the suite's metrics and are each explained in
// docs/ALERTS.md. (promtool itself checks the expressions; the scrape test
// runs them against the real services.)
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace chiso {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Dir() { return CHISO_MONITORING_DIR; }

const Value& Get(const Struct& s, const std::string& key) {
  static const Value kNull;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kNull : it->second;
}

// The alerting rules of rules.yaml, by name.
std::map<std::string, YAML::Node> Alerts() {
  std::map<std::string, YAML::Node> out;
  YAML::Node file = YAML::LoadFile(Dir() + "/rules.yaml");
  for (const YAML::Node& group : file["groups"]) {
    for (const YAML::Node& rule : group["rules"]) {
      if (!rule["alert"]) continue;
      const std::string name = rule["alert"].as<std::string>();
      EXPECT_EQ(out.count(name), 0u) << "alert defined twice: " << name;
      out[name] = rule;
    }
  }
  return out;
}

TEST(MonitoringRulesTest, EveryAlertIsCompleteAndHasARunbookSection) {
  const std::map<std::string, YAML::Node> alerts = Alerts();
  ASSERT_GE(alerts.size(), 11u);
  const std::string doc = ReadFile(CHISO_ALERTS_DOC);
  ASSERT_FALSE(doc.empty()) << "docs/ALERTS.md is missing";
  for (const auto& [name, rule] : alerts) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(absl::StartsWith(name, "Chiso"));
    EXPECT_FALSE(rule["expr"].as<std::string>("").empty());
    EXPECT_FALSE(rule["for"].as<std::string>("").empty()) << "no `for:`: alerts on one sample";
    const std::string severity = rule["labels"]["severity"].as<std::string>("");
    EXPECT_TRUE(severity == "page" || severity == "ticket") << "severity " << severity;
    for (const char* annotation : {"summary", "description", "runbook_url"}) {
      EXPECT_FALSE(rule["annotations"][annotation].as<std::string>("").empty()) << annotation;
    }
    const std::string anchor = absl::AsciiStrToLower(name);
    EXPECT_EQ(rule["annotations"]["runbook_url"].as<std::string>(""),
              absl::StrCat("docs/ALERTS.md#", anchor));
    // GitHub's anchor of "### ChisoServiceDown" is #chisoservicedown.
    EXPECT_TRUE(absl::StrContains(doc, absl::StrCat("\n### ", name, "\n")))
        << "docs/ALERTS.md has no section \"### " << name << "\"";
  }
}

TEST(MonitoringRulesTest, EveryAlertHasCasesThatFireAndThatDoNot) {
  const std::map<std::string, YAML::Node> alerts = Alerts();
  YAML::Node tests = YAML::LoadFile(Dir() + "/rules_test.yaml");
  std::set<std::string> fires, quiet;
  for (const YAML::Node& test : tests["tests"]) {
    for (const YAML::Node& c : test["alert_rule_test"]) {
      const std::string name = c["alertname"].as<std::string>();
      EXPECT_EQ(alerts.count(name), 1u) << "rules_test.yaml tests an unknown alert " << name;
      (c["exp_alerts"].size() > 0 ? fires : quiet).insert(name);
    }
  }
  for (const auto& [name, rule] : alerts) {
    EXPECT_EQ(fires.count(name), 1u) << name << " has no case where it fires";
    EXPECT_EQ(quiet.count(name), 1u) << name << " has no case where it stays quiet";
  }
}

// ---- the dashboard -------------------------------------------------------------

Struct Dashboard() {
  Struct out;
  auto status =
      google::protobuf::util::JsonStringToMessage(ReadFile(Dir() + "/dashboard.json"), &out);
  EXPECT_TRUE(status.ok()) << "dashboard.json is not JSON: " << status.ToString();
  return out;
}

// Panels, rows' nested panels included.
void Panels(const Value& list, std::vector<Struct>* out) {
  for (const Value& p : list.list_value().values()) {
    out->push_back(p.struct_value());
    Panels(Get(p.struct_value(), "panels"), out);
  }
}

TEST(MonitoringDashboardTest, IsATemplatedGrafanaDashboard) {
  const Struct d = Dashboard();
  EXPECT_GE(Get(d, "schemaVersion").number_value(), 36);
  EXPECT_FALSE(Get(d, "uid").string_value().empty());
  EXPECT_FALSE(Get(d, "title").string_value().empty());
  std::set<std::string> variables;
  bool datasource_variable = false;
  for (const Value& v : Get(Get(d, "templating").struct_value(), "list").list_value().values()) {
    const Struct& var = v.struct_value();
    variables.insert(Get(var, "name").string_value());
    if (Get(var, "name").string_value() == "datasource") {
      datasource_variable = Get(var, "type").string_value() == "datasource" &&
                            Get(var, "query").string_value() == "prometheus";
    } else {
      // Query variables read the templated data source too.
      EXPECT_EQ(Get(Get(var, "datasource").struct_value(), "uid").string_value(), "${datasource}")
          << Get(var, "name").string_value();
    }
  }
  EXPECT_TRUE(datasource_variable) << "no `datasource` variable of type datasource (prometheus)";
  for (const char* v : {"service", "method", "lead_unit", "unit"}) {
    EXPECT_EQ(variables.count(v), 1u) << "no template variable " << v;
  }

  std::vector<Struct> panels;
  Panels(Get(d, "panels"), &panels);
  std::set<double> ids;
  std::string all_exprs;
  static const std::regex kVar(R"(\$\{?(\w+)\}?)");
  for (const Struct& p : panels) {
    const std::string title = Get(p, "title").string_value();
    SCOPED_TRACE(title);
    EXPECT_TRUE(ids.insert(Get(p, "id").number_value()).second) << "duplicate panel id";
    if (Get(p, "type").string_value() == "row") continue;
    EXPECT_FALSE(title.empty());
    EXPECT_FALSE(Get(p, "description").string_value().empty());
    EXPECT_EQ(Get(Get(p, "datasource").struct_value(), "uid").string_value(), "${datasource}");
    const auto& targets = Get(p, "targets").list_value().values();
    EXPECT_GT(targets.size(), 0);
    std::set<std::string> ref_ids;
    for (const Value& t : targets) {
      const std::string expr = Get(t.struct_value(), "expr").string_value();
      EXPECT_FALSE(expr.empty());
      EXPECT_TRUE(ref_ids.insert(Get(t.struct_value(), "refId").string_value()).second);
      absl::StrAppend(&all_exprs, expr, "\n");
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kVar);
           it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1].str();
        if (absl::StartsWith(name, "__")) continue;  // Grafana's own
        EXPECT_EQ(variables.count(name), 1u) << "undefined variable $" << name << " in " << expr;
      }
    }
  }
  // What the issue asks the dashboard to show.
  for (const char* metric :
       {"up{", "grpc_server_handled_total", "grpc_server_handling_seconds_bucket",
        "chiso_reminders", "chiso_reminder_oldest_due_age_seconds",
        "chiso_reminder_lateness_seconds_bucket", "chiso_tasks", "chiso_component_score",
        "chiso_component_target"}) {
    EXPECT_TRUE(absl::StrContains(all_exprs, metric)) << "no panel charts " << metric;
  }
  EXPECT_TRUE(absl::StrContains(all_exprs, "histogram_quantile(0.99"));
  EXPECT_TRUE(absl::StrContains(all_exprs, "histogram_quantile(0.5"));
}

TEST(MonitoringDashboardTest, EveryPanelIsExplainedInTheRunbook) {
  const std::string doc = ReadFile(CHISO_ALERTS_DOC);
  const size_t section = doc.find("\n## Reading the dashboard\n");
  ASSERT_NE(section, std::string::npos) << "docs/ALERTS.md has no \"## Reading the dashboard\"";
  const std::string reading = doc.substr(section);
  std::vector<Struct> panels;
  Panels(Get(Dashboard(), "panels"), &panels);
  for (const Struct& p : panels) {
    const std::string title = Get(p, "title").string_value();
    EXPECT_TRUE(absl::StrContains(reading, title))
        << "panel \"" << title << "\" is not described under \"Reading the dashboard\"";
  }
}

}  // namespace
}  // namespace chiso
