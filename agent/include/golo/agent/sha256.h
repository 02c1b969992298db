// SHA-256 in lowercase hex: how golo names a file's content, the same on
// both ends (the CLI before a push, the host when it loads, fingerprints or
// receives a plugin). OpenSSL's EVP underneath.
#pragma once

#include <string>
#include <string_view>

namespace golo::agent {

std::string sha256_hex(std::string_view bytes);

// The same digest over bytes that arrive in pieces (a streamed upload).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256 &) = delete;
  Sha256 &operator=(const Sha256 &) = delete;

  void update(std::string_view bytes);
  // The digest of everything updated so far; call once.
  std::string final_hex();

 private:
  void *ctx_;  // EVP_MD_CTX, kept out of this header
};

}  // namespace golo::agent
