// The phases of one exchange (DNS, connect, TLS, send, wait, receive,
// total) from libcurl's timers, in nanoseconds.
#pragma once

#include "golo/plugin.h"

typedef void CURL;

namespace golo::host::http {

// Fills r's *_ns members from h's latest transfer. On a reused connection
// DNS, connect and TLS are 0: nothing of them happened.
void read_phases(CURL *h, bool reused, golo_http_response &r);

}  // namespace golo::host::http
