#include "golo/wire/text.h"

#include "golo/agent/utf8.h"

namespace golo::wire {

std::string text(std::string_view s) {
  return agent::utf8_valid(s) ? std::string(s) : agent::utf8_repair(s);
}

void assign_text(std::string &out, std::string_view s) {
  if (agent::utf8_valid(s))
    out.assign(s);
  else
    out = agent::utf8_repair(s);
}

}  // namespace golo::wire
