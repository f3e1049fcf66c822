/* include/sae/sae_cli_options.h: one table of options parsed for a command, each kind at
 * its edges (a list at its most and one past it, a number at both ends of its range and
 * just outside), the errors' exit status, help, and arguments mixed among the options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "sae/sae_cli.h"
#include "sae/sae_cli_options.h"

struct parsed {
    bool json, days_given;
    const char *name;
    const char *hosts[2];
    size_t host_count;
    long days;
    char calls[8];
    size_t call_count;
};

static int take_call(void *context, int id, const char *value)
{
    struct parsed *p = context;
    if (value && strcmp(value, "refuse") == 0)
        return SAE_EXIT_OTHER;
    p->calls[p->call_count++] = (char)id;
    return SAE_EXIT_OK;
}

/* Parses the NULL-terminated words (the command's name first) into p. */
static int parse(struct parsed *p, bool *help, char **words)
{
    int argc = 0;
    while (words[argc])
        argc++;
    memset(p, 0, sizeof *p);
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_FLAG("json", 0, &p->json),
        SAE_CLI_OPT_TEXT("name", 'n', &p->name),
        SAE_CLI_OPT_LIST("host", 'H', p->hosts, &p->host_count, 2),
        SAE_CLI_OPT_NUMBER("days", 'D', &p->days, &p->days_given, 1, 10),
        SAE_CLI_OPT_CALL("up", false, take_call, p, 'u'),
        SAE_CLI_OPT_CALL("set", true, take_call, p, 's'),
    };
    return sae_cli_options("test", "thing", options, sizeof options / sizeof options[0], argc,
                           words, help);
}

static void test_each_kind_and_arguments_among_options(void **state)
{
    (void)state;
    struct parsed p;
    bool help = true;
    char *words[] = {"thing", "first", "--json", "-n", "a", "--host", "h1", "second", "-H",
                     "h2", "--days", "10", "--set", "x", "--up", "--name=b", NULL};
    assert_int_equal(parse(&p, &help, words), SAE_EXIT_OK);
    assert_false(help);
    assert_true(p.json);
    assert_string_equal(p.name, "b"); /* the last one given */
    assert_int_equal(p.host_count, 2);
    assert_string_equal(p.hosts[0], "h1");
    assert_string_equal(p.hosts[1], "h2");
    assert_int_equal(p.days, 10);
    assert_true(p.days_given);
    assert_int_equal(p.call_count, 2);
    assert_memory_equal(p.calls, "su", 2); /* in the order given */
    assert_int_equal(16 - optind, 2);      /* the arguments, moved after the options */
    assert_string_equal(words[optind], "first");
    assert_string_equal(words[optind + 1], "second");
}

static void test_limits_at_their_edges(void **state)
{
    (void)state;
    struct parsed p;
    bool help = false;
    char *one[] = {"thing", "-D", "1", NULL}; /* the short letter of a number */
    assert_int_equal(parse(&p, &help, one), SAE_EXIT_OK);
    assert_int_equal(p.days, 1);
    char *zero[] = {"thing", "--days", "0", NULL};
    assert_int_equal(parse(&p, &help, zero), SAE_EXIT_USAGE);
    char *eleven[] = {"thing", "--days", "11", NULL};
    assert_int_equal(parse(&p, &help, eleven), SAE_EXIT_USAGE);
    char *signed_days[] = {"thing", "--days", "+5", NULL};
    assert_int_equal(parse(&p, &help, signed_days), SAE_EXIT_USAGE);
    char *trailing[] = {"thing", "--days", "5x", NULL};
    assert_int_equal(parse(&p, &help, trailing), SAE_EXIT_USAGE);
    char *empty[] = {"thing", "--days", "", NULL};
    assert_int_equal(parse(&p, &help, empty), SAE_EXIT_USAGE);
    char *hosts[] = {"thing", "-H", "a", "-H", "b", "-H", "c", NULL};
    assert_int_equal(parse(&p, &help, hosts), SAE_EXIT_USAGE);
    assert_int_equal(p.host_count, 2);
}

static void test_refusals_and_help(void **state)
{
    (void)state;
    struct parsed p;
    bool help = false;
    char *unknown[] = {"thing", "--nope", NULL};
    assert_int_equal(parse(&p, &help, unknown), SAE_EXIT_USAGE);
    char *unknown_short[] = {"thing", "-z", NULL};
    assert_int_equal(parse(&p, &help, unknown_short), SAE_EXIT_USAGE);
    char *missing[] = {"thing", "--name", NULL};
    assert_int_equal(parse(&p, &help, missing), SAE_EXIT_USAGE);
    char *flag_value[] = {"thing", "--json=1", NULL};
    assert_int_equal(parse(&p, &help, flag_value), SAE_EXIT_USAGE);
    char *call_refuses[] = {"thing", "--set", "refuse", NULL};
    assert_int_equal(parse(&p, &help, call_refuses), SAE_EXIT_OTHER);
    char *asks[] = {"thing", "--json", "-h", "--nope", NULL};
    assert_int_equal(parse(&p, &help, asks), SAE_EXIT_OK);
    assert_true(help);
    char *ended[] = {"thing", "--", "--json", NULL};
    assert_int_equal(parse(&p, &help, ended), SAE_EXIT_OK);
    assert_false(help);
    assert_false(p.json);
    assert_string_equal(ended[optind], "--json");
}

/* A table of SAE_CLI_OPTIONS_MAX options is parsed; one more is refused, nothing taken. */
static void test_table_at_its_most(void **state)
{
    (void)state;
    static const char *const names[SAE_CLI_OPTIONS_MAX + 1] = {
        "o0",  "o1",  "o2",  "o3",  "o4",  "o5",  "o6",  "o7",  "o8",  "o9",  "o10", "o11", "o12",
        "o13", "o14", "o15", "o16", "o17", "o18", "o19", "o20", "o21", "o22", "o23", "o24"};
    bool seen[SAE_CLI_OPTIONS_MAX + 1] = {false};
    struct sae_cli_option options[SAE_CLI_OPTIONS_MAX + 1];
    for (size_t i = 0; i <= SAE_CLI_OPTIONS_MAX; i++)
        options[i] = (struct sae_cli_option)SAE_CLI_OPT_FLAG(names[i], 0, &seen[i]);
    char *words[] = {"thing", "--o0", "--o23", NULL};
    bool help = false;
    assert_int_equal(sae_cli_options("test", "thing", options, SAE_CLI_OPTIONS_MAX, 3, words,
                                     &help), SAE_EXIT_OK);
    assert_true(seen[0] && seen[23]);
    seen[0] = seen[23] = false;
    assert_int_equal(sae_cli_options("test", "thing", options, SAE_CLI_OPTIONS_MAX + 1, 3,
                                     words, &help), SAE_EXIT_USAGE);
    assert_false(seen[0] || seen[23]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind_and_arguments_among_options),
        cmocka_unit_test(test_limits_at_their_edges),
        cmocka_unit_test(test_refusals_and_help),
        cmocka_unit_test(test_table_at_its_most),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
