/* mail.h - e-mail around a rendered brief: the package's file names (an ASCII
 * slug of the title plus the date) and size budget (names.c), the message
 * (RFC 5322 + MIME, built with GMime: message.c, addresses in address.c) and
 * its delivery over SMTP (libcurl: smtp.c). Works on bytes already rendered:
 * it never lays out or draws. The files that need GMime or libcurl are the
 * mail module, briefpress-mail.so, which the program loads for `newsletter`
 * only (bp_mail_module_open); names.c and load.c are in the program. */
#ifndef BP_MAIL_H
#define BP_MAIL_H

#include "../core/bp.h"

/* Limits (bytes): an address (RFC 5321 4.5.3.1: 256 for the path with its
 * angle brackets), its local part, and any line of the message (RFC 5322
 * 2.1.1). Values over them are refused, never cut. */
#define BP_MAIL_ADDR_MAX 254
#define BP_MAIL_LOCAL_MAX 64
#define BP_MAIL_LINE_MAX 998

/** What goes into the message. Strings are UTF-8 and borrowed; NULL leaves a
 * field out. */
typedef struct bp_newsletter {
  const char *title;    /* required: the headline, and the Subject unless `subject` */
  const char *subtitle; /* a line under the title */
  const char *summary;  /* inline markup (*em*, **strong**, [links](u), [@cites]); cites dropped */
  const char *byline;   /* e.g. "North Korean Review Brief · No. 2024-03 · April 2024" */
  const char *author;
  const char *lang;          /* BCP 47 tag of the text ("en" when NULL) */
  const char *const *charts; /* one-sentence descriptions of the charts */
  size_t n_charts;
  const char *const *findings; /* the key findings (inline markup; cites dropped) */
  size_t n_findings;
  const char *findings_label; /* their heading; NULL: "Key findings" */
  const char *from;           /* "Name <addr>" or "addr"; NULL: briefpress@localhost */
  const char *from_name;      /* display name when `from` has none (institute, author) */
  const char *to;             /* comma-separated addresses; NULL: undisclosed-recipients */
  const char *subject;        /* NULL: the title */
  const char *list_id;        /* List-Id (RFC 2919): "id.example.org" or "Name <id.example.org>" */
  const char *const
      *unsubscribe; /* List-Unsubscribe URIs (mailto:, https:), shown in the body too */
  size_t n_unsubscribe;
  bool unsubscribe_post; /* List-Unsubscribe-Post: One-Click (RFC 8058; needs an https: URI) */
  long long epoch;       /* the Date header, seconds since 1970; -1: now */
  const void *pdf;       /* the attached PDF */
  size_t pdf_len;
  const char *pdf_filename; /* attachment name (may be non-ASCII: RFC 2231) */
  int pages;                /* page count of the PDF, for the text */
  const void *png;          /* the page-1 preview, shown inline through cid: */
  size_t png_len;
  const char *png_filename;
  int png_width_px, png_height_px;
  int png_density; /* pixels per CSS pixel (2: shown at half its width, sharp on phones); 0 = 1 */
} bp_newsletter;

/** bp_slug(title, max_len) (src/core/slug.c), except that a title with
 * nothing left (e.g. only Chinese characters) gives "brief-" and eight hex
 * digits of its SHA-256. Caller frees. */
char *bp_mail_slug(const char *title, size_t max_len);

/** "slug-YYYY-MM-DD": the base name of the package's files. The date is the
 * UTC day of `epoch`, or today when epoch < 0. Caller frees. */
char *bp_mail_basename(const char *title, long long epoch);

/** The attachment's file name as the reader sees it: the title with
 * characters file systems reject (/ \ : * ? " < > | and controls) replaced,
 * then " YYYY-MM-DD.pdf". Keeps non-ASCII. Caller frees. */
char *bp_mail_attachment_name(const char *title, long long epoch);

/** Fails with BP_ERR_LAYOUT when `size` bytes exceed `max_bytes`; the message
 * names `what`, both sizes in bytes and in KB/MB, and by how much. */
bp_status bp_mail_check_budget(bp_ctx *ctx, const char *what, size_t size, size_t max_bytes);

/** Builds the message: multipart/mixed > [multipart/related > [multipart/
 * alternative > [text/plain, text/html], image/png inline with a Content-ID
 * the HTML shows through cid:], application/pdf attachment, base64]. CRLF
 * line ends; deterministic (boundaries and Message-ID from a SHA-256 of the
 * contents) when nl->epoch >= 0. *out (owned, NUL-terminated) and *out_len
 * get the bytes. BP_ERR_DATA for a bad or over-long address, a Subject over
 * BP_MAIL_LINE_MAX bytes, a line the headers cannot be folded within it, or
 * invalid UTF-8, a List-Id that is not "Name <dot.atom>", an unsubscribe
 * URI that is not mailto: or http(s): (or one-click without https:). No
 * Bcc header is ever written: Bcc recipients are bp_mail_send's. */
bp_status bp_mail_message_new(bp_ctx *ctx, const bp_newsletter *nl, char **out, size_t *out_len);

/** The summary markup as plain text (citations dropped) or as HTML (escaped,
 * with <em>, <strong>, <code> and <a>). Caller frees. */
char *bp_mail_markup_text(const char *markup, bool html);

/** Where to deliver: `url` is smtp://host:port or smtps://host:port (a
 * user:password@ in it still works, but shows in `ps`); `ca_file` names PEM
 * CA certificates to trust for the server's TLS instead of the system's
 * (NULL: the system's). The login, when the URL has none: `user` and
 * `password` (the CLI's BRIEFPRESS_SMTP_USER and BRIEFPRESS_SMTP_PASSWORD),
 * else the entry for the host in the netrc file `netrc` (NULL: none).
 * `resolve` pins host names to addresses as curl's --resolve does
 * ("HOST:PORT:ADDRESS"); a pinned host is never taken for this machine. */
typedef struct bp_mail_server {
  const char *url;
  const char *ca_file;
  const char *user, *password;
  const char *netrc;
  const char *const *resolve;
  size_t n_resolve;
} bp_mail_server;

/** Delivers `msg` through libcurl's SMTP client to server->url, envelope
 * sender the address in `from`, recipients every address in `to` and in
 * `bcc` (comma-separated, either may be NULL; the message itself names only
 * `to`; one refused recipient fails the whole delivery). TLS is required
 * (STARTTLS, or smtps://) except to a loopback host (localhost, 127.0.0.0/8,
 * ::1) without a login, where STARTTLS is used when offered: no password and
 * no message crosses the network in clear. Bounded: 10 s to connect, 60 s
 * in all. BP_ERR_USAGE for a URL that is not smtp(s)://, BP_ERR_DATA for a
 * bad address or an incomplete login, BP_ERR_IO naming the URL (redacted)
 * and the reason on failure; no message ever contains the password. */
bp_status bp_mail_send(bp_ctx *ctx, const bp_mail_server *server, const char *from, const char *to,
                       const char *bcc, const char *msg, size_t len);

/** True when `host` (as in a URL: "[::1]" or "::1") names this machine
 * without asking a resolver: "localhost", an IPv4 address in 127.0.0.0/8 or
 * ::1. Any other name is not loopback, even one that resolves to 127.0.0.1. */
bool bp_mail_host_is_loopback(const char *host);

/** Looks `host` up in the netrc file `path`: the first "machine" entry for
 * it (whose login is `user`, when `user` is given), else the "default"
 * entry. *login and *password (owned) are NULL when no entry fits;
 * *password alone is NULL for an entry without one (the caller says so). BP_ERR_IO when the file
 * cannot be read, is not a regular file or may be read or written by others (chmod 600 it);
 * BP_ERR_DATA (file:line) for a keyword without its value. Never names the password. */
bp_status bp_mail_netrc_lookup(bp_ctx *ctx, const char *path, const char *host, const char *user,
                               char **login, char **password);

/** `url` with its password (user:PASSWORD@) replaced by "***", for messages.
 * NULL gives "". Caller frees. */
BP_HOST_API char *bp_mail_url_redact(const char *url);

/** What the mail module (briefpress-mail.so: message.c, address.c, smtp.c,
 * netrc.c and table.c, linked with GMime and libcurl) gives the program:
 * bp_mail_message_new and bp_mail_send. The module is built with the
 * program; `abi` and the sizes catch one left from another build. */
typedef struct bp_mail_module {
  unsigned abi; /* BP_MAIL_MODULE_ABI */
  size_t newsletter_size, server_size, ctx_size;
  bp_status (*message_new)(bp_ctx *ctx, const bp_newsletter *nl, char **out, size_t *out_len);
  bp_status (*send)(bp_ctx *ctx, const bp_mail_server *server, const char *from, const char *to,
                    const char *bcc, const char *msg, size_t len);
} bp_mail_module;

#define BP_MAIL_MODULE_ABI 1
/* the one symbol the module exports: a const bp_mail_module */
#define BP_MAIL_MODULE_SYMBOL "bp_mail_module_table"

/** Loads the mail module once per process (thread-safe) and gives its
 * table in *out (borrowed, valid until exit; the module is never
 * unloaded). BP_ERR_IO naming the module's file and the loader's reason
 * when it is missing, cannot be loaded or is from another build. */
bp_status bp_mail_module_open(bp_ctx *ctx, const bp_mail_module **out);

#endif
