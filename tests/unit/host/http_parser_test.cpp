// The fast path's HTTP/1.1 response parser against good and hostile input:
// every answer fed whole and split at every byte (headers and chunk lines
// across reads), chunk extensions and trailers, oversize heads, bad chunk
// sizes, lengths that overflow or disagree, answers cut short; and the
// fast path's cookie jar.
#include <doctest/doctest.h>

#include <string>

#include "http/cookie_jar.h"
#include "http/response_parser.h"

using golo::host::http::CookieJar;
using golo::host::http::ResponseParser;
using Step = ResponseParser::Step;

namespace {

struct Fed {
  Step step = Step::more;
  std::size_t used = 0;  // of the whole input
};

// Feeds text in pieces of `piece` bytes (0: whole), then eof when asked.
Fed feed(ResponseParser &p, const std::string &text, std::size_t piece,
         bool eof = false, std::size_t cap = 1 << 20, bool head = false) {
  p.reset(head, cap, true);
  Fed f;
  if (piece == 0) piece = text.size();
  while (f.used < text.size() && f.step == Step::more) {
    const std::size_t n = std::min(piece, text.size() - f.used);
    std::size_t used = 0;
    f.step = p.feed(text.data() + f.used, n, used);
    REQUIRE(used <= n);
    f.used += used;
    if (f.step == Step::more) REQUIRE(used == n);
  }
  if (eof && f.step == Step::more) f.step = p.eof();
  return f;
}

// Every split of text gives the same outcome as the whole.
void every_split(const std::string &text, Step want, bool eof = false) {
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    ResponseParser p;
    CAPTURE(piece);
    CHECK(feed(p, text, piece, eof).step == want);
  }
}

std::string error_of(const std::string &text, bool eof = false) {
  ResponseParser p;
  const Fed f = feed(p, text, 0, eof);
  CHECK(f.step == Step::error);
  return p.error();
}

}  // namespace

TEST_CASE("http parser: a content-length answer, whole and split anywhere") {
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
      "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Pad:  spaced  \r\n\r\nhello\n";
  every_split(text, Step::done);
  ResponseParser p;
  REQUIRE(feed(p, text, 7).step == Step::done);
  CHECK(p.status() == 200);
  CHECK(p.version() == 11);
  CHECK(p.keep_alive());
  CHECK(p.body() == "hello\n");
  CHECK(p.body_total() == 6);
  CHECK(std::string(p.header("content-type")) == "text/plain");
  CHECK(std::string(p.header("X-PAD")) == "spaced");
  CHECK(std::string(p.header("set-cookie")) == "b=2");  // the last
  CHECK(p.header("missing") == nullptr);
  std::string cookies;
  p.each("set-cookie", [&](std::string_view v) { cookies += v; });
  CHECK(cookies == "a=1b=2");
}

TEST_CASE("http parser: chunked with extensions and trailers, split anywhere") {
  const std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value;x\r\nhello\r\n"
      "A \r\n, world!!!\r\n"
      "0\r\nTrailer: yes\r\n\r\n";
  every_split(text, Step::done);
  ResponseParser p;
  REQUIRE(feed(p, text, 3).step == Step::done);
  CHECK(p.body() == "hello, world!!!");
  CHECK(p.body_total() == 15);
  CHECK(p.keep_alive());
}

TEST_CASE("http parser: bytes past the answer are left, a 1xx is skipped") {
  ResponseParser p;
  const std::string one = "HTTP/1.1 204 No Content\r\n\r\n";
  const Fed f = feed(p, one + "HTTP/1.1 200 OK\r\n", 0);
  CHECK(f.step == Step::done);
  CHECK(f.used == one.size());
  CHECK(p.status() == 204);
  const std::string interim =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
      "Content-Length: 2\r\n\r\nok";
  every_split(interim, Step::done);
  REQUIRE(feed(p, interim, 0).step == Step::done);
  CHECK(p.status() == 201);
  CHECK(p.body() == "ok");
}

TEST_CASE("http parser: a body to the close, HEAD, HTTP/1.0, Connection") {
  ResponseParser p;
  const std::string to_close = "HTTP/1.1 200 OK\r\n\r\nall of it";
  CHECK(feed(p, to_close, 4).step == Step::more);  // until the close
  CHECK(p.eof() == Step::done);
  CHECK(p.body() == "all of it");
  CHECK(!p.keep_alive());
  every_split(to_close, Step::done, true);
  REQUIRE(feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 0, false,
               1 << 20, true)
              .step == Step::done);  // HEAD: no body follows
  CHECK(p.body_total() == 0);
  REQUIRE(feed(p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0).step ==
          Step::done);
  CHECK(p.version() == 10);
  CHECK(!p.keep_alive());
  REQUIRE(feed(p,
               "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
               "Content-Length: 0\r\n\r\n",
               0)
              .step == Step::done);
  CHECK(p.keep_alive());
  REQUIRE(feed(p,
               "HTTP/1.1 200 OK\r\nConnection: foo, close\r\n"
               "Content-Length: 0\r\n\r\n",
               0)
              .step == Step::done);
  CHECK(!p.keep_alive());
  // Bare LF line ends, as some servers send.
  REQUIRE(feed(p, "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", 1).step ==
          Step::done);
  CHECK(p.body() == "x");
}

TEST_CASE("http parser: the body cap keeps the start and counts the rest") {
  ResponseParser p;
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  REQUIRE(feed(p, text, 3, false, 4).step == Step::done);
  CHECK(p.body() == "0123");
  CHECK(p.body_total() == 10);
}

TEST_CASE("http parser: what is not an HTTP/1.x answer is named") {
  CHECK(error_of("this is not http\r\n\r\n").find("status line") !=
        std::string::npos);
  CHECK(error_of("HTTP/2.0 200 OK\r\n\r\n").find("status line") !=
        std::string::npos);
  CHECK(error_of("HTTP/1.1 2x0 OK\r\n\r\n").find("status line") !=
        std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")
            .find("no name or no colon") != std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n").find("folded") !=
        std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")
            .find("no name or no colon") != std::string::npos);
}

TEST_CASE("http parser: oversize heads and too many headers end in errors") {
  std::string big = "HTTP/1.1 200 OK\r\nX: ";
  big.append(ResponseParser::kMaxHead, 'a');
  big += "\r\n\r\n";
  CHECK(error_of(big).find("64 KiB") != std::string::npos);
  // Fed in small pieces, it stops at the cap too, without the blank line.
  ResponseParser p;
  const Fed f = feed(p, big.substr(0, big.size() - 4), 1000);
  CHECK(f.step == Step::error);
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 300; ++i) many += "H: v\r\n";
  CHECK(error_of(many + "\r\n").find("256 headers") != std::string::npos);
}

TEST_CASE("http parser: bad chunk sizes and chunk ends end in errors") {
  const std::string head =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(error_of(head + "zz\r\n").find("not hexadecimal") != std::string::npos);
  CHECK(error_of(head + "\r\n").find("not hexadecimal") != std::string::npos);
  CHECK(error_of(head + "-5\r\n").find("not hexadecimal") != std::string::npos);
  CHECK(error_of(head + "FFFFFFFFFFFFFFFFFFFF\r\n").find("too large") !=
        std::string::npos);
  CHECK(error_of(head + "5 junk\r\n").find("not an extension") !=
        std::string::npos);
  CHECK(error_of(head + "3\r\nabcX\r\n").find("CRLF") != std::string::npos);
  CHECK(error_of(head + "1;" + std::string(5000, 'e') + "\r\n")
            .find("too long") != std::string::npos);
  CHECK(error_of(head + "0\r\n" + std::string(20000, 't'))
            .find("trailers are too long") != std::string::npos);
}

TEST_CASE("http parser: lengths that overflow or disagree, answers cut short") {
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n"
                 "\r\n")
            .find("too large") != std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
            .find("not a number") != std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                 "Content-Length: 2\r\n\r\n")
            .find("disagree") != std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", true)
            .find("before the body ended") != std::string::npos);
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Le", true)
            .find("before the headers ended") != std::string::npos);
  ResponseParser p;
  CHECK(feed(p, "", 0, true).step == Step::error);
  CHECK(!p.started());  // nothing arrived: a kept-alive connection gone stale
}

TEST_CASE("http cookie jar: domain, path, replace and delete") {
  CookieJar jar;
  jar.store("sid=u1; Path=/", "127.0.0.1", "/login", false);
  jar.store("cart=3", "127.0.0.1", "/shop/add?x=1", false);  // path /shop
  jar.store("other=x; Domain=example.com", "127.0.0.1", "/",
            false);  // not ours
  std::string h;
  jar.header_for("127.0.0.1", "/shop/list", false, h);
  CHECK(h == "sid=u1; cart=3");
  h.clear();
  jar.header_for("127.0.0.1", "/shopping", false, h);
  CHECK(h == "sid=u1");
  h.clear();
  jar.header_for("127.0.0.2", "/", false, h);
  CHECK(h == "");
  jar.store("sid=u2; Path=/", "127.0.0.1", "/", false);
  jar.store("cart=; Max-Age=0; Path=/shop", "127.0.0.1", "/", false);
  h.clear();
  jar.header_for("127.0.0.1", "/shop/x", false, h);
  CHECK(h == "sid=u2");
  jar.store("d=1; Domain=.example.com", "www.example.com", "/", false);
  h.clear();
  jar.header_for("api.example.com", "/", false, h);
  CHECK(h == "d=1");
  const auto lines = jar.netscape_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tu2");
}

TEST_CASE("http cookie jar: Secure cookies only from and to https") {
  CookieJar jar;
  jar.store("s=1; Secure", "127.0.0.1", "/", false);  // not from http
  jar.store("t=2; Secure", "127.0.0.1", "/", true);
  jar.store("p=3", "127.0.0.1", "/", true);
  std::string h;
  jar.header_for("127.0.0.1", "/", false, h);
  CHECK(h == "p=3");
  h.clear();
  jar.header_for("127.0.0.1", "/", true, h);
  CHECK(h == "t=2; p=3");
  const auto lines = jar.netscape_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "127.0.0.1\tFALSE\t/\tTRUE\t0\tt\t2");
}
