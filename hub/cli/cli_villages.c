/* sae-hub villages import | list | assign: the official list of areas the hub names
 * villages by (store/hub_areas.h). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_admin.h"
#include "store/hub_areas.h"

/* Reads at most SAE_AREA_CSV_BYTES of path (one byte more says it is too large). */
static int read_csv(const char *path, char **out, size_t *len, struct sae_message *why)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f) {
        sae_message_set(why, "cannot read %s: %s", path, strerror(errno));
        return errno == ENOENT ? SAE_ENOTFOUND : SAE_EIO;
    }
    if (!(buf = malloc((size_t)SAE_AREA_CSV_BYTES + 1))) {
        fclose(f);
        return SAE_ENOMEM;
    }
    size_t n = fread(buf, 1, (size_t)SAE_AREA_CSV_BYTES + 1, f);
    int rc = ferror(f) ? SAE_EIO : n > SAE_AREA_CSV_BYTES ? SAE_ETOOBIG : 0;
    fclose(f);
    if (rc == SAE_ETOOBIG)
        sae_message_set(why, "%s is larger than %u bytes; import one regency at a time", path,
                        SAE_AREA_CSV_BYTES);
    else if (rc != 0)
        sae_message_set(why, "cannot read %s", path);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int import(struct hub_cli *cli, const char *path)
{
    struct sae_message why = {{0}};
    struct sae_area_list list = {0};
    struct hub_areas_import_result r;
    struct hub_store *store = NULL;
    char *csv = NULL;
    size_t len = 0;
    int rc = read_csv(path, &csv, &len, &why);
    bool read = rc == 0; /* a parse error names a line: say of which file */
    if (rc == 0)
        rc = sae_area_list_parse(csv, len, &list, &why);
    free(csv);
    if (rc != 0)
        return hub_cli_fail(rc, "%s%s%s; nothing was imported", read ? path : "",
                            read ? ": " : "", why.text);
    int status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK) {
        rc = hub_areas_import(store, &list, &r, &why);
        status = rc == 0 ? SAE_EXIT_OK
                 : why.text[0] ? hub_cli_fail(rc, "%s; nothing was imported", why.text)
                               : hub_admin_fail_store(rc, NULL, cli);
    }
    if (status == SAE_EXIT_OK)
        printf("imported %s: %zu area(s) added, %zu renamed, %zu unchanged\n", path, r.added,
               r.renamed, r.unchanged);
    sae_area_list_free(&list);
    return hub_admin_finish(store, status);
}

struct village_list {
    json_t *array;
    size_t count;
};

static int village_visit(const struct hub_village *v, void *context)
{
    struct village_list *l = context;
    l->count++;
    if (!l->array) {
        printf("%-14s  %-28s  %-22s  %lld device(s), %lld report(s)\n", v->code, v->name,
               v->kecamatan, (long long)v->devices, (long long)v->reports);
        return 0;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "code", v->code, "name", v->name,
                          "kecamatan", v->kecamatan, "kecamatan_code", v->kecamatan_code,
                          "devices", (json_int_t)v->devices, "reports", (json_int_t)v->reports);
    return o && json_array_append_new(l->array, o) == 0 ? 0 : SAE_ENOMEM;
}


static int list(struct hub_cli *cli, int argc, char **argv)
{
    struct village_list l = {0};
    struct hub_store *store = NULL;
    struct sae_message why = {{0}};
    const char *kecamatan = NULL;
    char code[SAE_AREA_CODE_BYTES];
    bool json = false;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 0, &json),
        SAE_CLI_OPT_TEXT("kecamatan", 0, &kecamatan),
    };
    int status = HUB_CLI_OPTIONS("villages list", "villages", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "villages list takes no arguments; filter with "
                            "--kecamatan K");
    int rc = 0;
    status = hub_cli_open(cli, &store);
    if (status == SAE_EXIT_OK && kecamatan &&
        (rc = hub_areas_resolve(store, kecamatan, SAE_AREA_DISTRICT, code, &why)))
        status = hub_cli_fail(rc, "--kecamatan: %s", why.text);
    if (status == SAE_EXIT_OK && json && !(l.array = json_array()))
        rc = SAE_ENOMEM;
    if (status == SAE_EXIT_OK && rc == 0)
        rc = hub_areas_list_villages(store, kecamatan ? code : NULL, village_visit, &l);
    if (status == SAE_EXIT_OK && rc == 0 && json) {
        rc = hub_json_print(stdout, l.array);
        l.array = NULL;
    }
    if (status == SAE_EXIT_OK && rc == 0 && !json && l.count == 0)
        fprintf(stderr, "no villages in the list of areas; import one with: sae-hub villages "
                "import CSV\n");
    if (status == SAE_EXIT_OK && rc == 0 && !json && !kecamatan)
        rc = hub_admin_print_unlisted(store);
    json_decref(l.array);
    if (status == SAE_EXIT_OK && rc != 0)
        status = hub_admin_fail_store(rc, NULL, cli);
    return hub_admin_finish(store, status);
}

static int assign(struct hub_cli *cli, const char *old, const char *village)
{
    struct hub_store *store = NULL;
    struct sae_message why = {{0}};
    char code[SAE_AREA_CODE_BYTES];
    int64_t rows = 0;
    int status = hub_cli_open(cli, &store), rc = 0;
    if (status == SAE_EXIT_OK &&
        (rc = hub_areas_resolve(store, village, SAE_AREA_VILLAGE, code, &why)))
        status = hub_cli_fail(rc, "%s", why.text);
    if (status == SAE_EXIT_OK) {
        rc = hub_areas_assign(store, old, code, &rows);
        if (rc == SAE_ENOTFOUND)
            status = hub_cli_fail(rc, "no device or report carries the village \"%.100s\"; see: "
                                  "sae-hub villages list", old);
        else if (rc == SAE_EINVAL)
            status = hub_cli_fail(rc, "%s is a village of the list already; a device never "
                                  "moves to another village", old);
        else if (rc != 0)
            status = hub_admin_fail_store(rc, NULL, cli);
    }
    if (status == SAE_EXIT_OK)
        printf("\"%s\" is now village %s: %lld device(s), bundle(s) and report(s) changed\n",
               old, code, (long long)rows);
    return hub_admin_finish(store, status);
}

int hub_cli_villages(struct hub_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return hub_cli_fail(SAE_EINVAL, "villages needs import, list or assign; see: sae-hub "
                            "villages --help");
    const char *verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
        return hub_cli_usage(stdout, "villages", HUB_CLI_DONE);
    if (strcmp(verb, "list") == 0)
        return hub_cli_final(list(cli, argc - 1, argv + 1));
    if (hub_cli_wants_help(argc, argv))
        return hub_cli_usage(stdout, "villages", HUB_CLI_DONE);
    if (strcmp(verb, "import") == 0 && argc == 3)
        return import(cli, argv[2]);
    if (strcmp(verb, "import") == 0)
        return hub_cli_fail(SAE_EINVAL, "usage: sae-hub villages import CSV");
    if (strcmp(verb, "assign") == 0 && argc == 4)
        return assign(cli, argv[2], argv[3]);
    if (strcmp(verb, "assign") == 0)
        return hub_cli_fail(SAE_EINVAL, "usage: sae-hub villages assign OLD-NAME VILLAGE");
    return hub_cli_fail(SAE_EINVAL, "unknown villages command \"%.40s\"; use import, list or "
                        "assign", verb);
}
