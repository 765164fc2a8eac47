/* mail-imp.h - what the files of src/mail share and nothing else sees: GMime
 * set-up and the address parser that both the message and the SMTP envelope
 * use. */
#ifndef BP_MAIL_IMP_H
#define BP_MAIL_IMP_H

#include <gmime/gmime.h>

#include "mail.h"

/** Initialises GMime once per process (thread-safe); shut down at exit. */
void bp_mail_gmime_ready(void);

/** Parses `s` (`what` names the option in messages, e.g. "--to") into an
 * address list where every entry is a plausible mailbox; `one` asks for
 * exactly one. *out is owned (g_object_unref). BP_ERR_DATA otherwise. */
bp_status bp_mail_addrs_parse(bp_ctx *ctx, const char *what, const char *s, bool one,
                              InternetAddressList **out);

#endif
