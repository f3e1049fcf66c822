/* sae-node config: the post's settings people give it (store/node_config.h). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/render.h"
#include "store/node_config.h"

static int show_json(const struct node_config *c)
{
    json_t *object = json_pack("{s:o, s:s, s:s, s:b, s:o}", "author",
                               c->author[0] ? json_string(c->author) : json_null(), "village",
                               c->village, "village_name", c->village_label, "village_listed",
                               c->village_listed, "device_name",
                               c->device_name[0] ? json_string(c->device_name) : json_null());
    return render_json_print(stdout, object);
}

static void show_text(const struct node_config *c)
{
    if (c->author[0])
        printf("Penulis / author:   %s (changes are by %s unless --by NAME says otherwise)\n",
               c->author, c->author);
    else
        printf("Penulis / author:   not set: every change must name a person; set it with: "
               "sae-node config author NAME\n");
    if (c->village_listed)
        printf("Desa / village:     %s, %s\n", c->village_label, c->village);
    else
        printf("Desa / village:     %s (not in the list of areas; fix it with: sae-node config "
               "village CODE-OR-NAME)\n", c->village);
    printf("Perangkat / device: %s\n", c->device_name[0] ? c->device_name
                                       : "(named by the district's bundle: sae-node enroll)");
}

static int show(struct node_store *store, bool json)
{
    struct node_config c;
    int rc = node_config_read(store, &c);
    if (rc == 0 && json)
        return show_json(&c);
    if (rc == 0)
        show_text(&c);
    return rc;
}

static int set(struct cli *cli, struct node_store *store, const char *what, const char *value)
{
    struct sae_message why = {{0}};
    char code[SAE_AREA_CODE_BYTES];
    int rc;
    if (strcmp(what, "author") == 0) {
        rc = node_config_set_author(store, value);
        if (rc == SAE_EINVAL)
            return cli_fail(rc, "an author is a person's name: 1 to %d bytes of UTF-8 on one "
                            "line", SAE_LIMIT_PERSON_BYTES);
        if (rc == 0)
            printf("author set: changes from this computer are by %s unless --by NAME says "
                   "otherwise\n", value);
    } else {
        rc = node_config_set_village(store, value, code, &why);
        if (rc == 0)
            printf("village set: %s\n", code);
    }
    return rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, &why, cli);
}

int cli_config(struct cli *cli, int argc, char **argv)
{
    struct node_store *store = NULL;
    bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (cli_wants_help(argc, argv))
        return cli_usage(stdout, "config", SAE_EXIT_OK);
    if (argc == 3 && strcmp(argv[1], "author") != 0 && strcmp(argv[1], "village") != 0)
        return cli_fail(SAE_EINVAL, "config sets author or village, not \"%.40s\"; see: "
                        "sae-node config --help", argv[1]);
    if (argc != 1 && argc != 3 && !json)
        return cli_fail(SAE_EINVAL, "usage: sae-node config [--json] | config author NAME | "
                        "config village VILLAGE");
    int status = cli_open(cli, &store);
    if (status != SAE_EXIT_OK)
        return status;
    if (argc == 3) {
        status = set(cli, store, argv[1], argv[2]);
    } else {
        int rc = show(store, json);
        status = rc == 0 ? SAE_EXIT_OK : cli_fail_store(rc, NULL, cli);
    }
    node_store_close(store);
    return status;
}
