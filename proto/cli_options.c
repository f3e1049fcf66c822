/* The table-driven option parser (sae_cli_options.h). */
#include "sae/sae_cli_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "sae/sae_cli.h"
#include "sae/sae_error.h"

/* getopt_long's value for option i: its letter, or past every char for a long-only one. */
#define LONG_ONLY_BASE 256

static bool takes_value(const struct sae_cli_option *o)
{
    return o->kind == SAE_CLI_CALL ? o->takes_value : o->kind != SAE_CLI_FLAG;
}

/* The optstring (":h" then each letter, ':' after one that takes a value) and the long
 * options, "help" last. */
static void build(const struct sae_cli_option *options, size_t count, char *letters,
                  struct option *longs)
{
    size_t n = 0;
    letters[n++] = ':';
    letters[n++] = 'h';
    for (size_t i = 0; i < count; i++) {
        bool value = takes_value(&options[i]);
        int val = options[i].letter ? options[i].letter : LONG_ONLY_BASE + (int)i;
        longs[i] = (struct option){options[i].name, value ? required_argument : no_argument,
                                   NULL, val};
        if (options[i].letter) {
            letters[n++] = options[i].letter;
            if (value)
                letters[n++] = ':';
        }
    }
    letters[n] = '\0';
    longs[count] = (struct option){"help", no_argument, NULL, 'h'};
    longs[count + 1] = (struct option){0};
}

static const struct sae_cli_option *find(const struct sae_cli_option *options, size_t count,
                                         int opt)
{
    if (opt >= LONG_ONLY_BASE && (size_t)(opt - LONG_ONLY_BASE) < count)
        return &options[opt - LONG_ONLY_BASE];
    for (size_t i = 0; i < count; i++)
        if (options[i].letter && options[i].letter == opt)
            return &options[i];
    return NULL;
}

static int take_number(const char *program, const struct sae_cli_option *o, const char *value)
{
    char *end = NULL;
    errno = 0;
    long n = value[0] >= '0' && value[0] <= '9' ? strtol(value, &end, 10) : -1;
    if (errno != 0 || !end || *end != '\0' || n < o->min || n > o->max)
        return sae_cli_fail(program, SAE_EINVAL, "--%s must be a whole number from %ld to %ld",
                            o->name, o->min, o->max);
    *o->number = n;
    if (o->flag)
        *o->flag = true;
    return SAE_EXIT_OK;
}

static int take(const char *program, const struct sae_cli_option *o, const char *value)
{
    switch (o->kind) {
    case SAE_CLI_FLAG: *o->flag = true; return SAE_EXIT_OK;
    case SAE_CLI_TEXT: *o->text = value; return SAE_EXIT_OK;
    case SAE_CLI_NUMBER: return take_number(program, o, value);
    case SAE_CLI_CALL: return o->take(o->context, o->id, value);
    case SAE_CLI_LIST: break;
    }
    if (*o->count >= (size_t)o->max)
        return sae_cli_fail(program, SAE_EINVAL, "at most %ld --%s options", o->max, o->name);
    o->text[(*o->count)++] = value;
    return SAE_EXIT_OK;
}

int sae_cli_options(const char *program, const char *command,
                    const struct sae_cli_option *options, size_t count, int argc, char **argv,
                    bool *help)
{
    char letters[3 + 2 * SAE_CLI_OPTIONS_MAX];
    struct option longs[SAE_CLI_OPTIONS_MAX + 2];
    if (count > SAE_CLI_OPTIONS_MAX)
        return sae_cli_fail(program, SAE_EINVAL, "%s: more options than a command may have",
                            command);
    build(options, count, letters, longs);
    *help = false;
    optind = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, letters, longs, NULL)) != -1) {
        if (opt == 'h') {
            *help = true;
            return SAE_EXIT_OK;
        }
        const struct sae_cli_option *o = opt == '?' || opt == ':' ? NULL
                                                                  : find(options, count, opt);
        if (!o)
            return sae_cli_option_error(program, command, opt, argv);
        int status = take(program, o, optarg);
        if (status != SAE_EXIT_OK)
            return status;
    }
    return SAE_EXIT_OK;
}
