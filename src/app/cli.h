/* cli.h - the command-line front end, in the library so tests can call it. */
#ifndef BP_CLI_H
#define BP_CLI_H
/** Runs briefpress with the given arguments; returns the process exit code. */
int bp_cli_main(int argc, char **argv);

#include "../core/bp.h"
/** Whether `path` is a brief (it names a "template"; its "body", if any, is
 * a list of paragraphs) or an article manifest (a "body" naming its Markdown
 * file); anything else is an error. */
bp_status bp_cli_input_kind(bp_ctx *ctx, const char *path, bool *is_brief);
#endif
