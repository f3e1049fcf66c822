#include "sae/sae_cli_value.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sae/sae_limits.h"
#include "sae/sae_wire_limits.h"

int sae_cli_value_refuse_argument(const struct sae_field *field, const char *option,
                                  const char *file_option, bool names_field,
                                  struct sae_message *why)
{
    if (!field->sensitive)
        return 0;
    char target[SAE_WIRE_NAME_BYTES + 2] = "";
    if (names_field)
        snprintf(target, sizeof target, "%s=", field->name);
    sae_message_set(why, "%s is sensitive (rahasia): its value is not taken as an argument of "
                    "%s, where ps and the shell's history show it; give %s %sFILE, or %s %s- "
                    "to type it without echo or pipe it on standard input; nothing was changed",
                    field->name, option, file_option, target, file_option, target);
    return SAE_EINVAL;
}

/* One line typed on the terminal after the prompt; echo is off while it is typed, so the
 * value shows neither on the screen nor in a terminal's scrollback. */
static int read_typed(const struct sae_field *field, char *buf, size_t size, size_t *len)
{
    struct termios saved, quiet;
    bool hidden = false;
    if (tcgetattr(STDIN_FILENO, &saved) == 0) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        hidden = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    fprintf(stderr, "%s / %s (%s, tidak ditampilkan / not shown): ", field->label_id,
            field->label_en, field->name);
    fflush(stderr);
    char *got = fgets(buf, (int)size, stdin);
    if (hidden) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        fputc('\n', stderr);
    }
    if (!got)
        return SAE_EIO;
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    *len = n;
    return 0;
}

int sae_cli_value_read(const struct sae_field *field, const char *source, char **out,
                       size_t *len, struct sae_message *why)
{
    size_t limit = field->type == SAE_FIELD_TEXT && field->max_bytes ? field->max_bytes
                                                                     : SAE_LIMIT_TEXT_BYTES;
    bool from_stdin = strcmp(source, SAE_CLI_VALUE_STDIN) == 0;
    bool typed = from_stdin && isatty(STDIN_FILENO) == 1;
    FILE *f = from_stdin ? stdin : fopen(source, "rb");
    if (!f) {
        sae_message_set(why, "cannot read %s for %s: %s", source, field->name, strerror(errno));
        return SAE_EIO;
    }
    /* limit + 1 bytes at most, so an oversized value is refused without reading it all. */
    char *buf = malloc(limit + 2);
    size_t n = 0;
    int rc = buf ? 0 : SAE_ENOMEM;
    if (rc == 0 && typed)
        rc = read_typed(field, buf, limit + 2, &n);
    else if (rc == 0) {
        n = fread(buf, 1, limit + 1, f);
        rc = ferror(f) ? SAE_EIO : 0;
    }
    if (f != stdin)
        fclose(f);
    if (rc != 0) {
        free(buf);
        if (rc == SAE_EIO)
            sae_message_set(why, "cannot read %s for %s", typed ? "the typed value" : source,
                            field->name);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}
