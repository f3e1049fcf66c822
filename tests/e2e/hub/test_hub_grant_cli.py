"""`sae-hub nodes grant ID --as COORDINATOR` (README "What a post receives of sensitive values,
and grants"): the coordinator's password comes from standard input (a prompt with echo off on
a terminal), never an argument; a wrong password, or none, is refused with one line, exit
status 2, and grants nothing; the right one with nothing owed grants nothing and audits
nothing. The grants themselves: test_sealed_pull.py and tests/unit/test_grant.c."""
import subprocess

import hubproc
import saenode
from hubcli_world import assert_usage_error


def grant(hub, device, name, stdin):
    proc = subprocess.run([hubproc.BIN, "-d", hub.dir, "nodes", "grant", device, "--as", name],
                          input=stdin, capture_output=True, env=hubproc.hub_env(), timeout=60)
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in proc.stderr, proc
    return proc


def test_the_password_is_read_and_a_wrong_one_grants_nothing(hub, tmp_path):
    post = saenode.init(str(tmp_path / "post"))
    saenode.ok(["enroll", hub.add_node(saenode.VILLAGE, name="Laptop Baru")], dir=post)
    assert saenode.run(["sync"], dir=post).rc == 0
    device = hub.nodes()[0]["id"]
    password = hub.add_account("siti", "coordinator")
    before = hub.snapshot(("value_grant", "sealed_value", "audit"))
    for stdin, words in ((b"not-her-password\n", "wrong password for siti"),
                         (b"", "no password of siti on standard input")):
        proc = grant(hub, device, "siti", stdin)
        assert_usage_error(proc, words, "nothing was granted")
        assert hub.snapshot(("value_grant", "sealed_value", "audit")) == before
    done = grant(hub, device, "siti", (password + "\n").encode())
    assert done.returncode == 0, done
    assert done.stdout.decode() == ("granted 0 value(s) to %s (Laptop Baru): it receives them "
                                    "at its next sync\n" % device)
    assert hub.query("SELECT count(*) FROM audit WHERE action = 'values-grant'") == [(0,)]
