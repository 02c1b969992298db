// golo run's side of a schedule's job.data: the file is read here, once,
// checked (exit 2 before any host starts load), and sent to every host.
#pragma once

#include <string>

#include "golo/agent/schedule.h"

namespace golo::cli {

struct DataFile {
  std::string path;  // as read: job.data.file from the schedule's directory
  std::string csv;   // its bytes
};

// Reads and checks the data file of `schedule` (read from schedule_path),
// if it names one. Returns "" (out filled, or left empty without data), or
// the error for stderr: "users.csv:4: 3 fields, but the header has 2
// columns (user, password)", "run.yaml:7:5: job.data.columns: ...".
// `remote_target`: the run's --remote-target, which cannot carry data.
std::string read_data_file(const agent::Schedule &schedule,
                           const std::string &schedule_path,
                           const std::string &remote_target, DataFile &out);

}  // namespace golo::cli
