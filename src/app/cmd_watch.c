/* cmd_watch.c - `briefpress watch INPUT`: renders a brief or an article as
 * PNG pages in memory, re-renders whenever a file of its folders changes
 * (GFileMonitor on the folder of every file the last render read: the
 * input, its data folder, its template, its images; bursts of events are
 * debounced) and serves a live preview on http://127.0.0.1:PORT (a small
 * HTTP/1.1 server over GSocketService, bound to loopback only, answering
 * only requests whose Host is that address). The page long-polls /wait and
 * reloads itself when a new render is ready; a failed render shows its
 * error (file:line:col, HTML-escaped) above the last good pages. Writes no
 * file. SIGINT and SIGTERM stop it cleanly (exit 0). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <jansson.h>

#include "app/cli.h"
#include "core/outfile.h"
#include "layout/layout.h"
#include "render/render.h"

int bp_cmd_watch(int argc, char **argv);

enum {
  DEBOUNCE_MS = 150,   /* quiet time after the last change before a render */
  WAIT_S = 25,         /* the longest a /wait request is held */
  MAX_REQUEST = 8192,  /* request line and headers */
  DEFAULT_PORT = 8150, /* --port */
  SHUTDOWN_MS = 2000,  /* the longest a stop waits for connections to close */
};

typedef struct watch {
  const char *input, *template_path, *fonts_dir;
  double dpi;
  bp_fontset *fs;
  GMainLoop *loop;
  GSocketService *service;
  GCancellable *cancel; /* cancelled at the stop: every connection ends */
  guint16 port;
  char host_ip[64], host_name[64]; /* the Host headers accepted */
  unsigned version;                /* one more after every render */
  GPtrArray *pages;                /* GBytes: each page's PNG, last good render */
  char *error;                     /* the last render's error, or NULL */
  double render_ms;
  GHashTable *monitors; /* folder -> GFileMonitor */
  GList *waiters;       /* http_conn held by /wait until the next render */
  guint n_conns;        /* connections open */
  guint debounce;       /* the pending render's timeout, or 0 */
} watch;

typedef struct http_conn {
  watch *w;
  GSocketConnection *conn;
  char buf[MAX_REQUEST + 1];
  size_t len;
  bool head;      /* a HEAD request: no body */
  unsigned since; /* /wait: the version the page shows */
  guint timeout;  /* /wait: its time limit, or 0 */
  GBytes *reply;
} http_conn;

static double now_ms(void) { return (double)g_get_monotonic_time() / 1e3; }

/* ---- rendering ------------------------------------------------------------------------ */

static void on_page(void *ud, int page_no, const void *png, size_t len) {
  g_ptr_array_add(ud, g_bytes_new(png, len));
}

static void watch_folder(watch *w, const char *file);
static void wake_waiters(watch *w);

/* Composes the input as `render` would and keeps its pages, or its error
 * beside the last good pages; then watches the folders of what it read. */
static void render(watch *w) {
  double t0 = now_ms();
  bp_inputs_clear(); /* what this render reads from here on */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_typesetter *ts = NULL; /* a new one each time: its layout cache never grows stale */
  bp_dlist *dl = NULL;
  GPtrArray *pages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  bp_status st = bp_typesetter_new(&ctx, w->fs, &ts);
  if (!st) st = bp_cli_compose(&ctx, ts, w->input, w->template_path, NULL, NULL, &dl);
  if (!st) st = bp_dlist_run(dl, bp_png_device_new_mem(w->dpi, 0, on_page, pages), &ctx);
  bp_dlist_free(dl);
  bp_typesetter_free(ts);
  w->render_ms = now_ms() - t0;
  g_free(w->error);
  w->error = st ? g_strdup(ctx.msg) : NULL;
  if (!st) {
    g_ptr_array_unref(w->pages);
    w->pages = pages;
  } else {
    g_ptr_array_unref(pages);
  }
  w->version++;
  if (st)
    fprintf(stderr, "briefpress watch: version %u: %s\n", w->version, ctx.msg);
  else
    fprintf(stderr, "briefpress watch: version %u: %u page%s in %.0f ms\n", w->version,
            w->pages->len, w->pages->len == 1 ? "" : "s", w->render_ms);
  size_t n = 0;
  char **inputs = bp_inputs_list(&n);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(inputs[i], BP_STDIN_NAME)) watch_folder(w, inputs[i]);
    free(inputs[i]);
  }
  free(inputs);
  wake_waiters(w);
}

static gboolean on_debounced(gpointer ud) {
  watch *w = ud;
  w->debounce = 0;
  render(w);
  return G_SOURCE_REMOVE;
}

/* Editors' swap and backup files, and hidden files, change nothing. */
static bool ignored_name(const char *name) {
  size_t n = strlen(name);
  return name[0] == '.' || (n && name[n - 1] == '~') || (n > 4 && !strcmp(name + n - 4, ".swp")) ||
         (n > 4 && !strcmp(name + n - 4, ".swx")) || !strcmp(name, "4913");
}

static void on_changed(GFileMonitor *m, GFile *file, GFile *other, GFileMonitorEvent ev,
                       gpointer ud) {
  watch *w = ud;
  char *name = g_file_get_basename(file);
  bool skip = ignored_name(name) || ev == G_FILE_MONITOR_EVENT_PRE_UNMOUNT ||
              ev == G_FILE_MONITOR_EVENT_UNMOUNTED;
  g_free(name);
  if (skip) return;
  if (w->debounce) g_source_remove(w->debounce);
  w->debounce = g_timeout_add(DEBOUNCE_MS, on_debounced, w);
}

/* Watches the folder that holds `file` (once): an edit, a new file, a
 * rename over it (what editors do on save). */
static void watch_folder(watch *w, const char *file) {
  char *dir = g_path_get_dirname(file);
  char *abs = g_canonicalize_filename(dir, NULL);
  g_free(dir);
  if (g_hash_table_contains(w->monitors, abs)) {
    g_free(abs);
    return;
  }
  GFile *f = g_file_new_for_path(abs);
  GError *err = NULL;
  GFileMonitor *m = g_file_monitor_directory(f, G_FILE_MONITOR_WATCH_MOVES, NULL, &err);
  g_object_unref(f);
  if (!m) {
    fprintf(stderr, "briefpress watch: warning: %s: cannot watch: %s\n", abs, err->message);
    g_error_free(err);
    g_free(abs);
    return;
  }
  g_file_monitor_set_rate_limit(m, 100);
  g_signal_connect(m, "changed", G_CALLBACK(on_changed), w);
  g_hash_table_insert(w->monitors, abs, m);
}

/* ---- HTTP -------------------------------------------------------------------------------- */

static void conn_free(http_conn *hc) {
  watch *w = hc->w;
  if (hc->timeout) g_source_remove(hc->timeout);
  w->waiters = g_list_remove(w->waiters, hc);
  g_io_stream_close(G_IO_STREAM(hc->conn), NULL, NULL);
  g_object_unref(hc->conn);
  if (hc->reply) g_bytes_unref(hc->reply);
  g_free(hc);
  w->n_conns--;
}

static void on_written(GObject *src, GAsyncResult *res, gpointer ud) {
  g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, NULL);
  conn_free(ud);
}

/* Sends the reply and closes the connection; a NULL type: no body at all
 * (204, which may not even say Content-Length). */
static void reply(http_conn *hc, const char *status, const char *type, const void *body,
                  size_t len) {
  GString *r = g_string_new(NULL);
  g_string_append_printf(r, "HTTP/1.1 %s\r\n", status);
  if (type) g_string_append_printf(r, "Content-Type: %s\r\nContent-Length: %zu\r\n", type, len);
  g_string_append_printf(r, "Cache-Control: no-store\r\n"
                            "X-Content-Type-Options: nosniff\r\n"
                            "Content-Security-Policy: default-src 'self'; style-src 'self' "
                            "'unsafe-inline'; frame-ancestors 'none'\r\n"
                            "Connection: close\r\n\r\n");
  if (!hc->head && len) g_string_append_len(r, body, (gssize)len);
  hc->reply = g_string_free_to_bytes(r);
  gsize n;
  const void *data = g_bytes_get_data(hc->reply, &n);
  g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(hc->conn)), data, n,
                                  G_PRIORITY_DEFAULT, hc->w->cancel, on_written, hc);
}

static void reply_text(http_conn *hc, const char *status, const char *text) {
  reply(hc, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void reply_page(http_conn *hc) {
  watch *w = hc->w;
  bp_buf h = {0};
  bp_buf_puts(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>");
  bp_buf_put_markup(&h, w->input);
  bp_buf_puts(&h, " - briefpress watch</title>\n<style>\n"
                  "body { margin: 0; background: #777; font: 14px/1.4 sans-serif; }\n"
                  "header { background: #222; color: #eee; padding: 6px 12px; }\n"
                  "#error { background: #fde8e8; color: #8a1010; margin: 0; padding: 12px; "
                  "white-space: pre-wrap; border-bottom: 3px solid #c00; font: 13px monospace; "
                  "}\n"
                  "img { display: block; margin: 16px auto; max-width: calc(100% - 32px); "
                  "box-shadow: 0 2px 8px #0008; background: #fff; }\n"
                  "</style>\n<script src=\"/watch.js\" defer></script>\n</head>\n");
  bp_buf_printf(&h, "<body data-version=\"%u\" data-pages=\"%u\">\n<header>", w->version,
                w->pages->len);
  bp_buf_put_markup(&h, w->input);
  bp_buf_printf(&h, " &middot; render %u &middot; %u page%s", w->version, w->pages->len,
                w->pages->len == 1 ? "" : "s");
  if (w->error)
    bp_buf_puts(&h, w->pages->len ? " (the last good render, below the error)" : "");
  else
    bp_buf_printf(&h, " in %.0f ms", w->render_ms);
  bp_buf_puts(&h, "</header>\n");
  if (w->error) {
    bp_buf_puts(&h, "<pre id=\"error\">");
    bp_buf_put_markup(&h, w->error);
    bp_buf_puts(&h, "</pre>\n");
  }
  bp_buf_puts(&h, "<main id=\"pages\">\n");
  for (guint i = 0; i < w->pages->len; i++)
    bp_buf_printf(&h, "<img src=\"/page/%u.png?v=%u\" alt=\"page %u of %u\">\n", i + 1, w->version,
                  i + 1, w->pages->len);
  bp_buf_puts(&h, "</main>\n</body>\n</html>\n");
  reply(hc, "200 OK", "text/html; charset=utf-8", h.data, h.len);
  bp_buf_free(&h);
}

/* The page's script: waits for the next render, then reloads. */
static const char WATCH_JS[] =
    "// briefpress watch: reload when a new render is ready (GET /wait holds until then)\n"
    "'use strict';\n"
    "(function () {\n"
    "  const version = document.body.dataset.version;\n"
    "  function poll() {\n"
    "    fetch('/wait?v=' + version, {cache: 'no-store'})\n"
    "      .then((r) => r.json())\n"
    "      .then((s) => (String(s.version) !== version ? location.reload() : poll()))\n"
    "      .catch(() => setTimeout(poll, 1000));\n"
    "  }\n"
    "  poll();\n"
    "})();\n";

static void reply_state(http_conn *hc) {
  watch *w = hc->w;
  json_t *j = json_pack("{s:I, s:I, s:s?}", "version", (json_int_t)w->version, "pages",
                        (json_int_t)w->pages->len, "error", w->error);
  char *s = json_dumps(j, JSON_COMPACT);
  reply(hc, "200 OK", "application/json", s, strlen(s));
  free(s);
  json_decref(j);
}

static gboolean on_wait_timeout(gpointer ud) {
  http_conn *hc = ud;
  hc->timeout = 0;
  hc->w->waiters = g_list_remove(hc->w->waiters, hc);
  reply_state(hc);
  return G_SOURCE_REMOVE;
}

static void wake_waiters(watch *w) {
  GList *list = w->waiters;
  w->waiters = NULL;
  for (GList *l = list; l; l = l->next) {
    http_conn *hc = l->data;
    if (hc->timeout) g_source_remove(hc->timeout);
    hc->timeout = 0;
    reply_state(hc);
  }
  g_list_free(list);
}

/* A request is for us only when its Host is the address we listen on: a
 * page elsewhere cannot reach the preview through a name of its own that
 * resolves to 127.0.0.1 (DNS rebinding). */
static bool host_ok(const watch *w, const char *host) {
  return host && (!g_ascii_strcasecmp(host, w->host_ip) || !g_ascii_strcasecmp(host, w->host_name));
}

static void route(http_conn *hc, const char *method, const char *target, const char *host) {
  watch *w = hc->w;
  hc->head = !strcmp(method, "HEAD");
  if (strcmp(method, "GET") && !hc->head) {
    reply_text(hc, "405 Method Not Allowed", "GET only\n");
    return;
  }
  if (!host_ok(w, host)) {
    reply_text(hc, "403 Forbidden", "wrong Host\n");
    return;
  }
  const char *q = strchr(target, '?');
  size_t plen = q ? (size_t)(q - target) : strlen(target);
  char *path = g_strndup(target, plen);
  unsigned n = 0;
  char tail = 0;
  if (!strcmp(path, "/"))
    reply_page(hc);
  else if (!strcmp(path, "/watch.js"))
    reply(hc, "200 OK", "text/javascript; charset=utf-8", WATCH_JS, strlen(WATCH_JS));
  else if (!strcmp(path, "/favicon.ico")) /* what browsers ask for: none */
    reply(hc, "204 No Content", NULL, NULL, 0);
  else if (!strcmp(path, "/state"))
    reply_state(hc);
  else if (!strcmp(path, "/wait")) {
    const char *v = q ? strstr(q, "v=") : NULL;
    hc->since = v ? (unsigned)strtoul(v + 2, NULL, 10) : 0;
    if (hc->since != w->version) {
      reply_state(hc);
    } else {
      w->waiters = g_list_prepend(w->waiters, hc);
      hc->timeout = g_timeout_add_seconds(WAIT_S, on_wait_timeout, hc);
    }
  } else if (sscanf(path, "/page/%u.pn%c", &n, &tail) == 2 && tail == 'g' && n >= 1 &&
             n <= w->pages->len && !strcmp(strrchr(path, '.'), ".png")) {
    gsize len;
    const void *png = g_bytes_get_data(w->pages->pdata[n - 1], &len);
    reply(hc, "200 OK", "image/png", png, len);
  } else {
    reply_text(hc, "404 Not Found", "not found\n");
  }
  g_free(path);
}

/* The value of header `name` in the request head (case-insensitive), copied. */
static char *header(const char *head, const char *name) {
  size_t n = strlen(name);
  for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
    const char *h = l + 2;
    if (!g_ascii_strncasecmp(h, name, n) && h[n] == ':') {
      h += n + 1;
      while (*h == ' ' || *h == '\t') h++;
      const char *e = strstr(h, "\r\n");
      return g_strndup(h, e ? (size_t)(e - h) : strlen(h));
    }
  }
  return NULL;
}

static void on_read(GObject *src, GAsyncResult *res, gpointer ud) {
  http_conn *hc = ud;
  gssize n = g_input_stream_read_finish(G_INPUT_STREAM(src), res, NULL);
  if (n <= 0) { /* closed, failed or cancelled */
    conn_free(hc);
    return;
  }
  hc->len += (size_t)n;
  hc->buf[hc->len] = '\0';
  char *end = strstr(hc->buf, "\r\n\r\n");
  if (!end && hc->len >= MAX_REQUEST) {
    reply_text(hc, "431 Request Header Fields Too Large", "request too large\n");
    return;
  }
  if (!end) {
    g_input_stream_read_async(G_INPUT_STREAM(src), hc->buf + hc->len, MAX_REQUEST - hc->len,
                              G_PRIORITY_DEFAULT, hc->w->cancel, on_read, hc);
    return;
  }
  end[2] = '\0'; /* the head, each line ending in \r\n */
  char method[16] = "", target[2048] = "", version[16] = "";
  char *host = header(hc->buf, "Host");
  if (sscanf(hc->buf, "%15s %2047s %15s", method, target, version) != 3 ||
      strncmp(version, "HTTP/1.", 7) || target[0] != '/')
    reply_text(hc, "400 Bad Request", "bad request\n");
  else
    route(hc, method, target, host);
  g_free(host);
}

static gboolean on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source,
                            gpointer ud) {
  watch *w = ud;
  http_conn *hc = g_new0(http_conn, 1);
  hc->w = w;
  hc->conn = g_object_ref(conn);
  w->n_conns++;
  g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(conn)), hc->buf, MAX_REQUEST,
                            G_PRIORITY_DEFAULT, w->cancel, on_read, hc);
  return TRUE;
}

/* ---- the command ------------------------------------------------------------------------ */

static void stop(watch *w) {
  if (!g_main_loop_is_running(w->loop)) return;
  fprintf(stderr, "briefpress watch: stopping\n");
  g_main_loop_quit(w->loop);
}

static gboolean on_signal(gpointer ud) { /* GLib's unix signal source */
  stop(ud);
  return G_SOURCE_CONTINUE;
}

static gboolean on_stop_idle(gpointer ud) {
  stop(ud);
  return G_SOURCE_REMOVE;
}

/* From the signal thread of the output-file module (core/outfile.h). */
static void on_signal_thread(void *ud, int sig) {
  g_idle_add(on_stop_idle, ud); /* thread-safe: runs in the main loop */
}

static gboolean on_shutdown_timeout(gpointer ud) {
  *(bool *)ud = true;
  return G_SOURCE_REMOVE;
}

/* Listens on 127.0.0.1:port (0: a free port); sets w->port. */
static bool listen_loopback(watch *w, guint16 port) {
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, port);
  GSocketAddress *effective = NULL;
  GError *err = NULL;
  w->service = g_socket_service_new();
  bool ok = g_socket_listener_add_address(G_SOCKET_LISTENER(w->service), addr, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL, &effective, &err);
  if (ok) {
    w->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
    snprintf(w->host_ip, sizeof w->host_ip, "127.0.0.1:%u", w->port);
    snprintf(w->host_name, sizeof w->host_name, "localhost:%u", w->port);
    g_signal_connect(w->service, "incoming", G_CALLBACK(on_incoming), w);
    g_socket_service_start(w->service);
    g_object_unref(effective);
  } else {
    fprintf(stderr, "briefpress watch: 127.0.0.1:%u: %s\n", port, err->message);
    g_error_free(err);
  }
  g_object_unref(addr);
  g_object_unref(lo);
  return ok;
}

static int run(watch *w, guint16 port) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (bp_fontset_open(&ctx, w->fonts_dir, &w->fs)) {
    fprintf(stderr, "briefpress watch: %s\n", ctx.msg);
    return 1;
  }
  w->monitors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
  w->pages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  w->cancel = g_cancellable_new();
  w->loop = g_main_loop_new(NULL, FALSE);
  /* the input's folder and the template's are watched even when the first
   * render fails before reading them */
  watch_folder(w, w->input);
  if (w->template_path) watch_folder(w, w->template_path);
  int rc = 0;
  if (listen_loopback(w, port)) {
    render(w);
    printf("briefpress watch: http://127.0.0.1:%u/ (Ctrl-C stops)\n", w->port);
    fflush(stdout);
    guint sig_int = g_unix_signal_add(SIGINT, on_signal, w);
    guint sig_term = g_unix_signal_add(SIGTERM, on_signal, w);
    bp_outfile_on_signal(on_signal_thread, w);
    g_main_loop_run(w->loop);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    bp_outfile_on_signal(NULL, NULL);
    /* stop: no new connection, every open one ends (cancelled), bounded */
    g_socket_service_stop(w->service);
    g_socket_listener_close(G_SOCKET_LISTENER(w->service));
    GList *waiting = w->waiters;
    w->waiters = NULL;
    for (GList *l = waiting; l; l = l->next) conn_free(l->data);
    g_list_free(waiting);
    g_cancellable_cancel(w->cancel);
    bool late = false;
    guint limit = g_timeout_add(SHUTDOWN_MS, on_shutdown_timeout, &late);
    while (w->n_conns && !late) g_main_context_iteration(NULL, TRUE);
    if (!late) g_source_remove(limit);
  } else {
    rc = 1;
  }
  if (w->debounce) g_source_remove(w->debounce);
  if (w->service) g_object_unref(w->service);
  g_hash_table_destroy(w->monitors);
  g_ptr_array_unref(w->pages);
  g_free(w->error);
  g_object_unref(w->cancel);
  g_main_loop_unref(w->loop);
  bp_fontset_free(w->fs);
  bp_inputs_clear();
  return rc;
}

static int usage(FILE *f) {
  fprintf(f,
          "usage: briefpress watch [options] <brief.json|article.json>\n"
          "  renders the input, serves its pages on http://127.0.0.1:PORT/ and renders it\n"
          "  again whenever the input, its data folder, its template or an image it shows\n"
          "  changes; the page in the browser reloads itself, and shows a render's error\n"
          "  (file:line:column) above the last good pages. Writes no file; Ctrl-C stops.\n"
          "options:\n"
          "  --port N           the port on 127.0.0.1 (default %d; 0: a free one, printed)\n"
          "  --dpi N            the pages' resolution, 10 to 600 (default 96)\n"
          "  --template T.json  another template (restyle without editing the input)\n"
          "  --fonts DIR        the font folder\n"
          "  -h, --help         this text\n"
          "exit status: 0 stopped by SIGINT or SIGTERM, 1 failed (the fonts, the port), 2 bad "
          "usage\n",
          DEFAULT_PORT);
  return f == stderr ? 2 : 0;
}

/* A whole-argument number from lo to hi into *out; false otherwise. */
static bool parse_number(const char *s, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

int bp_cmd_watch(int argc, char **argv) {
  enum { OPT_PORT = 256, OPT_DPI, OPT_TEMPLATE, OPT_FONTS };
  static const struct option longs[] = {{"port", required_argument, NULL, OPT_PORT},
                                        {"dpi", required_argument, NULL, OPT_DPI},
                                        {"template", required_argument, NULL, OPT_TEMPLATE},
                                        {"fonts", required_argument, NULL, OPT_FONTS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  watch w = {.dpi = 96};
  double port = DEFAULT_PORT;
  bp_cli_getopt_start();
  int c;
  while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
    switch (c) {
    case OPT_PORT:
      if (!parse_number(optarg, 0, 65535, &port) || port != (int)port) {
        fprintf(stderr, "briefpress watch: --port must be a number from 0 to 65535, not '%s'\n",
                optarg);
        return 2;
      }
      break;
    case OPT_DPI:
      if (!parse_number(optarg, 10, 600, &w.dpi)) {
        fprintf(stderr, "briefpress watch: --dpi must be a number from 10 to 600, not '%s'\n",
                optarg);
        return 2;
      }
      break;
    case OPT_TEMPLATE: w.template_path = optarg; break;
    case OPT_FONTS: w.fonts_dir = optarg; break;
    case 'h': return usage(stdout);
    default: return bp_cli_opt_error("watch", c, argv);
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "briefpress watch needs one input\n");
    return usage(stderr);
  }
  w.input = argv[optind];
  if (!strcmp(w.input, "-")) {
    fprintf(stderr, "briefpress watch: standard input cannot change; name a file\n");
    return 2;
  }
  return run(&w, (guint16)port);
}
