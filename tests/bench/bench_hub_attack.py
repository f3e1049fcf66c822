#!/usr/bin/python3
"""bench_hub_attack: the real sae-hub under the audit's attacks on 127.0.0.1, each figure
beside a baseline measured in the same run (issue 9, section 3):

- health latency, p50 and p99 of 100 GET /v1/health on new connections, during slowloris
  (1,000 slow-header connections from 40 addresses of 127.0.0.0/8 plus slowhttptest -H with
  300 connections from 127.0.0.1) beside the same without attack;
- the hub's peak memory (VmHWM) under 500 uploads at once (250 real 2 MiB pushes, 150 slow
  bodies, 100 absurd Content-Lengths) beside its memory when idle (VmRSS after start);
- log bytes per refused request under wrk's 100,000 requests (429 past the address's burst)
  beside the bytes of one request's log line, which each refusal wrote before the log limit.

Each attack is bounded in connections and time; every hub is a fresh one in a scratch
directory, stopped at the end.

Usage (`make bench` runs it):
  /usr/bin/python3 tests/bench/bench_hub_attack.py [--hub BIN]
Without slowhttptest or wrk installed it says so and exits 0 (skipped).
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(REPO, "tests", "e2e", "hub"), os.path.join(REPO, "tests", "e2e")]

NAME = "bench_hub_attack"
PROBES = 100
VILLAGE = "Desa Sumberasih"


def say(line):
    print(line, flush=True)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100.0 * len(ordered)))]


def latencies(attack, hub):
    out = []
    for _ in range(PROBES):
        status, seconds = attack.probe_health(hub)
        if status != 200:
            raise RuntimeError("health answered %s" % status)
        out.append(seconds * 1000)
    return percentile(out, 50), percentile(out, 99)


def bench_health(attack, hubproc, work):
    hub = hubproc.Hub(os.path.join(work, "health")).init().start()
    try:
        calm = latencies(attack, hub)
        slow = attack.SlowClients(hub.port, attack.sources(40), 25, limit=120).start()
        tool = attack.slowhttptest(hub.port, "-H", seconds=60)
        try:
            if not slow.wait_open(1000, timeout=60):
                raise RuntimeError("the slow clients could not open 1,000 connections")
            under = latencies(attack, hub)
            held = slow.open_now
        finally:
            slow.stop()
            tool.finish(signal.SIGINT)
    finally:
        hub.stop()
    say("  health without attack: p50 %.1f ms, p99 %.1f ms (%d probes, new connection each)"
        % (calm[0], calm[1], PROBES))
    say("  health during slowloris (%d slow connections held from 40 addresses + slowhttptest"
        " -H from 127.0.0.1): p50 %.1f ms, p99 %.1f ms" % (held, under[0], under[1]))
    say("  ratio under attack / without: p50 %.2f x, p99 %.2f x"
        % (under[0] / calm[0], under[1] / calm[1]))
    return under[1] / calm[1]


def bench_memory(attack, hubproc, saeproto, work):
    hub = hubproc.Hub(os.path.join(work, "memory")).init().start()
    try:
        envelopes = []
        for i in range(4):
            device = saeproto.Device(hub.add_node(VILLAGE), name="Laptop %d" % i)
            if device.enroll().status != 200:
                raise RuntimeError("enrollment failed")
            envelopes.append(attack.big_push(device))
        idle = attack.vm_kib(hub.proc.pid, "VmRSS")
        slow = attack.SlowClients(hub.port, attack.sources(10, third_octet=3), 15, mode="body",
                                  interval=2, limit=300).start()
        try:
            slow.wait_open(150, timeout=60)
            honest, absurd = attack.upload_mix(hub.port, envelopes, honest=250, absurd=100)
        finally:
            slow.stop()
        peak = attack.vm_kib(hub.proc.pid, "VmHWM")
    finally:
        hub.stop()
    statuses = {}
    for status, _ in honest + absurd:
        statuses[status] = statuses.get(status, 0) + 1
    say("  500 uploads at once: answers %s" % ", ".join(
        "%s x %d" % (s, n) for s, n in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
    say("  hub memory: idle %.1f MiB, peak under the uploads %.1f MiB (aim < 256 MiB); "
        "ratio peak / idle %.1f x" % (idle / 1024, peak / 1024, peak / idle))
    return peak / idle


def bench_log(attack, hubproc, work):
    hub = hubproc.Hub(os.path.join(work, "log")).init().start()
    try:
        before = len(hub.log_text())
        done, refused, _ = attack.wrk_flood(hub.url + "/v1/health", 100000)
        time.sleep(11)  # the last window's summary
        log = hub.log_text()[before:]
    finally:
        hub.stop()
    lines = [line for line in log.split(b"\n") if b" 429 in=" in line]
    one_line = sum(len(line) + 1 for line in lines) / max(1, len(lines))
    per_refusal = len(log) / max(1, refused)
    say("  wrk: %d requests, %d refused (429); the hub wrote %d bytes of log: %.3f bytes per "
        "refused request" % (done, refused, len(log), per_refusal))
    say("  one request's log line: %.0f bytes (each refusal wrote one before); ratio %.4f"
        % (one_line, per_refusal / one_line))
    return per_refusal / one_line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hub", default=os.environ.get("SAE_HUB_BIN") or
                        os.path.join(REPO, "build", "sae-hub"))
    args = parser.parse_args(argv)
    missing = [t for t in ("slowhttptest", "wrk", "protoc") if not shutil.which(t)]
    if missing:
        say("%s: skipped: %s not installed (make deps installs them)" % (NAME, ", ".join(missing)))
        return 0
    os.environ["SAE_HUB_BIN"] = os.path.abspath(args.hub)
    import attack
    import hubproc
    import saeproto
    say("%s: sae-hub under attack on 127.0.0.1, each figure beside a baseline of this run" % NAME)
    with tempfile.TemporaryDirectory(prefix="sae-bench-attack-") as work:
        saeproto.load_schema(os.path.join(REPO, "proto", "sae.proto"), work)
        health = bench_health(attack, hubproc, work)
        memory = bench_memory(attack, hubproc, saeproto, work)
        log = bench_log(attack, hubproc, work)
    say("%s: health p99 under slowloris %.2f x calm; peak memory under 500 uploads %.1f x "
        "idle; log per refused request %.4f x one line" % (NAME, health, memory, log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
