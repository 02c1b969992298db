#include "golo/wire/pieces.h"

#include <algorithm>

namespace golo::wire {

namespace {

// The longest prefix of text[from..] of at most n bytes that ends between
// UTF-8 characters (a proto3 string piece must be valid UTF-8 by itself).
std::size_t utf8_cut(const std::string &text, std::size_t from, std::size_t n) {
  std::size_t end = std::min(text.size(), from + n);
  if (end == text.size()) return end - from;
  while (end > from && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return end > from ? end - from : std::min(n, text.size() - from);
}

}  // namespace

bool send_run_request_pieces(
    const golo::RunRequest &req,
    const std::function<bool(const golo::RunRequest &)> &send,
    std::size_t max_bytes) {
  if (req.ByteSizeLong() <= max_bytes) return send(req);
  const std::size_t room = max_bytes > 1024 ? max_bytes - 1024 : max_bytes;
  golo::RunRequest piece = req;
  piece.clear_scheduleyaml();
  piece.clear_datacsv();
  piece.clear_env();
  const std::string &yaml = req.scheduleyaml();
  const std::string &data = req.datacsv();
  std::size_t yaml_at = 0, data_at = 0;
  auto env = req.env().begin();
  // Fills piece up to room from what is left, in order; false when nothing
  // is left to add.
  const auto fill = [&] {
    bool added = false;
    while (yaml_at < yaml.size() && piece.ByteSizeLong() < room) {
      const std::size_t n =
          utf8_cut(yaml, yaml_at, room - piece.ByteSizeLong());
      piece.mutable_scheduleyaml()->append(yaml, yaml_at, n);
      yaml_at += n;
      added = true;
    }
    while (yaml_at == yaml.size() && data_at < data.size() &&
           piece.ByteSizeLong() < room) {
      const std::size_t n =
          std::min(data.size() - data_at, room - piece.ByteSizeLong());
      piece.mutable_datacsv()->append(data, data_at, n);
      data_at += n;
      added = true;
    }
    while (yaml_at == yaml.size() && data_at == data.size() &&
           env != req.env().end() &&
           (!added || piece.ByteSizeLong() + env->first.size() +
                              env->second.size() + 16 <=
                          room)) {
      (*piece.mutable_env())[env->first] = env->second;
      ++env;
      added = true;
    }
    return added;
  };
  fill();
  if (!send(piece)) return false;
  for (;;) {
    piece.Clear();
    if (!fill()) return true;
    if (!send(piece)) return false;
  }
}

std::string RunRequestJoiner::add(golo::RunRequest &piece) {
  total_ += piece.ByteSizeLong();
  if (total_ > max_total_)
    return "the request's pieces come to more than " +
           std::to_string(max_total_) + " bytes, the most a run takes (a " +
           "schedule of 1 MiB and a data file of 16 MiB)";
  if (pieces_++ == 0) {
    joined_ = std::move(piece);
    return "";
  }
  joined_.mutable_scheduleyaml()->append(piece.scheduleyaml());
  joined_.mutable_datacsv()->append(piece.datacsv());
  for (const auto &[key, value] : piece.env())
    (*joined_.mutable_env())[key] = value;
  piece.clear_scheduleyaml();
  piece.clear_datacsv();
  piece.clear_env();
  if (piece.ByteSizeLong() != 0)
    return "piece " + std::to_string(pieces_) +
           " of the request carries a field other than scheduleYaml, "
           "dataCsv and env, which only the first piece may carry";
  return "";
}

}  // namespace golo::wire
