#include "host_list.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "host_port.h"
#include "read_file.h"

namespace golo::cli {

namespace {

constexpr const char *kDnsScheme = "dns:///";

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Every address NAME resolves to, as HOST:PORT ("[V6]:PORT").
bool resolve(const std::string &target, std::vector<std::string> &out,
             std::string &error) {
  const auto colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
    error = "--host " + std::string(kDnsScheme) + target +
            ": want dns:///NAME:PORT";
    return false;
  }
  if (auto bad = check_host_port(target); !bad.empty()) {
    error = "--host " + std::string(kDnsScheme) + bad.substr(7);
    return false;
  }
  const std::string name = target.substr(0, colon);
  const std::string port = target.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo *res = nullptr;
  const int rc = getaddrinfo(name.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    error = "--host " + std::string(kDnsScheme) + target + ": " + name +
            " does not resolve (" + gai_strerror(rc) + ")";
    return false;
  }
  for (const addrinfo *ai = res; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ai->ai_family == AF_INET) {
      inet_ntop(AF_INET,
                &reinterpret_cast<sockaddr_in *>(ai->ai_addr)->sin_addr, text,
                sizeof text);
      out.push_back(std::string(text) + ":" + port);
    } else if (ai->ai_family == AF_INET6) {
      inet_ntop(AF_INET6,
                &reinterpret_cast<sockaddr_in6 *>(ai->ai_addr)->sin6_addr, text,
                sizeof text);
      out.push_back("[" + std::string(text) + "]:" + port);
    }
  }
  freeaddrinfo(res);
  return true;
}

// A plain HOST:PORT whose HOST is a name (not an IP address, no gRPC
// scheme such as unix:) must resolve: said here in one line, rather than
// as gRPC's resolver error from every call later.
bool check_name(const std::string &entry, std::string &error) {
  const auto colon = entry.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      entry.find("://") != std::string::npos || entry.front() == '[')
    return true;
  const std::string name = entry.substr(0, colon);
  const std::string port = entry.substr(colon + 1);
  if (name.find(':') != std::string::npos ||  // unix:/path, ipv4:..., v6
      port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
    return true;
  in_addr v4{};
  if (inet_pton(AF_INET, name.c_str(), &v4) == 1) return true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo *res = nullptr;
  const int rc = getaddrinfo(name.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    error = "--host " + entry + ": " + name + " does not resolve (" +
            gai_strerror(rc) + ")";
    return false;
  }
  freeaddrinfo(res);
  return true;
}

}  // namespace

HostList expand_hosts(const std::vector<std::string> &given,
                      const std::string &hosts_file) {
  HostList result;
  std::vector<std::string> entries = given;
  if (!hosts_file.empty()) {
    std::string text;
    if (result.error = read_file(hosts_file, text); !result.error.empty())
      return result;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (const auto hash = line.find('#'); hash != std::string::npos)
        line.resize(hash);
      if (auto t = trim(line); !t.empty()) entries.push_back(t);
    }
  }
  std::vector<std::string> expanded;
  for (const auto &e : entries) {
    if (e.rfind(kDnsScheme, 0) == 0) {
      if (!resolve(e.substr(std::strlen(kDnsScheme)), expanded, result.error))
        return result;
    } else {
      if (result.error = check_host_port(e); !result.error.empty())
        return result;
      if (!check_name(e, result.error)) return result;
      expanded.push_back(e);
    }
  }
  std::set<std::string> seen;
  for (auto &h : expanded)
    if (seen.insert(h).second) result.hosts.push_back(std::move(h));
  // Never a silent fallback to some default host.
  if (result.hosts.empty())
    result.error = hosts_file.empty()
                       ? "no host given"
                       : "--hosts-file " + hosts_file + " names no host";
  return result;
}

}  // namespace golo::cli
