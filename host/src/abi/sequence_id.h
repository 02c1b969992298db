// go-lo's NewSequenceID: a random (version 4) UUID per iteration.
#pragma once

#include <cstddef>

namespace golo::host {

// Fills buf with len random bytes; false when the system has none to give.
using RandomSource = bool (*)(unsigned char *buf, std::size_t len);
bool system_random(unsigned char *buf, std::size_t len);

// Writes a v4 UUID and a NUL into out (37 bytes). Returns false, leaving the
// seed's DefaultSequenceID there, when the random source fails.
bool new_sequence_id(char out[37], RandomSource random = system_random);

// The same formatting from 16 given bytes (exposed for tests).
void format_uuid_v4(const unsigned char bytes[16], char out[37]);

}  // namespace golo::host
