/* A command's options as a table (proto/cli_options.c): each option one line saying its
 * name, its short letter and where its value goes, parsed by one getopt_long loop with the
 * same errors for every command of both programs. -h and --help are always options. */
#ifndef SAE_CLI_OPTIONS_H
#define SAE_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* The most options one command's table may have. */
#define SAE_CLI_OPTIONS_MAX 24u

enum sae_cli_option_kind {
    SAE_CLI_FLAG,   /* no value: *flag set true */
    SAE_CLI_TEXT,   /* a value: *text (the last one given) */
    SAE_CLI_LIST,   /* a value, repeatable: text[*count++], at most max */
    SAE_CLI_NUMBER, /* a whole number from min to max: *number, *flag set true if given */
    SAE_CLI_CALL,   /* take(context, id, value) decides (an exit status; value NULL for none) */
};

struct sae_cli_option {
    const char *name; /* the long name, without "--" */
    char letter;      /* its short form, 0 for none */
    enum sae_cli_option_kind kind;
    bool *flag;
    const char **text;
    size_t *count;
    long *number;
    long min, max;
    bool takes_value; /* SAE_CLI_CALL's: whether it needs a value */
    int (*take)(void *context, int id, const char *value);
    void *context;
    int id;
};

/* The table's lines (macro arguments: long name, short letter or 0, then where it goes). */
#define SAE_CLI_OPT_FLAG(long_name, short_letter, where) \
    {.name = (long_name), .letter = (short_letter), .kind = SAE_CLI_FLAG, .flag = (where)}
#define SAE_CLI_OPT_TEXT(long_name, short_letter, where) \
    {.name = (long_name), .letter = (short_letter), .kind = SAE_CLI_TEXT, .text = (where)}
#define SAE_CLI_OPT_LIST(long_name, short_letter, array, counter, most) \
    {.name = (long_name), .letter = (short_letter), .kind = SAE_CLI_LIST, .text = (array), \
     .count = (counter), .max = (long)(most)}
#define SAE_CLI_OPT_NUMBER(long_name, short_letter, where, given, low, high) \
    {.name = (long_name), .letter = (short_letter), .kind = SAE_CLI_NUMBER, .number = (where), \
     .flag = (given), .min = (low), .max = (high)}
#define SAE_CLI_OPT_CALL(long_name, valued, fn, ctx, which) \
    {.name = (long_name), .kind = SAE_CLI_CALL, .takes_value = (valued), .take = (fn), \
     .context = (ctx), .id = (which)}

/* Parses argv[1..]'s options by the count options of the table (getopt_long, options and
 * arguments in any order, "--" ends the options); optind is then the first argument. At -h
 * or --help it stops with *help true. An exit status: SAE_EXIT_OK, or SAE_EXIT_USAGE after
 * one line on stderr naming program and command (an unknown option, a missing value, a
 * number out of its range, one value too many for a list), or a SAE_CLI_CALL's own. */
int sae_cli_options(const char *program, const char *command,
                    const struct sae_cli_option *options, size_t count, int argc, char **argv,
                    bool *help);

#endif
