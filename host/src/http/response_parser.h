// An HTTP/1.1 response parser for the plain-http fast path: fed whatever
// bytes arrived, in any split, it reads the status line and headers, then a
// content-length, chunked or until-close body, keeping at most a cap of the
// body and counting all of it. It does no I/O (plain_connection does), so an
// event loop can drive it too. Hostile input ends in an error, never an
// overflow or a wait for bytes no limit bounds: the head is capped, chunk
// sizes and lengths are checked for overflow, chunk lines are capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace golo::host::http {

class ResponseParser {
 public:
  enum class Step { more, done, error };

  static constexpr std::size_t kMaxHead = 64 * 1024;  // status + headers
  static constexpr std::size_t kMaxHeaders = 256;
  static constexpr std::size_t kMaxChunkLine = 4096;  // size + extensions
  static constexpr std::size_t kMaxTrailers = 16 * 1024;

  // Ready for the answer to a request; head: it was HEAD (no body follows).
  void reset(bool head, std::size_t body_cap, bool keep_body);

  // Reads from data[0, len); used: how many bytes it took (it stops at the
  // end of the response: what follows is not asked for). An interim 1xx
  // answer is read and skipped.
  Step feed(const char *data, std::size_t len, std::size_t &used);

  // The connection closed: ends a body that runs to the close, otherwise
  // the response was cut short (error).
  Step eof();

  int status() const { return status_; }
  int version() const { return version_; }  // 10 or 11
  bool keep_alive() const { return keep_alive_; }
  bool started() const { return started_; }  // any byte arrived
  const std::string &error() const { return error_; }

  // The last header of that name (case-insensitive), NUL-terminated, or
  // nullptr.
  const char *header(std::string_view name) const;
  // Each header named so, in order (for Set-Cookie).
  template <class F>
  void each(std::string_view name, F &&f) const {
    for (const Field &h : fields_)
      if (same(name, h)) f(std::string_view(head_.data() + h.value));
  }

  const std::string &body() const { return body_; }
  std::uint64_t body_total() const { return body_total_; }

 private:
  enum class State {
    head,
    body_length,
    body_close,
    chunk_line,
    chunk_data,
    chunk_end,
    trailers,
    done,
  };
  struct Field {
    std::uint32_t name, name_len, value;  // offsets into head_
  };

  Step fail(const char *why);
  Step take_head(const char *data, std::size_t len, std::size_t &used);
  Step parse_head();
  bool parse_status_line(std::string_view line);
  Step parse_field(std::size_t begin, std::size_t end);
  Step start_body();
  Step chunk_size_line();
  bool take_line(const char *data, std::size_t len, std::size_t &i,
                 std::size_t cap);
  void keep(const char *data, std::size_t n);
  bool same(std::string_view name, const Field &f) const;

  State state_ = State::head;
  bool head_request_ = false, keep_body_ = true, keep_alive_ = false;
  bool started_ = false;
  int status_ = 0, version_ = 0;
  std::size_t body_cap_ = 0, trailer_bytes_ = 0;
  std::uint64_t left_ = 0, body_total_ = 0;
  std::string head_, line_, body_, error_;
  std::vector<Field> fields_;
};

}  // namespace golo::host::http
