// The container build (Dockerfile): a multi-stage build on debian:bookworm-slim
// whose runtime stage installs the packages of every shared library the built
// binaries load (ldd, mapped to packages with dpkg -S), runs as a fixed
// non-root user, and ships the binaries the Kubernetes manifests run.

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/deploy/deploy_support.h"

namespace chiso::deploytest {
namespace {

const std::vector<std::string>& Binaries() {
  static const auto* binaries =
      new std::vector<std::string>{CHISO_PLAN_BIN,         CHISO_ASSIGNMENT_BIN, CHISO_SCORING_BIN,
                                   CHISO_NOTIFICATION_BIN, CHISOCTL_BIN,         CHISO_DB_BIN};
  return *binaries;
}

// Packages of debian:bookworm-slim itself (the C and C++ runtimes).
const std::set<std::string>& BaseImagePackages() {
  static const auto* packages = new std::set<std::string>{"libc6", "libgcc-s1", "libstdc++6"};
  return *packages;
}

// The Dockerfile as instructions: continuation lines joined, comments and
// blank lines dropped.
std::vector<std::string> Instructions() {
  std::vector<std::string> instructions;
  std::string current;
  for (absl::string_view raw : absl::StrSplit(ReadSourceFile("Dockerfile"), '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    if (absl::EndsWith(line, "\\")) {
      absl::StrAppend(&current, line.substr(0, line.size() - 1), " ");
      continue;
    }
    absl::StrAppend(&current, line);
    instructions.push_back(current);
    current.clear();
  }
  if (!current.empty()) instructions.push_back(current);
  return instructions;
}

// The instructions of each stage (FROM first).
std::vector<std::vector<std::string>> Stages() {
  std::vector<std::vector<std::string>> stages;
  for (const std::string& i : Instructions()) {
    if (absl::StartsWith(i, "FROM ")) stages.emplace_back();
    if (!stages.empty()) stages.back().push_back(i);
  }
  return stages;
}

// The packages `apt-get install` names in the runtime (last) stage.
std::set<std::string> RuntimePackages() {
  std::set<std::string> packages;
  const std::vector<std::vector<std::string>> stages = Stages();
  if (stages.empty()) return packages;
  for (const std::string& i : stages.back()) {
    if (!absl::StartsWith(i, "RUN ")) continue;
    for (absl::string_view command : absl::StrSplit(i.substr(4), absl::ByAnyChar("&;|"))) {
      std::vector<std::string> words =
          absl::StrSplit(command, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      for (size_t k = 0; k + 1 < words.size(); ++k) {
        if (words[k] != "apt-get" || words[k + 1] != "install") continue;
        for (size_t j = k + 2; j < words.size(); ++j) {
          if (!absl::StartsWith(words[j], "-")) packages.insert(words[j]);
        }
      }
    }
  }
  return packages;
}

// The package owning each file ("libfoo1", without ":amd64"); files no
// package owns are left out. One dpkg -S for all (each call reads every file
// list).
std::map<std::string, std::string> Owners(const std::set<std::string>& paths) {
  std::map<std::string, std::vector<std::string>> candidates;  // path -> spellings
  std::string quoted;
  for (const std::string& p : paths) absl::StrAppend(&quoted, " ", ShellQuote(p));
  const CommandResult real = RunCommand("readlink -f" + quoted);
  std::vector<std::string> resolved = absl::StrSplit(real.out, '\n', absl::SkipEmpty());
  std::set<std::string> all;
  size_t k = 0;
  for (const std::string& p : paths) {
    std::vector<std::string> spellings = {p};
    if (real.status == 0 && k < resolved.size()) spellings.push_back(resolved[k++]);
    // Debian 12 merges /lib into /usr/lib; dpkg knows one of the two spellings.
    for (const std::string& c : std::vector<std::string>(spellings)) {
      spellings.push_back(absl::StartsWith(c, "/usr/") ? c.substr(4) : "/usr" + c);
    }
    all.insert(spellings.begin(), spellings.end());
    candidates[p] = spellings;
  }
  std::string all_quoted;
  for (const std::string& c : all) absl::StrAppend(&all_quoted, " ", ShellQuote(c));
  // Exits 1 when some spelling is unknown; the known ones are still listed.
  const CommandResult r = RunCommand("dpkg -S" + all_quoted);
  std::map<std::string, std::string> owner_of_spelling;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "diversion")) continue;
    const size_t colon = line.find(": ");
    if (colon == absl::string_view::npos) continue;
    // "libfoo1:amd64: /path", or "libfoo1, libfoo2: /path" when several own it.
    std::string package(line.substr(0, colon));
    package = package.substr(0, package.find(','));
    package = package.substr(0, package.find(':'));
    owner_of_spelling[std::string(line.substr(colon + 2))] =
        std::string(absl::StripAsciiWhitespace(package));
  }
  std::map<std::string, std::string> owners;
  for (const auto& [path, spellings] : candidates) {
    for (const std::string& c : spellings) {
      auto it = owner_of_spelling.find(c);
      if (it != owner_of_spelling.end()) {
        owners[path] = it->second;
        break;
      }
    }
  }
  return owners;
}

// Every package that `packages` depend on, recursively (Depends and
// Pre-Depends, every alternative), as installed here.
std::set<std::string> DependencyClosure(const std::set<std::string>& packages) {
  std::set<std::string> seen;
  std::vector<std::string> todo(packages.begin(), packages.end());
  while (!todo.empty()) {
    const std::string p = todo.back();
    todo.pop_back();
    if (!seen.insert(p).second) continue;
    const CommandResult r =
        RunCommand("dpkg-query -W -f='${Depends}, ${Pre-Depends}' " + ShellQuote(p));
    if (r.status != 0) continue;
    for (absl::string_view dep : absl::StrSplit(r.out, absl::ByAnyChar(",|"))) {
      dep = absl::StripAsciiWhitespace(dep);
      std::string name(dep.substr(0, dep.find_first_of(" (")));
      name = name.substr(0, name.find(':'));  // foo:any
      if (!name.empty() && !seen.count(name)) todo.push_back(name);
    }
  }
  return seen;
}

// The shared libraries `binary` loads (ldd), without the sanitizer runtimes of
// test builds.
std::vector<std::string> SharedLibraries(const std::string& binary) {
  std::vector<std::string> libraries;
  const CommandResult r = RunCommand("ldd " + ShellQuote(binary));
  EXPECT_EQ(r.status, 0) << "ldd " << binary << ": " << r.err;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    std::string path;
    if (const size_t arrow = line.find("=> "); arrow != absl::string_view::npos) {
      path = std::string(line.substr(arrow + 3));
    } else {
      path = std::string(absl::StripLeadingAsciiWhitespace(line));  // the dynamic loader
    }
    path = path.substr(0, path.find(" ("));
    if (!absl::StartsWith(path, "/")) continue;  // linux-vdso.so.1
    const std::string file = path.substr(path.rfind('/') + 1);
    if (absl::StartsWith(file, "libasan.") || absl::StartsWith(file, "libubsan.")) continue;
    libraries.push_back(path);
  }
  return libraries;
}

TEST(DeployDockerfile, IsAMultiStageBuildOnBookwormSlim) {
  const std::vector<std::vector<std::string>> stages = Stages();
  ASSERT_GE(stages.size(), 2u);
  for (const std::vector<std::string>& stage : stages) {
    EXPECT_TRUE(absl::StartsWith(stage[0], "FROM debian:bookworm-slim")) << stage[0];
  }
  // The builder follows the README: scripts/setup.sh, then the Release build.
  const std::string builder = absl::StrJoin(stages.front(), "\n");
  EXPECT_TRUE(absl::StrContains(builder, "scripts/setup.sh")) << builder;
  EXPECT_TRUE(absl::StrContains(builder, "make build")) << builder;
  // The runtime stage installs no development packages and no toolchain.
  const std::set<std::string> runtime = RuntimePackages();
  EXPECT_FALSE(runtime.empty());
  for (const std::string& p : runtime) {
    EXPECT_FALSE(absl::EndsWith(p, "-dev")) << p;
    EXPECT_FALSE(p == "build-essential" || p == "cmake" || p == "g++") << p;
  }
  const std::string last = absl::StrJoin(stages.back(), "\n");
  EXPECT_TRUE(absl::StrContains(last, "--no-install-recommends")) << last;
  // A fixed numeric non-root user, the same as the group and useradd's uid.
  static const std::regex user(R"((^|\n)USER (\d+):(\d+)(\n|$))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(last, m, user)) << "no numeric USER uid:gid in the runtime stage";
  const std::string uid = m[2], gid = m[3];
  EXPECT_NE(uid, "0");
  EXPECT_TRUE(absl::StrContains(last, "--uid " + uid)) << last;
  EXPECT_TRUE(absl::StrContains(last, "--gid " + gid)) << last;
}

TEST(DeployDockerfile, ShipsEveryBinaryOfTheReleaseBuild) {
  const std::string dockerfile = absl::StrJoin(Instructions(), "\n");
  const std::string runtime = absl::StrJoin(Stages().back(), "\n");
  const std::string build_dir = std::string(CHISO_BUILD_DIR) + "/";
  for (const std::string& binary : Binaries()) {
    ASSERT_TRUE(absl::StartsWith(binary, build_dir)) << binary;
    // The same place in the Release build dir as in this build.
    const std::string relative = "build/release/" + binary.substr(build_dir.size());
    EXPECT_TRUE(absl::StrContains(dockerfile, relative)) << relative << " is not copied";
    const std::string name = binary.substr(binary.rfind('/') + 1);
    // Into /usr/local/bin, where the manifests' commands find it.
    static const std::regex copy(R"((^|\n)COPY --from=\S+ ([^\n]*) /usr/local/bin/(\n|$))");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(runtime, m, copy)) << "no COPY into /usr/local/bin/";
    EXPECT_TRUE(absl::StrContains(std::string(m[2]), "/" + name)) << name << " not in " << m[2];
  }
}

TEST(DeployDockerfile, RuntimePackagesCoverEverySharedLibrary) {
  const std::set<std::string> named = RuntimePackages();
  ASSERT_FALSE(named.empty()) << "no apt-get install in the runtime stage";
  for (const std::string& p : named) {
    const CommandResult r = RunCommand("dpkg-query -W -f='${Status}' " + ShellQuote(p));
    EXPECT_TRUE(absl::StrContains(r.out, "ok installed"))
        << p << " is no installed package here (a typo, or a package scripts/setup.sh "
        << "does not bring)";
  }
  const std::set<std::string> pulled = DependencyClosure(named);
  std::map<std::string, std::vector<std::string>> libraries;  // binary -> libraries
  std::set<std::string> all;
  for (const std::string& binary : Binaries()) {
    libraries[binary] = SharedLibraries(binary);
    all.insert(libraries[binary].begin(), libraries[binary].end());
  }
  const std::map<std::string, std::string> owners = Owners(all);
  std::map<std::string, std::set<std::string>> missing;  // package -> libraries
  for (const std::string& library : all) {
    auto it = owners.find(library);
    EXPECT_NE(it, owners.end()) << library << " belongs to no package";
    if (it == owners.end() || BaseImagePackages().count(it->second)) continue;
    if (!pulled.count(it->second)) missing[it->second].insert(library);
  }
  for (const auto& [package, files] : missing) {
    ADD_FAILURE() << "the runtime stage does not install " << package << " (nor a package "
                  << "depending on it), needed for " << absl::StrJoin(files, ", ");
  }
  // The libraries the binaries link directly are named, not merely pulled in.
  for (const std::string& binary : Binaries()) {
    const CommandResult r = RunCommand("objdump -p " + ShellQuote(binary));
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> needed;
    for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
      std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() == 2 && words[0] == "NEEDED") needed.insert(words[1]);
    }
    for (const std::string& library : libraries[binary]) {
      const std::string file = library.substr(library.rfind('/') + 1);
      auto it = owners.find(library);
      if (!needed.count(file) || it == owners.end()) continue;
      if (BaseImagePackages().count(it->second)) continue;
      EXPECT_TRUE(named.count(it->second))
          << binary << " links " << file << " of " << it->second << ", not named in the Dockerfile";
    }
  }
}

}  // namespace
}  // namespace chiso::deploytest
