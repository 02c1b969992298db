#include "connection_options.h"

#include <sys/stat.h>

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

void add_connection_flags(CLI::App *cmd, ConnectionFlags &f) {
  const char *group = "Connection";
  cmd->add_flag("--tls", f.tls, "connect with TLS, trusting the system's CAs")
      ->group(group);
  cmd->add_option("--tls-ca", f.tls_ca,
                  "connect with TLS, trusting the CAs in this PEM file")
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
  out.tls = f.tls || !f.tls_ca.empty() || !f.tls_cert.empty();
  if (!f.tls_ca.empty() && !read_file(f.tls_ca, "--tls-ca", out.ca_pem, error))
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
