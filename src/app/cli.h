/* cli.h - the command-line front end, in the library so tests can call it. */
#ifndef BP_CLI_H
#define BP_CLI_H
/** Runs briefpress with the given arguments; returns the process exit code. */
int bp_cli_main(int argc, char **argv);
#endif
