#ifndef CHISO_TESTS_AUTH_TEST_KEYS_H_
#define CHISO_TESTS_AUTH_TEST_KEYS_H_

// Key material made in-process for the auth tests: RSA key pairs by
// EVP_RSA_gen, written as PEM; files in the test's temporary directory.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace chiso::auth::testing_keys {

struct RsaPem {
  std::string private_pem;
  std::string public_pem;
};

inline std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

inline RsaPem MakeRsaKey(unsigned int bits = 2048) {
  RsaPem out;
  EVP_PKEY* key = EVP_RSA_gen(bits);
  if (key == nullptr) {
    ADD_FAILURE() << "EVP_RSA_gen failed";
    return out;
  }
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, key);
  out.private_pem = BioToString(priv);
  out.public_pem = BioToString(pub);
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return out;
}

// A fresh path under the test's temporary directory.
inline std::string TempPath(const std::string& name) {
  static std::atomic<int> counter{0};
  return absl::StrCat(::testing::TempDir(), "chiso_auth_", getpid(), "_", counter++, "_", name);
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

}  // namespace chiso::auth::testing_keys

#endif  // CHISO_TESTS_AUTH_TEST_KEYS_H_
