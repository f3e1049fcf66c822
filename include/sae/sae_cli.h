/* Command-line conventions shared by sae-node and sae-hub: one-line errors, exit statuses,
 * option errors, help detection and the busy-timeout setting. These print: they are for the
 * programs' command layers only, never for the libraries below them. */
#ifndef SAE_CLI_H
#define SAE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses of both programs. */
#define SAE_EXIT_OK 0
#define SAE_EXIT_OTHER 1 /* anything else: busy, damaged database, files, network */
#define SAE_EXIT_USAGE 2 /* invalid usage or input; nothing was changed */
/* sae-node: the district revoked this device and its survivors' data was wiped */
#define SAE_EXIT_REVOKED 3

/* The longest wait for another process's write transaction SAE_BUSY_TIMEOUT_MS accepts. */
#define SAE_BUSY_TIMEOUT_MS_MAX 600000

/* The exit status for an SAE code: 2 for bad input or usage, 3 for a revoked device, 1 for
 * anything else. */
int sae_cli_exit_status(int code);

/* Prints "PROGRAM: error: MESSAGE" as one line (line breaks in it become spaces) on stderr
 * and returns the exit status for code. */
int sae_cli_fail(const char *program, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The one-line error for an option getopt refused: opt is '?' (unknown) or ':' (missing
 * value; optstrings start with ':'). command names the subcommand, NULL for the program. */
int sae_cli_option_error(const char *program, const char *command, int opt, char **argv);

/* True when -h or --help is among argv[1..argc-1], before any "--". */
bool sae_cli_wants_help(int argc, char **argv);

/* The integer in environment variable name, or fallback when unset or empty; SAE_EINVAL
 * when it is not a decimal number from min to max. */
int sae_cli_env_int(const char *name, int min, int max, int fallback, int *out);

/* One line of standard input (at most size - 1 bytes) without its line break, for
 * passphrases. On a terminal the prompt goes to stderr and echo is off from before the
 * prompt shows until the line is read. SAE_ENOTFOUND when standard input has no line. */
int sae_cli_read_line(const char *prompt, bool terminal, char *out, size_t size);

/* SAE_BUSY_TIMEOUT_MS, or fallback when unset; SAE_EINVAL outside 0..SAE_BUSY_TIMEOUT_MS_MAX. */
int sae_cli_busy_timeout(int fallback, int *out);

/* One command's help: its name, its usage line and a paragraph. */
struct sae_cli_help {
    const char *name;
    const char *usage;
    const char *text;
};

/* Prints the usage of command, or (command NULL) program_help with the list of every
 * usage line put in its one "%s"; on stderr only the usage line and a hint. Returns status. */
int sae_cli_usage(FILE *out, const char *program, const char *program_help,
                  const struct sae_cli_help *helps, size_t count, const char *command,
                  int status);

/* The default data directory of a program: $ENV_NAME, else $XDG_DATA_HOME/NAME, else
 * $HOME/.local/share/NAME. Malloc'd; SAE_ENOTFOUND when none can be derived. */
int sae_cli_default_dir(const char *env_name, const char *name, char **out);

#endif
