/* test_fonts.c - the font set (src/layout/fontset.c): opened by several
 * threads at once while another thread of the process uses strtok (whose
 * hidden position the manifest check once shared); only the fonts
 * MANIFEST.tsv lists load (a font fontconfig finds that is not listed is an
 * error naming it; fonts.conf may not add folders or include files, errors
 * at fonts.conf:line); a damaged font with a matching manifest entry is an
 * error naming the file, whether fontconfig cannot read it (its text would
 * fall back to another font) or its glyphs are empty (the PDF would show
 * nothing); a fonts folder that cannot be written keeps its checksums in
 * the user's cache. Each case runs on a copy of fonts/ (links to the real files)
 * in a temporary folder. Runs from the source tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout/layout.h"
#include "render/render.h"

#define OPENERS 3
#define OPENS_EACH 6

typedef struct race {
  int stop;     /* atomic */
  int failures; /* atomic */
  char first_error[sizeof((bp_ctx *)0)->msg];
  pthread_mutex_t lock;
} race;

/* Another part of the process that uses strtok, as any library may. */
static void *strtok_user(void *arg) {
  race *r = arg;
  while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
    char text[] = "not\na\nmanifest\nline\n";
    for (char *t = strtok(text, "\n"); t; t = strtok(NULL, "\n")) (void)t;
  }
  return NULL;
}

static void *opener(void *arg) {
  race *r = arg;
  for (int i = 0; i < OPENS_EACH; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_fontset *fs = NULL;
    if (bp_fontset_open(&ctx, "fonts", &fs)) {
      pthread_mutex_lock(&r->lock);
      if (!r->failures) snprintf(r->first_error, sizeof r->first_error, "%s", ctx.msg);
      r->failures++;
      pthread_mutex_unlock(&r->lock);
    }
    bp_fontset_free(fs);
  }
  return NULL;
}

/* Every open succeeds although other threads open the set at the same time
 * and one more thread keeps calling strtok. */
static void test_open_in_threads(void **state) {
  (void)state;
  race r = {0};
  pthread_mutex_init(&r.lock, NULL);
  pthread_t tok, th[OPENERS];
  assert_int_equal(pthread_create(&tok, NULL, strtok_user, &r), 0);
  for (int i = 0; i < OPENERS; i++) assert_int_equal(pthread_create(&th[i], NULL, opener, &r), 0);
  for (int i = 0; i < OPENERS; i++) pthread_join(th[i], NULL);
  __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
  pthread_join(tok, NULL);
  pthread_mutex_destroy(&r.lock);
  if (r.failures)
    fail_msg("%d of %d opens failed; first: %s", r.failures, OPENERS * OPENS_EACH, r.first_error);
}

/* ---- a copy of fonts/ to damage ------------------------------------------ */

static char tmp[PATH_MAX]; /* the test's folder; tmp/fonts is the copy */
static char fonts[PATH_MAX + 8];

static char *slurp(const char *path, size_t *len) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *out[1] = {NULL}; /* not &local: GCC 12's -Wdangling-pointer misreads it here */
  bp_status st = bp_file_read(&ctx, path, out, len);
  if (st) fail_msg("%s", ctx.msg);
  return out[0];
}

static void spit(const char *path, const char *data, size_t len) {
  unlink(path); /* a link to the real font: never write through it */
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static char *in_fonts(const char *name) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", fonts, name);
  return bp_buf_detach(&b);
}

/* tmp/fonts: MANIFEST.tsv, fonts.conf and .verified copied, every font a
 * symbolic link to the real one. fontconfig's cache goes to tmp too. */
static int copy_setup(void **state) {
  (void)state;
  snprintf(tmp, sizeof tmp, "/tmp/bp-test-fonts-XXXXXX");
  if (!mkdtemp(tmp)) return -1;
  snprintf(fonts, sizeof fonts, "%s/fonts", tmp);
  if (mkdir(fonts, 0777)) return -1;
  setenv("XDG_CACHE_HOME", tmp, 1);
  char real[PATH_MAX];
  if (!realpath("fonts", real)) return -1;
  DIR *d = opendir(real);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' && strcmp(e->d_name, ".verified")) continue;
    char from[PATH_MAX * 2], *to = in_fonts(e->d_name);
    snprintf(from, sizeof from, "%s/%s", real, e->d_name);
    if (strstr(e->d_name, ".ttf")) {
      if (symlink(from, to)) return -1;
    } else {
      size_t len;
      char *data = slurp(from, &len);
      spit(to, data, len);
      free(data);
    }
    free(to);
  }
  if (d) closedir(d);
  return 0;
}

static int copy_teardown(void **state) {
  (void)state;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) return -1;
  unsetenv("XDG_CACHE_HOME");
  return 0;
}

/* Opens the copy; returns the status, the message in *msg. */
static bp_status open_copy(char msg[sizeof((bp_ctx *)0)->msg]) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  bp_status st = bp_fontset_open(&ctx, fonts, &fs);
  snprintf(msg, sizeof ctx.msg, "%s", ctx.msg);
  bp_fontset_free(fs);
  return st;
}

/* Replaces `name` in the copy with `data` and gives MANIFEST.tsv its new
 * SHA-256: a damaged font whose manifest entry matches. */
static void replace_font(const char *name, const char *data, size_t len) {
  char *path = in_fonts(name);
  spit(path, data, len);
  free(path);
  char sha[65];
  bp_sha256_hex(data, len, sha);
  char *mpath = in_fonts("MANIFEST.tsv");
  size_t mlen;
  char *m = slurp(mpath, &mlen);
  char *line = strstr(m, name);
  assert_non_null(line);
  memcpy(line + strlen(name) + 1, sha, 64);
  spit(mpath, m, mlen);
  free(m);
  free(mpath);
}

/* Adds `text` after the line of fonts.conf that contains `after`. */
static void conf_insert(const char *after, const char *text) {
  char *path = in_fonts("fonts.conf");
  size_t len;
  char *c = slurp(path, &len);
  char *at = strstr(c, after);
  assert_non_null(at);
  at = strchr(at, '\n') + 1;
  bp_buf b = {0};
  bp_buf_put(&b, c, (size_t)(at - c));
  bp_buf_puts(&b, text);
  bp_buf_puts(&b, at);
  spit(path, b.data, b.len);
  bp_buf_free(&b);
  free(c);
  free(path);
}

/* The line of fonts.conf (1-based) that contains `text`. */
static int conf_line_of(const char *text) {
  char *path = in_fonts("fonts.conf");
  size_t len;
  char *c = slurp(path, &len);
  char *at = strstr(c, text);
  assert_non_null(at);
  int line = 1;
  for (char *p = c; p < at; p++) line += *p == '\n';
  free(c);
  free(path);
  return line;
}

static void expect_in(const char *msg, const char *want) {
  if (!strstr(msg, want)) fail_msg("expected \"%s\" in: %s", want, msg);
  printf("# %s\n", msg);
}

static void test_copy_opens(void **state) {
  (void)state;
  char msg[sizeof((bp_ctx *)0)->msg];
  if (open_copy(msg)) fail_msg("%s", msg);
}

/* A font file in the folder that MANIFEST.tsv does not list: fontconfig
 * finds it, so it would load. */
static void test_unlisted_font_refused(void **state) {
  (void)state;
  char real[PATH_MAX];
  assert_non_null(realpath("fonts/NotoSerif-Regular.ttf", real));
  char *extra = in_fonts("Extra.ttf");
  assert_int_equal(symlink(real, extra), 0);
  char msg[sizeof((bp_ctx *)0)->msg];
  assert_int_equal(open_copy(msg), BP_ERR_FONT);
  expect_in(msg, extra);
  expect_in(msg, "not listed");
  free(extra);
}

/* Opens the copy with `line` added to fonts.conf after its <dir> (msg gets
 * the message, *at the line's number), then restores the file. */
static bp_status open_with_line(const char *line, char *msg, int *at) {
  char *path = in_fonts("fonts.conf");
  size_t len;
  char *orig = slurp(path, &len);
  conf_insert("<dir prefix=\"relative\">.</dir>", line);
  *at = conf_line_of(line + 2);
  bp_status st = open_copy(msg);
  spit(path, orig, len);
  free(orig);
  free(path);
  return st;
}

/* fonts.conf with `line` added is refused at that line, with `want` in the
 * message. */
static void expect_conf_refused(const char *line, const char *want) {
  char msg[sizeof((bp_ctx *)0)->msg];
  int at;
  if (open_with_line(line, msg, &at) != BP_ERR_FONT) fail_msg("accepted: %s", line);
  char *path = in_fonts("fonts.conf");
  char where[PATH_MAX + 64];
  snprintf(where, sizeof where, "%s:%d:", path, at);
  free(path);
  expect_in(msg, where);
  expect_in(msg, want);
}

/* fonts.conf naming another folder, including another configuration, a
 * cache folder outside the user's cache, or hiding either behind an entity
 * or an attribute fontconfig reads otherwise: each refused at its line. */
static void test_conf_cannot_add_folders(void **state) {
  (void)state;
  static const char *const bad[][2] = {
      {"  <dir>/usr/share/fonts</dir>\n", "/usr/share/fonts"},
      {"  <dir prefix=\"relative\">..</dir>\n", "<dir>..</dir>"},
      {"  <dir>fonts</dir>\n", "prefix=\"relative\""},
      {"  <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n", "<include>"},
      {"  <selectfont><acceptfont><glob>/usr/*</glob></acceptfont></selectfont>\n", "<selectfont>"},
      {"  <reset-dirs/>\n", "<reset-dirs>"},
      {"  <dir prefix=\"relative\">.</dir><include>/etc/fonts/fonts.conf</include>\n", "<include>"},
      {"  <cachedir>/etc/fonts</cachedir>\n", "<cachedir>"},
      {"  <cachedir prefix=\"xdg\">../../etc</cachedir>\n", "<cachedir>"},
      /* fontconfig reads only the attribute named prefix: to it, this "." is
       * the current folder (fuzz_fonts_conf scanned the checkout) */
      {"  <dir moreprefix=\"relative\">.</dir>\n", "no other attribute"},
      {"  <dir prefix=\"relative\" salt=\"x\">.</dir>\n", "no other attribute"},
      {"  <dir prefix=\"&#114;elative\">.</dir>\n", "no other attribute"},
      {"  <dir prefix=\"cwd\">.</dir>\n", "prefix=\"relative\""},
      {"  <cachedir moreprefix=\"xdg\">c</cachedir>\n", "<cachedir>"},
      {"  <cachedir prefix=\"xdg\" x=\"\">c</cachedir>\n", "<cachedir>"},
  };
  char msg[sizeof((bp_ctx *)0)->msg];
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) expect_conf_refused(bad[i][0], bad[i][1]);
  /* the fonts folder's own absolute path behind a prefix fontconfig puts in
   * front of it (XDG_DATA_HOME/..., fonts/...): another folder */
  char real[PATH_MAX];
  assert_non_null(realpath(fonts, real));
  static const char *const prefixes[] = {"xdg", "relative"};
  for (size_t i = 0; i < 2; i++) {
    char line[PATH_MAX + 64];
    snprintf(line, sizeof line, "  <dir prefix=\"%s\">%s</dir>\n", prefixes[i], real);
    expect_conf_refused(line, "an absolute folder takes no prefix");
  }
  /* the fonts folder by its absolute path, or with spaces about the
   * attribute and single quotes: still the fonts folder */
  char ok[PATH_MAX + 64];
  snprintf(ok, sizeof ok, "  <dir>%s</dir>\n  <dir prefix = 'relative' >.</dir>\n", real);
  int at;
  if (open_with_line(ok, msg, &at)) fail_msg("refused: %s", msg);
  /* an entity would hide a <dir> from a reader of the text */
  char *path = in_fonts("fonts.conf");
  size_t len;
  char *orig = slurp(path, &len);
  char *dt = strstr(orig, "<!DOCTYPE");
  assert_non_null(dt);
  bp_buf b = {0};
  bp_buf_put(&b, orig, (size_t)(dt - orig));
  bp_buf_puts(&b, "<!DOCTYPE fontconfig [\n<!ENTITY d \"<dir>/usr/share/fonts</dir>\">\n]>\n");
  bp_buf_puts(&b, strchr(dt, '>') + 1);
  spit(path, b.data, b.len);
  bp_buf_free(&b);
  assert_int_equal(open_copy(msg), BP_ERR_FONT);
  expect_in(msg, "DOCTYPE");
  spit(path, orig, len);
  free(orig);
  free(path);
  if (open_copy(msg)) fail_msg("the restored copy: %s", msg);
}

/* fonts.conf replaced by `text` (len bytes) is refused with "conf:line:col:"
 * (col 0: any column) and `want` in the message; the copy is restored. */
static void expect_conf_text_refused(const char *text, size_t len, int line, int col,
                                     const char *want) {
  char *path = in_fonts("fonts.conf");
  size_t olen;
  char *orig = slurp(path, &olen);
  spit(path, text, len);
  char msg[sizeof((bp_ctx *)0)->msg];
  if (open_copy(msg) != BP_ERR_FONT) fail_msg("accepted: %.*s", (int)len, text);
  char where[PATH_MAX + 64];
  if (col)
    snprintf(where, sizeof where, "%s:%d:%d: ", path, line, col);
  else /* expat decides the column: only that there is one */
    snprintf(where, sizeof where, "%s:%d:", path, line);
  expect_in(msg, where);
  if (!col && !isdigit((unsigned char)strstr(msg, where)[strlen(where)]))
    fail_msg("no column: %s", msg);
  expect_in(msg, want);
  spit(path, orig, olen);
  free(orig);
  free(path);
}

/* fonts.conf is read as XML by expat before fontconfig sees it: what is
 * not UTF-8 XML is refused at file:line:col, and so is what an XML reader
 * sees that a scan of the text would not (a namespace prefix makes another
 * attribute or element of what looks like prefix or include to a reader
 * that knows namespaces, but not to fontconfig). */
static void test_conf_must_be_xml(void **state) {
  (void)state;
  char *path = in_fonts("fonts.conf");
  size_t len;
  char *orig = slurp(path, &len);
  /* UTF-16 (little-endian, with a byte order mark) */
  char *u16 = bp_malloc(2 * len + 2);
  u16[0] = (char)0xFF, u16[1] = (char)0xFE;
  for (size_t i = 0; i < len; i++) u16[2 + 2 * i] = orig[i], u16[3 + 2 * i] = 0;
  expect_conf_text_refused(u16, 2 * len + 2, 1, 1, "UTF-16 (little-endian)");
  free(u16);
  /* a NUL byte in the middle of line 3 */
  char *nul = bp_strdup(orig);
  char *l3 = strchr(strchr(nul, '\n') + 1, '\n') + 1;
  l3[4] = '\0';
  expect_conf_text_refused(nul, len, 3, 5, "NUL");
  free(nul);
  free(path);
  free(orig);
  static const char HEAD[] = "<?xml version=\"1.0\"?>\n<fontconfig>\n";
  static const struct {
    const char *body;
    int line, col;
    const char *want;
  } bad[] = {
      /* malformed: expat's message, where it found the fault */
      {"  <match>\n</fontconfig>\n", 4, 0, "malformed XML: mismatched tag"},
      {"  <dir prefix=\"relative\">.</dir\n", 3, 0, "malformed XML: unclosed token"},
      {"  <dir prefix=\"relative\" prefix=\"xdg\">.</dir>\n</fontconfig>\n", 3, 0, "malformed XML"},
      {"  <dir>&d;</dir>\n</fontconfig>\n", 3, 0, "malformed XML"},
      /* namespaces: x:prefix is no prefix to fontconfig, x:include no include */
      {"  <dir x:prefix=\"relative\" xmlns:x=\"urn:x\">.</dir>\n</fontconfig>\n", 3, 3,
       "no other attribute"},
      {"  <dir xmlns=\"urn:x\" prefix=\"relative\">.</dir>\n</fontconfig>\n", 3, 3,
       "no other attribute"},
      {"  <x:include xmlns:x=\"urn:x\">/etc/fonts/fonts.conf</x:include>\n</fontconfig>\n", 3, 3,
       "<x:include> is not allowed"},
      /* a namespace declared around a <dir> is its namespace too: the fonts
       * folder itself, but not to a reader that knows namespaces */
      {"  <match xmlns=\"urn:x\"><dir prefix=\"relative\">.</dir></match>\n</fontconfig>\n", 3, 24,
       "no other attribute"},
      {"  <match xmlns:x=\"urn:x\"><dir prefix=\"relative\">.</dir></match>\n</fontconfig>\n", 3,
       26, "no other attribute"},
      /* anything but text in a <dir>, even what fontconfig passes over: the
       * fonts folder to fontconfig, not to a reader */
      {"  <dir prefix=\"relative\">.<!-- the fonts --></dir>\n</fontconfig>\n", 3, 3,
       "must name the fonts folder"},
      {"  <match/><dir prefix=\"relative\">.<?pi x?></dir>\n</fontconfig>\n", 3, 11,
       "must name the fonts folder"},
      /* text a reader of the file would not see as fontconfig does */
      {"  <match/><dir><![CDATA[/usr/share/fonts]]></dir>\n</fontconfig>\n", 3, 11,
       "must name the fonts folder"},
      {"  <dir prefix=\"relative\">&#46;</dir>\n</fontconfig>\n", 3, 3,
       "must name the fonts folder"},
      {"  <string><![CDATA[x]]></string>\n</fontconfig>\n", 3, 3, "CDATA"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    bp_buf b = {0};
    bp_buf_puts(&b, HEAD);
    bp_buf_puts(&b, bad[i].body);
    expect_conf_text_refused(b.data, b.len, bad[i].line, bad[i].col, bad[i].want);
    bp_buf_free(&b);
  }
  /* an encoding other than UTF-8 declared */
  static const char LATIN1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<fontconfig>\n"
                               "  <dir prefix=\"relative\">.</dir>\n</fontconfig>\n";
  expect_conf_text_refused(LATIN1, strlen(LATIN1), 1, 1, "ISO-8859-1");
  /* UTF-16 declared over UTF-8 text: read as UTF-8 (so fontconfig reads
   * it), refused for the declaration */
  static const char U16[] = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<fontconfig>\n"
                            "  <dir prefix=\"relative\">.</dir>\n</fontconfig>\n";
  expect_conf_text_refused(U16, strlen(U16), 1, 1, "declares the encoding UTF-16");
  /* any internal subset, refused at its DOCTYPE: an entity hides text, and
   * an attribute default gives this <dir> the prefix it lacks */
  static const char *const SUBSET[] = {
      "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig [\n<!ENTITY d \".\">\n]>\n<fontconfig>\n"
      "  <dir prefix=\"relative\">.</dir>\n</fontconfig>\n",
      "<?xml version=\"1.0\"?>\n<!-- x -->  <!DOCTYPE fontconfig [<!ATTLIST dir prefix CDATA "
      "\"relative\">]>\n<fontconfig>\n  <dir>.</dir>\n</fontconfig>\n",
  };
  expect_conf_text_refused(SUBSET[0], strlen(SUBSET[0]), 2, 1, "a DOCTYPE with declarations");
  expect_conf_text_refused(SUBSET[1], strlen(SUBSET[1]), 2, 13, "a DOCTYPE with declarations");
  /* a DOCTYPE naming an external subset, as fonts.conf's does: expat does
   * not read it, nor does fontconfig, and passes over a reference to an
   * entity nothing declares, in text and in an attribute */
  static const char SYS[] = "<?xml version=\"1.0\"?>\n"
                            "<!DOCTYPE fontconfig SYSTEM \"urn:fontconfig:fonts.dtd\">\n"
                            "<fontconfig>\n  <dir prefix=\"relative\">.</dir>\n";
  static const struct {
    const char *body;
    int col;
    const char *want;
  } refs[] = {
      {"  <match><edit name=\"family\"><string>x&hidden;</string></edit></match>\n", 30,
       "<string>: the entity reference &hidden; is not allowed"},
      {"  <match><edit name=\"fam&hidden;ily\"><string>x</string></edit></match>\n", 10,
       "<edit>: the entity reference &hidden; is not allowed"},
  };
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
    bp_buf b = {0};
    bp_buf_puts(&b, SYS);
    bp_buf_puts(&b, refs[i].body);
    bp_buf_puts(&b, "</fontconfig>\n");
    expect_conf_text_refused(b.data, b.len, 5, refs[i].col, refs[i].want);
    bp_buf_free(&b);
  }
  /* the references XML predefines, and to characters, are what they show */
  char *conf = in_fonts("fonts.conf");
  size_t olen;
  char *saved = slurp(conf, &olen);
  bp_buf b = {0};
  bp_buf_puts(&b, SYS);
  bp_buf_puts(&b, "  <cachedir prefix=\"xdg\">briefpress/fontconfig</cachedir>\n"
                  "  <match><test name=\"f&#97;mily\" qual=\"any\"><string>A&amp;B&#67;</string>"
                  "</test><edit name=\"family\"><string>Noto Serif</string></edit></match>\n"
                  "</fontconfig>\n");
  spit(conf, b.data, b.len);
  bp_buf_free(&b);
  char msg[sizeof((bp_ctx *)0)->msg];
  if (open_copy(msg)) fail_msg("refused: %s", msg);
  spit(conf, saved, olen);
  free(saved);
  free(conf);
  if (open_copy(msg)) fail_msg("the restored copy: %s", msg);
}

/* The lines of `path` (-1: no such file). */
static int count_lines(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  int n = 0, c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

/* Sets the SHA-256 on the line of `path` that starts with `start`: the 64
 * characters after its first tab (MANIFEST.tsv) or before its end (a
 * verification cache's "PATH\tSIZE\tMTIME\tSHA"). */
static void set_sha(const char *path, const char *start, bool at_end, const char *sha) {
  size_t len;
  char *text = slurp(path, &len);
  char *line = strstr(text, start);
  while (line && line != text && line[-1] != '\n') line = strstr(line + 1, start);
  if (!line) fail_msg("no line starting \"%s\" in %s", start, path);
  char *at = at_end ? strchr(line, '\n') - 64 : strchr(line, '\t') + 1;
  memcpy(at, sha, 64);
  spit(path, text, len);
  free(text);
}

/* A fonts folder the user cannot write (an installed program's): the
 * checksums go to the user's cache ($XDG_CACHE_HOME/briefpress/
 * fonts.verified, lines keyed by the font's absolute path) and vouch for the
 * fonts on the next start; lines of other folders stay. A writable folder
 * keeps its own cache and the user's is not written. Unwritable here means
 * fonts/.verified is a folder with a file in it: neither read nor replaced,
 * for root too. */
static void test_unwritable_folder_uses_user_cache(void **state) {
  (void)state;
  char msg[sizeof((bp_ctx *)0)->msg];
  char *own = in_fonts(".verified"), *manifest = in_fonts("MANIFEST.tsv");
  char user[PATH_MAX + 64], real[PATH_MAX], line[PATH_MAX + 128];
  snprintf(user, sizeof user, "%s/briefpress/fonts.verified", tmp);
  assert_non_null(realpath(fonts, real));
  int n_fonts = 0;
  size_t mlen;
  char *m = slurp(manifest, &mlen);
  for (char *l = m; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    n_fonts += *l != '#' && *l != '\n';
  free(m);

  /* writable: the folder's own cache is made again, the user's untouched
   * (the copy has one when fonts/ had one) */
  assert_true(unlink(own) == 0 || errno == ENOENT);
  if (open_copy(msg)) fail_msg("%s", msg);
  assert_int_equal(count_lines(own), n_fonts);
  assert_int_equal(count_lines(user), -1);

  /* not writable: the user's cache, other folders' lines kept and this
   * folder's stale one replaced */
  assert_int_equal(unlink(own), 0);
  assert_int_equal(mkdir(own, 0777), 0);
  snprintf(line, sizeof line, "%s/in", own);
  spit(line, "x", 1);
  snprintf(line, sizeof line, "%s/briefpress", tmp); /* fontconfig's cache may be there */
  assert_true(mkdir(line, 0777) == 0 || errno == EEXIST);
  static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
  bp_buf seed = {0};
  bp_buf_printf(&seed, "/elsewhere/fonts/A.ttf\t1\t2\t%s\n%s/NotoSans-Regular.ttf\t1\t2\t%s\n",
                zeros, real, zeros);
  spit(user, seed.data, seed.len);
  bp_buf_free(&seed);
  if (open_copy(msg)) fail_msg("%s", msg);
  assert_int_equal(count_lines(user), n_fonts + 1);
  size_t ulen;
  char *u = slurp(user, &ulen);
  assert_non_null(strstr(u, "/elsewhere/fonts/A.ttf\t1\t2\t"));
  snprintf(line, sizeof line, "%s/NotoSans-Regular.ttf\t1\t", real);
  assert_null(strstr(u, line));
  snprintf(line, sizeof line, "\n%s/NotoSerif-Regular.ttf\t", real);
  assert_non_null(strstr(u, line));
  free(u);

  /* the next start takes the user's word: a manifest hash that the font
   * does not have fails as long as the cache has the font's real hash, and
   * passes once the cache says the font has it */
  static const char other[] = "1111111111111111111111111111111111111111111111111111111111111111";
  set_sha(manifest, "NotoSans-Regular.ttf\t", false, other);
  assert_int_equal(open_copy(msg), BP_ERR_FONT);
  expect_in(msg, "differs from fonts/MANIFEST.tsv");
  snprintf(line, sizeof line, "%s/NotoSans-Regular.ttf\t", real);
  set_sha(user, line, true, other);
  if (open_copy(msg)) fail_msg("the cache's hash: %s", msg);
  free(own);
  free(manifest);
}

/* A font cut short, with a manifest entry that matches it: fontconfig
 * cannot read it and would leave its family out. */
static void test_truncated_font_refused(void **state) {
  (void)state;
  size_t len;
  char *data = slurp("fonts/NotoSans-Regular.ttf", &len);
  replace_font("NotoSans-Regular.ttf", data, 3000);
  free(data);
  char msg[sizeof((bp_ctx *)0)->msg];
  assert_int_equal(open_copy(msg), BP_ERR_FONT);
  expect_in(msg, "NotoSans-Regular.ttf");
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A font whose glyph data is zeroed (every glyph empty), with a manifest
 * entry that matches it: it opens and lays out, but a PDF of its text would
 * show nothing. The PDF device refuses it, naming the file. */
static void test_empty_glyphs_refused(void **state) {
  (void)state;
  size_t len;
  char *data = slurp("fonts/NotoSans-Regular.ttf", &len);
  const unsigned char *u = (const unsigned char *)data;
  unsigned n_tables = (unsigned)u[4] << 8 | u[5];
  bool zeroed = false;
  for (unsigned i = 0; i < n_tables; i++) {
    const unsigned char *rec = u + 12 + 16 * i;
    if (memcmp(rec, "glyf", 4)) continue;
    uint32_t off = be32(rec + 8), n = be32(rec + 12);
    assert_true(off + n <= len);
    memset(data + off, 0, n);
    zeroed = true;
  }
  assert_true(zeroed);
  replace_font("NotoSans-Regular.ttf", data, len);
  free(data);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  bp_typesetter *ts = NULL;
  if (bp_fontset_open(&ctx, fonts, &fs) || bp_typesetter_new(&ctx, fs, &ts))
    fail_msg("%s", ctx.msg);
  bp_style style = {.family = "Noto Sans", .size_pt = 10, .color = {0, 0, 0, 1}};
  bp_text *t = bp_text_new_plain(ts, &ctx, &style, "Invisible ink", 0);
  if (!t) fail_msg("%s", ctx.msg);
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 300, 200);
  bp_text_draw(t, dl, pg, 20, 20);
  char out[PATH_MAX + 16];
  snprintf(out, sizeof out, "%s/out.pdf", tmp);
  assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(out, NULL), &ctx), BP_ERR_FONT);
  expect_in(ctx.msg, "NotoSans-Regular.ttf");
  expect_in(ctx.msg, "no outline");
  assert_int_equal(access(out, F_OK), -1);
  bp_dlist_free(dl);
  bp_text_free(t);
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
}

/* The faces in file-name order, with fontconfig's family and style, and
 * their coverage: every Hangul syllable in NanumGothic, none in Noto Serif. */
static void test_faces_and_coverage(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  assert_int_equal(bp_fontset_open(&ctx, "fonts", &fs), BP_OK);
  assert_int_equal(bp_fontset_n_faces(fs), 13);
  const char *file, *family, *style;
  bp_fontset_face(fs, 0, &file, &family, &style);
  assert_string_equal(file, "NanumGothic.ttf");
  assert_string_equal(family, "NanumGothic");
  assert_string_equal(style, "Regular");
  assert_int_equal(bp_fontset_face_count(fs, 0, 0xAC00, 0xD7A3), 11172);
  bp_fontset_face(fs, 10, &file, &family, &style);
  assert_string_equal(file, "NotoSerif-Regular.ttf");
  assert_string_equal(family, "Noto Serif");
  assert_int_equal(bp_fontset_face_count(fs, 10, 0xAC00, 0xD7A3), 0);
  assert_int_equal(bp_fontset_face_count(fs, 10, 0x100, 0x17F), 128);
  assert_int_equal(bp_fontset_face_count(fs, BP_FONTSET_ANY_FACE, 0xAC00, 0xD7A3), 11172);
  assert_int_equal(bp_fontset_face_count(fs, BP_FONTSET_ANY_FACE, 0xF40, 0xF40), 0);
  bp_fontset_free(fs);
}

/* The faces and Hangul the template checks count on for each shipped
 * family (bp_font_family_has_face, _has_hangul) are the font set's: every
 * face is in the table, every face the table names is a file. */
static void test_family_table_matches_the_faces(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  assert_int_equal(bp_fontset_open(&ctx, "fonts", &fs), BP_OK);
  static const char *const families[] = {"Noto Serif", "Noto Sans", "NanumMyeongjo", "NanumGothic",
                                         "UnBatang"};
  for (size_t f = 0; f < sizeof families / sizeof *families; f++)
    for (int bold = 0; bold < 2; bold++)
      for (int italic = 0; italic < 2; italic++) {
        char want[32];
        snprintf(want, sizeof want, "%s",
                 bold && italic ? "Bold Italic"
                 : bold         ? "Bold"
                 : italic       ? "Italic"
                                : "Regular");
        bool found = false, hangul = false;
        for (size_t i = 0; i < bp_fontset_n_faces(fs); i++) {
          const char *file, *family, *style;
          bp_fontset_face(fs, i, &file, &family, &style);
          if (strcmp(family, families[f])) continue;
          hangul |= bp_fontset_face_count(fs, i, 0xAC00, 0xAC00) > 0;
          found |= !strcmp(style, want);
        }
        if (found != bp_font_family_has_face(families[f], bold, italic))
          fail_msg("%s %s: in the font set %d, in the table %d", families[f], want, found, !found);
        assert_int_equal(hangul, bp_font_family_has_hangul(families[f]));
      }
  assert_false(bp_font_family_has_face("Comic Sans", false, false));
  bp_fontset_free(fs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_faces_and_coverage),
      cmocka_unit_test(test_family_table_matches_the_faces),
      cmocka_unit_test(test_open_in_threads),
      cmocka_unit_test_setup_teardown(test_copy_opens, copy_setup, copy_teardown),
      cmocka_unit_test_setup_teardown(test_unlisted_font_refused, copy_setup, copy_teardown),
      cmocka_unit_test_setup_teardown(test_conf_cannot_add_folders, copy_setup, copy_teardown),
      cmocka_unit_test_setup_teardown(test_conf_must_be_xml, copy_setup, copy_teardown),
      cmocka_unit_test_setup_teardown(test_unwritable_folder_uses_user_cache, copy_setup,
                                      copy_teardown),
      cmocka_unit_test_setup_teardown(test_truncated_font_refused, copy_setup, copy_teardown),
      cmocka_unit_test_setup_teardown(test_empty_glyphs_refused, copy_setup, copy_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
