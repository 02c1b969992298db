// Human-readable output: the live progress line and the end-of-run summary
// table (one row per tag set plus the total, as k6 prints).
#pragma once

#include <ostream>
#include <string>

#include "golo/agent/results.h"

namespace golo::agent {

// "  12s/60s users 10 iters 1200 (100.0/s) errors 3 dropped 0 p50 1.2ms
//  p95 3.4ms p99 5.6ms", without a newline; "/60s" (the planned length,
// so that the user sees how long is left) only when total_s > 0.
std::string format_progress(const Progress &p, double total_s = 0);

// The summary table, then any dropped/interrupted counts and error samples.
// `colour`: the checks' ✓ green and ✗ red (ANSI escapes, for a terminal).
void print_summary(std::ostream &out, const RunResults &results,
                   bool colour = false);

}  // namespace golo::agent
