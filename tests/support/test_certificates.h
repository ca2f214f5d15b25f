// Certificates for tests of TLS, made with the openssl command: a CA, and
// certificates it signs for servers and clients.
#ifndef CHISO_TESTS_SUPPORT_TEST_CERTIFICATES_H_
#define CHISO_TESTS_SUPPORT_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/status.h"

namespace chiso::test_support {

// Files under one directory: <name>.pem (certificate) and <name>.key (key).
class TestCertificates {
 public:
  // `dir` must exist.
  explicit TestCertificates(std::string dir) : dir_(std::move(dir)) {}

  // A self-signed CA `name` whose subject's common name is `name`.
  absl::Status MakeCa(const std::string& name);
  // A certificate `name` for `common_name`, signed by the CA `ca` (made by
  // MakeCa), valid for localhost and 127.0.0.1, for servers and clients.
  absl::Status Issue(const std::string& ca, const std::string& name,
                     const std::string& common_name);

  std::string Pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string Key(const std::string& name) const { return dir_ + "/" + name + ".key"; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace chiso::test_support

#endif  // CHISO_TESTS_SUPPORT_TEST_CERTIFICATES_H_
