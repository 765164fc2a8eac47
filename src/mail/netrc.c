/* netrc.c - the login for an SMTP host from a netrc file (~/.netrc, the
 * format ftp and curl read: machine/default, login, password, account,
 * macdef; "quoted" tokens; other words skipped, as curl does). We read it ourselves rather than
 * through CURLOPT_NETRC so that we know, before connecting, that there is a login (TLS is then
 * required) and which password to scrub from messages. A file others may read is refused, as ftp
 * does. Must not print or keep a password anywhere but the caller's out-parameter. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail-imp.h"

#define NETRC_MAX_BYTES (1 << 20)

typedef struct lexer {
  const char *p, *end;
  int line;
} lexer;

/* The next token (owned), or NULL at the end. "..." tokens may hold spaces
 * and \" \\ \n \t escapes. */
static char *next_token(lexer *lx) {
  while (lx->p < lx->end &&
         (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r' || *lx->p == ',')) {
    if (*lx->p == '\n') lx->line++;
    lx->p++;
  }
  if (lx->p >= lx->end) return NULL;
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  if (*lx->p == '"') {
    for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
      char c = *lx->p;
      if (c == '\\' && lx->p + 1 < lx->end) {
        c = *++lx->p;
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
      }
      bp_buf_putc(&b, c);
    }
    if (lx->p < lx->end) lx->p++; /* the closing quote */
  } else {
    while (lx->p < lx->end && !strchr(" \t\r\n,", *lx->p)) bp_buf_putc(&b, *lx->p++);
  }
  return bp_buf_detach(&b);
}

/* macdef NAME: the macro's lines run to the first empty line. */
static void skip_macro(lexer *lx) {
  while (lx->p < lx->end && *lx->p != '\n') lx->p++;
  while (lx->p < lx->end) {
    lx->p++;
    lx->line++;
    if (lx->p < lx->end &&
        (*lx->p == '\n' || (*lx->p == '\r' && lx->p + 1 < lx->end && lx->p[1] == '\n')))
      return;
    while (lx->p < lx->end && *lx->p != '\n') lx->p++;
  }
}

/* One entry of the file: its machine (NULL: default), login, password. */
typedef struct entry {
  char *machine, *login, *password;
  bool is_default, used;
} entry;

static void entry_clear(entry *e) {
  free(e->machine);
  free(e->login);
  if (e->password) explicit_bzero(e->password, strlen(e->password));
  free(e->password);
  *e = (entry){0};
}

/* Whether `e` answers `host` (and `user`, when one is wanted). */
static bool entry_fits(const entry *e, const char *host, const char *user, bool want_default) {
  if (!e->used || e->is_default != want_default) return false;
  if (!want_default && strcasecmp(e->machine, host)) return false;
  return !user || !e->login || !strcmp(e->login, user);
}

static bp_status read_netrc(bp_ctx *ctx, const char *path, char **data, size_t *len,
                            unsigned *mode) {
  int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    int e = errno;
    if (fd >= 0) close(fd);
    return bp_error(ctx, BP_ERR_IO, "%s: cannot read the netrc file: %s", path, strerror(e));
  }
  bp_status s = BP_OK;
  *mode = (unsigned)(st.st_mode & 07777);
  if (!S_ISREG(st.st_mode))
    s = bp_error(ctx, BP_ERR_IO, "%s: the netrc file is not a regular file", path);
  else if (st.st_size > NETRC_MAX_BYTES)
    s = bp_error(ctx, BP_ERR_IO, "%s: the netrc file is larger than %d bytes", path,
                 NETRC_MAX_BYTES);
  if (!s) {
    *data = bp_malloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, *data, (size_t)st.st_size);
    if (n < 0) {
      s = bp_error(ctx, BP_ERR_IO, "%s: cannot read the netrc file: %s", path, strerror(errno));
      free(*data);
      *data = NULL;
    } else {
      (*data)[n] = '\0';
      *len = (size_t)n;
    }
  }
  close(fd);
  return s;
}

bp_status bp_mail_netrc_lookup(bp_ctx *ctx, const char *path, const char *host, const char *user,
                               char **login, char **password) {
  *login = *password = NULL;
  char *data = NULL;
  size_t len = 0;
  unsigned mode = 0;
  bp_status s = read_netrc(ctx, path, &data, &len, &mode);
  if (s) return s;
  lexer lx = {data, data + len, 1};
  entry cur = {0}, best = {0}, dflt = {0};
  char *tok;
  while (!s && (tok = next_token(&lx))) {
    int line = lx.line;
    bool value = !strcmp(tok, "machine") || !strcmp(tok, "login") || !strcmp(tok, "password") ||
                 !strcmp(tok, "account") || !strcmp(tok, "macdef");
    char *arg = value ? next_token(&lx) : NULL;
    if (value && !arg) {
      s = bp_error(ctx, BP_ERR_DATA, "%s:%d: '%s' without a value", path, line, tok);
    } else if (!strcmp(tok, "machine") || !strcmp(tok, "default")) {
      /* the entry before ends here: keep the first that fits */
      entry *keep = cur.is_default ? &dflt : &best;
      if (!keep->used && entry_fits(&cur, host, user, cur.is_default))
        *keep = cur;
      else
        entry_clear(&cur);
      cur = (entry){.used = true, .is_default = !arg, .machine = arg};
      arg = NULL;
    } else if (!strcmp(tok, "login") || !strcmp(tok, "password")) {
      char **slot = tok[0] == 'l' ? &cur.login : &cur.password;
      if (!cur.used)
        s = bp_error(ctx, BP_ERR_DATA, "%s:%d: '%s' before any 'machine' or 'default'", path, line,
                     tok);
      else {
        free(*slot);
        *slot = arg;
        arg = NULL;
      }
    } else if (!strcmp(tok, "macdef")) {
      skip_macro(&lx);
    } /* account, and words other programs use, are skipped as curl does */
    if (arg) {
      explicit_bzero(arg, strlen(arg));
      free(arg);
    }
    free(tok);
  }
  entry *keep = cur.is_default ? &dflt : &best;
  if (!keep->used && entry_fits(&cur, host, user, cur.is_default))
    *keep = cur;
  else
    entry_clear(&cur);
  entry *e = best.used ? &best : &dflt;
  if (!s && e->used && e->password && (mode & 077)) /* as ftp: a password others may read */
    s = bp_error(ctx, BP_ERR_IO,
                 "%s: the netrc file may be read or changed by others (mode %04o); briefpress "
                 "takes no password from it until it is private: chmod 600 %s",
                 path, mode, path);
  if (!s && e->used && (e->password || e->login)) {
    *login = e->login ? e->login : user ? bp_strdup(user) : NULL;
    *password = e->password;
    e->login = e->password = NULL;
  }
  entry_clear(&best);
  entry_clear(&dflt);
  explicit_bzero(data, len);
  free(data);
  return s;
}
