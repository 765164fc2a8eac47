/* fuzz_newsletter_addr.c - libFuzzer target: the newsletter's addresses
 * (--from and --to: GMime's address-list parser, the one-mailbox and
 * plausible-address checks, the display name, the Message-ID domain) through
 * the public message builder (bp_mail_message_new), with fixed small content
 * and a fixed date, then through bp_mail_addrs_parse as the SMTP envelope
 * takes them.
 * Input: the From value, a newline, then the To value up to the next
 * newline (none or empty: To left out). Nothing is sent. */
#include "fuzz.h"

#include "mail/mail-imp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = bp_strndup((const char *)data, size);
  char *to = strchr(s, '\n');
  if (to) {
    *to++ = '\0';
    to[strcspn(to, "\n")] = '\0';
  }
  bp_newsletter nl = {.title = "Title",
                      .summary = "A *summary* [@src].",
                      .from = s,
                      .from_name = "Institute",
                      .to = to && *to ? to : NULL,
                      .epoch = 1712102400,
                      .pdf = "%PDF-1.4\n",
                      .pdf_len = 9,
                      .pdf_filename = "t.pdf",
                      .pages = 1,
                      .png = "\x89PNG",
                      .png_len = 4,
                      .png_filename = "t.png",
                      .png_width_px = 10,
                      .png_height_px = 10};
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *msg = NULL;
  size_t len = 0;
  bp_mail_message_new(&ctx, &nl, &msg, &len);
  fuzz_report(&ctx);
  free(msg);
  /* the SMTP envelope's parse of the same values */
  for (int k = 0; k < 2; k++) {
    InternetAddressList *l = NULL;
    bp_ctx_init(&ctx);
    bp_mail_gmime_ready();
    if (bp_mail_addrs_parse(&ctx, k ? "--to" : "--from", k ? to : s, !k, &l) == BP_OK) {
      for (int i = 0; i < internet_address_list_length(l); i++)
        (void)internet_address_mailbox_get_addr(
            INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(l, i)));
      g_object_unref(l);
    }
  }
  free(s);
  return 0;
}
