// A run's progress on the wire (RunUpdate.progress), both ways.
#pragma once

#include "golo/agent/results.h"
#include "golo/golo.pb.h"

namespace golo::wire {

void to_wire(const agent::Progress &p, golo::Progress &out);

// What a host sent, checked: bucket indexes outside the histogram and
// index/count lists of different lengths are dropped, so that a bad host
// cannot put them in results; tag sets come out sorted by key.
agent::Progress from_wire(const golo::Progress &p);

}  // namespace golo::wire
