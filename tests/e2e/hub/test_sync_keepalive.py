"""`sae-node run` keeps its connection to the hub (and its TLS session) from one round to the
next. A link that breaks on that kept connection in the middle of a later round, while the
post sends a batch or while the hub answers it (after the hub committed it), loses nothing
and repeats nothing: the request goes again on a new connection (libcurl's one retry on a
reused connection, or the next round), and every change is at the hub exactly once.

Real sae-node and sae-hub processes, real HTTPS on 127.0.0.1 through the fault proxy."""
import signal
import subprocess
import time

import pytest

import saenode
from faultproxy import Fault, FaultProxy, PASS
from posts import node

VILLAGE = "Sumberanyar"
CASES = 12
NEVER = 1 << 40  # a cut not armed yet


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def sent_runs(row):
    """Bytes the proxy forwarded on one connection, merged into runs of one direction."""
    runs = []
    for _, direction, kind, n in row["trace"]:
        if kind != "sent":
            continue
        if runs and runs[-1][0] == direction:
            runs[-1][1] += n
        else:
            runs.append([direction, n])
    return runs


def quiet(proxy, seconds=1.0):
    """True once nothing has moved through the proxy for seconds."""
    before = proxy.stats()
    time.sleep(seconds)
    after = proxy.stats()
    return (before["bytes_up"], before["bytes_down"]) == (after["bytes_up"], after["bytes_down"])


def start_run(hub, tmp_path, proxy, interval):
    """A post enrolled through proxy, its `run` started at interval seconds and its first
    round over (the proxy quiet); returns the post's directory and the runner."""
    post = node(tmp_path, "a")
    saenode.ok(["enroll", hub.add_node(VILLAGE, name="Laptop a", port=proxy.port)], dir=post)
    runner = subprocess.Popen([saenode.BIN, "-d", post, "run", "--interval", str(interval)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=saenode.clean_env())
    try:
        assert wait_for(lambda: saenode.ok(["status", "--json"], dir=post).json()["last_sync"]
                        is not None), "the first round never ended"
        assert wait_for(lambda: quiet(proxy))
    except BaseException:
        runner.kill()
        runner.communicate(timeout=90)
        proxy.stop()
        raise
    return post, runner


@pytest.mark.serial  # waits on run's rounds and its back-off
@pytest.mark.parametrize("direction", ["up", "down"])
def test_cut_of_the_kept_connection_mid_round_loses_and_repeats_nothing(hub, tmp_path,
                                                                        direction):
    cut = Fault("cut_" + direction, after=NEVER)
    proxy = FaultProxy(hub.port, plan=lambda i: cut if i == 0 else PASS, trace=True).start()
    # A long interval: the second round starts on the new changes, on the kept connection.
    post, runner = start_run(hub, tmp_path, proxy, 3600)
    try:
        first = proxy.connection_log()
        assert len(first) == 1 and first[0]["open"], first
        runs = sent_runs(first[0])
        last_up = max(n for d, n in runs[-2:] if d == "up")
        last_down = max(n for d, n in runs[-2:] if d == "down")
        # The next round pulls first (a request and an answer the size of the last ones),
        # then pushes: the cut lands inside the batch going up, or inside its acknowledgement
        # coming down, after the hub committed the batch.
        if direction == "up":
            cut.after = first[0]["bytes_up"] + last_up + 300
        else:
            cut.after = first[0]["bytes_down"] + last_down + 20
        for _ in range(CASES):
            saenode.add_case(post)
        assert wait_for(lambda: saenode.ok(["status", "--json"], dir=post).json()["pending"]
                        == 0, seconds=90), "the runner did not send everything after the cut"
    finally:
        runner.send_signal(signal.SIGTERM)
        _, err = runner.communicate(timeout=90)
        proxy.stop()
    assert runner.returncode == 0, err
    stats = proxy.stats()
    assert stats["faults"] == {"cut_" + direction: 1}, stats
    log = proxy.connection_log()
    # The cut connection was the one the first round opened: the second round reused it.
    assert log[0]["kind"] == "cut_" + direction and log[0]["fault_done"], log[0]
    assert len(log) >= 2, "no new connection after the cut"
    # Either libcurl sent the request again on a new connection (it does so once when a
    # reused connection dies before any answer) or the round failed and the next one
    # connected anew: whichever, the batch reached the hub again and counts once.
    assert all("sync ok" in line or "no connection" in line or "running:" in line or
               "stopping:" in line for line in err.decode().splitlines()), err
    status = saenode.ok(["status", "--json"], dir=post).json()
    origin = int(status["origin"], 16)
    at_hub = hub.query("SELECT count(*), count(DISTINCT node_seq) FROM change WHERE origin = ?",
                       (origin,))[0]
    assert at_hub == (status["changes"], status["changes"]), (at_hub, status)
    assert hub.query("SELECT count(*) FROM report") == [(CASES,)]
    check = saenode.run(["check"], dir=post)
    assert check.rc == 0, check


# Not serial: it counts connections and bytes, not time, and mostly sleeps between run's two
# rounds 125 s apart; beside the other tests that sleep costs the suite nothing, as long as it
# starts early (tests/e2e/conftest.py).
@pytest.mark.starts_first
def test_run_reuses_its_connection_past_the_idle_timeouts(hub, tmp_path):
    """SAE_WIRE_KEEP_IDLE_S: the hub keeps an enrolled post's connection open past the 60 s
    every other connection gets, and the post reuses it past libcurl's own 118 s: run's
    second round, 125 s after the first, opens no connection and costs one round trip."""
    proxy = FaultProxy(hub.port, trace=True).start()
    _, runner = start_run(hub, tmp_path, proxy, 125)
    try:
        first = proxy.stats()
        assert first["connections"] == 1, first
        assert wait_for(lambda: proxy.stats()["bytes_up"] > first["bytes_up"] and
                        quiet(proxy), seconds=180), "no second round"
        second = proxy.stats()
    finally:
        runner.send_signal(signal.SIGTERM)
        _, err = runner.communicate(timeout=90)
        proxy.stop()
    assert runner.returncode == 0, err
    assert err.decode().count("sync ok") >= 2, err
    assert second["connections"] == 1, second
    assert second["round_trips"] - first["round_trips"] == 1, (first, second)
    moved = (second["bytes_up"] + second["bytes_down"] - first["bytes_up"] -
             first["bytes_down"])
    assert moved <= 1024, moved
