// Host names for PlainConnection::connect (host->http's and host->tcp_*'s
// connections), resolved without blocking a fiber's loop: a literal address
// at once; a name on one of a few resolver threads while the fiber parks on
// an eventfd the thread writes when done, so a slow DNS server delays only
// the users waiting on it. On a thread getaddrinfo runs in place, as any
// blocking call does there. Either way the answer is glibc's (/etc/hosts,
// nsswitch, every address of a name).
#pragma once

#include <chrono>
#include <string>

#include "abi/run_context.h"
#include "http/plain_connection.h"

struct addrinfo;

namespace golo::host::http {

// Resolves host and port (numeric) for a TCP connection. True with *out
// set (free it with freeaddrinfo); false with e set: GOLO_HTTP_DNS when
// the name did not resolve, TIMEOUT at deadline, STOPPED once run is
// aborting.
bool resolve(const std::string &host, const std::string &port,
             Clock::time_point deadline, const RunContext *run, addrinfo **out,
             IoError &e);

// getaddrinfo's shape: what the resolver threads call. For tests, which
// make it slow; nullptr puts getaddrinfo back.
using LookupFn = int (*)(const char *, const char *, const struct addrinfo *,
                         struct addrinfo **);
void set_lookup_for_tests(LookupFn fn);

}  // namespace golo::host::http
