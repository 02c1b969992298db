// The host's HTTP client (ABI 1.2, host->http) through a real golo-host,
// driven by tests/plugins/http_probe.c: against nginx started here (plain
// HTTP/1.1, HTTPS with a test CA and HTTP/2 by ALPN, redirects, cookies,
// keep-alive checked from nginx's own $connection_requests), a refused
// port, and a Python server that answers garbage or too slowly. One nginx,
// one Python server and one host for the whole program.
#include <doctest/doctest.h>

#include <golo/plugin.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "golo_version.h"
#include "host_process.h"

using namespace golo::test;

namespace {

std::int64_t num(const golo::Response &r, const std::string &key) {
  return std::stoll(tag(r, key));
}

// nginx with the routes these tests need, on a plain and a TLS port.
class Target {
 public:
  Target() {
    const auto &d = dir_.path();
    make_test_certs(d / "certs");
    plain_ = free_port();
    tls_ = free_port();
    other_ = free_port();
    std::ostringstream c;
    c << "worker_processes 1;\npid " << (d / "nginx.pid").string() << ";\n"
      << "events { worker_connections 256; }\nhttp {\n  access_log off;\n"
      << "  log_format probe '$arg_u $cookie_sid $connection "
         "$connection_requests';\n"
      << "  log_format checkout '$status $arg_user';\n"
      << "  log_format proto '$arg_s $server_protocol';\n"
      << "  log_format conn '$uri $connection $connection_requests';\n"
      << "  log_format resumed '$connection $ssl_session_reused';\n"
      << "  absolute_redirect off;\n";
    for (const char *t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      c << "  " << t << "_temp_path " << d.string() << "/" << t << ";\n";
    c << "  server {\n    listen 127.0.0.1:" << plain_ << ";\n"
      << "    listen 127.0.0.1:" << tls_ << " ssl http2;\n"
      << "    ssl_certificate " << (d / "certs/server.pem").string() << ";\n"
      << "    ssl_certificate_key " << (d / "certs/server.key").string()
      << ";\n"
      << "    location = /ok { return 200 \"hello\\n\"; }\n"
      << "    location = /404 { return 404; }\n"
      << "    location = /r1 { return 302 /r2; }\n"
      << "    location = /r2 { return 302 /ok; }\n"
      << "    location = /echo { return 200 \"$request_method "
         "$http_x_probe $content_length\\n\"; }\n"
      << "    location = /login { add_header Set-Cookie \"sid=$arg_u; "
         "Path=/\"; return 200 \"welcome\\n\"; }\n"
      << "    location = /browse { return 200 \"items\\n\"; }\n"
      << "    location = /ua { return 200 \"$http_user_agent\\n\"; }\n"
      << "    location = /checkout { access_log "
      << (d / "checkout.log").string()
      << " checkout; return 200 \"confirmed\\n\"; }\n"
      << "    location = /proto { access_log " << (d / "proto.log").string()
      << " proto; return 200 \"p\\n\"; }\n"
      // The server ends these connections: after each answer (Connection:
      // close), or silently once idle for 300 ms.
      << "    location = /close { keepalive_timeout 0; access_log "
      << (d / "conn.log").string() << " conn; return 200 \"c\\n\"; }\n"
      << "    location = /brief { keepalive_timeout 300ms; access_log "
      << (d / "conn.log").string() << " conn; return 200 \"b\\n\"; }\n"
      << "    location = /resumed { access_log " << (d / "resumed.log").string()
      << " resumed; return 200 \"r\\n\"; }\n"
      << "    location = /whoami { access_log " << (d / "whoami.log").string()
      << " probe; return 200 \"$cookie_sid\\n\"; }\n"
      << "  }\n"
      // A certificate the CA vouches for, but for another name.
      << "  server {\n    listen 127.0.0.1:" << other_ << " ssl;\n"
      << "    ssl_certificate " << (d / "certs/other.pem").string() << ";\n"
      << "    ssl_certificate_key " << (d / "certs/other.key").string()
      << ";\n    location = /ok { return 200 \"other\\n\"; }\n  }\n}\n";
    write_text(d / "nginx.conf", c.str());
    nginx_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/usr/sbin/nginx", "-p", d.string(), "-e", (d / "error.log").string(),
        "-c", (d / "nginx.conf").string(), "-g", "daemon off;"});
    wait_for("curl -s -o /dev/null " + url("/ok"));
    // The garbage server: "/slow" gets nothing for 5 s, anything else a
    // line that is not HTTP.
    odd_ = free_port();
    python_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/usr/bin/python3", "-c",
        "import socket,sys,threading,time\n"
        "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,"
        "1)\ns.bind(('127.0.0.1'," +
            std::to_string(odd_) +
            "));s.listen(16)\n"
            "def serve(c):\n"
            "  d=c.recv(4096)\n"
            "  if b'/slow' in d: time.sleep(5)\n"
            "  else: c.sendall(b'this is not http\\r\\n\\r\\n')\n"
            "  c.close()\n"
            "while True:\n"
            "  c,_=s.accept();threading.Thread(target=serve,args=(c,),"
            "daemon=True).start()\n"});
    wait_for(
        "python3 -c \"import socket;socket.create_connection(("
        "'127.0.0.1'," +
        std::to_string(odd_) + "))\"");
  }
  std::string url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(plain_) + path;
  }
  std::string tls_url(const std::string &path) const {
    return "https://127.0.0.1:" + std::to_string(tls_) + path;
  }
  std::string odd_url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(odd_) + path;
  }
  int tls_port() const { return tls_; }
  int other_port() const { return other_; }
  fs::path ca() const { return dir_.path() / "certs/ca.pem"; }
  fs::path whoami_log() const { return dir_.path() / "whoami.log"; }
  fs::path checkout_log() const { return dir_.path() / "checkout.log"; }
  fs::path proto_log() const { return dir_.path() / "proto.log"; }
  fs::path conn_log() const { return dir_.path() / "conn.log"; }
  fs::path resumed_log() const { return dir_.path() / "resumed.log"; }
  ~Target() {
    if (nginx_) nginx_->signal(SIGQUIT);
  }

 private:
  static void wait_for(const std::string &probe) {
    for (int i = 0; i < 500; ++i) {
      if (run_command(probe + " 2>/dev/null") == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("not ready: " << probe);
  }
  TempDir dir_{"golo-http-target"};
  int plain_ = 0, tls_ = 0, other_ = 0, odd_ = 0;
  std::unique_ptr<ChildProcess> nginx_, python_;
};

// Jobs: a copy of http_probe per case, each with its settings.
const std::map<std::string, std::string> &jobs(const Target &t) {
  static const std::map<std::string, std::string> j = {
      {"get", "url = " + t.url("/ok?id=7") + "\nshow_header = Content-Type\n"},
      {"named", "url = " + t.url("/ok") + "\nname = home\n"},
      {"notfound", "url = " + t.url("/404") + "\n"},
      {"redirects", "url = " + t.url("/r1") + "\n"},
      {"noredirect", "url = " + t.url("/r1") + "\nflags = 1\n"},
      {"post", "url = " + t.url("/echo") +
                   "\nmethod = POST\nbody = abc\nheader = X-Probe: yes\n"},
      {"refused",
       "url = http://127.0.0.1:" + std::to_string(free_port()) + "/\n"},
      {"garbage", "url = " + t.odd_url("/x") + "\n"},
      {"slow", "url = " + t.odd_url("/slow") + "\ntimeout_ms = 300\n"},
      {"badscheme", "url = ftp://127.0.0.1/x\n"},
      {"nourl", "method = GET\n"},
      {"crlf", "url = " + t.url("/ok") + "\nheader = X-A: b\\r\\nX-B: c\n"},
      {"getbody", "url = " + t.url("/ok") + "\nbody = x\n"},
      {"capped", "url = " + t.url("/ok") + "\nbody_cap = 3\n"},
      {"tls_noca", "url = " + t.tls_url("/ok") + "\n"},
      {"tls", "url = " + t.tls_url("/ok") +
                  "\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"tls_any", "url = " + t.tls_url("/ok") + "\nhttp_insecure_tls = true\n"},
      {"ua", "url = " + t.url("/ua") + "\n"},
      {"ua_tls", "url = " + t.tls_url("/ua") +
                     "\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"close", "url = " + t.url("/close") + "\n"},
      {"brief", "url = " + t.url("/brief") + "\n"},
      {"proto_a", "url = " + t.tls_url("/proto?s=a") +
                      "\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"proto_b", "url = " + t.tls_url("/proto?s=b") +
                      "\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"tls_badca",
       "url = " + t.tls_url("/ok") + "\nhttp_ca_file = /nonexistent/ca.pem\n"},
      {"tls_name", "url = https://localhost:" + std::to_string(t.tls_port()) +
                       "/ok\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"tls_ip_mismatch",
       "url = https://127.0.0.1:" + std::to_string(t.other_port()) +
           "/ok\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"tls_name_mismatch",
       "url = https://localhost:" + std::to_string(t.other_port()) +
           "/ok\nhttp_ca_file = " + t.ca().string() + "\n"},
      {"tls_fresh", "url = " + t.tls_url("/resumed") + "\nflags = 4\n" +
                        "http_ca_file = " + t.ca().string() + "\n"},
      {"h2", "url = " + t.tls_url("/ok") +
                 "\nhttp_ca_file = " + t.ca().string() + "\nhttp2 = true\n"},
  };
  return j;
}

struct World {
  Target target;
  TempDir plugins{"golo-http-plugins"};
  TempDir work{"golo-http-work"};
  std::unique_ptr<HostProcess> host;
  World() {
    for (const auto &[job, conf] : jobs(target)) {
      install_plugin(test_plugin("http_probe"), plugins.path(), job);
      write_text(plugins.path() / (job + ".conf"),
                 conf + "user_end_file = " +
                     (work.path() / (job + ".ends")).string() + "\n");
    }
    install_plugin(test_plugin("http_probe"), plugins.path(), "journey");
    write_text(plugins.path() / "journey.conf",
               "mode = journey\nbase = " + target.url("") +
                   "\nuser_end_file = " +
                   (work.path() / "journey.ends").string() + "\n");
    install_plugin(test_plugin("http_probe"), plugins.path(), "drain");
    write_text(plugins.path() / "drain.conf", drain_conf());
    install_plugin(example_plugin("shop"), plugins.path(), "shop");
    install_plugin(example_plugin("shop"), plugins.path(), "thinker");
    write_text(plugins.path() / "thinker.conf",
               "base_url = " + target.url("") + "\nthink_ms = 5000\n");
    host = std::make_unique<HostProcess>(plugins.path());
  }
  std::string drain_conf() const {
    return "mode = journey\nbase = " + target.url("") +
           "\nuser_end_file = " + (work.path() / "drain.ends").string() + "\n";
  }
  golo::Response call(const std::string &job) {
    golo::Response r;
    const auto status = host->trigger(job, r);
    REQUIRE_MESSAGE(status.ok(), job << ": " << status.error_message());
    return r;
  }
};

World &world() {
  static World w;
  return w;
}

// Phases add up: each >= 0 and their sum within the total.
void check_phases(const golo::Response &r) {
  std::int64_t sum = 0;
  for (const char *p : {"dns", "connect", "tls", "send", "wait", "receive"}) {
    CHECK_MESSAGE(num(r, p) >= 0, p);
    sum += num(r, p);
  }
  CHECK(sum <= num(r, "total"));
  CHECK(num(r, "total") > 0);
}

const golo::Step *step(const golo::Response &r, const std::string &name) {
  for (const auto &s : r.steps())
    if (s.name() == name) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE(
    "http: a GET over HTTP/1.1 answers, times its phases, records steps") {
  const auto r = world().call("get");
  CHECK(!r.error());
  CHECK(num(r, "status") == 200);
  CHECK(num(r, "error") == GOLO_HTTP_OK);
  CHECK(tag(r, "body") == "hello\n");
  CHECK(num(r, "body_total") == 6);
  CHECK(tag(r, "header") == "text/plain");
  CHECK(num(r, "http_version") == 11);
  CHECK(num(r, "reused") == 0);  // a Job.Trigger call is a fresh user
  CHECK(num(r, "tls") == 0);     // plain HTTP
  check_phases(r);
  // The default name drops the query; the phases are steps of their own.
  const std::string name = "GET " + world().target.url("/ok");
  const golo::Step *s = step(r, name);
  REQUIRE_MESSAGE(s != nullptr, r.DebugString());
  CHECK(!s->failed());
  CHECK(s->durationnanos() == num(r, "total"));
  for (const char *p : {" (connect)", " (tls)", " (wait)", " (receive)"})
    CHECK_MESSAGE(step(r, name + p) != nullptr, p);
  REQUIRE(step(r, name + " (wait)") != nullptr);
  CHECK(step(r, name + " (wait)")->durationnanos() == num(r, "wait"));
  // golo_user_end ran once for the call's user, with its one trigger.
  CHECK(read_text(world().work.path() / "get.ends") == "end 1\n");
}

TEST_CASE("http: names, 4xx failing the step, redirects, a POST with headers") {
  auto r = world().call("named");
  CHECK(step(r, "home") != nullptr);
  r = world().call("notfound");
  CHECK(num(r, "status") == 404);
  CHECK(num(r, "error") == GOLO_HTTP_OK);
  REQUIRE(step(r, "GET " + world().target.url("/404")) != nullptr);
  CHECK(step(r, "GET " + world().target.url("/404"))->failed());
  r = world().call("redirects");
  CHECK(num(r, "status") == 200);
  CHECK(num(r, "redirects") == 2);
  CHECK(tag(r, "body") == "hello\n");
  check_phases(r);
  r = world().call("noredirect");
  CHECK(num(r, "status") == 302);
  CHECK(num(r, "redirects") == 0);
  r = world().call("post");
  CHECK(num(r, "status") == 200);
  CHECK(tag(r, "body") == "POST yes 3\n");
}

TEST_CASE("http: requests say User-Agent golo/VERSION on both paths") {
  // Plain http:// takes the hand-written fast path, https:// libcurl.
  for (const char *job : {"ua", "ua_tls"}) {
    const auto r = world().call(job);
    CHECK_MESSAGE(num(r, "status") == 200, job << ": " << tag(r, "error_text"));
    CHECK_MESSAGE(tag(r, "body") == "golo/" GOLO_VERSION "\n", job);
  }
}

TEST_CASE("http: refused, malformed, timeout: each its class, one line") {
  auto r = world().call("refused");
  CHECK(r.error());
  CHECK(num(r, "status") == 0);
  CHECK(num(r, "error") == GOLO_HTTP_REFUSED);
  CHECK_MESSAGE(tag(r, "error_text").rfind("refused: GET http://", 0) == 0,
                tag(r, "error_text"));
  REQUIRE(r.steps_size() >= 1);
  CHECK(r.steps(0).failed());
  r = world().call("garbage");
  CHECK(num(r, "error") == GOLO_HTTP_MALFORMED);
  CHECK(tag(r, "error_text").rfind("malformed: ", 0) == 0);
  const auto start = std::chrono::steady_clock::now();
  r = world().call("slow");
  CHECK(num(r, "error") == GOLO_HTTP_TIMEOUT);
  CHECK(tag(r, "error_text").rfind("timeout: ", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("http: bad requests fail with GOLO_HTTP_INVALID and the reason") {
  const std::map<std::string, std::string> expect = {
      {"badscheme", "scheme \"ftp\" is not supported"},
      {"nourl", "the request has no URL"},
      {"crlf", "has CR or LF in its value"},
      {"getbody", "a body on GET"},
  };
  for (const auto &[job, why] : expect) {
    const auto r = world().call(job);
    CHECK(num(r, "error") == GOLO_HTTP_INVALID);
    CHECK_MESSAGE(tag(r, "error_text").find(why) != std::string::npos,
                  job << ": " << tag(r, "error_text"));
    REQUIRE(r.steps_size() == 1);
    CHECK(r.steps(0).failed());
  }
  // A body over the cap: read and counted, kept up to the cap, failed.
  const auto r = world().call("capped");
  CHECK(num(r, "error") == GOLO_HTTP_TOO_LARGE);
  CHECK(num(r, "status") == 200);
  CHECK(tag(r, "body") == "hel");
  CHECK(num(r, "body_total") == 6);
}

TEST_CASE("http: https verifies against a CA, names the failure, HTTP/2") {
  auto r = world().call("tls_noca");
  CHECK(num(r, "error") == GOLO_HTTP_TLS);
  CHECK_MESSAGE(tag(r, "error_text").find("certificate") != std::string::npos,
                tag(r, "error_text"));
  for (const char *job : {"tls", "tls_any"}) {
    r = world().call(job);
    CHECK_MESSAGE(num(r, "status") == 200, job << ": " << tag(r, "error_text"));
    CHECK(num(r, "http_version") == 11);
    CHECK(num(r, "tls") > 0);
    check_phases(r);
  }
  r = world().call("h2");
  CHECK_MESSAGE(num(r, "status") == 200, tag(r, "error_text"));
  CHECK(num(r, "http_version") == 20);
  CHECK(tag(r, "body") == "hello\n");
}

TEST_CASE(
    "http: per user keep-alive and cookies in a run, user_end once each") {
  World &w = world();
  const auto schedule = w.work.path() / "journey.yaml";
  write_text(schedule,
             "job:\n  name: journey\n  users: 3\n  pacing: 20ms\n"
             "  duration: 1s\n");
  const auto json_path = w.work.path() / "journey.json";
  std::string out;
  const int rc = run_command(
      golo_cli_binary().string() + " run " + schedule.string() + " --host " +
          w.host->address() + " --out json=" + json_path.string(),
      &out);
  REQUIRE_MESSAGE(rc == 0, out);
  // nginx's log: "USER COOKIE CONNECTION REQUESTS" per /whoami.
  std::istringstream log(read_text(w.target.whoami_log()));
  std::map<std::string, std::set<std::string>> conns_of_user;
  std::string user, cookie, conn, n;
  int lines = 0, reused = 0;
  while (log >> user >> cookie >> conn >> n) {
    ++lines;
    CHECK(cookie == user);  // each user's own cookie, never another's
    conns_of_user[user].insert(conn);
    if (std::stoi(n) > 2) ++reused;
  }
  REQUIRE(lines >= 9);
  CHECK(conns_of_user.size() == 3);
  for (const auto &[u, conns] : conns_of_user)
    CHECK_MESSAGE(conns.size() == 1,
                  "user " << u << " used " << conns.size() << " connections");
  CHECK(reused == lines - 3);  // all but each user's first reuse it
  // golo_user_end once per user, with the user's own iteration count; the
  // host ends its users as the run's last act, maybe just after the reply.
  const auto ends_path = w.work.path() / "journey.ends";
  const auto ended = [&] {
    const std::string text = read_text(ends_path);
    return std::count(text.begin(), text.end(), '\n');
  };
  for (int i = 0; i < 200 && ended() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::istringstream ends(read_text(ends_path));
  std::string word;
  long sum = 0;
  int users = 0;
  for (long k; ends >> word >> k; ++users) sum += k;
  CHECK(users == 3);
  CHECK(sum == lines);
  const auto results = nlohmann::json::parse(read_text(json_path));
  const auto &steps = results.at("total").at("steps");
  std::set<std::string> names;
  for (const auto &s : steps) names.insert(s.at("name").get<std::string>());
  CHECK(names.count("login") == 1);
  CHECK(names.count("whoami (wait)") == 1);
  // Status codes per request name: every whoami in nginx's log was a 200.
  for (const auto &s : steps)
    if (s.at("name") == "whoami") {
      CHECK(s.at("statuses").size() == 1);
      CHECK(s.at("statuses").at("200") == lines);
    }
  CHECK(out.find("200:" + std::to_string(lines)) != std::string::npos);
  // The summary: phases as one p95 line per request name, not rows.
  const auto phases = out.find("PHASES P95");
  REQUIRE_MESSAGE(phases != std::string::npos, out);
  CHECK(out.find("  > whoami (wait)") == std::string::npos);
  const auto line = out.find("\n  > whoami ", phases);
  REQUIRE_MESSAGE(line != std::string::npos, out);
  std::istringstream cells(
      out.substr(line + 12, out.find('\n', line + 1) - line - 12));
  std::string connect, tls, wait, receive;
  cells >> connect >> tls >> wait >> receive;
  CHECK(connect == "0ns");  // always after login, on its connection
  CHECK(tls == "0ns");      // plain http
  CHECK(wait != "-");
  CHECK(receive != "-");
}

TEST_CASE("http: shop's target from the schedule's env:, overridden by -e") {
  World &w = world();
  fs::copy_file(fs::path(GOLO_TEST_SOURCE_DIR) / "../../examples/users.csv",
                w.work.path() / "users.csv",
                fs::copy_options::overwrite_existing);
  const auto schedule = w.work.path() / "shop.yaml";
  const auto write_schedule = [&](const std::string &base) {
    write_text(schedule,
               "job:\n  name: shop\n  users: 3\n  pacing: 50ms\n"
               "  duration: 1s\n"
               "  data: {file: users.csv, mode: per_user, columns: [user]}\n"
               "  env:\n    BASE_URL: \"" +
                   base + "\"\n");
  };
  const auto run = [&](const std::string &extra, std::string &out) {
    return run_command(golo_cli_binary().string() + " run " +
                           schedule.string() + " --quiet --host " +
                           w.host->address() + extra,
                       &out);
  };
  const auto checkouts = [&] {
    std::istringstream log(read_text(w.target.checkout_log()));
    std::map<std::string, int> by_user;
    std::string status, user;
    while (log >> status >> user) {
      CHECK(status == "200");
      ++by_user[user];
    }
    return by_user;
  };
  std::string out;
  write_schedule(w.target.url(""));
  REQUIRE_MESSAGE(run("", out) == 0, out);
  auto first = checkouts();
  CHECK(first.size() == 3);  // alice, bob and a third, each their own row
  CHECK(first.count("alice") == 1);
  // The schedule now points at nothing; -e points back at the shop.
  write_schedule("http://127.0.0.1:" + std::to_string(free_port()));
  REQUIRE_MESSAGE(run(" -e BASE_URL=" + w.target.url(""), out) == 0, out);
  auto second = checkouts();
  CHECK(second.at("alice") > first.at("alice"));
  // Without -e the dead target fails every login, and the summary says so.
  run("", out);
  CHECK(checkouts() == second);
  // A bad -e is refused before any host is asked.
  CHECK(run(" -e 1BAD=x", out) == 2);
  CHECK_MESSAGE(out.find("must start with a letter") != std::string::npos, out);
  CHECK(run(" -e NOEQUALS", out) == 2);
  CHECK_MESSAGE(out.find("write KEY=VALUE") != std::string::npos, out);
}

TEST_CASE("http: golo new --http writes a test that builds, loads and passes") {
  World &w = world();
  const auto project = w.work.path() / "probe";
  const std::string cli = golo_cli_binary().string();
  std::string out;
  REQUIRE_MESSAGE(run_command("cd " + w.work.path().string() + " && " + cli +
                                  " new probe --http " + w.target.url("/ok"),
                              &out) == 0,
                  out);
  const std::string source = read_text(project / "probe.c");
  CHECK(std::count(source.begin(), source.end(), '\n') <= 40);
  CHECK(source.find(".executor = GOLO_EXECUTOR_FIBERS") != std::string::npos);
  CHECK(read_text(project / "Makefile").find("curl") == std::string::npos);
  std::string yaml = read_text(project / "probe.yaml");
  CHECK(yaml.find("BASE_URL: \"" + w.target.url("/ok") + "\"") !=
        std::string::npos);
  // A shorter run than the written 10 s, as a user might edit it.
  write_text(project / "probe.yaml",
             yaml.replace(yaml.find("duration: 10s"), 13, "duration: 1s"));
  REQUIRE_MESSAGE(run_command("cd " + project.string() +
                                  " && make && make install PLUGINS=" +
                                  w.plugins.path().string(),
                              &out) == 0,
                  out);
  bool added = false;
  const golo::ReloadResponse reloaded = w.host->reload();
  for (const auto &f : reloaded.files())
    added = added ||
            (f.job() == "probe" && f.outcome() == golo::FileOutcome::ADDED);
  REQUIRE(added);
  // It waits only in host->http: its users run as fibers (golo plugins'
  // USERS column).
  bool fibers = false;
  const golo::ListPluginsResponse listed = w.host->list();
  for (const auto &p : listed.plugins())
    fibers = fibers || (p.job() == "probe" && p.fibers());
  CHECK(fibers);
  REQUIRE(run_command(cli + " plugins --host " + w.host->address(), &out) == 0);
  const auto row = out.find("\nprobe ");
  REQUIRE_MESSAGE(row != std::string::npos, out);
  CHECK(out.substr(row, out.find('\n', row + 1) - row).find(" fibers ") !=
        std::string::npos);
  const auto json_path = w.work.path() / "probe.json";
  REQUIRE_MESSAGE(
      run_command(cli + " run --quiet " + (project / "probe.yaml").string() +
                      " --host " + w.host->address() +
                      " --out json=" + json_path.string(),
                  &out) == 0,
      out);
  const auto results = nlohmann::json::parse(read_text(json_path));
  std::set<std::string> names;
  for (const auto &s : results.at("total").at("steps"))
    names.insert(s.at("name").get<std::string>());
  CHECK(names.count("home") == 1);
  CHECK(names.count("home (wait)") == 1);
  CHECK(results.value("stalls", 0) == 0);  // it parked, never blocked
  // A URL that cannot go into the schedule is refused, nothing written.
  CHECK(run_command("cd " + w.work.path().string() + " && " + cli +
                        " new other --http ftp://x/",
                    &out) == 2);
  CHECK_MESSAGE(
      out.find("must start with http:// or https://") != std::string::npos,
      out);
  CHECK(!fs::exists(w.work.path() / "other"));
}

TEST_CASE("http: golo_user_end once per user at a reload drain and a stop") {
  World &w = world();
  const auto schedule = w.work.path() / "drain.yaml";
  write_text(schedule,
             "job:\n  name: drain\n  users: 3\n  pacing: 20ms\n"
             "  duration: 30s\n  graceful_stop: 2s\n");
  const auto ends = [&] {
    std::istringstream in(read_text(w.work.path() / "drain.ends"));
    std::vector<long> counts;
    std::string word;
    for (long k; in >> word >> k;) counts.push_back(k);
    return counts;
  };
  ChildProcess run({golo_cli_binary().string(), "run", "--quiet",
                    schedule.string(), "--host", w.host->address()});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // A changed settings file is a new version: the users drain off the old.
  write_text(w.plugins.path() / "drain.conf", w.drain_conf() + "# v2\n");
  w.host->reload();
  for (int i = 0; i < 200 && ends().size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto at_reload = ends();
  CHECK(at_reload.size() == 3);
  for (long k : at_reload) CHECK(k > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  run.signal(SIGINT);
  CHECK(run.wait(15000) >= 0);
  for (int i = 0; i < 300 && ends().size() < 6; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto all = ends();
  CHECK(all.size() == 6);  // each user once on each version, never twice
  for (long k : all) CHECK(k > 0);
}

TEST_CASE("http: think time (host->sleep) gives way when the run ends") {
  World &w = world();
  const auto schedule = w.work.path() / "thinker.yaml";
  // Each iteration thinks 5 s after login; the run lasts 1 s and would
  // wait up to 30 s for them, but sleep returns at the run's end.
  write_text(schedule,
             "job:\n  name: thinker\n  users: 2\n  duration: 1s\n"
             "  graceful_stop: 30s\n");
  const auto start = std::chrono::steady_clock::now();
  std::string out;
  CHECK_MESSAGE(
      run_command(golo_cli_binary().string() + " run --quiet " +
                      schedule.string() + " --host " + w.host->address(),
                  &out) == 0,
      out);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
}

TEST_CASE("http: the schedule's http2: true per scenario, from nginx's log") {
  World &w = world();
  const auto schedule = w.work.path() / "h2.yaml";
  // Scenario a asks for HTTP/2, b does not; both hit nginx's TLS port.
  write_text(schedule,
             "scenarios:\n"
             "  a:\n    job: proto_a\n    users: 2\n    pacing: 50ms\n"
             "    duration: 1s\n    http2: true\n"
             "  b:\n    job: proto_b\n    users: 2\n    pacing: 50ms\n"
             "    duration: 1s\n");
  std::string out;
  const int rc =
      run_command(golo_cli_binary().string() + " run " + schedule.string() +
                      " --quiet --host " + w.host->address(),
                  &out);
  REQUIRE_MESSAGE(rc == 0, out);
  std::istringstream log(read_text(w.target.proto_log()));
  std::map<std::string, std::map<std::string, int>> protocols;
  std::string scenario, protocol;
  while (log >> scenario >> protocol) ++protocols[scenario][protocol];
  CHECK(protocols.size() == 2);
  CHECK(protocols["a"].size() == 1);
  CHECK(protocols["a"]["HTTP/2.0"] >= 4);
  CHECK(protocols["b"].size() == 1);
  CHECK(protocols["b"]["HTTP/1.1"] >= 4);
}

TEST_CASE("http: connections the server closes are opened again, no error") {
  World &w = world();
  // /close answers with Connection: close; /brief's connections are closed
  // by nginx when idle 300 ms, and the user comes back after 700 ms, so
  // each request but the first finds its kept-alive connection gone (a
  // GET is sent again on a new one).
  const auto schedule = w.work.path() / "closing.yaml";
  write_text(schedule,
             "scenarios:\n"
             "  a:\n    job: close\n    users: 1\n    pacing: 50ms\n"
             "    duration: 1s\n"
             "  b:\n    job: brief\n    users: 1\n    pacing: 700ms\n"
             "    duration: 2s\n");
  const auto json_path = w.work.path() / "closing.json";
  std::string out;
  const int rc =
      run_command(golo_cli_binary().string() + " run " + schedule.string() +
                      " --quiet --host " + w.host->address() +
                      " --out json=" + json_path.string(),
                  &out);
  REQUIRE_MESSAGE(rc == 0, out);
  const auto results = nlohmann::json::parse(read_text(json_path));
  CHECK(results.at("total").at("errors") == 0);
  std::istringstream log(read_text(w.target.conn_log()));
  std::map<std::string, std::set<std::string>> conns;
  std::map<std::string, int> lines;
  std::string uri, conn, n;
  while (log >> uri >> conn >> n) {
    CHECK_MESSAGE(n == "1", uri << " on a connection's request " << n);
    conns[uri].insert(conn);
    ++lines[uri];
  }
  CHECK(lines["/close"] >= 5);
  CHECK(lines["/brief"] >= 2);
  for (const auto &[u, c] : conns)
    CHECK_MESSAGE(c.size() == static_cast<std::size_t>(lines[u]), u);
  CHECK(results.at("total").at("iterations") ==
        lines["/close"] + lines["/brief"]);
}

TEST_CASE("http: https on OpenSSL names the reason of a failed verification") {
  auto r = world().call("tls_noca");
  CHECK(num(r, "error") == GOLO_HTTP_TLS);
  CHECK(num(r, "status") == 0);
  // OpenSSL's own words, and the certificate check's.
  CHECK_MESSAGE(tag(r, "error_text")
                        .find("tls: GET " + world().target.tls_url("/ok") +
                              ": handshake with 127.0.0.1 port ") == 0,
                tag(r, "error_text"));
  CHECK_MESSAGE(
      tag(r, "error_text")
              .find("certificate verify failed: unable to get local issuer "
                    "certificate") != std::string::npos,
      tag(r, "error_text"));
  r = world().call("tls_badca");
  CHECK(num(r, "error") == GOLO_HTTP_TLS);
  CHECK_MESSAGE(tag(r, "error_text")
                        .find("could not load the CA file "
                              "/nonexistent/ca.pem") != std::string::npos,
                tag(r, "error_text"));
  // A host name (SNI, and checked against the certificate's DNS names).
  r = world().call("tls_name");
  CHECK_MESSAGE(num(r, "status") == 200, tag(r, "error_text"));
  CHECK(num(r, "tls") > 0);
}

TEST_CASE("http: https refuses a trusted certificate made for another name") {
  // The CA is trusted; only the names differ: an address checked against
  // the certificate's IP entries, a host name against its DNS names.
  for (const auto &[job, why] : {std::pair<std::string, std::string>{
                                     "tls_ip_mismatch", "IP address mismatch"},
                                 {"tls_name_mismatch", "hostname mismatch"}}) {
    const auto r = world().call(job);
    CHECK_MESSAGE(num(r, "error") == GOLO_HTTP_TLS, job);
    CHECK_MESSAGE(num(r, "status") == 0, job);
    CHECK_MESSAGE(
        tag(r, "error_text").find("certificate verify failed: " + why) !=
            std::string::npos,
        job << ": " << tag(r, "error_text"));
  }
}

TEST_CASE("http: https resumes each user's TLS session, TLS 0 on reuse") {
  World &w = world();
  // Every request on a fresh connection: each user's first handshake is
  // full, every later one resumes the session that user was given.
  const auto schedule = w.work.path() / "fresh.yaml";
  write_text(schedule,
             "job:\n  name: tls_fresh\n  users: 2\n  pacing: 50ms\n"
             "  duration: 1s\n");
  std::string out;
  REQUIRE_MESSAGE(
      run_command(golo_cli_binary().string() + " run " + schedule.string() +
                      " --host " + w.host->address(),
                  &out) == 0,
      out);
  std::istringstream log(read_text(w.target.resumed_log()));
  std::set<std::string> conns;
  std::map<std::string, int> by_reuse;  // "r": resumed, ".": full
  std::string conn, reused;
  int lines = 0;
  while (log >> conn >> reused) {
    ++lines;
    conns.insert(conn);
    ++by_reuse[reused];
  }
  REQUIRE(lines >= 6);
  CHECK(conns.size() == static_cast<std::size_t>(lines));  // all fresh
  CHECK(by_reuse["."] == 2);  // one full handshake per user
  CHECK(by_reuse["r"] == lines - 2);
  // The summary's p95 of TLS: a handshake on each fresh connection ...
  const auto phase_tls = [&](const std::string &path) {
    const auto line = out.find("\n  > GET " + w.target.tls_url(path) + " ",
                               out.find("PHASES P95"));
    REQUIRE_MESSAGE(line != std::string::npos, out);
    std::istringstream cells(out.substr(out.find(' ', line + 10)));
    std::string connect, tls;
    cells >> connect >> tls;
    return tls;
  };
  CHECK_MESSAGE(phase_tls("/resumed") != "0ns", out);
  // ... and none on kept-alive connections: 2 handshakes in ~40 requests.
  write_text(schedule,
             "job:\n  name: tls\n  users: 2\n  pacing: 50ms\n"
             "  duration: 1s\n");
  out.clear();  // run_command appends
  REQUIRE_MESSAGE(
      run_command(golo_cli_binary().string() + " run " + schedule.string() +
                      " --host " + w.host->address(),
                  &out) == 0,
      out);
  CHECK_MESSAGE(phase_tls("/ok") == "0ns", out);
}
