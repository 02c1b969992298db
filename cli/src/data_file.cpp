#include "data_file.h"

#include <filesystem>
#include <stdexcept>

#include "golo/agent/data_table.h"
#include "read_file.h"

namespace golo::cli {

std::string read_data_file(const agent::Schedule &schedule,
                           const std::string &schedule_path,
                           const std::string &remote_target, DataFile &out) {
  out = {};
  if (!schedule.data) return "";
  const auto &spec = *schedule.data;
  const std::string at = schedule.file + ":" + std::to_string(spec.mark.line) +
                         ":" + std::to_string(spec.mark.column) + ": ";
  if (!remote_target.empty())
    return at + agent::data_key(schedule) +
           " cannot be used with --remote-target: each iteration is "
           "then a Job.Trigger RPC to " +
           remote_target + ", which carries no data";
  // Relative to the schedule, so a schedule and its data move together.
  const std::filesystem::path file(spec.file);
  out.path = file.is_absolute()
                 ? spec.file
                 : (std::filesystem::path(schedule_path).parent_path() / file)
                       .string();
  if (auto error = read_file(out.path, out.csv, agent::kMaxDataBytes + 1);
      !error.empty())
    return at + agent::data_key(schedule) + ".file: " + error;
  if (out.csv.size() > agent::kMaxDataBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(out.path, ec);
    return agent::data_too_large(out.path,
                                 ec ? agent::kMaxDataBytes + 1 : size);
  }
  try {
    agent::check_data(schedule, agent::DataTable::parse(out.csv, out.path));
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "";
}

}  // namespace golo::cli
