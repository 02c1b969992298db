// --out json=FILE (or a bare FILE): the results document, written at the
// end. The file is created when the output opens, before any host is
// called, so a bad path costs no run; if writing still fails at the end,
// the document goes to a fallback file in the current directory instead.
#pragma once

#include <memory>

#include "output.h"

namespace golo::cli::outputs {

class JsonOutput : public Output {
 public:
  // Opens path for writing now (creating it, not emptying it); nullptr with
  // `error` naming it and the system's reason when it cannot.
  static std::unique_ptr<JsonOutput> open(const std::string &path,
                                          std::string &error);
  ~JsonOutput() override;
  void start(const RunInfo &) override {}
  void second(const Second &) override {}
  std::string finish(const Finished &run) override;
  bool failed() const override { return failed_; }

 private:
  JsonOutput(std::string path, bool created)
      : path_(std::move(path)), created_(created) {}
  std::string path_;
  bool created_ = false;  // empty when opened: removed if never written
  bool finished_ = false;
  bool failed_ = false;
};

// Writes the results to golo-results-YYYYMMDD-HHMMSS.json in the current
// directory (or $TMPDIR, or /tmp, when that fails). Returns the path, or ""
// when no file could be written.
std::string write_fallback(const Finished &run);

}  // namespace golo::cli::outputs
