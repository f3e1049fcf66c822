/* sae-hub export: the merged reports for monitoring and evaluation. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "render/render_export.h"
#include "sae/sae_files.h"

struct export_options {
    const char *format, *kind_name, *output, *village_arg, *variant;
    const char *as; /* the coordinator whose password opens sensitive values */
    const struct sae_kind *kind;
    char village[SAE_AREA_CODE_BYTES]; /* the code of --village, once resolved */
    bool csv;
    /* The console's export (--variant): the reports list's filters. */
    struct hub_list_query filter;
    bool outside, filtered;
};

static int parse_export(int argc, char **argv, struct export_options *o)
{
    memset(o, 0, sizeof *o);
    o->filter.has_conflict = -1;
    /* The console's export's filters, which need --variant. */
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("format", 0, &o->format),
        SAE_CLI_OPT_TEXT("kind", 0, &o->kind_name),
        SAE_CLI_OPT_TEXT("village", 0, &o->village_arg),
        SAE_CLI_OPT_TEXT("output", 'o', &o->output),
        SAE_CLI_OPT_TEXT("variant", 0, &o->variant),
        SAE_CLI_OPT_TEXT("kecamatan", 0, &o->filter.kecamatan),
        SAE_CLI_OPT_TEXT("status", 0, &o->filter.status),
        SAE_CLI_OPT_TEXT("risk", 0, &o->filter.risk),
        SAE_CLI_OPT_TEXT("violence", 0, &o->filter.violence),
        SAE_CLI_OPT_TEXT("from", 0, &o->filter.from),
        SAE_CLI_OPT_TEXT("to", 0, &o->filter.to),
        SAE_CLI_OPT_FLAG("outside", 0, &o->outside),
        SAE_CLI_OPT_TEXT("as", 0, &o->as),
    };
    int status = HUB_CLI_OPTIONS("export", "export", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    /* Consent is enforced on every export now: the flag that asked for it would change
     * nothing, and a script still passing it should learn so rather than trust it. */
    if (o->outside)
        return hub_cli_fail(SAE_EINVAL, "--outside is gone: every export already withholds "
                            "sensitive values without the survivor's consent; drop --outside");
    o->filtered = o->filter.kecamatan || o->filter.status || o->filter.risk ||
                  o->filter.violence || o->filter.from || o->filter.to;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "export takes options only; see: sae-hub export --help");
    if (!o->format || (strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0))
        return hub_cli_fail(SAE_EINVAL, "export needs --format csv or --format json");
    o->csv = strcmp(o->format, "csv") == 0;
    if (o->kind_name && sae_catalogue_find_kind(o->kind_name, &o->kind) != 0)
        return hub_cli_fail(SAE_EINVAL, "unknown kind \"%.40s\"; kinds: %s", o->kind_name,
                            hub_admin_kind_names());
    if (o->output && o->output[0] == '\0')
        return hub_cli_fail(SAE_EINVAL, "-o needs a file name");
    if (o->variant && strcmp(o->variant, "deidentified") != 0 && strcmp(o->variant, "full") != 0)
        return hub_cli_fail(SAE_EINVAL, "--variant is deidentified or full");
    if (o->filtered && !o->variant)
        return hub_cli_fail(SAE_EINVAL, "--kecamatan, --status, --risk, --violence, --from, "
                            "and --to belong to the console's export: add --variant "
                            "deidentified or --variant full");
    return SAE_EXIT_OK;
}

struct export_context {
    struct hub_store *store;
    FILE *out;
    bool csv;
    const struct hub_csv_columns *columns;
    struct hub_json_stream stream;
    size_t count;
};

/* Every field, but sensitive values without the survivor's consent (render_export.h). */
static int export_visit(const struct hub_report *report, void *context)
{
    struct export_context *e = context;
    struct hub_report copy;
    int rc = hub_export_consented(e->store, report, &copy);
    if (rc != 0)
        return rc;
    e->count++;
    if (e->csv)
        rc = hub_csv_write_report(e->out, e->columns, &copy);
    else
        rc = hub_json_stream_item(&e->stream, hub_report_json(&copy));
    free(copy.values);
    return rc;
}

/* The console's export (render_export.h). The command line runs on the hub's own machine,
 * as whoever may read hub.db: it may export the full variant. */
static int write_variant(struct hub_store *store, const struct export_options *o, FILE *out,
                         size_t *count, struct sae_message *why)
{
    struct hub_list_query filter = o->filter;
    filter.kind = o->kind ? o->kind->name : NULL;
    filter.village = o->village_arg ? o->village : NULL;
    struct hub_export_request request = {
        .filter = &filter, .csv = o->csv, .may_export_full = true,
        .variant = strcmp(o->variant, "full") == 0 ? HUB_EXPORT_FULL : HUB_EXPORT_DEIDENTIFIED};
    return hub_export_write(store, out, &request, count, why);
}

/* Every report of the filter, deleted ones included (the deleted column says which), from
 * one read transaction; with --variant, the console's export. */
static int write_export(struct hub_store *store, const struct export_options *o, FILE *out,
                        size_t *count, struct sae_message *why)
{
    if (o->variant)
        return write_variant(store, o, out, count, why);
    struct hub_csv_columns columns = {0};
    struct hub_report_filter filter = {.kind = o->kind, .include_deleted = true,
                                       .village = o->village_arg ? o->village : NULL};
    struct export_context e = {.store = store, .out = out, .csv = o->csv, .columns = &columns};
    int rc = o->csv ? hub_csv_columns_init(&columns, o->kind) : 0;
    if (rc == 0)
        rc = o->csv ? hub_csv_write_header(out, &columns) : hub_json_stream_begin(&e.stream, out);
    if (rc == 0)
        rc = hub_read_begin(store);
    if (rc == 0) {
        rc = hub_report_list(store, &filter, export_visit, &e);
        hub_read_end(store);
    }
    if (rc == 0 && !o->csv)
        rc = hub_json_stream_end(&e.stream);
    hub_csv_columns_free(&columns);
    if (rc == 0)
        *count = e.count;
    return rc;
}

/* Puts the finished temporary file in place without ever replacing a file: link() fails
 * when path exists. Filesystems without hard links get a rename after a last check. */
static int publish(const char *tmp, const char *path)
{
    struct stat st;
    if (link(tmp, path) == 0)
        return unlink(tmp) == 0 ? 0 : SAE_EIO;
    if (errno == EEXIST)
        return SAE_EEXIST;
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != ENOSYS)
        return SAE_EIO;
    if (lstat(path, &st) == 0)
        return SAE_EEXIST;
    return rename(tmp, path) == 0 ? 0 : SAE_EIO;
}

static int exists_error(const char *path)
{
    return hub_cli_fail(SAE_EEXIST, "%s already exists; export never replaces a file: give "
                        "another name, or move the old one away first", path);
}

/* Writes the export to path (0600) through a temporary file in the same directory: after a
 * crash or a power cut path is either absent or complete. */
static int export_to_file(struct hub_cli *cli, struct hub_store *store,
                          const struct export_options *o, size_t *count)
{
    struct stat st;
    if (lstat(o->output, &st) == 0)
        return exists_error(o->output);
    size_t len = strlen(o->output) + sizeof ".tmp-XXXXXX";
    char *tmp = malloc(len);
    if (!tmp)
        return hub_cli_fail(SAE_ENOMEM, "out of memory");
    snprintf(tmp, len, "%s.tmp-XXXXXX", o->output);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int status = hub_cli_fail(SAE_EIO, "cannot create a file next to %s: %s", o->output,
                                  strerror(errno));
        free(tmp);
        return status;
    }
    FILE *out = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
    struct sae_message why = {{0}};
    int rc = out ? write_export(store, o, out, count, &why) : SAE_EIO;
    if (rc == 0 && (fflush(out) != 0 || fsync(fd) != 0))
        rc = SAE_EIO;
    if (out ? fclose(out) != 0 : close(fd) != 0)
        rc = rc == 0 ? SAE_EIO : rc;
    if (rc == 0)
        rc = publish(tmp, o->output);
    if (rc == 0)
        rc = sae_fsync_parent(o->output);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    if (rc == SAE_EEXIST)
        return exists_error(o->output);
    if (rc == SAE_EIO)
        return hub_cli_fail(rc, "cannot write %s: %s", o->output, strerror(errno));
    return rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, why.text[0] ? &why : NULL, cli);
}

int hub_cli_export(struct hub_cli *cli, int argc, char **argv)
{
    struct export_options o;
    struct hub_store *store = NULL;
    size_t count = 0;
    int status = parse_export(argc, argv, &o);
    cli->as = o.as;
    if (status == SAE_EXIT_OK)
        status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && o.village_arg)
        status = hub_admin_village(store, "--village", o.village_arg, o.village);
    if (status == SAE_EXIT_OK && o.output) {
        status = export_to_file(cli, store, &o, &count);
        if (status == SAE_EXIT_OK)
            printf("wrote %zu report(s) to %s (%s, mode 0600); it holds survivors' data: keep "
                   "it private\n", count, o.output, o.format);
    } else if (status == SAE_EXIT_OK) {
        struct sae_message why = {{0}};
        int rc = write_export(store, &o, stdout, &count, &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_admin_fail_store(rc, why.text[0] ? &why : NULL, cli);
    }
    return hub_admin_finish(store, status);
}
