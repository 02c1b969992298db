/*
 * golo/plugin.h -- the whole C ABI between golo-host and a load-test plugin.
 *
 * Who includes it: the author of a plugin, a shared object that golo-host
 * loads from its plugins directory. A plugin needs this header and nothing
 * else from golo; it links against nothing of golo's:
 *
 *     cc -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC \
 *        -I plugin-api/include my_test.c -o my_test.so
 *
 * The file NAME.so serves the job NAME. Anything not declared in this header
 * is not part of the ABI and may change without notice.
 *
 * A plugin exports:
 *
 *   required  GOLO_PLUGIN(...)   the ABI marker and metadata (name, version,
 *                                flags), and an ELF note the host reads from
 *                                the file; a file without them is refused.
 *   required  golo_trigger       one iteration of the load test; go-lo's
 *                                TriggerFunc.
 *   optional  golo_init          once, after loading, before any trigger.
 *   optional  golo_shutdown      once, after the last trigger returned.
 *   optional  golo_user_end      (1.2) once per virtual user when it ends.
 *
 * Everything the host offers (setting the response, tags, sequence ids,
 * logging, settings; since 1.1 steps, checks and data-file values; since
 * 1.2 HTTP, plain TCP, think time and the run's env) is
 * reached through the golo_host_api table whose pointer arrives in
 * golo_context and golo_init_args. There are no link-time
 * symbols to resolve, so two generations of one plugin can be loaded side by
 * side while a hot reload drains the old one.
 *
 * Ownership: the host copies every string a plugin hands it before the call
 * returns, so a plugin may pass stack buffers. A NULL string is taken as
 * empty (for a message: no message); it never crashes the host. Strings the
 * host hands out are valid for the documented lifetime and must not be freed.
 * Neither side ever frees the other's memory.
 *
 * Threading: golo_trigger is called from many threads at once, unless the
 * plugin's flags include GOLO_PLUGIN_SERIAL; then the host never runs two
 * calls of that plugin at once. Every host function is safe to call from any
 * thread, but a golo_response may only be touched by the call it was given to.
 * No host function throws, longjmps or otherwise unwinds through the
 * plugin's frames (in the C++ host they are noexcept).
 *
 * What the host checks before running any code of a file (before dlopen,
 * so before any constructor of the plugin or of the libraries it links):
 *   1. NAME.so, NAME.conf and the plugins directory are owned by the host's
 *      user or root and not writable by group or others (a symlink is
 *      followed only to a file, in a directory, that pass the same test);
 *      golo-host --allow-unsafe-permissions turns this off.
 *   2. The bytes are a whole ELF shared object for this machine: ELF class,
 *      byte order and machine as the host's, type ET_DYN, and every
 *      program header and segment inside the file (a truncated or
 *      half-written file is refused, never mapped).
 *   3. The file carries the note GOLO_PLUGIN writes (golo_plugin_note),
 *      naming this host's GOLO_ABI_VERSION.
 *   4. NAME.conf parses.
 * Only then is a private copy opened with dlopen, which runs the plugin's
 * constructors (and those of the libraries it links); then
 * golo_plugin_magic() must agree with the note, golo_trigger must exist,
 * and golo_init runs.
 *
 * Versioning: GOLO_ABI_VERSION changes only when an existing declaration
 * changes meaning. New host functions are appended to golo_host_api (never
 * inserted), each group labelled with the ABI minor that added it; test for
 * one with GOLO_HOST_HAS(host, member) before calling it, so a plugin built
 * against a newer header still runs on an older host.
 */
#ifndef GOLO_PLUGIN_H
#define GOLO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI a plugin is built for. The host refuses any other major version. */
#define GOLO_ABI_VERSION 1
/* Minor revisions only append to golo_host_api; see GOLO_HOST_HAS. */
#define GOLO_ABI_MINOR 2

/* The seed's defaults, kept for go-lo compatibility.
 * GOLO_DEFAULT_RPC_ADDR: where golo-host listens and golo connects when not
 * told otherwise. The host does not read this macro (its own default is the
 * same value, checked at compile time); it stays in the ABI for plugins
 * ported from go-lo that name it, e.g. to call back into their own host. */
#define GOLO_DEFAULT_RPC_ADDR "127.0.0.1:9999"
#define GOLO_DEFAULT_SEQUENCE_ID "c276c8c7-6fec-5aa9-b6bd-4de12a49a9bb"
/* A sequence id is 36 characters plus the terminating NUL. */
#define GOLO_SEQUENCE_ID_SIZE 37

/* Output longer than this many bytes is cut to it by the host, and the
 * response is marked truncated (Response.outputTruncated). */
#define GOLO_MAX_OUTPUT_BYTES (1024 * 1024)
/* Longer tag keys and values, and ids, are cut to this many bytes. */
#define GOLO_MAX_TAG_BYTES 4096
/* Tags beyond this many on one response are dropped; the host logs it once
 * per loaded version of the plugin (per job and reload), with the count. */
#define GOLO_MAX_TAGS 64

/* Steps and checks (ABI 1.1; see add_step and add_check). */
/* Longer step and check names are cut to this many bytes (between UTF-8
 * characters). */
#define GOLO_MAX_STEP_NAME_BYTES 128
/* Steps beyond this many on one response are dropped; so are checks beyond
 * this many. The host counts them (steps_dropped, checks_dropped in the
 * results) and logs it once per loaded version of the plugin. */
#define GOLO_MAX_STEPS 64
/* Distinct step names a run's results name (and, apart, distinct check
 * names): the ones run most across all hosts; the others are counted
 * together as the step (check) "_other" (steps_folded, checks_folded). A
 * host tells apart 4 times as many; a step or check under a name past
 * those is dropped, counted in steps_dropped or checks_dropped, and the
 * run's end is logged with the counts. Names are the unit of a report: use
 * a fixed few ("login", "GET /cart"), never ids or URLs with ids in them. */
#define GOLO_MAX_STEP_NAMES 64

/* Opaque handles owned by the host. */
typedef struct golo_response golo_response; /* the answer being built */
typedef struct golo_plugin golo_plugin;     /* this loaded plugin */
typedef struct golo_context golo_context;   /* one trigger's, defined below */

/* Log levels for golo_host_api.log. */
enum golo_log_level {
  GOLO_LOG_DEBUG = 0,
  GOLO_LOG_INFO = 1,
  GOLO_LOG_WARN = 2,
  GOLO_LOG_ERROR = 3
};

/* ------------------------------------------------------------------------ */
/* HTTP (ABI 1.2): the request and response of golo_host_api.http          */
/* ------------------------------------------------------------------------ */

/* One request header, "name: value"; both NUL-terminated, neither holding CR
 * or LF (such a header fails the request with GOLO_HTTP_INVALID). */
typedef struct golo_http_header {
  const char *name;
  const char *value;
} golo_http_header;

/* golo_http_request.flags. */
#define GOLO_HTTP_NO_REDIRECTS 0x1u     /* answer the 3xx itself */
#define GOLO_HTTP_NO_COOKIES 0x2u       /* neither send nor store cookies */
#define GOLO_HTTP_FRESH_CONNECTION 0x4u /* a new connection (then kept) */
#define GOLO_HTTP_STATUS_OK 0x8u /* a status >= 400 does not fail the step */
#define GOLO_HTTP_HTTP2 0x10u    /* offer HTTP/2 by ALPN (https only) */
#define GOLO_HTTP_INSECURE 0x20u /* accept any certificate (tests only) */
#define GOLO_HTTP_DISCARD_BODY 0x40u /* count the body, keep none of it */
#define GOLO_HTTP_NO_PHASES 0x80u    /* record the step, not its phase steps */

/* The default timeout, redirect limit and body cap. */
#define GOLO_HTTP_DEFAULT_TIMEOUT_NS ((int64_t)30 * 1000 * 1000 * 1000)
#define GOLO_HTTP_DEFAULT_MAX_REDIRECTS 10
#define GOLO_HTTP_DEFAULT_BODY_CAP ((size_t)1024 * 1024)

/*
 * A request. Start from all zeros and set size: every zero field means its
 * default, so a GET is
 *
 *     golo_http_request req = {.size = sizeof req};
 *     req.url = "http://127.0.0.1:8080/";
 *
 * Fields after size may be appended by later minors; the host reads only
 * the first `size` bytes. Strings are NUL-terminated and copied (or used)
 * before http returns.
 */
typedef struct golo_http_request {
  size_t size;        /* sizeof(golo_http_request) */
  const char *method; /* "GET" (NULL), "POST", "PUT", "DELETE", "HEAD", ... */
  const char *url;    /* http:// or https://, with host, optional port */
  const golo_http_header *headers; /* header_count of them, or NULL */
  size_t header_count;
  const char *body; /* body_len bytes (any bytes); not for GET or HEAD */
  size_t body_len;
  int64_t timeout_ns; /* the whole exchange incl. redirects; 0: 30 s */
  /* The step this request is counted under in the results; NULL: method and
   * URL without its query ("GET http://shop/cart"). Give a name whenever
   * the path holds ids ("/user/1234"): each distinct name is a row of the
   * report, and a run has at most GOLO_MAX_STEP_NAMES of them. */
  const char *name;
  uint32_t flags;         /* GOLO_HTTP_* */
  uint32_t max_redirects; /* 0: GOLO_HTTP_DEFAULT_MAX_REDIRECTS */
  /* Most body bytes kept in the response; 0: GOLO_HTTP_DEFAULT_BODY_CAP. A
   * longer body is still read and counted (body_total), but the request
   * fails with GOLO_HTTP_TOO_LARGE. */
  size_t body_cap;
  const char *ca_file; /* PEM CA bundle for https; NULL: the setting
                          http_ca_file, else the system's */
} golo_http_request;

/* golo_http_response.error, and http's return value: what went wrong. */
enum golo_http_error {
  GOLO_HTTP_OK = 0,        /* an answer arrived (any status) */
  GOLO_HTTP_REFUSED = 1,   /* nothing listens there (connection refused) */
  GOLO_HTTP_TIMEOUT = 2,   /* timeout_ns passed */
  GOLO_HTTP_DNS = 3,       /* the host name did not resolve */
  GOLO_HTTP_TLS = 4,       /* handshake or certificate verification failed */
  GOLO_HTTP_MALFORMED = 5, /* the answer was not HTTP, or was cut short */
  GOLO_HTTP_STOPPED = 6,   /* the run ended and its graceful_stop passed */
  GOLO_HTTP_INVALID = 7,   /* the request itself: URL, scheme, header, body */
  GOLO_HTTP_TOO_LARGE = 8, /* the body was longer than body_cap */
  GOLO_HTTP_OTHER = 9      /* any other transport failure */
};

/*
 * A response, filled by http. Set size = sizeof(golo_http_response) before
 * the call; the host writes only members below it.
 *
 * Lifetime: the strings and the body are the host's, valid until this
 * virtual user's next http call or the end of this golo_trigger call,
 * whichever is first. Copy what you keep.
 */
typedef struct golo_http_response {
  size_t size;            /* sizeof(golo_http_response) */
  int status;             /* 200, 404, ...; 0 when nothing answered */
  int error;              /* enum golo_http_error */
  const char *error_text; /* one line naming what and where; "" if OK */
  const char *body;       /* body_len bytes, NUL-terminated too */
  size_t body_len;        /* bytes kept (at most body_cap) */
  uint64_t body_total;    /* bytes the server sent, always counted */
  int reused;             /* non-zero: a kept-alive connection served it */
  int http_version;       /* 10, 11 or 20 */
  uint32_t redirects;     /* redirects followed */
  uint32_t reserved;      /* 0 */
  /* Phases of the final request, in nanoseconds: dns + connect + tls +
   * send + wait + receive <= total (total also holds redirects). dns,
   * connect and tls are 0 on a reused connection; tls is 0 on http://. */
  int64_t dns_ns, connect_ns, tls_ns, send_ns, wait_ns, receive_ns;
  int64_t total_ns;
} golo_http_response;

/* ------------------------------------------------------------------------ */
/* TCP (ABI 1.2): the errors of golo_host_api.tcp_*                         */
/* ------------------------------------------------------------------------ */

/* Negative returns of the tcp_* calls: the negative of http's class for the
 * same cause, so one switch can name both. */
enum golo_tcp_error {
  GOLO_TCP_REFUSED = -GOLO_HTTP_REFUSED, /* nothing listens there */
  GOLO_TCP_TIMEOUT = -GOLO_HTTP_TIMEOUT, /* timeout_ns passed */
  GOLO_TCP_DNS = -GOLO_HTTP_DNS,         /* the host name did not resolve */
  GOLO_TCP_STOPPED = -GOLO_HTTP_STOPPED, /* the run's graceful_stop passed */
  GOLO_TCP_INVALID = -GOLO_HTTP_INVALID, /* bad input: handle, NULL, port */
  GOLO_TCP_OTHER = -GOLO_HTTP_OTHER,     /* any other failure (tcp_error) */
  GOLO_TCP_CLOSED = -10 /* the connection broke: reset by the peer, or a
                           send after it closed; tcp_close the handle */
};

/* The most TCP connections one virtual user holds open at once; tcp_open
 * past it fails with GOLO_TCP_INVALID (close what you are done with). */
#define GOLO_TCP_MAX_OPEN 256

/* ------------------------------------------------------------------------ */
/* Host services                                                            */
/* ------------------------------------------------------------------------ */

/*
 * The table of host functions. The host owns it and keeps it valid until
 * golo_shutdown has returned. Compare fields only through GOLO_HOST_HAS.
 */
typedef struct golo_host_api {
  /* sizeof(golo_host_api) as the host was built: members at offsets below
   * it exist. */
  size_t size;
  /* The host's GOLO_ABI_VERSION and GOLO_ABI_MINOR. */
  uint32_t abi_version;
  uint32_t abi_minor;

  /* ---- ABI 1.0 ---------------------------------------------------------- */

  /*
   * set_id: sets Response.id (go-lo's sequence id for this iteration).
   * id: NUL-terminated; NULL clears it. Cut to GOLO_MAX_TAG_BYTES.
   * Call only from golo_trigger, on the response it was given.
   */
  void (*set_id)(golo_response *resp, const char *id);

  /*
   * set_output: sets Response.output to len bytes from data (need not be
   * NUL-terminated; may hold any bytes). NULL data clears it. A later call
   * replaces an earlier one. Bytes past GOLO_MAX_OUTPUT_BYTES are dropped and
   * the response is marked truncated.
   */
  void (*set_output)(golo_response *resp, const char *data, size_t len);

  /*
   * set_error: sets Response.error, the test result "the target failed"
   * (non-zero = failed). This is data, counted as an error in reports; the
   * RPC still succeeds. To fail the call itself, return non-zero from
   * golo_trigger instead.
   */
  void (*set_error)(golo_response *resp, int failed);

  /*
   * set_failure: the message the caller sees when golo_trigger returns
   * non-zero (the gRPC status message). Ignored when the trigger returns 0.
   * Without it the message says which code the trigger returned.
   */
  void (*set_failure)(golo_response *resp, const char *message);

  /*
   * add_tag_*: appends a ResponseTag. The value is formatted as Go's
   * fmt "%v" formats it, as the seed's Tagify does:
   *   string  as is;
   *   int     decimal, "-12";
   *   uint    decimal, "18446744073709551615";
   *   float   the shortest text that reads back as the same double, in
   *           exponent form when the decimal exponent is below -4 or
   *           above 5 (Go's %g rule): "0.5", "123456", "1.234567e+06",
   *           "1e+06", "1.5e-05", "+Inf", "-Inf", "NaN";
   *   bool    "true" or "false" (non-zero is true).
   * key and a string value are NUL-terminated; NULL is taken as "". Keys
   * may repeat (the host keeps every tag in order).
   */
  void (*add_tag_string)(golo_response *resp, const char *key,
                         const char *value);
  void (*add_tag_int)(golo_response *resp, const char *key, int64_t value);
  void (*add_tag_uint)(golo_response *resp, const char *key, uint64_t value);
  void (*add_tag_float)(golo_response *resp, const char *key, double value);
  void (*add_tag_bool)(golo_response *resp, const char *key, int value);

  /*
   * new_sequence_id: writes a random (version 4) UUID, 36 characters and a
   * NUL, into out, e.g. "1b4e28ba-2fa1-4d2e-9b2c-1a2b3c4d5e6f".
   * Returns 0, or -1 when the system gave no randomness; out then holds
   * GOLO_DEFAULT_SEQUENCE_ID, as the seed's NewSequenceID does.
   */
  int (*new_sequence_id)(char out[GOLO_SEQUENCE_ID_SIZE]);

  /*
   * log: writes message to the host's log at level, attributed to the
   * plugin. Format it yourself (snprintf); the host copies it. (Where
   * <tgmath.h> defines a log() macro, call it as (host->log)(...).)
   */
  void (*log)(const golo_plugin *self, int level, const char *message);

  /*
   * setting: the value of key in the plugin's settings (the file
   * NAME.conf beside NAME.so, lines "key = value"; '#' at the start of a
   * line or after a space or tab starts a comment: "timeout = 5000  # ms"),
   * or NULL when it is not set. The string stays valid until golo_shutdown
   * returns. Safe from init, trigger and shutdown.
   */
  const char *(*setting)(const golo_plugin *self, const char *key);

  /*
   * set_init_error: from golo_init only, the reason init failed. The host
   * reports it with the file name when golo_init returns non-zero.
   */
  void (*set_init_error)(golo_plugin *self, const char *message);

  /* ---- ABI 1.1 ---------------------------------------------------------- */
  /* Steps, checks and data files. Test for these with
   * GOLO_HOST_HAS(host, add_step), GOLO_HOST_HAS(host, data) etc.: a 1.0
   * host lacks them (see the plugin guide's examples). */

  /*
   * add_step: records a step, a named and timed part of this iteration that
   * the plugin measured itself (a request of a user journey: "login",
   * "browse", "checkout"). Each step name gets its own latency histogram,
   * count, error count and rate in the results, per tag set, beside the
   * iteration's; a Job.Trigger response carries its steps (Response.steps).
   *
   * name:        NUL-terminated; cut to GOLO_MAX_STEP_NAME_BYTES. NULL or ""
   *              drops the step (counted in steps_dropped, logged once).
   * duration_ns: how long the step took, in nanoseconds; measure it with
   *              monotonic_ns. A negative one drops the step (counted and
   *              logged once, as above); 0 is a valid duration.
   * failed:      non-zero counts the step as an error. It does not make the
   *              iteration an error: set_error does that, so a journey that
   *              goes on past a failed step still succeeds or fails as the
   *              plugin says.
   *
   * A step may be added any number of times per iteration (a loop over
   * pages adds "browse" three times: count 3), up to GOLO_MAX_STEPS per
   * response (past it: dropped, counted, logged once per loaded version),
   * and under at most 4 x GOLO_MAX_STEP_NAMES distinct names per run on a
   * host (past it: dropped, counted, logged at the run's end); the results
   * name the GOLO_MAX_STEP_NAMES run most and count the rest as "_other". Steps
   * count whatever golo_trigger returns.
   *
   * Ownership: the host copies name before returning. Threading and when:
   * only from golo_trigger, on the response it was given, from the thread
   * running that call.
   */
  void (*add_step)(golo_response *resp, const char *name, int64_t duration_ns,
                   int failed);

  /*
   * monotonic_ns: the host's clock, in nanoseconds from an arbitrary start
   * (CLOCK_MONOTONIC): the same clock the host times iterations with, so
   * steps and iterations compare. Use differences only. Safe from any
   * thread, in init, trigger and shutdown.
   */
  int64_t (*monotonic_ns)(void);

  /*
   * add_check: records the outcome of a check on this iteration's answers
   * ("status is 200", "cart not empty"), as k6's check() does: counted per
   * name (passes, fails, pass rate) in the results and the summary. A
   * failed check does not make the iteration an error by itself; call
   * set_error too when it should.
   *
   * name:   as add_step's (cut to GOLO_MAX_STEP_NAME_BYTES; NULL or ""
   *         drops the check, counted in checks_dropped and logged once).
   * passed: non-zero is a pass.
   *
   * Limits, ownership, threading and when: as add_step's (up to
   * GOLO_MAX_STEPS checks per response and GOLO_MAX_STEP_NAMES distinct
   * check names per run; past either, dropped and counted).
   */
  void (*add_check)(golo_response *resp, const char *name, int passed);

  /*
   * data: this iteration's value of `column` from the run's data file, a
   * CSV file with a header row that the schedule names
   * (job.data: {file: users.csv, mode: unique}; docs/schedules.md, "Data
   * files"), e.g. data(ctx, "user") gives "alice" in one iteration and
   * "bob" in the next. The schedule's mode picks each iteration's row:
   * sequential (file order, wrapping), random, unique (each row once in
   * the whole run), per_user (one row per virtual user). Every column an
   * iteration reads comes from the same row.
   *
   * ctx:    the context golo_trigger was given.
   * column: a name from the file's header row, NUL-terminated, compared
   *         exactly (case and spaces count).
   *
   * Returns the value, NUL-terminated (possibly "" for an empty cell), or
   * NULL when there is none: the run has no data file (a schedule without
   * data, a single Job.Trigger call), column is NULL, or the file has no
   * such column (the host logs that once per column and run, naming the
   * file's columns; list the columns a plugin needs in job.data.columns
   * and golo run refuses a file that lacks one before any load starts).
   *
   * Ownership and lifetime: the host owns the string; it stays valid until
   * this golo_trigger call returns, and must not be written or freed. Copy
   * it to keep it longer.
   *
   * Threading and when: only from golo_trigger, on the thread running that
   * call (from any other thread it returns NULL). It allocates nothing and
   * costs a look-up among the file's columns; a plugin that reads one
   * column many times may keep the pointer for the rest of the call.
   */
  const char *(*data)(const golo_context *ctx, const char *column);

  /* ---- ABI 1.2 ---------------------------------------------------------- */
  /* HTTP, think time, the run's env. Test with GOLO_HOST_HAS(host, http)
   * etc.: a 1.1 host lacks them (the plugin guide shows the fallback). */

  /*
   * http: sends one HTTP request as this virtual user and waits for the
   * answer, as a browser would: the user's own kept-alive connections (one
   * per origin; over HTTP/2 one per origin with streams), cookie jar (on
   * unless GOLO_HTTP_NO_COOKIES) and TLS sessions, kept across its
   * iterations and closed when the user ends; redirects followed (unless
   * GOLO_HTTP_NO_REDIRECTS). A single Job.Trigger call is a fresh user.
   *
   * It records a step under the request's name (as add_step does: count,
   * errors, latency = total_ns), failed when error is not GOLO_HTTP_OK or
   * the status is 400 or more (unless GOLO_HTTP_STATUS_OK), and, unless
   * GOLO_HTTP_NO_PHASES, one step per phase named "NAME (connect)",
   * "NAME (tls)", "NAME (wait)" and "NAME (receive)", which thresholds
   * select as p95{step:NAME, phase:wait}. It never sets the iteration's
   * error: the plugin decides that (set_error).
   *
   * TLS: certificates are verified unless GOLO_HTTP_INSECURE or the setting
   * http_insecure_tls = true; the CA is req->ca_file, else the setting
   * http_ca_file, else the system's. HTTP/2 is offered (ALPN) when the
   * flag GOLO_HTTP_HTTP2 or the setting http2 = true asks.
   *
   * Returns resp->error: 0 when an answer arrived (whatever its status).
   * Bad input (NULL req or resp, a malformed URL, a scheme other than http
   * and https, a header with CR or LF, a body on GET or HEAD) is
   * GOLO_HTTP_INVALID with the reason in error_text, never a crash.
   *
   * Threading and when: only from golo_trigger, on its thread, with the ctx
   * it was given. Blocks the user (not the host) until the answer, the
   * timeout or the run's stop.
   */
  int (*http)(const golo_context *ctx, const golo_http_request *req,
              golo_http_response *resp);

  /*
   * http_header: the value of the response header `name` (compared without
   * case) of this user's latest http call's final answer, or NULL. With
   * repeats (Set-Cookie), the last. Lifetime: as the response's strings.
   */
  const char *(*http_header)(const golo_context *ctx, const char *name);

  /*
   * sleep: think time. Waits ns nanoseconds, or less when the run is
   * stopping. Returns 0 after the whole wait, GOLO_HTTP_STOPPED when cut
   * short by a stop (then end the iteration). Only from golo_trigger.
   */
  int (*sleep)(const golo_context *ctx, int64_t ns);

  /*
   * env: the run's value of key, from the schedule's env: (per job or per
   * scenario) overridden by golo run -e KEY=VALUE, or NULL when absent (and
   * always NULL in a single Job.Trigger call). The string stays valid until
   * this golo_trigger call returns. Only from golo_trigger.
   */
  const char *(*env)(const golo_context *ctx, const char *key);

  /* ---- ABI 1.2: plain TCP ---------------------------------------------- */
  /* A virtual user's own TCP connections, for protocols that are not HTTP
   * (a line protocol, Redis, a game server). Test with
   * GOLO_HOST_HAS(host, tcp_open): an older host lacks them (the plugin
   * guide's tcp_echo shows the fallback). These calls record no step:
   * measure with monotonic_ns and record what you want with add_step.
   *
   * Handles are small positive ints that belong to the calling virtual
   * user: only that user's calls may use them, and the host closes those
   * still open when the user ends (the run's end or stop, a reload moving
   * the user, the end of a single Job.Trigger call), so a plugin that
   * forgets one leaks nothing past the user. Keep them in *ctx->user_data
   * across iterations. A user may hold GOLO_TCP_MAX_OPEN at once.
   *
   * Waiting: on threads each call blocks the user's thread until done, the
   * timeout or the run's stop; on fibers (GOLO_EXECUTOR_FIBERS) it parks
   * the fiber on its loop meanwhile. timeout_ns bounds one call (0: 30 s);
   * a run that is stopping ends a call in flight once its graceful_stop has
   * passed (GOLO_TCP_STOPPED), as host->http does. Sends never raise
   * SIGPIPE. Host names are resolved by the host (a literal IPv4 or IPv6
   * address is used as is).
   *
   * Errors are negative, each the negative of http's class for the same
   * cause, plus GOLO_TCP_CLOSED; tcp_error gives the failing call's text.
   * Threading and when: only from golo_trigger, on its thread, with the ctx
   * it was given (any other ctx is GOLO_TCP_INVALID).
   */

  /*
   * tcp_open: connects to host:port. host: a name or a literal address,
   * NUL-terminated; port: 1 to 65535. On success stores the new handle in
   * *handle and returns 0 (TCP_NODELAY is set: each send goes out at once).
   */
  int (*tcp_open)(const golo_context *ctx, const char *host, int port,
                  int64_t timeout_ns, int *handle);

  /*
   * tcp_send: sends all len bytes of buf (any bytes). Returns len, or a
   * negative error (some bytes may have gone out before it). len 0 sends
   * nothing and returns 0.
   */
  int64_t (*tcp_send)(const golo_context *ctx, int handle, const void *buf,
                      size_t len, int64_t timeout_ns);

  /*
   * tcp_recv: waits for bytes and stores at most cap of them in buf, as
   * recv(2) does: returns how many (at least 1; a message may arrive in
   * pieces, so read until your protocol's end), 0 when the peer closed the
   * connection (no more will come), or a negative error. cap must be >= 1.
   */
  int64_t (*tcp_recv)(const golo_context *ctx, int handle, void *buf,
                      size_t cap, int64_t timeout_ns);

  /*
   * tcp_close: closes handle now (the host would at the user's end).
   * Returns 0, or GOLO_TCP_INVALID for a handle this user does not hold.
   */
  int (*tcp_close)(const golo_context *ctx, int handle);

  /*
   * tcp_error: one line naming what failed and where in this user's latest
   * TCP call ("connect to 127.0.0.1 port 7: Connection refused"), "" when it
   * succeeded. Lifetime: until the user's next TCP call or the end of this
   * golo_trigger call. Never NULL (for a ctx not the running call's: a line
   * saying so).
   */
  const char *(*tcp_error)(const golo_context *ctx);

  /* ---- add new members below this line only, labelled with their minor -- */
} golo_host_api;

/* True when the host's table has member (it may be older than the header). */
#define GOLO_HOST_HAS(host, member)                                            \
  ((host) != NULL &&                                                           \
   offsetof(golo_host_api, member) + sizeof((host)->member) <= (host)->size && \
   (host)->member != NULL)

/* ------------------------------------------------------------------------ */
/* What the host passes in                                                  */
/* ------------------------------------------------------------------------ */

/* One trigger's context. Valid only during the golo_trigger call. */
struct golo_context {
  size_t size;               /* sizeof(golo_context) as the host built it */
  const golo_host_api *host; /* the host services */
  golo_plugin *plugin;       /* this plugin, for log and setting */
  void *state;               /* what golo_init stored, or NULL */
  const char *job_name;      /* Context.jobName as routed, never NULL */
  uint64_t iteration;        /* which iteration this is, 0-based. In a
                                schedule run with users (closed model):
                                this user's own count, 0, 1, 2, ... In an
                                arrival-rate run (open model): the arrival's
                                number in the whole run on this host, so
                                unique per host but with gaps where arrivals
                                were dropped. Each host of a fleet counts on
                                its own. 0 for a single Job.Trigger call. */
  uint32_t user;             /* the 0-based virtual user running this call:
                                0 .. users-1 (or max_users-1). A user runs
                                one call at a time, always on the same
                                thread. 0 for a single Job.Trigger call. */
  uint32_t reserved;         /* always 0 from this host: it keeps the
                                struct's padding explicit. A later minor may
                                give it a meaning (the host table's
                                abi_minor tells). Do not rely on it. */

  /* ---- ABI 1.2 (test with GOLO_CONTEXT_HAS(ctx, user_data)) ------------ */
  /* This virtual user's slot for the plugin's own state: *ctx->user_data is
     NULL in the user's first call and keeps what the plugin stores there
     across the user's iterations (on one loaded version of the plugin; a
     reload gives the user a fresh NULL slot). golo_user_end receives it
     when the user ends. Use it instead of thread-locals. */
  void **user_data;
};

/* True when the host's golo_context has member (it may be older than the
 * header), as GOLO_HOST_HAS does for the host table. Every member above is
 * in ABI 1.0, so this is for members later minors append. */
#define GOLO_CONTEXT_HAS(ctx, member) \
  ((ctx) != NULL &&                   \
   offsetof(golo_context, member) + sizeof((ctx)->member) <= (ctx)->size)

/* golo_init's arguments. Valid only during the golo_init call. */
typedef struct golo_init_args {
  size_t size;               /* sizeof(golo_init_args) as the host built it */
  const golo_host_api *host; /* valid until golo_shutdown returns */
  golo_plugin *plugin;       /* this plugin, valid until golo_shutdown */
  const char *job_name;      /* the job this file serves (its base name) */
} golo_init_args;

/* ------------------------------------------------------------------------ */
/* What the plugin exports                                                  */
/* ------------------------------------------------------------------------ */

/* Flags in golo_plugin_info.flags. */
#define GOLO_PLUGIN_SERIAL 0x1u /* not thread-safe: never call concurrently */
/* Every flag this header defines. The host refuses a plugin that sets any
 * other bit (it cannot honour a promise it does not know), naming the bits. */
#define GOLO_PLUGIN_KNOWN_FLAGS GOLO_PLUGIN_SERIAL

/*
 * The ABI marker, checked before any other code of the plugin runs. Build it
 * with GOLO_PLUGIN(...) rather than by hand. Fields after version may be added
 * in later minors; the host reads only the first `size` bytes.
 */
typedef struct golo_plugin_info {
  size_t size;          /* sizeof(golo_plugin_info) */
  uint32_t abi_version; /* GOLO_ABI_VERSION the plugin was built with */
  uint32_t flags;       /* GOLO_PLUGIN_* */
  const char *name;     /* human name; may be NULL (the file name is used) */
  const char *version;  /* the plugin's own version; may be NULL */
  /* ---- ABI 1.2 ---------------------------------------------------------- */
  /* GOLO_EXECUTOR_*: how a schedule runs this plugin's users. A field, not a
   * flag bit, so that a host that predates it reads it as absent (threads)
   * instead of refusing an unknown bit. */
  uint32_t executor;
  /* ---- add new fields below this line only, labelled with their minor --- */
} golo_plugin_info;

/*
 * golo_plugin_info.executor (ABI 1.2).
 *
 * GOLO_EXECUTOR_THREADS (0, the default, and every 1.0/1.1 plugin): each
 * virtual user is an OS thread; golo_trigger may block in any way.
 *
 * GOLO_EXECUTOR_FIBERS: the plugin promises that golo_trigger waits only
 * through the host's calls (sleep; tcp_*; http, HTTP/2 too) and keeps per-user
 * state in ctx->user_data, never in thread-locals across such a call. Its
 * users then run as fibers, thousands on one event-loop thread per core
 * (golo-host --loops), parked while they wait in a host call: many more
 * users per host and far fewer thread wake-ups. A blocking libc call (sleep,
 * recv, a busy loop) in golo_trigger stalls every other user of its loop
 * meanwhile. Plugins declaring GOLO_PLUGIN_SERIAL, single Job.Trigger calls
 * and older hosts run it on threads, where the same host calls block: one
 * .so works on both. A value the host does not know runs on threads.
 *
 *     GOLO_PLUGIN(.name = "browse", .executor = GOLO_EXECUTOR_FIBERS);
 */
#define GOLO_EXECUTOR_THREADS 0u
#define GOLO_EXECUTOR_FIBERS 1u

/* The marker function's name, which GOLO_PLUGIN defines. */
#define GOLO_PLUGIN_MAGIC_SYMBOL "golo_plugin_magic"

/*
 * The ELF note GOLO_PLUGIN also writes (section GOLO_NOTE_SECTION, type
 * SHT_NOTE, which linkers put in a PT_NOTE segment). The host reads it from
 * the file's bytes before dlopen, so a file without it runs no code in the
 * host. Its layout is an ELF note's: namesz, descsz and type, the name
 * "golo" NUL-padded to 8 bytes, then the descriptor (abi_version,
 * abi_minor), in the machine's byte order. After dlopen the host checks
 * that golo_plugin_magic() reports the same abi_version.
 */
#define GOLO_NOTE_SECTION ".note.golo"
#define GOLO_NOTE_NAME "golo"
#define GOLO_NOTE_TYPE 0x474f4c4fu /* "GOLO" */
typedef struct golo_plugin_note {
  uint32_t namesz;      /* sizeof(GOLO_NOTE_NAME): 5 */
  uint32_t descsz;      /* 8: the two fields after name */
  uint32_t type;        /* GOLO_NOTE_TYPE */
  char name[8];         /* GOLO_NOTE_NAME */
  uint32_t abi_version; /* GOLO_ABI_VERSION the plugin was built with */
  uint32_t abi_minor;   /* GOLO_ABI_MINOR */
} golo_plugin_note;

/* Puts an object in the note section and keeps it through optimisation and
 * --gc-sections. */
#if defined(__GNUC__)
#define GOLO_NOTE_ATTRIBUTES \
  __attribute__((section(GOLO_NOTE_SECTION), used, aligned(4)))
#else
#define GOLO_NOTE_ATTRIBUTES
#endif

#if defined(_WIN32)
#define GOLO_EXPORT __declspec(dllexport)
#else
#define GOLO_EXPORT __attribute__((visibility("default")))
#endif

/*
 * GOLO_PLUGIN(...): put exactly once in a plugin, at file scope. It defines
 * the exported function golo_plugin_magic(), which returns the plugin's
 * golo_plugin_info, and the golo_plugin_note that the host reads from the
 * file before loading it. Give at least one field, as designated initializers
 * in declaration order (flags, name, version, executor), e.g.
 *
 *     GOLO_PLUGIN(.name = "checkout", .version = "1.2.0");
 *     GOLO_PLUGIN(.flags = GOLO_PLUGIN_SERIAL, .name = "legacy");
 *     GOLO_PLUGIN(.flags = 0);      (nothing to declare)
 */
#define GOLO_PLUGIN(...)                                                      \
  static const golo_plugin_note golo_note_ GOLO_NOTE_ATTRIBUTES = {           \
      sizeof(GOLO_NOTE_NAME), 8,                                              \
      GOLO_NOTE_TYPE,         GOLO_NOTE_NAME,                                 \
      GOLO_ABI_VERSION,       GOLO_ABI_MINOR};                                \
  GOLO_EXTERN_C_ GOLO_EXPORT const golo_plugin_info *golo_plugin_magic(void); \
  GOLO_OMITTED_FIELDS_BEGIN_                                                  \
  GOLO_EXTERN_C_ const golo_plugin_info *golo_plugin_magic(void) {            \
    static const golo_plugin_info golo_info_ = {                              \
        .size = sizeof(golo_plugin_info),                                     \
        .abi_version = GOLO_ABI_VERSION,                                      \
        __VA_ARGS__};                                                         \
    return &golo_info_;                                                       \
  }                                                                           \
  GOLO_OMITTED_FIELDS_END_                                                    \
  typedef int golo_plugin_defined_here_

/* In a C++ plugin the marker must keep its C name, or the host cannot find it.
 */
#ifdef __cplusplus
#define GOLO_EXTERN_C_ extern "C"
#else
#define GOLO_EXTERN_C_
#endif

/* Omitted designated fields are zero by definition; C++'s -Wextra still
 * warns about them, so GOLO_PLUGIN silences that one warning locally. */
#if defined(__cplusplus) && defined(__GNUC__)
#define GOLO_OMITTED_FIELDS_BEGIN_ \
  _Pragma("GCC diagnostic push")   \
      _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")
#define GOLO_OMITTED_FIELDS_END_ _Pragma("GCC diagnostic pop")
#else
#define GOLO_OMITTED_FIELDS_BEGIN_
#define GOLO_OMITTED_FIELDS_END_
#endif

/*
 * golo_trigger (required): runs one iteration. This is go-lo's TriggerFunc.
 *
 * ctx:  this call's context; ctx->host has the functions to fill resp.
 * resp: the response to fill; owned by the host; touch it only in this call.
 *
 * Returns 0 on success. Non-zero fails the call: a Job.Trigger RPC answers
 * with a gRPC error status whose message is the one given to set_failure;
 * a schedule run counts the iteration as an error. A test whose target
 * answered wrongly should instead set_error(resp, 1) and return 0.
 *
 * Called concurrently from many threads unless GOLO_PLUGIN_SERIAL is set.
 * The host measures the call's duration around it.
 */
GOLO_EXPORT int golo_trigger(const golo_context *ctx, golo_response *resp);

/*
 * golo_init (optional): called once after loading, before any trigger, on
 * one thread. Read settings, open connections, allocate state here.
 *
 * args:  see golo_init_args; copy args->host and args->plugin if needed.
 * state: store a pointer here to receive it as ctx->state in every trigger
 *        and in golo_shutdown. Starts NULL.
 *
 * Returns 0 on success. Non-zero refuses the load: the plugin is unloaded
 * without golo_shutdown, and the reason given to set_init_error is reported
 * with the file name. When this load was replacing a serving version, that
 * version keeps serving.
 */
GOLO_EXPORT int golo_init(const golo_init_args *args, void **state);

/*
 * golo_shutdown (optional): called once, on one thread, after the last
 * trigger of this loaded copy has returned (at host exit, on removal, or
 * when a hot reload has drained this version). Free state here.
 */
GOLO_EXPORT void golo_shutdown(void *state);

/*
 * golo_user_end (optional, ABI 1.2): called once per virtual user of this
 * loaded copy when the user ends: at the run's end, at its stop, when a
 * hot reload moves the user onto a new version, and after a single
 * Job.Trigger call (a user of one call). Only users that ran at least one
 * trigger on this copy end. Free *ctx->user_data's state here.
 *
 * state:     what golo_init stored.
 * user_data: what the user's triggers left in *ctx->user_data (maybe NULL).
 *
 * Called on one of the host's threads, never concurrently with a trigger of
 * the same user, before golo_shutdown.
 */
GOLO_EXPORT void golo_user_end(void *state, void *user_data);

/* Exported symbol names, for the host's loader. */
#define GOLO_TRIGGER_SYMBOL "golo_trigger"
#define GOLO_INIT_SYMBOL "golo_init"
#define GOLO_SHUTDOWN_SYMBOL "golo_shutdown"
#define GOLO_USER_END_SYMBOL "golo_user_end"

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GOLO_PLUGIN_H */
