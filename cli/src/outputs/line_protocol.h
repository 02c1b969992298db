// InfluxDB line protocol (1.x): one line per point, measurement `golo`.
#pragma once

#include <string>
#include <vector>

#include "output.h"

namespace golo::cli::outputs {

// Escapes a tag key, tag value or field key: backslash before ',', '=' and
// ' '. Line breaks cannot be escaped in line protocol: they become spaces.
std::string escape_key(const std::string &s);

// `golo,job=J,tag_set=T[,TAG=V...] FIELDS UNIX_MS` (a scenario is one of
// the set's tags, scenario=NAME): tags with
// an empty value are left out (line protocol has no empty tag values);
// integers carry the `i` suffix; the timestamp is the second's end in ms
// (write with precision=ms).
std::string line_of(const RunInfo &run, const Point &p, std::int64_t unix_ms);

// The point's line, then one per step that ran in the second,
// `golo_step,job=J,tag_set=T[,TAG=V...],step=NAME count=Ni,errors=Ni,
// p50_us=...,max_us=... UNIX_MS`, and one per check, `golo_check,...,
// check=NAME passes=Ni,fails=Ni UNIX_MS`.
std::vector<std::string> lines_of(const RunInfo &run, const Point &p,
                                  std::int64_t unix_ms);

}  // namespace golo::cli::outputs
