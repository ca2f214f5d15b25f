#ifndef CHISO_TOOLS_CHISOCTL_RPC_H_
#define CHISO_TOOLS_CHISOCTL_RPC_H_

// The one way chisoctl calls a service: a unary RPC bounded by --timeout.

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace chiso::chisoctl {

// Calls `method` of `stub` with a deadline `timeout` from now.
template <typename Stub, typename Request, typename Response>
grpc::Status CallWithDeadline(Stub& stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                           Response*),
                              absl::Duration timeout, const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
  return (stub.*method)(&context, request, response);
}

// Calls a List method page by page — `call(request, &page)` — and moves the
// items of each page (`items(response)` gives the repeated field) into `out`
// until the service has no more or `out` holds `limit`. Each page asks for at
// most `max_page_size`; `out`'s next_page_token is the last page's, so a
// caller can say that more items match. A page may be short or even empty
// and still name a next page (a service that bounds the work of one call):
// the loop goes on, and stops only when a page hands back the token it was
// asked with, so a faulty service cannot keep it going. Returns the first
// failed status.
template <typename Request, typename Response, typename CallFn, typename ItemsFn>
grpc::Status CollectPages(Request request, int limit, int max_page_size, CallFn call, ItemsFn items,
                          Response* out) {
  while (true) {
    request.set_page_size(std::min(limit - items(*out)->size(), max_page_size));
    Response page;
    grpc::Status status = call(request, &page);
    if (!status.ok()) return status;
    for (auto& item : *items(page)) {
      if (items(*out)->size() < limit) *items(*out)->Add() = std::move(item);
    }
    out->set_next_page_token(page.next_page_token());
    if (page.next_page_token().empty() || page.next_page_token() == request.page_token() ||
        items(*out)->size() >= limit) {
      return grpc::Status::OK;
    }
    request.set_page_token(page.next_page_token());
  }
}

}  // namespace chiso::chisoctl

#endif  // CHISO_TOOLS_CHISOCTL_RPC_H_
