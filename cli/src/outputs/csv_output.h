// --out csv=FILE: one row per second per tag set plus one for the total,
// written as the run goes (a spreadsheet or `tail -f` can follow it).
#pragma once

#include <cstdio>

#include "output.h"

namespace golo::cli::outputs {

class CsvOutput : public Output {
 public:
  // Creates the file now; nullptr and `error` when it cannot.
  static std::unique_ptr<CsvOutput> open(const std::string &path,
                                         std::string &error);
  ~CsvOutput() override;
  void start(const RunInfo &run) override;
  void second(const Second &s) override;
  std::string finish(const Finished &run) override;
  bool failed() const override { return failed_; }

 private:
  CsvOutput(std::string path, std::FILE *f) : path_(std::move(path)), f_(f) {}
  void line(const std::vector<std::string> &cells);

  std::string path_;
  std::FILE *f_;
  RunInfo run_;
  bool failed_ = false;
};

// RFC 4180: a cell with a comma, quote or line break is quoted, its quotes
// doubled.
std::string csv_cell(const std::string &s);
// 2026-11-30T12:49:40.123Z
std::string iso_utc(std::int64_t unix_ms);

}  // namespace golo::cli::outputs
