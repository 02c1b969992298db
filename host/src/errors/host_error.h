// How the host says that something failed, in one shape whatever part
// failed (the registry, a plugin load, an upload, the caps, a plugin call):
// PostgreSQL's primary message (what failed), detail (what was found) and
// hint (what to do), kept apart up to the person who reads them.
//
// The rule, and where it stops:
// - A failure that crosses a part's boundary is a HostError: returned in a
//   Result, carried in a LoadError or FileReport (a plugin file's), or
//   thrown as a HostFailure where no value can be returned (a constructor,
//   the middle of a stream). Only the edges turn it into something else:
//   a gRPC status (errors/grpc_status.h: the parts joined), a Problem
//   message (ListPlugins, Reload, Push, Remove: the parts apart), a log
//   line (joined).
// - Leaf checks answer one line "why not": std::optional<std::string>
//   (file_trust.h, private_dir.h, the HTTP client's request checks), or
//   beside a value (elf_check.h's variant, settings.h's and
//   remote_targets.h's std::string&): their caller makes it the primary,
//   or the detail under a primary of its own.
// - Start-up and housekeeping steps answer bool (or a null pointer) plus a
//   one-line error that their caller logs where it happens, and at start-up
//   exits on: nothing carries it further (listen_reservation,
//   listen_address, serve_metrics, sd_notify, attach_call_board, the
//   quarantine list's file).
// - The HTTP client's per-request errors are the plugin's to read
//   (golo_http_response's error text), not HostErrors; response_parser
//   keeps its first error for the client to put there.
// - The CLI prints what failed where it happens and exits with the code;
//   a host's Problem it shows with wire::problem_lines. Its leaf checks
//   (connection options, --out targets and the dashboard's bind: the
//   bool or null-pointer + std::string& shape) are one line each, printed
//   as "golo COMMAND: LINE" before any host is called.
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <variant>

namespace golo::host {

struct HostError {
  // What kind of failure, for the caller's program; picks the gRPC code.
  enum class Code {
    kInvalidArgument,     // the request is malformed
    kNotFound,            // it names something that is not there
    kFailedPrecondition,  // it names something that may not be used now
    kUnauthenticated,     // no token, or one the host does not know
    kPermissionDenied,    // the caller's role or the host's policy forbids it
    kResourceExhausted,   // a cap or a size limit
    kDataLoss,            // an upload arrived other than declared
    kUnavailable,         // the host is shutting down
    kAborted,             // stopped before it ended
    kCancelled,           // the caller went away
    kPluginFailed,        // the plugin's own call returned an error
    kInternal,            // the host's own fault (I/O, no thread)
  };
  Code code = Code::kInternal;
  std::string primary;  // one line: what failed
  std::string detail;   // optional: what was found
  std::string hint;     // optional: what to do about it

  // "primary; detail; hint", leaving out the empty parts.
  std::string message() const {
    std::string m = primary;
    for (const std::string *part : {&detail, &hint})
      if (!part->empty()) m += "; " + *part;
    return m;
  }
};

// A HostError thrown: for constructors and streams, caught at the edge.
struct HostFailure : std::exception {
  explicit HostFailure(HostError e)
      : error(std::move(e)), text_(error.message()) {}
  HostFailure(HostError::Code code, std::string primary)
      : HostFailure(HostError{code, std::move(primary), {}, {}}) {}
  const char *what() const noexcept override { return text_.c_str(); }
  HostError error;

 private:
  std::string text_;
};

// A value or the HostError that prevented it.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(HostError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T &value() { return std::get<0>(v_); }
  const T &value() const { return std::get<0>(v_); }
  T &operator*() { return value(); }
  T *operator->() { return &value(); }
  const HostError &error() const { return std::get<1>(v_); }

 private:
  std::variant<T, HostError> v_;
};

}  // namespace golo::host
