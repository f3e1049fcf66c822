#include "sae/sae_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sae/sae_error.h"

int sae_cli_exit_status(int code)
{
    switch (code) {
    case SAE_OK: return SAE_EXIT_OK;
    case SAE_EINVAL:
    case SAE_ERANGE:
    case SAE_ETOOBIG:
    case SAE_ENOTFOUND:
    case SAE_EAMBIGUOUS:
    case SAE_EEXIST:
    case SAE_ENOTINIT:
    case SAE_EDELETED:
    case SAE_ECHANGED: return SAE_EXIT_USAGE;
    case SAE_EREVOKED: return SAE_EXIT_REVOKED;
    default: return SAE_EXIT_OTHER;
    }
}

int sae_cli_fail(const char *program, int code, const char *fmt, ...)
{
    char line[SAE_MESSAGE_BYTES + 64];
    va_list args;
    va_start(args, fmt);
    vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    /* One line, always: a message never carries a line break into a log. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s: error: %s\n", program, line);
    return sae_cli_exit_status(code);
}

int sae_cli_option_error(const char *program, const char *command, int opt, char **argv)
{
    char where[48] = "", see[96];
    const char *arg = argv[optind - 1];
    if (command)
        snprintf(where, sizeof where, "%s: ", command);
    snprintf(see, sizeof see, "see: %s %s%s--help", program, command ? command : "",
             command ? " " : "");
    if (opt == ':')
        return sae_cli_fail(program, SAE_EINVAL, "%soption %.40s needs a value; %s", where, arg,
                            see);
    if (optopt && !(arg[0] == '-' && arg[1] == '-'))
        return sae_cli_fail(program, SAE_EINVAL, "%sunknown option -%c; %s", where, optopt, see);
    return sae_cli_fail(program, SAE_EINVAL, "%sunknown option %.40s; %s", where, arg, see);
}

bool sae_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int sae_cli_env_int(const char *name, int min, int max, int fallback, int *out)
{
    const char *text = getenv(name);
    char *end = NULL;
    if (!text || !*text) {
        *out = fallback;
        return 0;
    }
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        return SAE_EINVAL;
    *out = (int)value;
    return 0;
}

int sae_cli_busy_timeout(int fallback, int *out)
{
    return sae_cli_env_int("SAE_BUSY_TIMEOUT_MS", 0, SAE_BUSY_TIMEOUT_MS_MAX, fallback, out);
}

int sae_cli_default_dir(const char *env_name, const char *name, char **out)
{
    const char *env = getenv(env_name), *base = NULL, *prefix = "";
    char *path = NULL;
    if (env && *env) {
        path = strdup(env);
    } else {
        if ((base = getenv("XDG_DATA_HOME")) && *base == '/') {
            prefix = "";
        } else if ((base = getenv("HOME")) && *base) {
            prefix = ".local/share/";
        } else {
            return SAE_ENOTFOUND;
        }
        size_t len = strlen(base) + strlen(prefix) + strlen(name) + 2;
        if ((path = malloc(len)))
            snprintf(path, len, "%s/%s%s", base, prefix, name);
    }
    if (!path)
        return SAE_ENOMEM;
    *out = path;
    return 0;
}

int sae_cli_usage(FILE *out, const char *program, const char *program_help,
                  const struct sae_cli_help *helps, size_t count, const char *command,
                  int status)
{
    if (!command) {
        char list[4096];
        size_t used = 0;
        for (size_t i = 0; i < count && used < sizeof list; i++) {
            int n = snprintf(list + used, sizeof list - used, "  %s\n", helps[i].usage);
            used += n > 0 ? (size_t)n : 0;
        }
        fprintf(out, program_help, list);
        return status;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(helps[i].name, command) == 0) {
            fprintf(out, "Usage: %s [-d DIR] %s\n%s", program, helps[i].usage,
                    out == stdout ? helps[i].text : "");
            if (out != stdout)
                fprintf(out, "Try: %s %s --help\n", program, command);
            return status;
        }
    }
    return status;
}

int sae_cli_read_line(const char *prompt, bool terminal, char *out, size_t size)
{
    struct termios saved, quiet;
    bool hidden = false;
    if (terminal && tcgetattr(STDIN_FILENO, &saved) == 0) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        hidden = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    if (terminal) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
    }
    char *got = fgets(out, (int)size, stdin);
    if (hidden) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        fputc('\n', stderr);
    }
    if (!got)
        return SAE_ENOTFOUND;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}
