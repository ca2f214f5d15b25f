// The main of every chiso test binary: GoogleTest's, plus one default. A
// server started inside a test talks plaintext unless the test gives it a
// transport of its own (ServerOptions::transport): production servers refuse
// to start without TLS files or --plaintext, and in-process tests have no
// command line to say which.
#include <string>

#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  // Only in binaries that link the transport flags (common/server).
  if (absl::CommandLineFlag* plaintext = absl::FindCommandLineFlag("plaintext")) {
    std::string error;
    if (!plaintext->ParseFrom("true", &error)) {
      fprintf(stderr, "--plaintext: %s\n", error.c_str());
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
