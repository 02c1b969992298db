#include "security/tls_files.h"

#include "plugins/private_dir.h"
#include "security/token_table.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace golo::host::security {

namespace fs = std::filesystem;

namespace {

struct X509Free {
  void operator()(X509 *x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO *b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string read_file(const std::string &path, const char *what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw TlsError(std::string("cannot read ") + what + " " + path + ": " +
                   std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

BioPtr bio(const std::string &pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr first_certificate(const std::string &pem, const std::string &path,
                          const char *what) {
  auto b = bio(pem);
  X509Ptr cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!cert)
    throw TlsError(
        std::string(what) + " " + path +
        " holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
  return cert;
}

std::string asn1_time(const ASN1_TIME *t) {
  BioPtr out(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(out.get(), t);
  char *data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string subject(X509 *cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

// Writes text to dir/name through a fresh file renamed into place, so the
// watcher never reads a half-written copy.
void write_copy(const fs::path &dir, const std::string &name,
                const std::string &text) {
  const fs::path tmp = dir / ("." + name + ".tmp");
  fs::remove(tmp);
  const int fd = ::open(
      tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    throw TlsError("cannot write " + tmp.string() + ": " +
                   std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) ==
                  static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw TlsError("cannot write " + tmp.string());
  fs::rename(tmp, dir / name);
}

// The copies' directory, mode 0700. Under golo-host: tls-PID in the
// supervisor's private directory, which the supervisor sweeps when this
// worker is gone, however it died (a copy of the key left behind by every
// dead worker was issue 19's finding). Run alone: a fresh one under $TMPDIR,
// removed by the destructor.
fs::path make_copies_dir() {
  if (const char *sup = std::getenv(kSupervisorDirEnv); sup && *sup) {
    const fs::path dir = fs::path(sup) / ("tls-" + std::to_string(getpid()));
    std::error_code ec;
    fs::remove_all(dir, ec);  // a dead worker's whose pid this one reuses
    if (::mkdir(dir.c_str(), 0700) != 0)
      throw TlsError("cannot create a private directory for TLS files (" +
                     dir.string() + "): " + std::strerror(errno));
    return dir;
  }
  const char *tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/golo-tls.XXXXXX";
  if (!::mkdtemp(pattern.data()))  // mode 0700, a directory nobody else made
    throw TlsError("cannot create a private directory for TLS files (" +
                   pattern + "): " + std::strerror(errno));
  return pattern;
}

}  // namespace

TlsFiles::TlsFiles(TlsPaths paths)
    : paths_(std::move(paths)), dir_(make_copies_dir()) {
  try {
    install();
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

TlsFiles::~TlsFiles() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string TlsFiles::install() {
  const std::string cert_pem = read_file(paths_.cert, "--tls-cert");
  // The key is a secret like the tokens file, and checked the same way.
  if (auto why = secret_file_problem(paths_.key, "--tls-key"); !why.empty())
    throw TlsError(why);
  const std::string key_pem = read_file(paths_.key, "--tls-key");
  std::string ca_pem;
  if (!paths_.client_ca.empty())
    ca_pem = read_file(paths_.client_ca, "--tls-client-ca");

  auto cert = first_certificate(cert_pem, paths_.cert, "--tls-cert");
  auto kb = bio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!key)
    throw TlsError("--tls-key " + paths_.key +
                   " holds no unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    throw TlsError("--tls-key " + paths_.key +
                   " is not the key of the certificate in --tls-cert " +
                   paths_.cert);
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0)
    throw TlsError("the certificate in --tls-cert " + paths_.cert +
                   " expired on " + asn1_time(X509_get0_notAfter(cert.get())));
  if (!paths_.client_ca.empty())
    first_certificate(ca_pem, paths_.client_ca, "--tls-client-ca");

  // gRPC reads key and certificate as two files, once a second, and retries
  // when their times change while it reads. A read that fell between these
  // two renames could still pair the new key with the old certificate:
  // handshakes would then fail until its next read, a second later.
  write_copy(dir_, "cert.pem", cert_pem);
  write_copy(dir_, "key.pem", key_pem);
  if (!paths_.client_ca.empty()) write_copy(dir_, "client-ca.pem", ca_pem);
  return subject(cert.get()) + ", valid until " +
         asn1_time(X509_get0_notAfter(cert.get()));
}

}  // namespace golo::host::security
