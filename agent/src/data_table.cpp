#include "golo/agent/data_table.h"

#include <stdexcept>
#include <unordered_map>

namespace golo::agent {

namespace {

[[noreturn]] void fail(std::string_view file, std::size_t line,
                       const std::string &what) {
  throw std::invalid_argument(std::string(file) + ":" + std::to_string(line) +
                              ": " + what);
}

std::string ordinal_field(std::size_t n) {
  return "field " + std::to_string(n);
}

// Reads the records of a CSV text one at a time, appending each field's
// text and a NUL to `cells` and its start to `starts`.
class Reader {
 public:
  Reader(std::string_view csv, std::string_view file)
      : csv_(csv), file_(file) {}

  // Reads the next record; returns its field count, 0 at the end.
  std::size_t next(std::string &cells, std::vector<std::uint32_t> &starts) {
    skip_empty_lines();
    if (i_ >= csv_.size()) return 0;
    record_line_ = line_;
    std::size_t fields = 0;
    for (;;) {
      starts.push_back(static_cast<std::uint32_t>(cells.size()));
      ++fields;
      if (i_ < csv_.size() && csv_[i_] == '"')
        quoted(cells, fields);
      else
        unquoted(cells, fields);
      cells += '\0';
      if (i_ >= csv_.size()) return fields;
      const char c = csv_[i_++];
      if (c == ',') continue;
      if (c == '\r') {
        if (i_ >= csv_.size() || csv_[i_] != '\n')
          fail(file_, line_,
               "a carriage return (CR) not followed by a line feed; lines "
               "end with LF or CRLF");
        ++i_;
      }
      ++line_;  // c was '\n', or '\r' before '\n'
      return fields;
    }
  }

  std::size_t record_line() const { return record_line_; }

 private:
  void skip_empty_lines() {
    for (;;) {
      if (csv_.substr(i_, 1) == "\n") {
        i_ += 1;
      } else if (csv_.substr(i_, 2) == "\r\n") {
        i_ += 2;
      } else {
        return;
      }
      ++line_;
    }
  }

  void no_nul(char c) const {
    if (c == '\0') fail(file_, line_, "a NUL byte; a data file holds text");
  }

  // "text", with "" for a quote; line breaks and commas are the field's.
  void quoted(std::string &cells, std::size_t field) {
    const std::size_t opened = line_;
    ++i_;
    for (;;) {
      if (i_ >= csv_.size())
        fail(file_, opened,
             "the quote opening " + ordinal_field(field) + " is never closed");
      const char c = csv_[i_];
      if (c == '"') {
        if (csv_.substr(i_, 2) == "\"\"") {
          cells += '"';
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      no_nul(c);
      if (c == '\n') ++line_;
      cells += c;
      ++i_;
    }
    if (i_ < csv_.size() && csv_[i_] != ',' && csv_[i_] != '\n' &&
        csv_[i_] != '\r')
      fail(file_, line_,
           "text after the closing quote of " + ordinal_field(field) +
               "; a quoted field ends at its closing quote");
  }

  void unquoted(std::string &cells, std::size_t field) {
    const std::size_t from = i_;
    while (i_ < csv_.size() && csv_[i_] != ',' && csv_[i_] != '\n' &&
           csv_[i_] != '\r') {
      if (csv_[i_] == '"')
        fail(file_, line_,
             "a quote inside unquoted " + ordinal_field(field) +
                 "; put the field in quotes and double the quote (\"\")");
      no_nul(csv_[i_]);
      ++i_;
    }
    cells.append(csv_.substr(from, i_ - from));
  }

  std::string_view csv_;
  std::string_view file_;
  std::size_t i_ = 0;
  std::size_t line_ = 1, record_line_ = 1;
};

}  // namespace

std::string data_too_large(std::string_view file, std::uint64_t bytes) {
  return std::string(file) + ": the data file is " + std::to_string(bytes) +
         " bytes; the limit is 16 MiB (" + std::to_string(kMaxDataBytes) +
         " bytes)";
}

DataTable DataTable::parse(std::string_view csv, std::string_view file) {
  if (csv.size() > kMaxDataBytes)
    throw std::invalid_argument(data_too_large(file, csv.size()));
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);  // Excel's BOM
  DataTable t;
  t.file_ = file;
  Reader reader(csv, file);

  const std::size_t width = reader.next(t.cells_, t.starts_);
  if (width == 0)
    throw std::invalid_argument(
        std::string(file) +
        ": the file is empty; it needs a header row naming the columns");
  if (width > kMaxColumns)
    fail(file, reader.record_line(),
         "the header has " + std::to_string(width) + " columns; the limit is " +
             std::to_string(kMaxColumns));
  // A hash set: a header of a million columns must not cost a million
  // squared comparisons.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t c = 0; c < width; ++c) {
    std::string name(t.cells_.data() + t.starts_[c]);
    if (name.empty())
      fail(file, reader.record_line(),
           "column " + std::to_string(c + 1) +
               " of the header is empty; every column needs a name");
    if (const auto [it, fresh] = index.emplace(name, c); !fresh)
      fail(file, reader.record_line(),
           "column \"" + name.substr(0, 64) +
               "\" is in the header twice (columns " +
               std::to_string(it->second + 1) + " and " +
               std::to_string(c + 1) + ")");
    t.columns_.push_back(std::move(name));
  }
  t.cells_.clear();
  t.starts_.clear();

  while (const std::size_t fields = reader.next(t.cells_, t.starts_)) {
    if (fields != width)
      fail(file, reader.record_line(),
           std::to_string(fields) + (fields == 1 ? " field" : " fields") +
               ", but the header has " + std::to_string(width) +
               (width == 1 ? " column" : " columns") + " (" + t.columns_text() +
               ")");
    ++t.rows_;
  }
  if (t.rows_ == 0)
    throw std::invalid_argument(std::string(file) +
                                ": no rows after the header (" +
                                t.columns_text() + ")");
  t.cells_.shrink_to_fit();
  t.starts_.shrink_to_fit();
  return t;
}

std::size_t DataTable::column(std::string_view name) const {
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c] == name) return c;
  return npos;
}

std::string DataTable::columns_text() const {
  std::string text;
  for (const auto &c : columns_) {
    text += (text.empty() ? "" : ", ") + c;
    if (text.size() > 256) return text.substr(0, 256) + "...";
  }
  return text;
}

}  // namespace golo::agent
