#include "json_output.h"

#include <fstream>

namespace golo::cli::outputs {

std::string JsonOutput::finish(const nlohmann::json &results) {
  std::ofstream f(path_);
  // replace: a tag or text that slipped through unrepaired must not make
  // the results unwritable.
  f << results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
    << "\n";
  f.close();
  if (!f) {
    failed_ = true;
    return "cannot write " + path_;
  }
  return "";
}

}  // namespace golo::cli::outputs
