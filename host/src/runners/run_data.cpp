#include "runners/run_data.h"

#include <stdexcept>

#include "golo/agent/data_table.h"

namespace golo::host {

std::shared_ptr<agent::DataFeed> data_for_run(const agent::Schedule &whole,
                                              const golo::RunRequest &req) {
  const bool sent = !req.datacsv().empty() || !req.datafile().empty();
  if (!whole.data) {
    if (sent)
      throw std::invalid_argument("the request carries a data file (" +
                                  req.datafile() + ") but the schedule " +
                                  whole.file + " names none (" +
                                  agent::data_key(whole) + ")");
    return nullptr;
  }
  if (!req.remotetarget().empty())
    throw std::invalid_argument(
        whole.file + ": " + agent::data_key(whole) +
        " needs iterations run in-process: with a "
        "remote target each iteration is a Job.Trigger RPC, which carries "
        "no data");
  if (!sent)
    throw std::invalid_argument(
        whole.file + ": the schedule names data file " + whole.data->file +
        " but the request carries none (RunRequest.dataCsv; golo run sends "
        "it)");
  const std::string name =
      req.datafile().empty() ? whole.data->file : req.datafile();
  auto table = std::make_shared<const agent::DataTable>(
      agent::DataTable::parse(req.datacsv(), name));
  const std::uint64_t count = req.sharecount() > 1 ? req.sharecount() : 1;
  const std::uint64_t index = count > 1 ? req.shareindex() : 0;
  agent::check_data(whole, *table, count);
  const auto share = agent::data_share(whole, index, count);
  const auto users = whole.share(index, count).peak_users();
  return std::make_shared<agent::DataFeed>(std::move(table), whole.data->mode,
                                           share,
                                           static_cast<std::size_t>(users));
}

}  // namespace golo::host
