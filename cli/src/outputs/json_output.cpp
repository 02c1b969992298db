#include "json_output.h"

#include <fstream>

namespace golo::cli::outputs {

std::string JsonOutput::finish(const Finished &run) {
  std::ofstream f(path_);
  // Streamed a row at a time: the series are never one tree or one string.
  if (run.results)
    run.results->write_json(f, run.extra);
  else
    f << "{}\n";
  f.close();
  if (!f) {
    failed_ = true;
    return "cannot write " + path_;
  }
  return "";
}

}  // namespace golo::cli::outputs
