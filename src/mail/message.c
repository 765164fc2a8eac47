/* message.c - the e-mail message of a newsletter package (GMime 3:
 * multipart/mixed > related > alternative, inline preview by Content-ID, PDF
 * attachment with an RFC 2231 file name) and its plain-text and HTML bodies.
 * Takes bytes already rendered; must not lay out, draw, touch the devices or
 * the network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../data/data.h"
#include "mail-imp.h"

/* ---- the text of the message ------------------------------------------ */

static void trim_spaces(bp_buf *b) {
  while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\n'))
    b->data[--b->len] = '\0';
}

char *bp_mail_markup_text(const char *markup, bool html) {
  bp_spans sp = {0};
  bp_inline_parse(markup ? markup : "", &sp);
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  for (size_t i = 0; i < sp.n; i++) {
    const bp_span *s = &sp.v[i];
    if (s->kind == BP_SPAN_CITE) { /* the space before a marker goes with it */
      trim_spaces(&b);
      continue;
    }
    if (s->kind == BP_SPAN_BREAK) {
      bp_buf_puts(&b, html ? "<br>\n" : "\n");
      continue;
    }
    if (!html) {
      bp_buf_puts(&b, s->text ? s->text : "");
      continue;
    }
    if (s->uri) {
      bp_buf_puts(&b, "<a href=\"");
      bp_buf_put_markup(&b, s->uri);
      bp_buf_puts(&b, "\" style=\"color:#1f5f8b;\">");
    }
    if (s->flags & BP_SPAN_BOLD) bp_buf_puts(&b, "<strong>");
    if (s->flags & BP_SPAN_ITALIC) bp_buf_puts(&b, "<em>");
    if (s->flags & BP_SPAN_CODE) bp_buf_puts(&b, "<code>");
    if (s->flags & BP_SPAN_SUPER) bp_buf_puts(&b, "<sup>");
    bp_buf_put_markup(&b, s->text ? s->text : "");
    if (s->flags & BP_SPAN_SUPER) bp_buf_puts(&b, "</sup>");
    if (s->flags & BP_SPAN_CODE) bp_buf_puts(&b, "</code>");
    if (s->flags & BP_SPAN_ITALIC) bp_buf_puts(&b, "</em>");
    if (s->flags & BP_SPAN_BOLD) bp_buf_puts(&b, "</strong>");
    if (s->uri) bp_buf_puts(&b, "</a>");
  }
  bp_spans_free(&sp);
  trim_spaces(&b);
  return bp_buf_detach(&b);
}

/* Display cells of a UTF-8 string: Hangul and other wide letters count 2. */
static size_t cells(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    int len;
    int32_t cp = bp_utf8_decode(s + i, n - i, &len);
    w += (cp >= 0x1100 && (bp_is_hangul((uint32_t)cp) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60)))
             ? 2
             : 1;
    i += (size_t)len;
  }
  return w;
}

/* Appends `text` wrapped at `width` cells; continuation lines start with
 * `indent` spaces (the first line's prefix is the caller's). */
static void wrap(bp_buf *b, const char *text, size_t width, size_t indent, size_t first_col) {
  size_t col = first_col;
  bool first = true;
  const char *p = text;
  while (*p) {
    while (*p == ' ' || *p == '\n') p++;
    if (!*p) break;
    const char *e = p;
    while (*e && *e != ' ' && *e != '\n') e++;
    size_t w = cells(p, (size_t)(e - p));
    if (!first && col + 1 + w > width) {
      bp_buf_putc(b, '\n');
      for (size_t i = 0; i < indent; i++) bp_buf_putc(b, ' ');
      col = indent;
    } else if (!first) {
      bp_buf_putc(b, ' ');
      col++;
    }
    bp_buf_put(b, p, (size_t)(e - p));
    col += w;
    first = false;
    p = e;
  }
}

static void size_words(size_t n, char *out, size_t size) {
  if (n >= 1024 * 1024)
    snprintf(out, size, "%.1f MB", n / (1024.0 * 1024.0));
  else
    snprintf(out, size, "%zu KB", (n + 1023) / 1024);
}

static const char *findings_label(const bp_newsletter *nl) {
  return nl->findings_label && *nl->findings_label ? nl->findings_label : "Key findings";
}

static bool korean(const bp_newsletter *nl) { return nl->lang && !strncmp(nl->lang, "ko", 2); }

static const char *unsubscribe_label(const bp_newsletter *nl) {
  return korean(nl) ? "수신 거부" : "Unsubscribe";
}

/* The unsubscribe link a reader clicks: the web page when there is one. */
static const char *unsubscribe_link(const bp_newsletter *nl) {
  for (size_t i = 0; i < nl->n_unsubscribe; i++)
    if (!strncasecmp(nl->unsubscribe[i], "http", 4)) return nl->unsubscribe[i];
  return nl->n_unsubscribe ? nl->unsubscribe[0] : NULL;
}

static char *plain_body(const bp_newsletter *nl, const char *summary) {
  bp_buf b = {0};
  wrap(&b, nl->title, 72, 0, 0);
  bp_buf_putc(&b, '\n');
  if (nl->subtitle) {
    wrap(&b, nl->subtitle, 72, 0, 0);
    bp_buf_putc(&b, '\n');
  }
  bp_buf_putc(&b, '\n');
  if (nl->byline) {
    wrap(&b, nl->byline, 72, 0, 0);
    bp_buf_putc(&b, '\n');
  }
  if (nl->author) {
    wrap(&b, nl->author, 72, 0, 0);
    bp_buf_putc(&b, '\n');
  }
  if (nl->byline || nl->author) bp_buf_putc(&b, '\n');
  if (summary && *summary) {
    wrap(&b, summary, 72, 0, 0);
    bp_buf_puts(&b, "\n\n");
  }
  if (nl->n_findings) {
    bp_buf_printf(&b, "%s\n", findings_label(nl));
    for (size_t i = 0; i < nl->n_findings; i++) {
      char *t = bp_mail_markup_text(nl->findings[i], false);
      bp_buf_puts(&b, "- ");
      wrap(&b, t, 72, 2, 2);
      bp_buf_putc(&b, '\n');
      free(t);
    }
    bp_buf_putc(&b, '\n');
  }
  if (nl->n_charts) {
    bp_buf_puts(&b,
                nl->n_charts == 1 ? "The chart in this brief:\n" : "The charts in this brief:\n");
    for (size_t i = 0; i < nl->n_charts; i++) {
      bp_buf_puts(&b, "- ");
      wrap(&b, nl->charts[i], 72, 2, 2);
      bp_buf_putc(&b, '\n');
    }
    bp_buf_putc(&b, '\n');
  }
  char sz[32];
  size_words(nl->pdf_len, sz, sizeof sz);
  bp_buf_printf(&b, "The brief is attached as a PDF (%d page%s, %s):\n", nl->pages,
                nl->pages == 1 ? "" : "s", sz);
  bp_buf_puts(&b, nl->pdf_filename);
  bp_buf_putc(&b, '\n');
  const char *unsub = unsubscribe_link(nl);
  if (unsub) bp_buf_printf(&b, "\n%s: %s\n", unsubscribe_label(nl), unsub);
  return bp_buf_detach(&b);
}

/* ` lang="ko"` for text mostly in Hangul inside a document in another language. */
static const char *ko_attr(const char *text, const char *doc_lang) {
  if (!text || (doc_lang && !strncmp(doc_lang, "ko", 2))) return "";
  size_t hangul = 0, latin = 0, n = strlen(text);
  for (size_t i = 0; i < n;) {
    int len;
    int32_t cp = bp_utf8_decode(text + i, n - i, &len);
    if (cp > 0 && bp_is_hangul((uint32_t)cp))
      hangul++;
    else if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
      latin++;
    i += (size_t)len;
  }
  return hangul > latin ? " lang=\"ko\"" : "";
}

static char *html_body(const bp_newsletter *nl, const char *summary_html, const char *cid) {
  static const char *const sans = "font-family:Helvetica,Arial,sans-serif;";
  bp_buf b = {0};
  bp_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"");
  bp_buf_put_markup(&b, nl->lang ? nl->lang : "en");
  bp_buf_puts(&b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>");
  bp_buf_put_markup(&b, nl->title);
  bp_buf_puts(&b,
              "</title>\n</head>\n<body style=\"margin:0;padding:0;background-color:#eef0f3;\">\n"
              "<div style=\"max-width:600px;margin:0 auto;padding:28px 24px;"
              "background-color:#ffffff;color:#1b1f23;font-family:Georgia,'Noto Serif',serif;"
              "line-height:1.5;\">\n");
  if (nl->byline) {
    bp_buf_printf(&b,
                  "<p style=\"margin:0 0 14px;%sfont-size:12px;letter-spacing:0.03em;"
                  "color:#5b6770;\">",
                  sans);
    bp_buf_put_markup(&b, nl->byline);
    bp_buf_puts(&b, "</p>\n");
  }
  bp_buf_printf(&b,
                "<h1%s style=\"margin:0 0 8px;font-size:26px;line-height:1.25;"
                "font-weight:bold;\">",
                ko_attr(nl->title, nl->lang));
  bp_buf_put_markup(&b, nl->title);
  bp_buf_puts(&b, "</h1>\n");
  if (nl->subtitle) {
    bp_buf_printf(&b, "<p%s style=\"margin:0 0 14px;font-size:17px;color:#3d4850;\">",
                  ko_attr(nl->subtitle, nl->lang));
    bp_buf_put_markup(&b, nl->subtitle);
    bp_buf_puts(&b, "</p>\n");
  }
  if (nl->author) {
    bp_buf_printf(&b, "<p style=\"margin:0 0 18px;%sfont-size:13px;color:#5b6770;\">", sans);
    bp_buf_put_markup(&b, nl->author);
    bp_buf_puts(&b, "</p>\n");
  }
  if (summary_html && *summary_html)
    bp_buf_printf(&b, "<p style=\"margin:0 0 20px;font-size:16px;\">%s</p>\n", summary_html);
  if (nl->n_findings) {
    bp_buf_printf(&b, "<h2 style=\"margin:22px 0 6px;%sfont-size:15px;color:#1b1f23;\">", sans);
    bp_buf_put_markup(&b, findings_label(nl));
    bp_buf_puts(&b, "</h2>\n<ul style=\"margin:0 0 20px;padding-left:20px;font-size:16px;\">\n");
    for (size_t i = 0; i < nl->n_findings; i++) {
      char *h = bp_mail_markup_text(nl->findings[i], true);
      bp_buf_printf(&b, "<li%s style=\"margin:0 0 8px;\">%s</li>\n",
                    ko_attr(nl->findings[i], nl->lang), h);
      free(h);
    }
    bp_buf_puts(&b, "</ul>\n");
  }
  if (nl->n_charts) {
    bp_buf_printf(&b,
                  "<h2 style=\"margin:22px 0 6px;%sfont-size:15px;color:#1b1f23;\">%s</h2>\n"
                  "<ul style=\"margin:0 0 20px;padding-left:20px;font-size:15px;\">\n",
                  sans, nl->n_charts == 1 ? "The chart in this brief" : "The charts in this brief");
    for (size_t i = 0; i < nl->n_charts; i++) {
      bp_buf_puts(&b, "<li style=\"margin:0 0 6px;\">");
      bp_buf_put_markup(&b, nl->charts[i]);
      bp_buf_puts(&b, "</li>\n");
    }
    bp_buf_puts(&b, "</ul>\n");
  }
  bp_buf_puts(&b, "<p style=\"margin:24px 0 6px;\"><img src=\"cid:");
  bp_buf_put_markup(&b, cid);
  int density = nl->png_density > 1 ? nl->png_density : 1; /* shown at CSS pixels */
  bp_buf_printf(&b, "\" width=\"%d\" height=\"%d\" alt=\"Page 1 of the brief: ",
                nl->png_width_px / density, nl->png_height_px / density);
  bp_buf_put_markup(&b, nl->title);
  bp_buf_puts(&b, "\" style=\"display:block;width:100%;max-width:600px;height:auto;"
                  "border:1px solid #cfd5db;\"></p>\n");
  char sz[32];
  size_words(nl->pdf_len, sz, sizeof sz);
  bp_buf_printf(&b,
                "<p style=\"margin:0 0 4px;%sfont-size:13px;color:#5b6770;\">Page 1 of the "
                "brief. The whole brief is attached as a PDF (%d page%s, %s): <strong>",
                sans, nl->pages, nl->pages == 1 ? "" : "s", sz);
  bp_buf_put_markup(&b, nl->pdf_filename);
  bp_buf_puts(&b, "</strong></p>\n");
  const char *unsub = unsubscribe_link(nl);
  if (unsub) {
    bp_buf_printf(&b, "<p style=\"margin:18px 0 0;%sfont-size:12px;color:#5b6770;\"><a href=\"",
                  sans);
    bp_buf_put_markup(&b, unsub);
    bp_buf_puts(&b, "\" style=\"color:#5b6770;\">");
    bp_buf_put_markup(&b, unsubscribe_label(nl));
    bp_buf_puts(&b, "</a></p>\n");
  }
  bp_buf_puts(&b, "</div>\n</body>\n</html>\n");
  return bp_buf_detach(&b);
}

/* ---- the MIME message --------------------------------------------------- */

static bool valid_utf8(const char *s) { return !s || bp_utf8_valid(s, strlen(s), NULL); }

static GMimePart *bytes_part(const char *type, const char *subtype, const void *data, size_t len) {
  GMimePart *part = g_mime_part_new_with_type(type, subtype);
  GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
  GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content(part, w);
  g_object_unref(w);
  g_object_unref(st);
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
  return part;
}

static GMimeTextPart *text_part(const char *subtype, const char *text, const char *lang) {
  GMimeTextPart *t = g_mime_text_part_new_with_subtype(subtype);
  g_mime_text_part_set_text(t, text);
  GMimePart *p = GMIME_PART(t);
  g_mime_part_set_content_encoding(
      p, g_mime_part_get_best_content_encoding(p, GMIME_ENCODING_CONSTRAINT_7BIT));
  g_mime_object_set_header(GMIME_OBJECT(t), "Content-Language", lang, NULL);
  return t;
}

/* File names in parameters: RFC 2231 (filename*=utf-8''...) when not ASCII. */
static void rfc2231_params(GMimeObject *o) {
  GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
  GMimeParamList *lists[2] = {
      d ? g_mime_content_disposition_get_parameters(d) : NULL,
      g_mime_content_type_get_parameters(g_mime_object_get_content_type(o))};
  for (int k = 0; k < 2; k++) {
    if (!lists[k]) continue;
    for (int i = 0; i < g_mime_param_list_length(lists[k]); i++)
      g_mime_param_set_encoding_method(g_mime_param_list_get_parameter_at(lists[k], i),
                                       GMIME_PARAM_ENCODING_METHOD_RFC2231);
  }
}

/* A header's text on one line: runs of spaces and control characters become
 * one space (a title with a line break must not start a new header). */
static char *one_line(const char *s) {
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  bool space = false;
  for (; *s; s++) {
    if ((unsigned char)*s <= ' ' || *s == 0x7F) {
      space = b.len > 0;
      continue;
    }
    if (space) bp_buf_putc(&b, ' ');
    space = false;
    bp_buf_putc(&b, *s);
  }
  return bp_buf_detach(&b);
}

/* RFC 5322 2.1.1: no line of a message longer than 998 octets. GMime folds
 * headers and splits long words into encoded-words, so this should never
 * fire; if a GMime version ever emits such a line, the message is refused
 * naming the header rather than sent broken. */
static bp_status check_lines(bp_ctx *ctx, const char *m, size_t n) {
  const char *field = m; /* the current header's first line */
  bool in_header = true;
  for (size_t i = 0; i < n;) {
    const char *line = m + i, *end = memchr(line, '\n', n - i);
    size_t len = (size_t)((end ? end : m + n) - line);
    if (len && line[len - 1] == '\r') len--;
    if (in_header && len == 0) in_header = false; /* the top-level header block ends */
    if (in_header && len && *line != ' ' && *line != '\t') field = line;
    if (len > BP_MAIL_LINE_MAX) {
      size_t name = strcspn(field, ":\r\n");
      return bp_error(ctx, BP_ERR_DATA,
                      "newsletter: the message's %.*s%s has a line of %zu bytes; RFC 5322 allows "
                      "%d (a shorter title, subject, name or address fixes it)",
                      in_header ? (int)(name < 40 ? name : 40) : 4, in_header ? field : "body",
                      in_header ? " header" : "", len, BP_MAIL_LINE_MAX);
    }
    i += (size_t)((end ? end + 1 : m + n) - line);
  }
  return BP_OK;
}

/* A dot-atom (RFC 5322 3.2.3) with at least one dot: a List-Id's identifier. */
static bool list_id_atom(const char *s, size_t n) {
  if (n == 0 || n > 255 || s[0] == '.' || s[n - 1] == '.' || !memchr(s, '.', n)) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
        !strchr("!#$%&'*+/=?^_`{|}~-.", c))
      return false;
    if (c == '.' && s[i + 1] == '.') return false;
  }
  return true;
}

/* The List-Id header's value: "Name <id>" (the name as encoded-words when it
 * is not ASCII) or "<id>". Caller frees; NULL with an error set. */
static char *list_id_value(bp_ctx *ctx, const char *v) {
  const char *lt = strrchr(v, '<');
  const char *id = lt ? lt + 1 : v;
  size_t n = lt ? strcspn(id, ">") : strlen(v);
  bool ok = list_id_atom(id, n) && (!lt || (id[n] == '>' && !id[n + 1]));
  if (!ok) {
    bp_error(ctx, BP_ERR_DATA,
             "--list-id \"%s\": give the list's identifier, a dotted name such as "
             "briefs.example.org, or \"Name <briefs.example.org>\" (RFC 2919)",
             v);
    return NULL;
  }
  char *raw = lt ? bp_strndup(v, (size_t)(lt - v)) : NULL;
  char *name = raw ? one_line(raw) : NULL;
  free(raw);
  bp_buf b = {0};
  if (name && *name) {
    char *enc = g_mime_utils_header_encode_phrase(NULL, name, "utf-8");
    bp_buf_printf(&b, "%s ", enc);
    g_free(enc);
  }
  free(name);
  bp_buf_printf(&b, "<%.*s>", (int)n, id);
  return bp_buf_detach(&b);
}

/* The List-Unsubscribe value: each URI in <>, comma-separated. Only mailto:
 * and http(s): URIs of printable ASCII; one-click needs an https: URI. */
static char *unsubscribe_value(bp_ctx *ctx, const bp_newsletter *nl) {
  bp_buf b = {0};
  bool https = false;
  for (size_t i = 0; i < nl->n_unsubscribe; i++) {
    const char *u = nl->unsubscribe[i];
    bool ok = !strncasecmp(u, "mailto:", 7) || !strncasecmp(u, "https://", 8) ||
              !strncasecmp(u, "http://", 7);
    for (const char *p = u; ok && *p; p++)
      ok = (unsigned char)*p > ' ' && (unsigned char)*p < 0x7F && *p != '<' && *p != '>' &&
           *p != '"';
    ok = ok && strlen(u) > 8 && strlen(u) < BP_MAIL_LINE_MAX - 40;
    if (!ok) {
      bp_error(ctx, BP_ERR_DATA,
               "--list-unsubscribe \"%s\": give a mailto: or https:// address (printable ASCII, "
               "no spaces; percent-encode the rest)",
               u);
      bp_buf_free(&b);
      return NULL;
    }
    https = https || !strncasecmp(u, "https://", 8);
    bp_buf_printf(&b, "%s<%s>", b.len ? ", " : "", u);
  }
  if (nl->unsubscribe_post && !https) {
    bp_error(ctx, BP_ERR_DATA,
             "--list-unsubscribe-post: one-click unsubscribing (RFC 8058) needs an https:// "
             "--list-unsubscribe address");
    bp_buf_free(&b);
    return NULL;
  }
  return bp_buf_detach(&b);
}

static void hash_field(bp_buf *h, const char *s) {
  bp_buf_puts(h, s ? s : "");
  bp_buf_putc(h, '\x1f');
}

bp_status bp_mail_message_new(bp_ctx *ctx, const bp_newsletter *nl, char **out, size_t *out_len) {
  *out = NULL;
  if (out_len) *out_len = 0;
  const char *texts[] = {nl->title,          nl->subtitle,     nl->summary,      nl->byline,
                         nl->author,         nl->from,         nl->from_name,    nl->to,
                         nl->subject,        nl->pdf_filename, nl->png_filename, nl->lang,
                         nl->findings_label, nl->list_id};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
    if (!valid_utf8(texts[i]))
      return bp_error(ctx, BP_ERR_DATA, "newsletter: text is not valid UTF-8: \"%s\"", texts[i]);
  for (size_t i = 0; i < nl->n_charts; i++)
    if (!valid_utf8(nl->charts[i]))
      return bp_error(ctx, BP_ERR_DATA, "newsletter: chart description is not valid UTF-8");
  for (size_t i = 0; i < nl->n_findings; i++)
    if (!valid_utf8(nl->findings[i]))
      return bp_error(ctx, BP_ERR_DATA, "newsletter: a finding is not valid UTF-8");
  if (!nl->title || !nl->pdf || !nl->png || !nl->pdf_filename || !nl->png_filename)
    return bp_error(ctx, BP_ERR_DATA, "newsletter: a message needs a title, a PDF and a preview");
  if (nl->lang)
    for (const char *p = nl->lang; *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-'))
        return bp_error(ctx, BP_ERR_DATA, "newsletter: \"%s\" is not a language tag", nl->lang);

  const char *subject_src = nl->subject && *nl->subject ? nl->subject : nl->title;
  if (strlen(subject_src) > BP_MAIL_LINE_MAX)
    return bp_error(ctx, BP_ERR_DATA,
                    "newsletter: %s is %zu bytes long; a Subject has at most %d (RFC 5322 line "
                    "length)",
                    subject_src == nl->subject ? "--subject" : "the title (the Subject)",
                    strlen(subject_src), BP_MAIL_LINE_MAX);

  bp_mail_gmime_ready();
  char *list_id = nl->list_id ? list_id_value(ctx, nl->list_id) : NULL;
  if (nl->list_id && !list_id) return BP_ERR_DATA;
  char *unsub = nl->n_unsubscribe || nl->unsubscribe_post ? unsubscribe_value(ctx, nl) : NULL;
  if ((nl->n_unsubscribe || nl->unsubscribe_post) && !unsub) {
    free(list_id);
    return BP_ERR_DATA;
  }
  InternetAddressList *from = NULL, *to = NULL;
  bp_status st =
      bp_mail_addrs_parse(ctx, "--from", nl->from ? nl->from : "briefpress@localhost", true, &from);
  if (!st && nl->to) st = bp_mail_addrs_parse(ctx, "--to", nl->to, false, &to);
  if (st) {
    if (from) g_object_unref(from);
    free(list_id);
    free(unsub);
    return st;
  }
  InternetAddress *sender = internet_address_list_get_address(from, 0);
  const char *name = internet_address_get_name(sender);
  if ((!name || !*name) && nl->from_name && *nl->from_name) {
    char *n = one_line(nl->from_name);
    internet_address_set_name(sender, n);
    free(n);
  }
  const char *from_addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(sender));
  char *subject = one_line(subject_src);
  const char *lang = nl->lang && *nl->lang ? nl->lang : "en";

  time_t now = nl->epoch >= 0 ? (time_t)nl->epoch : time(NULL);
  char *from_s = internet_address_list_to_string(from, NULL, FALSE);
  char *to_s = to ? internet_address_list_to_string(to, NULL, FALSE) : NULL;
  /* one hash of everything the message says names its parts */
  bp_buf h = {0};
  hash_field(&h, subject);
  hash_field(&h, from_s);
  hash_field(&h, to_s);
  bp_buf_printf(&h, "%lld\x1f", (long long)now);
  char pdf_hex[65], png_hex[65], hex[65];
  bp_sha256_hex(nl->pdf, nl->pdf_len, pdf_hex);
  bp_sha256_hex(nl->png, nl->png_len, png_hex);
  hash_field(&h, pdf_hex);
  hash_field(&h, png_hex);
  hash_field(&h, nl->summary);
  for (size_t i = 0; i < nl->n_findings; i++) hash_field(&h, nl->findings[i]);
  hash_field(&h, list_id);
  hash_field(&h, unsub);
  bp_sha256_hex(h.data, h.len, hex);
  bp_buf_free(&h);
  g_free(from_s);
  g_free(to_s);

  GMimeMessage *msg = g_mime_message_new(TRUE);
  internet_address_list_append(g_mime_message_get_from(msg), from);
  if (to) {
    internet_address_list_append(g_mime_message_get_to(msg), to);
  } else {
    InternetAddress *group = internet_address_group_new("undisclosed-recipients");
    internet_address_list_add(g_mime_message_get_to(msg), group);
    g_object_unref(group);
  }
  g_mime_message_set_subject(msg, subject, "utf-8");
  GDateTime *dt = g_date_time_new_from_unix_utc((gint64)now);
  g_mime_message_set_date(msg, dt);
  g_date_time_unref(dt);
  const char *at = strrchr(from_addr, '@');
  bp_buf mid = {0};
  bp_buf_printf(&mid, "newsletter.%.32s@%s", hex, at && at[1] ? at + 1 : "localhost");
  g_mime_message_set_message_id(msg, mid.data);
  bp_buf_free(&mid);
  g_mime_object_set_header(GMIME_OBJECT(msg), "Content-Language", lang, NULL);
  if (list_id) g_mime_object_set_header(GMIME_OBJECT(msg), "List-Id", list_id, NULL);
  if (unsub) g_mime_object_set_header(GMIME_OBJECT(msg), "List-Unsubscribe", unsub, NULL);
  if (nl->unsubscribe_post)
    g_mime_object_set_header(GMIME_OBJECT(msg), "List-Unsubscribe-Post",
                             "List-Unsubscribe=One-Click", NULL);

  char cid[96], boundary[96];
  snprintf(cid, sizeof cid, "page1.%.24s@briefpress", hex);
  char *summary_text = bp_mail_markup_text(nl->summary, false);
  char *summary_html = bp_mail_markup_text(nl->summary, true);
  char *plain = plain_body(nl, summary_text);
  char *html = html_body(nl, summary_html, cid);

  GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
  snprintf(boundary, sizeof boundary, "=_bp_alt_%.24s", hex);
  g_mime_multipart_set_boundary(alt, boundary);
  GMimeTextPart *tp = text_part("plain", plain, lang), *th = text_part("html", html, lang);
  g_mime_multipart_add(alt, GMIME_OBJECT(tp));
  g_mime_multipart_add(alt, GMIME_OBJECT(th));
  g_object_unref(tp);
  g_object_unref(th);

  GMimeMultipart *rel = g_mime_multipart_new_with_subtype("related");
  snprintf(boundary, sizeof boundary, "=_bp_rel_%.24s", hex);
  g_mime_multipart_set_boundary(rel, boundary);
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(rel), "type", "multipart/alternative");
  g_mime_multipart_add(rel, GMIME_OBJECT(alt));
  g_object_unref(alt);
  GMimePart *png = bytes_part("image", "png", nl->png, nl->png_len);
  g_mime_part_set_content_id(png, cid);
  g_mime_object_set_disposition(GMIME_OBJECT(png), "inline");
  g_mime_part_set_filename(png, nl->png_filename);
  g_mime_part_set_content_description(png, "Page 1 of the brief");
  rfc2231_params(GMIME_OBJECT(png));
  g_mime_multipart_add(rel, GMIME_OBJECT(png));
  g_object_unref(png);

  GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
  snprintf(boundary, sizeof boundary, "=_bp_mix_%.24s", hex);
  g_mime_multipart_set_boundary(mixed, boundary);
  g_mime_multipart_add(mixed, GMIME_OBJECT(rel));
  g_object_unref(rel);
  GMimePart *pdf = bytes_part("application", "pdf", nl->pdf, nl->pdf_len);
  g_mime_object_set_disposition(GMIME_OBJECT(pdf), "attachment");
  g_mime_part_set_filename(pdf, nl->pdf_filename);
  rfc2231_params(GMIME_OBJECT(pdf));
  g_mime_multipart_add(mixed, GMIME_OBJECT(pdf));
  g_object_unref(pdf);
  g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
  g_object_unref(mixed);

  GMimeFormatOptions *fo = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method(fo, GMIME_PARAM_ENCODING_METHOD_RFC2231);
  GMimeStream *mem = g_mime_stream_mem_new();
  ssize_t wrote = g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, mem);
  g_mime_stream_flush(mem);
  GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  if (wrote < 0 || !ba || ba->len == 0) {
    st = bp_error(ctx, BP_ERR_RENDER, "newsletter: GMime could not write the message");
  } else if (!(st = check_lines(ctx, (const char *)ba->data, ba->len))) {
    char *bytes = bp_malloc(ba->len + 1);
    memcpy(bytes, ba->data, ba->len);
    bytes[ba->len] = '\0';
    *out = bytes;
    if (out_len) *out_len = ba->len;
  }
  g_object_unref(mem);
  g_mime_format_options_free(fo);
  g_object_unref(msg);
  g_object_unref(from);
  if (to) g_object_unref(to);
  free(summary_text);
  free(summary_html);
  free(plain);
  free(html);
  free(subject);
  free(list_id);
  free(unsub);
  return st;
}
