// --out json=FILE (or a bare FILE): the results document, written at the end.
#pragma once

#include "output.h"

namespace golo::cli::outputs {

class JsonOutput : public Output {
 public:
  explicit JsonOutput(std::string path) : path_(std::move(path)) {}
  void start(const RunInfo &) override {}
  void second(const Second &) override {}
  std::string finish(const Finished &run) override;
  bool failed() const override { return failed_; }

 private:
  std::string path_;
  bool failed_ = false;
};

}  // namespace golo::cli::outputs
