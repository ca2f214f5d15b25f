#include "tests/access/test_identities.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace chiso::testing {
namespace {

void Check(const absl::Status& status) {
  if (!status.ok()) throw std::runtime_error(std::string(status.message()));
}

}  // namespace

TestIdentities::TestIdentities() {
  char dir[] = "/tmp/chiso-identities-XXXXXX";
  if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir;
  path_ = absl::StrCat(dir_, "/api_keys.yaml");
  yaml_ = "keys:\n";
  std::ofstream(path_) << "keys: []\n";
  absl::StatusOr<std::unique_ptr<auth::ApiKeyStore>> store = auth::ApiKeyStore::Open(path_);
  Check(store.status());
  store_ = *std::move(store);
  authenticator_ = std::make_shared<auth::Authenticator>(nullptr, store_);
}

TestIdentities::~TestIdentities() {
  unlink((path_ + ".new").c_str());
  unlink(path_.c_str());
  rmdir(dir_.c_str());
}

std::string TestIdentities::Add(const auth::Principal& principal) {
  const std::string key_id = absl::StrCat("k", ++next_);
  absl::StatusOr<auth::NewApiKey> key = auth::GenerateApiKey(key_id);
  Check(key.status());
  absl::StrAppend(&yaml_, auth::ApiKeyEntryYaml(key_id, key->sha256, principal, std::nullopt));
  {
    std::ofstream out(path_ + ".new");
    out << yaml_;
  }
  if (rename((path_ + ".new").c_str(), path_.c_str()) != 0) {
    throw std::runtime_error("rename failed");
  }
  Check(store_->Reload());
  key_ids_[key->key] = key_id;
  return key->key;
}

std::string TestIdentities::Person(const std::string& id, const std::string& unit,
                                   const std::set<auth::Role>& roles) {
  auth::Principal p;
  p.id = id;
  p.kind = auth::Principal::Kind::kPerson;
  p.unit = unit;
  p.roles = roles;
  return Add(p);
}

std::string TestIdentities::System(const std::string& id, const std::string& unit,
                                   const std::set<std::string>& scopes) {
  auth::Principal p;
  p.id = id;
  p.kind = auth::Principal::Kind::kSystem;
  p.unit = unit;
  p.roles = {auth::Role::kSystem};
  p.scopes = scopes;
  return Add(p);
}

std::string TestIdentities::Service(const std::string& id, const std::set<std::string>& scopes) {
  auth::Principal p;
  p.id = id;
  p.kind = auth::Principal::Kind::kService;
  p.roles = {auth::Role::kSystem};
  p.scopes = scopes;
  return Add(p);
}

void TestIdentities::Authorize(grpc::ClientContext* context, const std::string& credential) {
  context->AddMetadata("authorization", absl::StrCat("Bearer ", credential));
}

}  // namespace chiso::testing
