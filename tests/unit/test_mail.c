/* test_mail.c - src/mail: slugs (English, accents,
 * apostrophes, Hangul romanised, nothing left -> hash), dated base names and
 * attachment names, the size budget's message, summary markup to text and
 * HTML, and the message itself parsed back with GMime: the part tree, the
 * cid: link, the RFC 2231 file name, the attached bytes, CRLF only, two
 * builds identical. Also address and SMTP errors (no server needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <gmime/gmime.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mail.h"

static void check_slug(const char *title, size_t max, const char *want) {
  char *s = bp_mail_slug(title, max);
  assert_string_equal(s, want);
  free(s);
}

static void test_slug(void **state) {
  (void)state;
  check_slug("Why Pyongyang is closing its embassies", 64,
             "why-pyongyang-is-closing-its-embassies");
  check_slug("North Korea’s missions: 53 → 44 (2023–24)", 64,
             "north-koreas-missions-53-44-2023-24");
  check_slug("  --Hello,   World!--  ", 64, "hello-world");
  check_slug("Café Périphérique & Straße", 64, "cafe-peripherique-strasse");
  /* Hangul: Revised Romanisation letter by letter, finals carried over to a vowel */
  check_slug("북한 외교관 철수", 64, "bukhan-oegyogwan-cheolsu");
  check_slug("한국어", 64, "hangugeo");
  check_slug("북한은 왜 대사관을 닫는가", 64, "bukhaneun-wae-daesagwaneul-datneunga");
  check_slug("2024년 북한 보고서", 64, "2024nyeon-bukhan-bogoseo");
  /* cut at a hyphen, never ending in one */
  check_slug("one two three four five six", 12, "one-two");
  check_slug("abcdefghijklmnopqrstuvwxyz", 10, "abcdefghij");
  char *s = bp_mail_slug("a very long title that goes on and on and on and on and on", 20);
  assert_true(strlen(s) <= 20);
  assert_true(s[strlen(s) - 1] != '-');
  free(s);
}

static void test_slug_fallback(void **state) {
  (void)state;
  /* nothing ASCII-spellable left: "brief-" + 8 hex digits of the title's SHA-256 */
  const char *titles[] = {"朝鮮民主主義", "!!!", "", "\xff\xfe"};
  for (size_t i = 0; i < 4; i++) {
    char *s = bp_mail_slug(titles[i], 64);
    char hex[65];
    bp_sha256_hex(titles[i], strlen(titles[i]), hex);
    char want[32];
    snprintf(want, sizeof want, "brief-%.8s", hex);
    assert_string_equal(s, want);
    free(s);
  }
  char *a = bp_mail_slug("朝鮮", 64), *b = bp_mail_slug("中國", 64);
  assert_string_not_equal(a, b);
  free(a);
  free(b);
}

static void test_names(void **state) {
  (void)state;
  const long long epoch = 1712102400; /* 2024-04-03 00:00:00 UTC */
  char *b = bp_mail_basename("Why Pyongyang is closing its embassies", epoch);
  assert_string_equal(b, "why-pyongyang-is-closing-its-embassies-2024-04-03");
  free(b);
  b = bp_mail_basename("북한은 왜 대사관을 닫는가", epoch + 86399);
  assert_string_equal(b, "bukhaneun-wae-daesagwaneul-datneunga-2024-04-03");
  free(b);
  b = bp_mail_basename("X", 0);
  assert_string_equal(b, "x-1970-01-01");
  free(b);
  char *a = bp_mail_attachment_name("North Korea: what/why? \"A\" <b>|c*", epoch);
  assert_string_equal(a, "North Korea what why A b c 2024-04-03.pdf");
  free(a);
  a = bp_mail_attachment_name("북한은 왜 대사관을 닫는가", epoch);
  assert_string_equal(a, "북한은 왜 대사관을 닫는가 2024-04-03.pdf");
  free(a);
  a = bp_mail_attachment_name("///", epoch);
  assert_string_equal(a, "brief 2024-04-03.pdf");
  free(a);
}

static void test_budget(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_check_budget(&ctx, "the PDF x.pdf", 1000, 1000), BP_OK);
  assert_int_equal(bp_mail_check_budget(&ctx, "the PDF x.pdf", 84866, 1000), BP_ERR_LAYOUT);
  assert_non_null(strstr(ctx.msg, "the PDF x.pdf"));
  assert_non_null(strstr(ctx.msg, "84866 bytes (82.9 KB)"));
  assert_non_null(strstr(ctx.msg, "budget of 1000 bytes (1.0 KB)"));
  assert_non_null(strstr(ctx.msg, "by 83866 bytes"));
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_check_budget(&ctx, "p", 3 * 1024 * 1024, 1024 * 1024), BP_ERR_LAYOUT);
  assert_non_null(strstr(ctx.msg, "3145728 bytes (3.00 MB)"));
  assert_non_null(strstr(ctx.msg, "1048576 bytes (1.00 MB)"));
}

static void test_markup(void **state) {
  (void)state;
  const char *m = "From Africa to *Spain* and Hong Kong [@mbc; @kh]. Costs <rose> & "
                  "**fell** [@a], see [the note](https://example.org/?a=1&b=2).";
  char *t = bp_mail_markup_text(m, false);
  assert_string_equal(t, "From Africa to Spain and Hong Kong. Costs <rose> & fell, see the note.");
  free(t);
  char *h = bp_mail_markup_text(m, true);
  assert_non_null(
      strstr(h, "to <em>Spain</em> and Hong Kong. Costs &lt;rose&gt; &amp; "
                "<strong>fell</strong>, see <a href=\"https://example.org/?a=1&amp;b=2\""));
  assert_null(strstr(h, "@mbc"));
  free(h);
  t = bp_mail_markup_text(NULL, false);
  assert_string_equal(t, "");
  free(t);
}

/* A PNG header that says 600 x 849 and a PDF-looking body with every byte value. */
static unsigned char fake_png[64], fake_pdf[3000];

static void fake_files(void) {
  static const unsigned char head[] = {0x89, 'P', 'N',  'G',  '\r', '\n', 0x1a, '\n',
                                       0,    0,   0,    13,   'I',  'H',  'D',  'R',
                                       0,    0,   0x02, 0x58, 0,    0,    0x03, 0x51};
  memcpy(fake_png, head, sizeof head);
  memcpy(fake_pdf, "%PDF-1.7\n", 9);
  for (size_t i = 9; i < sizeof fake_pdf; i++) fake_pdf[i] = (unsigned char)(i * 7 + 3);
  memcpy(fake_pdf + sizeof fake_pdf - 6, "%%EOF\n", 6);
}

static bp_newsletter sample(void) {
  static const char *const charts[] = {"Bar chart: thefts by year, 2016–2025.",
                                       "Line chart: missions <abroad> & at home."};
  bp_newsletter nl = {0};
  nl.title = "북한은 왜 대사관을 닫는가";
  nl.subtitle = "The end of economic diplomacy";
  nl.summary = "Missions closed [@a]. They cost *more* than they earned.";
  nl.byline = "Review Brief · No. 2024-03 · April 2024";
  nl.author = "Alfred Han";
  nl.lang = "en";
  nl.charts = charts;
  nl.n_charts = 2;
  nl.from = "a@example.org";
  nl.from_name = "Yonsei Institute";
  nl.to = "b@example.org, 김 <c@example.org>";
  nl.epoch = 1712102400;
  nl.pdf = fake_pdf;
  nl.pdf_len = sizeof fake_pdf;
  nl.pdf_filename = "북한은 왜 대사관을 닫는가 2024-04-03.pdf";
  nl.pages = 1;
  nl.png = fake_png;
  nl.png_len = sizeof fake_png;
  nl.png_filename = "bukhaneun-wae-daesagwaneul-datneunga-2024-04-03.png";
  nl.png_width_px = 600;
  nl.png_height_px = 849;
  return nl;
}

static bool is_type(GMimeObject *o, const char *type, const char *sub) {
  return g_mime_content_type_is_type(g_mime_object_get_content_type(o), type, sub);
}

static void test_message(void **state) {
  (void)state;
  fake_files();
  bp_newsletter nl = sample();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *msg = NULL, *again = NULL;
  size_t len = 0, len2 = 0;
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, &len), BP_OK);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &again, &len2), BP_OK);
  assert_int_equal(len, len2);
  assert_memory_equal(msg, again, len); /* deterministic with a fixed date */
  free(again);
  for (size_t i = 0; i < len; i++) /* CRLF line ends only */
    if (msg[i] == '\n') assert_true(i > 0 && msg[i - 1] == '\r');
  assert_non_null(strstr(msg, "filename*0*=UTF-8''%EB%B6%81"));
  assert_non_null(strstr(msg, "Date: Wed, 03 Apr 2024 00:00:00 +0000\r\n"));
  assert_non_null(strstr(msg, "From: Yonsei Institute <a@example.org>\r\n"));
  assert_non_null(strstr(msg, "Subject: =?UTF-8?"));

  g_mime_init();
  GMimeStream *st = g_mime_stream_mem_new_with_buffer(msg, len);
  GMimeParser *parser = g_mime_parser_new_with_stream(st);
  GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
  assert_non_null(m);
  assert_string_equal(g_mime_message_get_subject(m), nl.title);
  assert_non_null(strstr(g_mime_message_get_message_id(m), "@example.org"));
  assert_int_equal(internet_address_list_length(g_mime_message_get_to(m)), 2);
  GMimeObject *top = g_mime_message_get_mime_part(m);
  assert_true(is_type(top, "multipart", "mixed"));
  assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(top)), 2);
  GMimeObject *rel = g_mime_multipart_get_part(GMIME_MULTIPART(top), 0);
  GMimeObject *pdf = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
  assert_true(is_type(rel, "multipart", "related"));
  assert_string_equal(g_mime_object_get_content_type_parameter(rel, "type"),
                      "multipart/alternative");
  assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(rel)), 2);
  GMimeObject *alt = g_mime_multipart_get_part(GMIME_MULTIPART(rel), 0);
  GMimeObject *png = g_mime_multipart_get_part(GMIME_MULTIPART(rel), 1);
  assert_true(is_type(alt, "multipart", "alternative"));
  GMimeObject *plain = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 0);
  GMimeObject *html = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 1);
  assert_true(is_type(plain, "text", "plain"));
  assert_true(is_type(html, "text", "html"));
  assert_true(is_type(png, "image", "png"));
  assert_true(is_type(pdf, "application", "pdf"));
  assert_string_equal(g_mime_object_get_disposition(png), "inline");
  assert_string_equal(g_mime_object_get_disposition(pdf), "attachment");
  assert_string_equal(g_mime_part_get_filename(GMIME_PART(pdf)), nl.pdf_filename);
  assert_int_equal(g_mime_part_get_content_encoding(GMIME_PART(pdf)),
                   GMIME_CONTENT_ENCODING_BASE64);

  char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(plain));
  assert_non_null(strstr(t, "Missions closed. They cost more than they earned."));
  assert_non_null(strstr(t, "- Bar chart: thefts by year, 2016–2025."));
  assert_non_null(strstr(t, nl.pdf_filename));
  g_free(t);
  char *h = g_mime_text_part_get_text(GMIME_TEXT_PART(html));
  char want[160];
  snprintf(want, sizeof want, "src=\"cid:%s\"", g_mime_part_get_content_id(GMIME_PART(png)));
  assert_non_null(strstr(h, want));
  assert_non_null(strstr(h, "<h1 lang=\"ko\""));
  assert_non_null(strstr(h, "They cost <em>more</em> than"));
  assert_non_null(strstr(h, "missions &lt;abroad&gt; &amp; at home."));
  assert_non_null(strstr(h, "width=\"600\" height=\"849\""));
  g_free(h);

  GMimeStream *dec = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(pdf)), dec);
  GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(dec));
  assert_int_equal(ba->len, sizeof fake_pdf);
  assert_memory_equal(ba->data, fake_pdf, sizeof fake_pdf);
  g_object_unref(dec);

  g_object_unref(m);
  g_object_unref(parser);
  g_object_unref(st);
  g_mime_shutdown();
  free(msg);
}

static void test_message_defaults(void **state) {
  (void)state;
  fake_files();
  bp_newsletter nl = sample();
  nl.from = NULL;
  nl.to = NULL;
  nl.subject = "Custom\r\nBcc:  x@example.org"; /* one line, never a new header */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *msg = NULL;
  size_t len = 0;
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, &len), BP_OK);
  assert_non_null(strstr(msg, "From: Yonsei Institute <briefpress@localhost>\r\n"));
  assert_non_null(strstr(msg, "To: undisclosed-recipients: ;\r\n"));
  assert_non_null(strstr(msg, "Subject: Custom Bcc: x@example.org\r\n"));
  assert_null(strstr(msg, "\nBcc"));
  free(msg);
}

static void test_message_errors(void **state) {
  (void)state;
  fake_files();
  bp_newsletter nl = sample();
  bp_ctx ctx;
  char *msg = NULL;
  const char *bad_to[] = {"not an address", "b@example.org, nobody", "@x", "a@"};
  for (size_t i = 0; i < 4; i++) {
    bp_ctx_init(&ctx);
    nl.to = bad_to[i];
    assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
    assert_null(msg);
    assert_non_null(strstr(ctx.msg, "--to"));
    assert_non_null(strstr(ctx.msg, bad_to[i]));
  }
  nl = sample();
  nl.from = "a@example.org, b@example.org";
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "--from"));
  nl = sample();
  nl.title = "bad \xc3(";
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "UTF-8"));
  nl = sample();
  nl.lang = "en\"><script>";
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "language tag"));
}

/* Over-long values are refused, naming the field, never cut: an address
 * over 254 bytes (a 712-byte recipient), a local part over 64, a Subject
 * over 998; a 990-byte name is folded, no line over 998. */
static void test_message_limits(void **state) {
  (void)state;
  fake_files();
  bp_ctx ctx;
  char *msg = NULL;
  char long_to[800];
  memset(long_to, 'x', 700);
  strcpy(long_to + 700, "@example.org"); /* 712 bytes */
  bp_newsletter nl = sample();
  nl.to = long_to;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_null(msg);
  assert_non_null(strstr(ctx.msg, "--to"));
  assert_non_null(strstr(ctx.msg, "712 bytes"));
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_send(&ctx, &(bp_mail_server){.url = "smtp://127.0.0.1:9"},
                                "a@example.org", long_to, NULL, "x", 1),
                   BP_ERR_DATA); /* refused before any connection */
  assert_non_null(strstr(ctx.msg, "712 bytes"));

  char addr[300]; /* exactly at the limits: accepted */
  memset(addr, 'l', 64);
  addr[64] = '@';
  memset(addr + 65, 'd', BP_MAIL_ADDR_MAX - 65 - 4);
  strcpy(addr + BP_MAIL_ADDR_MAX - 4, ".org");
  assert_int_equal(strlen(addr), BP_MAIL_ADDR_MAX);
  nl = sample();
  nl.to = addr;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_OK);
  assert_non_null(strstr(msg, addr));
  free(msg);
  msg = NULL;
  memset(addr, 'l', 65); /* a local part of 65 in a short address */
  strcpy(addr + 65, "@example.org");
  nl.to = addr;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "local part"));

  char subject[1100];
  memset(subject, 's', 999);
  subject[999] = '\0';
  nl = sample();
  nl.subject = subject;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "--subject"));
  nl.subject = NULL;
  nl.title = subject;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "the title"));

  subject[990] = '\0'; /* a 990-byte word as the name: folded as encoded-words */
  nl = sample();
  nl.from_name = subject;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_OK);
  for (char *line = msg, *end; (end = strstr(line, "\r\n")); line = end + 2)
    assert_in_range(end - line, 0, BP_MAIL_LINE_MAX);
  free(msg);
}

static void check_redact(const char *url, const char *want) {
  char *r = bp_mail_url_redact(url);
  assert_string_equal(r, want);
  free(r);
}

static void test_url_redact(void **state) {
  (void)state;
  check_redact("smtp://desk:s3cr%40t@mail.example.org:587", "smtp://desk:***@mail.example.org:587");
  check_redact("smtps://desk:pw;AUTH=PLAIN@host/x@y", "smtps://desk:***;AUTH=PLAIN@host/x@y");
  check_redact("smtp://a:b:c@d@host", "smtp://a:***@host"); /* the last @ ends it */
  check_redact("smtp://desk@host:25", "smtp://desk@host:25");
  check_redact("smtp://host:25/path@x", "smtp://host:25/path@x");
  check_redact("not a url", "not a url");
  check_redact(NULL, "");
}

static void test_send_errors(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_send(&ctx, &(bp_mail_server){.url = "http://127.0.0.1/"},
                                "a@example.org", "b@example.org", NULL, "x", 1),
                   BP_ERR_USAGE);
  assert_non_null(strstr(ctx.msg, "smtp://"));
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_send(&ctx, &(bp_mail_server){.url = "smtp://127.0.0.1:25"},
                                "a@example.org", "nobody", NULL, "x", 1),
                   BP_ERR_DATA);
  /* a port nobody listens on: refused at once, the URL named */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t sl = sizeof sa;
  assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
  close(s);
  char url[64];
  snprintf(url, sizeof url, "smtp://127.0.0.1:%d", ntohs(sa.sin_port));
  bp_ctx_init(&ctx);
  const char msg[] = "Subject: x\r\n\r\nhello\r\n";
  assert_int_equal(bp_mail_send(&ctx, &(bp_mail_server){.url = url}, "a@example.org",
                                "b@example.org", NULL, msg, sizeof msg - 1),
                   BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, url));
  assert_non_null(strstr(ctx.msg, "sending the message failed"));
}

/* Loopback is decided from the URL's host as written, never by resolving
 * it: a name that resolves to 127.0.0.1 is a network host (TLS required). */
static void test_loopback(void **state) {
  (void)state;
  const char *yes[] = {"localhost", "LocalHost", "127.0.0.1", "127.4.5.6", "[::1]", "::1"};
  const char *no[] = {"mail.example.org",
                      "localhost.example.org",
                      "127.0.0.1.nip.io",
                      "10.0.0.1",
                      "[::2]",
                      "128.0.0.1",
                      "127.1",
                      "",
                      "[::ffff:8.8.8.8]"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    assert_true(bp_mail_host_is_loopback(yes[i]));
  for (size_t i = 0; i < sizeof no / sizeof *no; i++) assert_false(bp_mail_host_is_loopback(no[i]));
  assert_false(bp_mail_host_is_loopback(NULL));
}

static char *write_netrc(const char *text, int mode) {
  char *path = strdup("/tmp/bp-netrc-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  assert_int_equal(fchmod(fd, (mode_t)mode), 0);
  close(fd);
  return path;
}

static void check_netrc(const char *path, const char *host, const char *user,
                        const char *want_login, const char *want_password) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *login = NULL, *pw = NULL;
  assert_int_equal(bp_mail_netrc_lookup(&ctx, path, host, user, &login, &pw), BP_OK);
  if (want_login)
    assert_string_equal(login, want_login);
  else
    assert_null(login);
  if (want_password)
    assert_string_equal(pw, want_password);
  else
    assert_null(pw);
  free(login);
  free(pw);
}

static void test_netrc(void **state) {
  (void)state;
  char *p = write_netrc("# a comment is not a keyword in netrc, but curl skips it\n"
                        "machine mail.example.org login desk password s3cret\n"
                        "machine MAIL.example.org login other password two\n"
                        "macdef init\nlogin fake password nope\n\n"
                        "machine quoted.example.org login \"a b\" password \"p \\\"q\\\" r\"\n"
                        "machine nopw.example.org login x\n"
                        "default login anon password guest\n",
                        0600);
  check_netrc(p, "mail.example.org", NULL, "desk", "s3cret");     /* the first entry */
  check_netrc(p, "Mail.Example.org", "other", "other", "two");    /* the one for the user */
  check_netrc(p, "quoted.example.org", NULL, "a b", "p \"q\" r"); /* quotes and escapes */
  check_netrc(p, "elsewhere.example.org", NULL, "anon", "guest"); /* default */
  check_netrc(p, "nopw.example.org", NULL, "x", NULL);            /* its login, no password */
  check_netrc(p, "init", NULL, "anon", "guest");                  /* a macro is no entry */
  unlink(p);
  free(p);
  p = write_netrc("machine a.example.org login u password pw\n", 0600);
  check_netrc(p, "b.example.org", NULL, NULL, NULL); /* nothing fits */
  unlink(p);
  free(p);

  /* others may read it: the password is refused, and never named */
  p = write_netrc("machine a.example.org login u password hunter2\n", 0644);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *login = NULL, *pw = NULL;
  assert_int_equal(bp_mail_netrc_lookup(&ctx, p, "a.example.org", NULL, &login, &pw), BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, "chmod 600"));
  assert_null(strstr(ctx.msg, "hunter2"));
  assert_null(pw);
  check_netrc(p, "b.example.org", NULL, NULL, NULL); /* no password taken: no complaint */
  unlink(p);
  free(p);
  p = write_netrc("machine a.example.org login u password\n", 0600);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_netrc_lookup(&ctx, p, "a.example.org", NULL, &login, &pw), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, ":1: 'password' without a value"));
  unlink(p);
  free(p);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_netrc_lookup(&ctx, "/nonexistent/.netrc", "a", NULL, &login, &pw),
                   BP_ERR_IO);
}

/* The login: a user without a password (or the reverse) fails before any
 * connection, naming what to set and never a password. */
static void test_send_login(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_send(&ctx, &(bp_mail_server){.url = "smtp://desk@127.0.0.1:9"},
                                "a@example.org", "b@example.org", NULL, "x", 1),
                   BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "no password"));
  assert_non_null(strstr(ctx.msg, "BRIEFPRESS_SMTP_PASSWORD"));
  bp_ctx_init(&ctx);
  assert_int_equal(
      bp_mail_send(&ctx, &(bp_mail_server){.url = "smtp://127.0.0.1:9", .password = "hunter2"},
                   "a@example.org", "b@example.org", NULL, "x", 1),
      BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "BRIEFPRESS_SMTP_USER"));
  assert_null(strstr(ctx.msg, "hunter2"));
  bp_ctx_init(&ctx); /* --bcc alone is enough; a bad --bcc is named */
  assert_int_equal(bp_mail_send(&ctx, &(bp_mail_server){.url = "smtp://127.0.0.1:9"},
                                "a@example.org", NULL, "not an address", "x", 1),
                   BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "--bcc"));
}

/* Findings in both bodies (HTML escaped), List-Id and List-Unsubscribe
 * headers, the unsubscribe link in the bodies, a 2x preview shown at half
 * its size; bad list values refused naming the option. */
static void test_message_lists(void **state) {
  (void)state;
  fake_files();
  static const char *const findings[] = {"Seven missions <closed> & sold [@a].",
                                         "A *record* year."};
  static const char *const unsub[] = {"mailto:leave@example.org", "https://example.org/u?a=1&b=2"};
  bp_newsletter nl = sample();
  nl.findings = findings;
  nl.n_findings = 2;
  nl.list_id = "NKR Briefs <briefs.nkr.example.org>";
  nl.unsubscribe = unsub;
  nl.n_unsubscribe = 2;
  nl.unsubscribe_post = true;
  nl.png_width_px = 1200;
  nl.png_height_px = 1698;
  nl.png_density = 2;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *msg = NULL;
  size_t len = 0;
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, &len), BP_OK);
  assert_non_null(strstr(msg, "List-Id: NKR Briefs <briefs.nkr.example.org>\r\n"));
  assert_non_null(strstr(
      msg, "List-Unsubscribe: <mailto:leave@example.org>, <https://example.org/u?a=1&b=2>\r\n"));
  assert_non_null(strstr(msg, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
  g_mime_init();
  GMimeStream *st = g_mime_stream_mem_new_with_buffer(msg, len);
  GMimeParser *parser = g_mime_parser_new_with_stream(st);
  GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
  GMimeObject *rel = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(m)), 0);
  GMimeObject *alt = g_mime_multipart_get_part(GMIME_MULTIPART(rel), 0);
  char *t = g_mime_text_part_get_text(
      GMIME_TEXT_PART(g_mime_multipart_get_part(GMIME_MULTIPART(alt), 0)));
  assert_non_null(
      strstr(t, "Key findings\r\n- Seven missions <closed> & sold.\r\n- A record year."));
  assert_non_null(strstr(t, "Unsubscribe: https://example.org/u?a=1&b=2"));
  g_free(t);
  char *h = g_mime_text_part_get_text(
      GMIME_TEXT_PART(g_mime_multipart_get_part(GMIME_MULTIPART(alt), 1)));
  assert_non_null(strstr(h, "Seven missions &lt;closed&gt; &amp; sold.</li>"));
  assert_non_null(strstr(h, "A <em>record</em> year.</li>"));
  assert_non_null(strstr(h, "href=\"https://example.org/u?a=1&amp;b=2\""));
  assert_non_null(strstr(h, "width=\"600\" height=\"849\""));
  g_free(h);
  g_object_unref(m);
  g_object_unref(parser);
  g_object_unref(st);
  g_mime_shutdown();
  free(msg);

  static const char *const bad_unsub[] = {"javascript:alert(1)", "https://x.org/a b",
                                          "https://x.org/<x>", "mailto:"};
  for (size_t i = 0; i < 4; i++) {
    nl = sample();
    nl.unsubscribe = &bad_unsub[i];
    nl.n_unsubscribe = 1;
    bp_ctx_init(&ctx);
    msg = NULL;
    assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
    assert_null(msg);
    assert_non_null(strstr(ctx.msg, "--list-unsubscribe"));
  }
  nl = sample();
  nl.unsubscribe = unsub; /* mailto: only: no one-click */
  nl.n_unsubscribe = 1;
  nl.unsubscribe_post = true;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "--list-unsubscribe-post"));
  static const char *const bad_ids[] = {"no-dot", "Name <a..b>", "Name <x.org", "<.x.org>",
                                        "a b.org"};
  for (size_t i = 0; i < 5; i++) {
    nl = sample();
    nl.list_id = bad_ids[i];
    bp_ctx_init(&ctx);
    assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_ERR_DATA);
    assert_non_null(strstr(ctx.msg, "--list-id"));
  }
  nl = sample();
  nl.list_id = "북한 브리프 <briefs.example.org>"; /* a non-ASCII name: encoded-words */
  bp_ctx_init(&ctx);
  assert_int_equal(bp_mail_message_new(&ctx, &nl, &msg, NULL), BP_OK);
  assert_non_null(strstr(msg, "List-Id: =?UTF-8?"));
  assert_non_null(strstr(msg, "<briefs.example.org>\r\n"));
  free(msg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_slug),
      cmocka_unit_test(test_slug_fallback),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_budget),
      cmocka_unit_test(test_markup),
      cmocka_unit_test(test_message),
      cmocka_unit_test(test_message_defaults),
      cmocka_unit_test(test_message_errors),
      cmocka_unit_test(test_message_limits),
      cmocka_unit_test(test_url_redact),
      cmocka_unit_test(test_send_errors),
      cmocka_unit_test(test_loopback),
      cmocka_unit_test(test_netrc),
      cmocka_unit_test(test_send_login),
      cmocka_unit_test(test_message_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
