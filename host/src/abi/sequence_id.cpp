#include "abi/sequence_id.h"

#include <sys/random.h>

#include <cstring>

#include "golo/plugin.h"

namespace golo::host {

void format_uuid_v4(const unsigned char bytes[16], char out[37]) {
  unsigned char b[16];
  std::memcpy(b, bytes, 16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char hex[] = "0123456789abcdef";
  char *p = out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[b[i] >> 4];
    *p++ = hex[b[i] & 0x0f];
  }
  *p = '\0';
}

bool system_random(unsigned char *buf, std::size_t len) {
  // One getrandom call per id was a sixth of the system calls of an HTTP
  // iteration. Ids now draw on a small per-thread pool, still filled by the
  // kernel's CSPRNG (google/uuid's EnableRandPool does the same). 512 bytes
  // keep the cost per user thread small; they cover 32 ids.
  struct Pool {
    unsigned char bytes[512];
    std::size_t left;  // unused bytes at the end of `bytes`
  };
  thread_local Pool pool{};
  if (len > sizeof pool.bytes)
    return getrandom(buf, len, GRND_NONBLOCK) == static_cast<ssize_t>(len);
  if (pool.left < len) {
    // Non-blocking: a short read or an error means no randomness right now.
    if (getrandom(pool.bytes, sizeof pool.bytes, GRND_NONBLOCK) !=
        static_cast<ssize_t>(sizeof pool.bytes))
      return false;
    pool.left = sizeof pool.bytes;
  }
  unsigned char *from = pool.bytes + (sizeof pool.bytes - pool.left);
  std::memcpy(buf, from, len);
  pool.left -= len;  // each byte is handed out once
  return true;
}

bool new_sequence_id(char out[37], RandomSource random) {
  unsigned char bytes[16];
  if (!random(bytes, sizeof bytes)) {  // fall back as the seed does
    std::memcpy(out, GOLO_DEFAULT_SEQUENCE_ID, GOLO_SEQUENCE_ID_SIZE);
    return false;
  }
  format_uuid_v4(bytes, out);
  return true;
}

}  // namespace golo::host
