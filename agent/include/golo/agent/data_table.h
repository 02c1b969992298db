// A data file (a schedule's `data:`): CSV with a header row, parsed once
// into one block of NUL-terminated cells, so that a plugin can be handed a
// cell's pointer on the hot path without a copy. Both golo run and the host
// parse it: the CLI to refuse a bad file before any load, the host because
// it never trusts what a caller sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace golo::agent {

// The largest data file accepted, checked before parsing. It travels inside
// the Runner.Run request beside the schedule (kMaxScheduleBytes), so the
// host's request limit is sized from both (host/src/server/server.h).
inline constexpr std::size_t kMaxDataBytes = 16 * 1024 * 1024;
// The most columns a data file's header may name.
inline constexpr std::size_t kMaxColumns = 1024;

class DataTable {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // Parses CSV (RFC 4180): fields separated by ',', records by CRLF or LF;
  // a field in double quotes may hold ',', line breaks and "" for a quote.
  // The first record is the header: its cells name the columns. A UTF-8
  // byte-order mark before it is skipped, and so are empty lines.
  // Throws std::invalid_argument "FILE:LINE: what is wrong" (1-based, the
  // line where the record starts) for: an empty or duplicate column name, more
  // than kMaxColumns columns, a record with a different number of fields than
  // the header, a quote in an unquoted field or text after a closing quote, a
  // quote never closed, a lone CR, a NUL byte, no rows after the header; and
  // "FILE: ..." for a text over kMaxDataBytes (checked first) or an empty file.
  static DataTable parse(std::string_view csv, std::string_view file);

  const std::string &file() const { return file_; }
  const std::vector<std::string> &columns() const { return columns_; }
  std::size_t rows() const { return rows_; }
  // The index of column `name`, or npos.
  std::size_t column(std::string_view name) const;
  // Row `row`'s cell of `column`, NUL-terminated, valid while the table
  // lives. Both must be in range.
  const char *cell(std::size_t row, std::size_t column) const {
    return cells_.data() + starts_[row * columns_.size() + column];
  }
  // "user, password": the columns as messages name them (cut after ~256
  // characters).
  std::string columns_text() const;

 private:
  std::string file_;
  std::vector<std::string> columns_;
  std::size_t rows_ = 0;
  std::string cells_;                  // every cell, each followed by a NUL
  std::vector<std::uint32_t> starts_;  // where each cell starts, row-major
};

// "FILE: the data file is N bytes; the limit is 16 MiB (16777216 bytes)".
std::string data_too_large(std::string_view file, std::uint64_t bytes);

}  // namespace golo::agent
