// The PEM files TLS serves with, checked before use and kept as private
// copies that gRPC's file-watching certificate provider reads. The user's
// files are read only at start and on SIGHUP (install()), so a half-written
// or wrong file is refused with a message while the previous one keeps
// serving; gRPC notices the new copies within a second.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace golo::host::security {

struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TlsPaths {
  std::string cert, key, client_ca;  // client_ca empty: no mutual TLS
};

class TlsFiles {
 public:
  // Creates the private directory (0700) and installs the files; throws
  // TlsError naming the file at fault.
  explicit TlsFiles(TlsPaths paths);
  ~TlsFiles();
  TlsFiles(const TlsFiles &) = delete;
  TlsFiles &operator=(const TlsFiles &) = delete;

  // Re-reads the user's files; returns what now serves ("CN=..., valid
  // until ...") or throws TlsError, leaving the copies as they were.
  std::string install();

  const TlsPaths &paths() const { return paths_; }
  std::filesystem::path key_copy() const { return dir_ / "key.pem"; }
  std::filesystem::path cert_copy() const { return dir_ / "cert.pem"; }
  std::filesystem::path ca_copy() const { return dir_ / "client-ca.pem"; }

 private:
  TlsPaths paths_;
  std::filesystem::path dir_;
};

}  // namespace golo::host::security
