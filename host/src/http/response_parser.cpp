#include "http/response_parser.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

#include "http/token.h"

namespace golo::host::http {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether the comma-separated list holds token (Connection: keep-alive,
// Transfer-Encoding's last coding).
bool list_has(std::string_view list, std::string_view token, bool last_only) {
  bool found = false;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && is_space(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_space(item.back())) item.remove_suffix(1);
    found = item.size() == token.size() &&
            strncasecmp(item.data(), token.data(), token.size()) == 0;
    if (found && !last_only) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return found;
}

}  // namespace

void ResponseParser::reset(bool head, std::size_t body_cap, bool keep_body) {
  state_ = State::head;
  head_request_ = head;
  keep_body_ = keep_body;
  keep_alive_ = false;
  started_ = false;
  status_ = version_ = 0;
  body_cap_ = body_cap;
  trailer_bytes_ = 0;
  left_ = body_total_ = 0;
  head_.clear();
  line_.clear();
  body_.clear();
  error_.clear();
  fields_.clear();
}

ResponseParser::Step ResponseParser::fail(const char *why) {
  error_ = why;
  state_ = State::done;
  keep_alive_ = false;
  return Step::error;
}

void ResponseParser::keep(const char *data, std::size_t n) {
  body_total_ += n;
  if (keep_body_ && body_.size() < body_cap_)
    body_.append(data, std::min(n, body_cap_ - body_.size()));
}

// Appends bytes up to a LF to line_ (at most cap + 1 of them, so a line
// past cap is seen); true when the line is whole (its CR dropped).
bool ResponseParser::take_line(const char *data, std::size_t len,
                               std::size_t &i, std::size_t cap) {
  const void *lf = std::memchr(data + i, '\n', len - i);
  const std::size_t end =
      lf ? static_cast<std::size_t>(static_cast<const char *>(lf) - data) : len;
  const std::size_t room = cap + 1 - std::min(cap + 1, line_.size());
  line_.append(data + i, std::min(end - i, room));
  i = lf ? end + 1 : len;
  if (!line_.empty() && line_.back() == '\r' && lf) line_.pop_back();
  return lf != nullptr;
}

ResponseParser::Step ResponseParser::feed(const char *data, std::size_t len,
                                          std::size_t &used) {
  std::size_t i = 0;
  if (len > 0) started_ = true;
  while (state_ != State::done) {
    if (state_ == State::head) {
      std::size_t took = 0;
      const Step s = take_head(data + i, len - i, took);
      i += took;
      if (s == Step::error || (s == Step::more && state_ == State::head)) {
        used = i;
        return s;
      }
      continue;  // on to the body, the end, or the head after a 1xx
    }
    if (state_ == State::body_length || state_ == State::chunk_data) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(left_, len - i));
      keep(data + i, n);
      i += n;
      left_ -= n;
      if (left_ > 0) break;
      state_ = state_ == State::chunk_data ? State::chunk_end : State::done;
      continue;
    }
    if (state_ == State::body_close) {
      keep(data + i, len - i);
      i = len;
      break;
    }
    if (i == len) break;
    const std::size_t cap =
        state_ == State::chunk_line ? kMaxChunkLine : kMaxTrailers;
    const std::size_t before = i;
    const bool whole = take_line(data, len, i, cap);
    if (state_ == State::trailers) trailer_bytes_ += i - before;
    if (line_.size() > cap || trailer_bytes_ > kMaxTrailers)
      return fail(state_ == State::chunk_line ? "a chunk-size line is too long"
                                              : "the trailers are too long");
    if (!whole) break;
    Step s = Step::more;
    if (state_ == State::chunk_line) {
      s = chunk_size_line();
    } else if (state_ == State::chunk_end) {
      if (!line_.empty()) return fail("a chunk does not end with CRLF");
      state_ = State::chunk_line;
    } else if (line_.empty()) {  // the blank line after the trailers
      state_ = State::done;
    }
    line_.clear();
    if (s == Step::error) return s;
  }
  used = i;
  return state_ == State::done ? Step::done : Step::more;
}

ResponseParser::Step ResponseParser::eof() {
  if (state_ == State::body_close || state_ == State::done) {
    state_ = State::done;
    keep_alive_ = false;
    return Step::done;
  }
  return fail(state_ == State::head
                  ? "the connection closed before the headers ended"
                  : "the connection closed before the body ended");
}

ResponseParser::Step ResponseParser::chunk_size_line() {
  std::uint64_t size = 0;
  std::size_t k = 0;
  for (; k < line_.size() && hex_value(line_[k]) >= 0; ++k) {
    if (k == 15) return fail("a chunk size is too large");
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line_[k]));
  }
  if (k == 0) return fail("a chunk size is not hexadecimal");
  while (k < line_.size() && is_space(line_[k])) ++k;
  if (k < line_.size() && line_[k] != ';')
    return fail("a chunk size is followed by something not an extension");
  left_ = size;
  state_ = size == 0 ? State::trailers : State::chunk_data;
  return Step::more;
}

// Appends to head_ up to the blank line; then parses it.
ResponseParser::Step ResponseParser::take_head(const char *data,
                                               std::size_t len,
                                               std::size_t &used) {
  std::size_t i = 0;
  while (i < len) {
    const void *lf = std::memchr(data + i, '\n', len - i);
    const std::size_t end =
        lf ? static_cast<std::size_t>(static_cast<const char *>(lf) - data) + 1
           : len;
    if (head_.size() + (end - i) > kMaxHead) {
      used = end;
      return fail("the headers are longer than 64 KiB");
    }
    head_.append(data + i, end - i);
    i = end;
    if (!lf) break;
    // A blank line ("\n" or "\r\n" after the previous LF) ends the head.
    const std::size_t n = head_.size();
    const bool blank = (n >= 2 && head_[n - 2] == '\n') ||
                       (n >= 3 && head_[n - 2] == '\r' && head_[n - 3] == '\n');
    if (blank) {
      // Empty lines before the status line: tolerated, as RFC 9112 says.
      if (head_.find_first_not_of("\r\n") == std::string::npos) {
        head_.clear();
        continue;
      }
      used = i;
      return parse_head();
    }
  }
  used = i;
  return Step::more;
}

bool ResponseParser::parse_status_line(std::string_view line) {
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 ||
      (line[7] != '0' && line[7] != '1') || line[8] != ' ')
    return false;
  for (int k = 9; k < 12; ++k)
    if (line[k] < '0' || line[k] > '9') return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  version_ = line[7] == '1' ? 11 : 10;
  status_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  return status_ >= 100;
}

ResponseParser::Step ResponseParser::parse_head() {
  // Empty lines before the status line were tolerated: skip them.
  std::size_t pos = head_.find_first_not_of("\r\n");
  std::size_t eol = head_.find('\n', pos);
  std::string_view first(head_.data() + pos, eol - pos);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (!parse_status_line(first))
    return fail("the answer does not start with an HTTP/1.x status line");
  fields_.clear();
  for (pos = eol + 1; pos < head_.size();) {
    eol = head_.find('\n', pos);
    std::size_t end = eol;
    if (end > pos && head_[end - 1] == '\r') --end;
    if (end == pos) break;  // the blank line
    if (const Step s = parse_field(pos, end); s == Step::error) return s;
    pos = eol + 1;
  }
  if (status_ < 200 && status_ != 101) {  // interim: the real answer follows
    head_.clear();
    fields_.clear();
    state_ = State::head;
    return Step::done;
  }
  return start_body();
}

ResponseParser::Step ResponseParser::parse_field(std::size_t begin,
                                                 std::size_t end) {
  if (fields_.size() == kMaxHeaders) return fail("more than 256 headers");
  if (is_space(head_[begin]))
    return fail("a header line is folded (obsolete line folding)");
  std::size_t colon = begin;
  while (colon < end && is_token_char(head_[colon])) ++colon;
  if (colon == begin || colon == end || head_[colon] != ':')
    return fail("a header line has no name or no colon");
  std::size_t v = colon + 1;
  while (v < end && is_space(head_[v])) ++v;
  std::size_t v_end = end;
  while (v_end > v && is_space(head_[v_end - 1])) --v_end;
  head_[v_end] = '\0';  // a CR, LF or space: the value ends there
  fields_.push_back({static_cast<std::uint32_t>(begin),
                     static_cast<std::uint32_t>(colon - begin),
                     static_cast<std::uint32_t>(v)});
  return Step::more;
}

ResponseParser::Step ResponseParser::start_body() {
  const char *connection = header("connection");
  keep_alive_ = version_ == 11
                    ? !(connection && list_has(connection, "close", false))
                    : (connection && list_has(connection, "keep-alive", false));
  if (head_request_ || status_ == 101 || status_ == 204 || status_ == 304) {
    if (status_ == 101) keep_alive_ = false;  // no longer HTTP/1.1
    state_ = State::done;
    return Step::done;
  }
  if (const char *te = header("transfer-encoding")) {
    if (list_has(te, "chunked", true)) {
      state_ = State::chunk_line;
      return Step::more;
    }
    state_ = State::body_close;  // RFC 9112 6.3: read until the close
    keep_alive_ = false;
    return Step::more;
  }
  const char *length = nullptr;
  bool differ = false;
  each("content-length", [&](std::string_view v) {
    if (length && v != length) differ = true;
    length = v.data();
  });
  if (differ) return fail("Content-Length headers disagree");
  if (length == nullptr) {
    state_ = State::body_close;
    keep_alive_ = false;
    return Step::more;
  }
  std::uint64_t n = 0;
  std::size_t k = 0;
  for (; length[k] >= '0' && length[k] <= '9'; ++k) {
    if (k == 18) return fail("Content-Length is too large");
    n = n * 10 + static_cast<std::uint64_t>(length[k] - '0');
  }
  if (k == 0 || length[k] != '\0')
    return fail("Content-Length is not a number");
  left_ = n;
  state_ = n == 0 ? State::done : State::body_length;
  return state_ == State::done ? Step::done : Step::more;
}

bool ResponseParser::same(std::string_view name, const Field &f) const {
  return f.name_len == name.size() &&
         strncasecmp(head_.data() + f.name, name.data(), name.size()) == 0;
}

const char *ResponseParser::header(std::string_view name) const {
  for (auto it = fields_.rbegin(); it != fields_.rend(); ++it)
    if (same(name, *it)) return head_.data() + it->value;
  return nullptr;
}

}  // namespace golo::host::http
