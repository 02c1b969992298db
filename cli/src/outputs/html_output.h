// --out html=FILE: the self-contained HTML report (cli/src/report), made
// from the results document at the end, as `golo report` makes it later.
#pragma once

#include <cstdio>
#include <memory>

#include "output.h"

namespace golo::cli::outputs {

class HtmlOutput : public Output {
 public:
  // Creates FILE now, so that a bad path is refused before any load.
  static std::unique_ptr<Output> open(const std::string &path,
                                      std::string &error);
  void start(const RunInfo &) override {}
  void second(const Second &) override {}
  std::string finish(const Finished &run) override;
  bool failed() const override { return failed_; }

 private:
  explicit HtmlOutput(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool failed_ = false;
};

}  // namespace golo::cli::outputs
