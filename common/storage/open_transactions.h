#ifndef CHISO_COMMON_STORAGE_OPEN_TRANSACTIONS_H_
#define CHISO_COMMON_STORAGE_OPEN_TRANSACTIONS_H_

// For the backends only: the transactions this thread has open, innermost
// last, so that a Transact or Read called while one on the same database is
// open joins it (database.h).

#include <optional>
#include <vector>

#include "common/storage/database.h"

namespace chiso::storage::internal {

struct OpenTx {
  const Database* db;
  Tx* tx;
  bool write;
};

// This thread's stack.
std::vector<OpenTx>& OpenTransactions();

// The innermost transaction open on `db`, as the backend's own Tx type.
// A copy: the stack moves its elements when it grows.
template <typename BackendTx>
struct Open {
  BackendTx* tx;
  bool write;
};
template <typename BackendTx>
std::optional<Open<BackendTx>> FindOpen(const Database* db) {
  const std::vector<OpenTx>& open = OpenTransactions();
  for (auto it = open.rbegin(); it != open.rend(); ++it) {
    if (it->db == db) return Open<BackendTx>{static_cast<BackendTx*>(it->tx), it->write};
  }
  return std::nullopt;
}

// Marks a transaction open on this thread for as long as it lives.
class OpenTxScope {
 public:
  OpenTxScope(const Database* db, Tx* tx, bool write) {
    OpenTransactions().push_back(OpenTx{db, tx, write});
  }
  ~OpenTxScope() { OpenTransactions().pop_back(); }
  OpenTxScope(const OpenTxScope&) = delete;
  OpenTxScope& operator=(const OpenTxScope&) = delete;
};

}  // namespace chiso::storage::internal

#endif  // CHISO_COMMON_STORAGE_OPEN_TRANSACTIONS_H_
