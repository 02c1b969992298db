/*
 * http_get: one HTTP request per call, after go-lo's seed example.
 * Settings (http_get.conf beside http_get.so):
 *
 *   url     = http://127.0.0.1:8080/   the target (this is the default)
 *   method  = GET                      GET (default), HEAD, POST, or any verb
 *   body    =                          request body for methods other than
 *                                      GET and HEAD (default empty)
 *   timeout = 5000                     whole-request timeout in ms (default;
 *                                      1 to 86400000)
 *   client  = auto                     auto (default): http:// URLs go
 *                                      through golo's own lean client, the
 *                                      rest through libcurl; curl: libcurl
 *                                      for every URL. The lean client
 *                                      connects directly: only curl reads
 *                                      http_proxy and no_proxy
 *   tls_verify = true                  true (default): check the server's
 *                                      certificate and host name; false:
 *                                      accept any (for staging targets with
 *                                      self-signed certificates)
 *   ca_file =                          PEM file of CA certificates to trust
 *                                      instead of the system's (default
 *                                      unset); a relative path is taken
 *                                      from golo-host's working directory
 *
 * tls_verify and ca_file apply to https:// (through libcurl); the plain
 * client ignores them, as http:// has no TLS.
 *
 * Each call sets a fresh sequence id and the tags status (int), size (int,
 * body bytes received) and url (string). An HTTP status of 400 or more is a
 * test result, not a failed call: the error flag is set, the output says
 * "HTTP 404", and the trigger returns 0. A transport failure (refused,
 * timed out, DNS) also sets the error flag, with the cause as output.
 * The body is counted, never stored. Each calling thread (each user) keeps
 * its own connection alive between calls.
 *
 * Written in C++ to use Beast's HTTP parser; the C ABI is the same as for a
 * C plugin (see docs/plugin-guide.md).
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <golo/plugin.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "curl_http_client.h"
#include "http_client.h"
#include "plain_http_client.h"

// Threads, on purpose: http_get is its own blocking client (its sockets,
// libcurl's easy API) with a connection per thread in a pthread key, so it
// blocks in libc and keeps state per thread across a wait. A fiber plugin
// does HTTP through host->http instead (golo new --http, plugins/shop).
GOLO_PLUGIN(.name = "http_get", .version = "1.1.0");

namespace {

using namespace golo::http_get;

struct State;

// A thread's client, held by the pthread key (not thread_local: the key's
// destructor can be unhooked at shutdown, before this code unloads).
struct ThreadClient {
  State *state;
  std::unique_ptr<HttpClient> client;
};

struct State {
  RequestSpec spec;
  bool plain = false;  // use PlainHttpClient
  PlainHttpTarget target;
  pthread_key_t key{};

  HttpClient *client_for_this_thread();
};

// Every live client, for shutdown. Static, not in State: a thread-exit
// destructor that started before golo_shutdown deleted the key may still be
// running after it, and must touch neither the freed State nor a client
// shutdown already deleted. Whoever erases a client from the set deletes
// it, so it is deleted exactly once. (Static storage is per loaded copy.)
std::mutex g_clients_lock;
std::set<ThreadClient *> g_clients;

void on_thread_exit(void *p) {
  auto *tc = static_cast<ThreadClient *>(p);
  bool mine;
  {
    std::lock_guard g(g_clients_lock);
    mine = g_clients.erase(tc) == 1;  // compares the pointer; reads nothing
  }
  if (mine) delete tc;
}

HttpClient *State::client_for_this_thread() {
  if (auto *tc = static_cast<ThreadClient *>(pthread_getspecific(key)))
    return tc->client.get();
  auto tc = std::make_unique<ThreadClient>(ThreadClient{this, nullptr});
  if (plain) {
    tc->client = std::make_unique<PlainHttpClient>(target);
  } else {
    auto curl = std::make_unique<CurlHttpClient>(spec);
    if (!curl->ok()) return nullptr;
    tc->client = std::move(curl);
  }
  {
    std::lock_guard g(g_clients_lock);
    g_clients.insert(tc.get());
  }
  pthread_setspecific(key, tc.get());
  return tc.release()->client.get();
}

constexpr long kMaxTimeoutMs = 86'400'000;
// RFC 9110's tchar: what a method may be made of.
constexpr const char *kTokenChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "!#$%&'*+-.^_`|~";

const char *setting_or(const golo_init_args *args, const char *key,
                       const char *dflt) {
  const char *v = args->host->setting(args->plugin, key);
  return v != nullptr ? v : dflt;
}

int refuse(const golo_init_args *args, const std::string &why) {
  args->host->set_init_error(args->plugin, why.c_str());
  return 1;
}

// "" when a byte of `path` can be read, else why not. Opening alone would
// accept a directory.
std::string unreadable(const std::string &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  char c;
  const bool ok = ::read(fd, &c, 1) >= 0;
  const int err = errno;
  ::close(fd);
  return ok ? "" : std::strerror(err);
}

// No exception may cross the C ABI into the host: each entry point below
// turns them (in practice std::bad_alloc) into the ABI's own failure.
int init(const golo_init_args *args, void **state) {
  const golo_host_api *host = args->host;
  auto s = std::make_unique<State>();
  s->spec.url = setting_or(args, "url", "http://127.0.0.1:8080/");
  s->spec.method = setting_or(args, "method", "GET");
  s->spec.body = setting_or(args, "body", "");
  const std::string timeout = setting_or(args, "timeout", "5000");
  const std::string client = setting_or(args, "client", "auto");
  const std::string tls_verify = setting_or(args, "tls_verify", "true");
  s->spec.ca_file = setting_or(args, "ca_file", "");
  char *end = nullptr;
  errno = 0;
  s->spec.timeout_ms = std::strtol(timeout.c_str(), &end, 10);
  // A day at most: deadlines are clock readings plus the timeout, and a
  // request longer than that is not a load test's.
  if (timeout.empty() || *end != '\0' || errno != 0 ||
      s->spec.timeout_ms <= 0 || s->spec.timeout_ms > kMaxTimeoutMs)
    return refuse(args, "setting timeout = \"" + timeout +
                            "\": want a number of ms from 1 to 86400000");
  // The method goes into the request line as is: an HTTP token only, so a
  // stray space or line break cannot forge the request.
  if (s->spec.method.empty() ||
      s->spec.method.find_first_not_of(kTokenChars) != std::string::npos)
    return refuse(args, "setting method = \"" + s->spec.method +
                            "\": not an HTTP method (letters, digits and "
                            "!#$%&'*+-.^_`|~ only)");
  if (client != "auto" && client != "curl")
    return refuse(args,
                  "setting client = \"" + client + "\": want auto or curl");
  if (tls_verify != "true" && tls_verify != "false")
    return refuse(args, "setting tls_verify = \"" + tls_verify +
                            "\": want true or false");
  s->spec.tls_verify = tls_verify == "true";
  // Checked now, so a wrong path fails the load, not each https call.
  if (!s->spec.ca_file.empty()) {
    if (const std::string why = unreadable(s->spec.ca_file); !why.empty())
      return refuse(args, "setting ca_file = \"" + s->spec.ca_file +
                              "\": cannot read it: " + why);
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return refuse(args, "curl_global_init failed");
  std::string why;
  s->plain = client == "auto" && plan_plain_http(s->spec, s->target, why);
  if (!s->plain) {
    // Let curl judge the URL now, so a bad one fails the load, not each call.
    CURLU *u = curl_url();
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, s->spec.url.c_str(), 0);
    curl_url_cleanup(u);
    if (rc != CURLUE_OK) {
      curl_global_cleanup();
      return refuse(args, "setting url = \"" + s->spec.url +
                              "\": " + curl_url_strerror(rc));
    }
  }
  pthread_key_create(&s->key, on_thread_exit);
  // An operator should see in the log that verification is off.
  char msg[1024];
  std::snprintf(msg, sizeof msg, "%s %s, timeout %ld ms, client %s%s%s%s",
                s->spec.method.c_str(), s->spec.url.c_str(), s->spec.timeout_ms,
                s->plain ? "plain" : "curl",
                s->spec.tls_verify ? "" : ", TLS verification off",
                s->spec.ca_file.empty() ? "" : ", CA file ",
                s->spec.ca_file.c_str());
  host->log(args->plugin, GOLO_LOG_INFO, msg);
  *state = s.release();
  return 0;
}

int trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  auto *s = static_cast<State *>(ctx->state);
  char id[GOLO_SEQUENCE_ID_SIZE];
  host->new_sequence_id(id);
  host->set_id(resp, id);
  HttpClient *c = s->client_for_this_thread();
  if (c == nullptr) {
    host->set_failure(resp, "http_get: cannot create an HTTP client");
    return 1;
  }
  HttpResult r;
  c->perform(r);
  if (!r.answered) {
    // The target did not answer: a test result, not a broken plugin.
    host->add_tag_string(resp, "url", s->spec.url.c_str());
    host->set_error(resp, 1);
    host->set_output(resp, r.error, std::strlen(r.error));
    return 0;
  }
  host->add_tag_int(resp, "status", r.status);
  host->add_tag_int(resp, "size", static_cast<int64_t>(r.body_bytes));
  host->add_tag_string(resp, "url", s->spec.url.c_str());
  if (r.status >= 400) host->set_error(resp, 1);
  char out[32];
  const int n = std::snprintf(out, sizeof out, "HTTP %ld", r.status);
  host->set_output(resp, out, static_cast<size_t>(n));
  return 0;
}

}  // namespace

extern "C" int golo_init(const golo_init_args *args, void **state) {
  try {
    return init(args, state);
  } catch (const std::exception &e) {
    args->host->set_init_error(args->plugin, e.what());
    return 1;
  }
}

extern "C" int golo_trigger(const golo_context *ctx, golo_response *resp) {
  try {
    return trigger(ctx, resp);
  } catch (const std::exception &e) {
    ctx->host->set_failure(resp, e.what());
    return 1;
  }
}

extern "C" void golo_shutdown(void *state) {
  auto *s = static_cast<State *>(state);
  if (s == nullptr) return;
  // Delete the key first so no thread exit can run on_thread_exit (code
  // about to be unloaded); then free every thread's client here.
  pthread_key_delete(s->key);
  std::set<ThreadClient *> left;
  {
    std::lock_guard g(g_clients_lock);
    left.swap(g_clients);
  }
  for (ThreadClient *tc : left) delete tc;
  delete s;
  curl_global_cleanup();
}
