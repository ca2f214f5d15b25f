// chiso-db: backup, restore and schema version of a chiso service's
// database. See cli.h and docs/BACKUP.md.

#include <iostream>
#include <string>
#include <vector>

#include "tools/chiso-db/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return chiso::chisodb::RunChisoDb(args, std::cout, std::cerr);
}
