/* Helpers shared by the admin commands (cli_reports.c, cli_conflicts.c, cli_export.c, in
 * cli_admin.c):
 * each prints its one-line error itself and returns an exit status. */
#ifndef HUB_CLI_ADMIN_H
#define HUB_CLI_ADMIN_H

#include "cli/cli.h"
#include "render/render.h"
#include "sae/sae_area.h"
#include "sae/sae_limits.h"

/* Longest --by NAME and --note TEXT, in bytes of UTF-8: what the wire carries. */
#define HUB_AUTHOR_BYTES SAE_LIMIT_PERSON_BYTES
#define HUB_NOTE_BYTES SAE_LIMIT_NOTE_BYTES

/* Closes store (may be NULL) and flushes stdout; the final exit status. */
int hub_admin_finish(struct hub_store *store, int status);
/* Prints why, or a plain explanation of rc, and returns the exit status. */
int hub_admin_fail_store(int rc, const struct sae_message *why, const struct hub_cli *cli);
/* Resolves a report id or prefix among the hub's reports. */
int hub_admin_resolve(struct hub_store *store, const char *arg, char id[SAE_ID_TEXT_LEN + 1]);
/* Checks --by NAME (required) and --note TEXT (optional). */
int hub_admin_check_author(const char *command, const char *author, const char *note);
/* --by NAME must name an enabled account (store/hub_accounts.h). */
int hub_admin_check_account(struct hub_store *store, const char *name);
/* The audit's actor of a change made on the command line: --by (by, when given: an enabled
 * account), else the account named like the OS user, else "os:USER". An exit status. */
int hub_admin_actor(struct hub_store *store, const char *by, char *out, size_t cap);
/* An audit row for a change made on the command line (address "cli"). */
int hub_admin_audit(struct hub_store *store, const char *actor, const char *action,
                    const char *target);
/* A value given to a command: the option's argument itself, or (from_file) the content of
 * the file or standard input it names (sae/sae_cli_value.h). A sensitive field's value is
 * refused as an argument, the refusal naming file_option (FIELD=PATH when names_field). */
struct hub_value_arg {
    const char *text;
    bool from_file;
    const char *option, *file_option;
    bool names_field;
};
/* Validates the value for field of a report of village by the catalogue into its canonical
 * form (malloc'd). A reference may be a report id, prefix or registration number; it must
 * name a report of the field's ref_kind in the same village that is not deleted. An area
 * may be its code or its name in the official list. 0 or an SAE code, why set. */
int hub_admin_canonical_value(struct hub_store *store, const struct sae_field *field,
                              const char *village, const struct hub_value_arg *arg, char **out,
                              struct sae_message *why);
/* --village V of a command: a code or a unique name of the hub's list of areas, as its
 * code; prints option's refusal (the nearest names or the candidates) otherwise. */
int hub_admin_village(struct hub_store *store, const char *option, const char *text,
                      char code[SAE_AREA_CODE_BYTES]);
/* Tells (stderr) of every village from before the list that no village matched, with the
 * command that fixes it. An SAE code. */
int hub_admin_print_unlisted(struct hub_store *store);
/* "case, service, referral". */
const char *hub_admin_kind_names(void);

#endif
