// chiso-token: issues JWTs and API keys for the chiso services. See cli.h
// and docs/SECURITY.md.

#include <iostream>
#include <string>
#include <vector>

#include "tools/chiso-token/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return chiso::chisotoken::RunChisoToken(args, std::cout, std::cerr);
}
