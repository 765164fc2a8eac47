/* table.c - the mail module's one exported symbol: the table through which
 * the program (bp_mail_module_open, load.c) calls the message builder and
 * the SMTP client. Compiled into briefpress-mail.so (and into the tests
 * that link the mail code directly); must not hold logic of its own. */
#include "mail-imp.h"

__attribute__((visibility("default"))) extern const bp_mail_module bp_mail_module_table;
const bp_mail_module bp_mail_module_table = {
    .abi = BP_MAIL_MODULE_ABI,
    .newsletter_size = sizeof(bp_newsletter),
    .server_size = sizeof(bp_mail_server),
    .ctx_size = sizeof(bp_ctx),
    .message_new = bp_mail_message_new,
    .send = bp_mail_send,
};
