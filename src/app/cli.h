/* cli.h - the command-line front end, in the library so tests can call it. */
#ifndef BP_CLI_H
#define BP_CLI_H
/** Runs briefpress with the given arguments; returns the process exit code. */
int bp_cli_main(int argc, char **argv);

#include "../core/bp.h"
#include "../compose/compose.h"

/** Loads `path`, a brief or an article (bp_cli_input_kind), restyled with
 * `template_path` when not NULL, and composes it with `ts` into *out (the
 * caller's). `pf` and `fit` (a brief's fitting; untouched for an article)
 * may be NULL. What `briefpress render` and the public API lay out. */
bp_status bp_cli_compose(bp_ctx *ctx, bp_typesetter *ts, const char *path,
                         const char *template_path, bp_preflight *pf, bp_fit_report *fit,
                         bp_dlist **out);

/* ---- shared by the commands' option parsing (getopt_long) ---- */

/** The last line of every command's --help. */
#define EXIT_STATUS_HELP "exit status: 0 done, 1 failed (the message says why), 2 bad usage\n"

/** Resets getopt for a new argument vector, with its own messages off
 * (bp_cli_opt_error reports instead). Call before each command's loop. */
void bp_cli_getopt_start(void);
/** Reports getopt_long's ':' (missing value) or '?' (unknown option, or a
 * value given to a flag) for command `cmd`, naming the option but never its
 * value (it may hold a password), and where help is. Returns 2. */
int bp_cli_opt_error(const char *cmd, int c, char **argv);
/** For an input given as "-": reads standard input (bp_stdin_load) and
 * points *path at BP_STDIN_NAME; any other path is left alone. */
bp_status bp_cli_stdin_input(bp_ctx *ctx, const char **path);

/** Whether `path` is a brief (it names a "template"; its "body", if any, is
 * a list of paragraphs) or an article: a manifest (a "body" naming its
 * Markdown file) or a Markdown file on its own (bp_markdown_input);
 * anything else is an error. */
bp_status bp_cli_input_kind(bp_ctx *ctx, const char *path, bool *is_brief);
#endif
