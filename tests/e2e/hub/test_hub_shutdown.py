"""SIGTERM while posts are pushing: the daemon finishes what is in flight, exits 0, and every
batch that was answered 200 is in hub.db; after a restart another device pulls all of it."""
import os
import signal
import threading

import requests

import hubproc
import saeproto

NEW_CASE = {"status": "new", "violence_type": "physical", "victim_sex": "F",
            "intake_date": "2026-01-05"}
WRITERS = 4
ACKS_BEFORE_STOP = 40


def push_until_refused(device, acked, outcomes, counter, enough, lock):
    """Pushes new cases until the hub stops answering 200; records each acknowledged
    batch's changes in acked, and how the stream ended in outcomes."""
    device.session = device.new_session()
    try:
        while True:
            changes = device.write(saeproto.new_report_id(), "case", NEW_CASE)
            try:
                answer = device.push(changes)
            except requests.exceptions.RequestException as e:
                outcomes.append(("connection", type(e).__name__))
                return
            if answer.status != 200:
                outcomes.append(("status", answer.status, answer.text))
                return
            with lock:
                assert answer.message.acked_seq == changes[-1].seq, answer
                assert not answer.message.refusals, answer
                acked.extend(changes)
                counter[0] += 1
                if counter[0] >= ACKS_BEFORE_STOP:
                    enough.set()
    except BaseException as e:  # surfaced by the test, never lost in the thread
        outcomes.append(("exception", repr(e)))
        enough.set()
    finally:
        device.session.close()
        device.session = None


def test_sigterm_during_pushes_keeps_every_acknowledged_batch(hub, enroll):
    writers = [enroll(hub, "Sumberanyar", "Laptop %d" % i) for i in range(WRITERS)]
    reader = enroll(hub, "Sumberanyar", "Reader")
    acked, outcomes, counter = [], [], [0]
    enough, lock = threading.Event(), threading.Lock()
    threads = [threading.Thread(target=push_until_refused,
                                args=(w, acked, outcomes, counter, enough, lock))
               for w in writers]
    for t in threads:
        t.start()
    # A guard, not a measurement: the writers set the event after 40 acknowledgements.
    assert enough.wait(timeout=120), outcomes
    rc = hub.stop()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive()
    log = hub.log_text()
    for marker in hubproc.CRASH_MARKERS:
        assert marker not in log
    assert rc == 0, log[-3000:]
    assert b"SIGTERM: finishing requests in flight" in log and log.rstrip().endswith(b"stopped")
    # Every writer stopped on a refused connection or the hub's "shutting down" answer
    # (503), never on another failure.
    assert len(outcomes) == WRITERS, outcomes
    for outcome in outcomes:
        assert outcome[0] == "connection" or outcome[:2] == ("status", 503), outcomes

    # Every acknowledged change is in hub.db, with its value.
    stored = {(origin, seq): value for _, _, value, _, origin, _, _, seq, _, _
              in hub.changes()}
    missing = [c.key for c in acked if stored.get(c.key) != c.value]
    assert missing == [], "acknowledged but not in hub.db: %r" % missing[:10]
    assert len(acked) >= ACKS_BEFORE_STOP * len(NEW_CASE)

    # Restarted, the hub serves all of it to another device of the village.
    hub.start()
    reader.url = hub.url
    got, _ = reader.pull_all()
    received = {c.key: c.value for c in got}
    assert all(received.get(c.key) == c.value for c in acked)
    assert set(received) == set(stored)


def signal_blocked(status_text, signal_number):
    """Whether a /proc/PID/task/TID/status text says the thread blocks signal_number."""
    for line in status_text.splitlines():
        if line.startswith("SigBlk:"):
            return bool(int(line.split()[1], 16) >> (signal_number - 1) & 1)
    raise AssertionError("no SigBlk line in %r" % status_text)


def test_only_the_thread_waiting_for_them_takes_the_stop_signals(hub):
    """serve waits for SIGTERM, SIGINT and SIGHUP in one thread (sigwait); a thread that did
    not block them could take one, and its default action would end the daemon unclean
    (exit -15 instead of 0: seen under load when the duplicates' thread, started before serve
    blocked them, took the SIGTERM)."""
    tasks = "/proc/%d/task" % hub.proc.pid
    taking = []
    for tid in sorted(os.listdir(tasks), key=int):
        if int(tid) == hub.proc.pid:
            continue  # the main thread, in sigwait: the kernel shows them unblocked there
        with open(os.path.join(tasks, tid, "status")) as f:
            status = f.read()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if not signal_blocked(status, sig):
                taking.append((tid, status.split("\n", 1)[0], sig.name))
    assert len(os.listdir(tasks)) > 1  # the daemon has threads other than the main one
    assert taking == [], taking
