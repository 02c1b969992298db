// Who may reach golo-host's control plane: the start-up policy, as pure
// functions (no gRPC) so that the supervisor and the worker decide alike.
//
// On loopback the host behaves as go-lo's default (plaintext, no tokens).
// Any other address must have both TLS and tokens, or --insecure.
#pragma once

#include <string>
#include <string_view>

namespace golo::host {

// True for addresses only this machine can reach: 127.0.0.0/8, ::1,
// "localhost", and unix sockets. `addr` is a listen address or a gRPC target
// ("host:port", "[v6]:port", "ipv4:host:port", "dns:///host:port",
// "unix:path"). A name other than localhost counts as off-loopback: it is
// not resolved, since it could be pointed elsewhere later.
bool is_loopback_address(std::string_view addr);

// The host part of "host:port" (brackets removed for IPv6), after any
// "dns:///", "ipv4:" or "ipv6:" prefix; empty when there is none.
std::string host_part(std::string_view addr);

struct ListenSecurity {
  std::string listen;
  bool tls_cert = false;             // --tls-cert given
  bool tls_key = false;              // --tls-key given
  bool tls_client_ca = false;        // --tls-client-ca given
  bool tokens = false;               // --tokens given
  bool insecure = false;             // --insecure given
  bool insecure_allow_push = false;  // --insecure-allow-push given
};

struct ListenVerdict {
  bool ok = true;
  std::string error;    // why the host refuses to start (exit code 2)
  std::string warning;  // logged at start when ok, e.g. for --insecure
};

ListenVerdict check_listen_policy(const ListenSecurity &s);

struct HostOptions;
// The policy for golo-host's flags, as both the supervisor and the worker
// apply it at start.
ListenVerdict check_listen_policy(const HostOptions &opts);

}  // namespace golo::host
