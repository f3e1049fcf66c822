/* Process hardening (include/sae/sae_harden.h), in a child process each so the test runner
 * keeps its own limits: after the call no core file can be written (soft and hard limit 0,
 * and raising it again is refused), and a daemon is not dumpable while a command is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sae/sae_harden.h"

/* 0 when the child saw what a hardened process must; a bit per failed check otherwise. */
static int child_checks(bool daemon)
{
    struct rlimit limit, raise = {1024 * 1024, 1024 * 1024};
    int failed = 0;
    if (sae_harden_process(daemon) != 0)
        failed |= 1;
    if (getrlimit(RLIMIT_CORE, &limit) != 0 || limit.rlim_cur != 0 || limit.rlim_max != 0)
        failed |= 2;
    if (getuid() != 0 && setrlimit(RLIMIT_CORE, &raise) == 0)
        failed |= 4; /* root may raise a hard limit: the check means something for others */
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != (daemon ? 0 : 1))
        failed |= 8;
    return failed;
}

static int run_child(bool daemon)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_checks(daemon));
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void test_command_gets_no_core(void **state)
{
    (void)state;
    assert_int_equal(run_child(false), 0);
}

static void test_daemon_not_dumpable(void **state)
{
    (void)state;
    assert_int_equal(run_child(true), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_gets_no_core),
        cmocka_unit_test(test_daemon_not_dumpable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
