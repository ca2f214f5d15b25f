// chisoctl: the command-line client of the chiso plan service. See cli.h
// and docs/CHISOCTL.md.

#include <iostream>
#include <string>
#include <vector>

#include "tools/chisoctl/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return chiso::chisoctl::RunChisoctl(args, std::cout, std::cerr);
}
