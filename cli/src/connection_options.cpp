#include "connection_options.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "golo/wire/address.h"
#include "read_file.h"

namespace golo::cli {

namespace {

bool read_file(const std::string &path, const char *flag, std::string &out,
               std::string &error) {
  error = golo::cli::read_file(path, out);
  if (error.empty()) return true;
  error = std::string(flag) + ": " + error;
  return false;
}

std::string trimmed(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

std::string default_host() {
  const char *env = std::getenv("GOLO_HOST");
  return env && *env ? env : wire::kDefaultHostAddress;
}

bool loopback_host(const std::string &addr) {
  std::string_view a = addr;
  if (a.starts_with("unix:") || a.starts_with("unix-abstract:")) return true;
  for (std::string_view scheme : {"ipv4:", "ipv6:"})
    if (a.starts_with(scheme)) a.remove_prefix(scheme.size());
  std::string host;
  if (a.starts_with("[")) {
    const auto close = a.find(']');
    if (close == std::string_view::npos || close + 1 >= a.size() ||
        a[close + 1] != ':')
      return false;
    host = std::string(a.substr(1, close - 1));
    a.remove_prefix(close + 2);
  } else {
    const auto colon = a.find(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(a.substr(0, colon));
    a.remove_prefix(colon + 1);
  }
  // The rest must be a port and nothing else (no list, no second address).
  if (a.empty() || !std::all_of(a.begin(), a.end(), [](unsigned char c) {
        return std::isdigit(c);
      }))
    return false;
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6) ||
           (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  return false;
}

std::string check_token_transport(const ConnectionFlags &flags,
                                  const ConnectOptions &opts,
                                  const std::vector<std::string> &hosts) {
  if (opts.token.empty() || opts.tls || flags.insecure) return "";
  for (const auto &h : hosts)
    if (!loopback_host(h))
      return "refusing to send the token to " + h +
             " in clear text (it is not loopback): connect with TLS "
             "(--tls-ca FILE, GOLO_TLS_CA, or --tls), or add --insecure to "
             "send it anyway";
  return "";
}

void add_connection_flags(CLI::App *cmd, ConnectionFlags &f) {
  const char *group = "Connection";
  cmd->add_flag("--tls", f.tls, "connect with TLS, trusting the system's CAs")
      ->group(group);
  cmd->add_option("--tls-ca", f.tls_ca,
                  "connect with TLS, trusting the CAs in this PEM file "
                  "(default: GOLO_TLS_CA)")
      ->group(group);
  cmd->add_flag("--insecure", f.insecure,
                "send the token over plaintext even to a host off loopback")
      ->group(group);
  cmd->add_option("--tls-cert", f.tls_cert,
                  "client certificate (PEM) for hosts that require one")
      ->group(group);
  cmd->add_option("--tls-key", f.tls_key, "the client certificate's key (PEM)")
      ->group(group);
  cmd->add_option("--token-file", f.token_file,
                  "file holding the token to send (default: GOLO_TOKEN)")
      ->group(group);
}

bool resolve(const ConnectionFlags &f, ConnectOptions &out,
             std::string &error) {
  out = {};
  std::string tls_ca = f.tls_ca;
  if (const char *env = std::getenv("GOLO_TLS_CA");
      tls_ca.empty() && env && *env)
    tls_ca = env;
  out.tls = f.tls || !tls_ca.empty() || !f.tls_cert.empty();
  if (!tls_ca.empty() &&
      !read_file(tls_ca, f.tls_ca.empty() ? "GOLO_TLS_CA" : "--tls-ca",
                 out.ca_pem, error))
    return false;
  if (f.tls_cert.empty() != f.tls_key.empty()) {
    error = "--tls-cert and --tls-key go together";
    return false;
  }
  if (!f.tls_cert.empty() &&
      (!read_file(f.tls_cert, "--tls-cert", out.cert_pem, error) ||
       !read_file(f.tls_key, "--tls-key", out.key_pem, error)))
    return false;
  if (!f.token_file.empty()) {
    struct stat st {};
    if (::stat(f.token_file.c_str(), &st) == 0 &&
        (st.st_mode & (S_IRWXG | S_IRWXO))) {
      // As ssh does with keys: a token others can read is not a secret.
      error = "--token-file " + f.token_file +
              " may be read by group or others: chmod 600 " + f.token_file;
      return false;
    }
    std::string text;
    if (!read_file(f.token_file, "--token-file", text, error)) return false;
    out.token = trimmed(text);
    if (out.token.empty()) {
      error = "--token-file " + f.token_file + " is empty";
      return false;
    }
  } else if (const char *env = std::getenv("GOLO_TOKEN"); env && *env) {
    out.token = trimmed(env);
  }
  if (out.token.find_first_of(" \t\r\n") != std::string::npos) {
    error = "the token holds whitespace (a file with one token, no role)";
    return false;
  }
  return true;
}

}  // namespace golo::cli
