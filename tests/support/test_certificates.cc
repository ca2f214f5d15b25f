#include "tests/support/test_certificates.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace chiso::test_support {
namespace {

std::string Quote(const std::string& s) { return absl::StrCat("'", s, "'"); }

absl::Status Run(const std::string& command) {
  const std::string full = absl::StrCat(command, " >/dev/null 2>&1");
  const int rc = std::system(full.c_str());
  if (rc != 0) return absl::InternalError(absl::StrCat("failed (", rc, "): ", command));
  return absl::OkStatus();
}

}  // namespace

absl::Status TestCertificates::MakeCa(const std::string& name) {
  return Run(absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout ",
      Quote(Key(name)), " -out ", Quote(Pem(name)), " -subj ", Quote("/CN=" + name),
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"));
}

absl::Status TestCertificates::Issue(const std::string& ca, const std::string& name,
                                     const std::string& common_name) {
  const std::string ext = absl::StrCat(dir_, "/", name, ".ext");
  {
    std::ofstream out(ext);
    out << "basicConstraints=CA:FALSE\n"
        << "keyUsage=critical,digitalSignature,keyEncipherment\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n"
        << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  }
  // Written beside the final files and renamed over them, so a reader never
  // sees half a file (a server watching them for rotation).
  const std::string csr = absl::StrCat(dir_, "/", name, ".csr");
  const std::string key_tmp = Key(name) + ".new";
  const std::string pem_tmp = Pem(name) + ".new";
  if (absl::Status s = Run(absl::StrCat(
          "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ", Quote(key_tmp),
          " -out ", Quote(csr), " -subj ", Quote("/CN=" + common_name)));
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Run(absl::StrCat("openssl x509 -req -days 2 -in ", Quote(csr), " -CA ", Quote(Pem(ca)),
                           " -CAkey ", Quote(Key(ca)), " -set_serial ", std::rand() % 1000000 + 2,
                           " -extfile ", Quote(ext), " -out ", Quote(pem_tmp)));
      !s.ok()) {
    return s;
  }
  if (std::rename(key_tmp.c_str(), Key(name).c_str()) != 0 ||
      std::rename(pem_tmp.c_str(), Pem(name).c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename the files of ", name));
  }
  return absl::OkStatus();
}

}  // namespace chiso::test_support
