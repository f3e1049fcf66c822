"""`make demo` run without a terminal (issue 9): it used to delete its directory at the end
while the commands it had just printed pointed into it. Now it keeps the directory, and says
where it is, how to serve the hub again, and how to remove it; every command it prints then
works as printed, from any directory.

The demo runs as `make demo` runs it (scripts/demo.sh BUILD_DIR), with standard input and
output not a terminal, its directory under this test's own TMPDIR. Where the machine allows,
the demo and the commands tried after it each run in a network namespace of their own, so
the port the demo's hub had is still free when the test serves the hub again.
"""
import http.cookiejar
import os
import re
import subprocess
import urllib.parse
import urllib.request

import pytest

from repotree import REPO, isolated, isolation, programs, user_env


def run_demo(tmp_path):
    node, hub = programs()
    if os.path.dirname(node) == os.path.dirname(hub):
        args = [os.path.dirname(node)]
    else:
        args = [node, hub]
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    env = user_env(home, "/nonexistent")  # the demo names its programs by path
    env["TMPDIR"] = str(tmp)
    argv = isolated(isolation(), ["sh", str(REPO / "scripts" / "demo.sh")] + args)
    proc = subprocess.run(argv, cwd=tmp_path,
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=600)
    return proc.returncode, proc.stdout.decode(), tmp, env


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    rc, out, tmp, env = run_demo(tmp_path_factory.mktemp("demo"))
    assert rc == 0, out[-5000:]
    work = re.search(r"^# Every command below .*\n#   (\S+)$", out, re.M)
    assert work, out[:2000]
    return {"out": out, "work": work.group(1), "tmp": tmp, "env": env}


def printed_block(out, after):
    """The indented command lines printed after the line matching `after` (and the comment
    lines right after it), up to the next line that is not indented; comments left out."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(after, line))
    block, started = [], False
    for line in lines[start + 1:]:
        if line.startswith("  "):
            started = True
            if not line.strip().startswith("#"):
                block.append(line.strip())
        elif started or not line.startswith("#"):
            break
    return block


def sh(script, env, cwd, timeout=300):
    proc = subprocess.run(isolated(isolation(), ["sh", "-eu", "-c", script]), cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_the_directory_is_kept_and_named(demo):
    work, out = demo["work"], demo["out"]
    assert os.path.dirname(work) == os.path.realpath(demo["tmp"]), work
    for name in ("hub", "wonokerso-pos", "wonokerso-pendamping", "ngadisari-pos", "bundles",
                 "hub-serve.log"):
        assert os.path.exists(os.path.join(work, name)), name
    assert "Removed " not in out
    assert "Its files stay in %s." % work in out
    assert out.rstrip().endswith("# The demo files are kept in %s" % work), out[-500:]


def test_the_repeat_hint_works(demo, tmp_path):
    """The first lines say how to repeat a command shown as `$ sae-node ...`."""
    hint = re.search(r"^# To repeat one, first: (.+)$", demo["out"], re.M)
    assert hint, demo["out"][:1000]
    shown = re.search(r"^\$ (sae-node -d wonokerso-pos check)$", demo["out"], re.M)
    assert shown
    rc, out, err = sh(hint.group(1) + "\n" + shown.group(1), demo["env"], tmp_path)
    assert rc == 0, (out, err)
    assert out.startswith("journal ok: "), out


def test_the_printed_commands_work_after_the_demo(demo, tmp_path):
    out, work = demo["out"], demo["work"]
    commands = printed_block(out, r"^== 16\. ")
    assert len(commands) >= 7, commands
    assert all(work in c for c in commands), commands
    # The end says how to serve the hub again and how to stop it.
    serve = printed_block(out, r"^# .*serve the hub$")
    stop = printed_block(out, r"^# and stop it afterwards with:$")
    assert len(serve) == 1 and serve[0].endswith(" &") and " serve --listen " in serve[0], serve
    assert stop == ["kill $!"], stop
    log = os.path.join(work, "hub-serve.log")
    script = "\n".join(
        [serve[0],
         # (the test's own lines: stop the hub whatever happens, wait until it listens)
         'hub=$!; trap \'kill "$hub" 2>/dev/null || true\' EXIT',
         'tries=0; until [ "$(grep -c "listening on" %s)" -ge 2 ]; do' % log,
         '  tries=$((tries + 1)); [ "$tries" -lt 300 ]; sleep 0.1; done'] +
        ["echo '>>> %s'; %s" % (c.replace("'", ""), c) for c in commands] +
        [stop[0], 'wait "$hub"'])
    rc, stdout, stderr = sh(script, demo["env"], tmp_path)
    assert rc == 0, (stdout[-4000:], stderr[-4000:])
    # The coordinator's decision reached the outreach worker's laptop.
    shown = stdout.split(">>> ")
    pendamping_show = next(s for s in shown if "wonokerso-pendamping show" in s.split("\n")[0])
    assert re.search(r"^  risk_level +high ", pendamping_show, re.M), pendamping_show
    conflicts = next(s for s in shown if "conflicts list --all" in s.split("\n")[0])
    assert re.search(r"^ +1 +resolved +hard ", conflicts, re.M), conflicts


def test_the_post_app_ran_beside_the_console_with_a_one_time_passphrase(demo, tmp_path):
    """Step 17: the post's app was served, its address printed beside the console's, and
    the printed one-time passphrase signs its head in (the app served again on the kept
    directory, as the demo served it)."""
    out, work = demo["out"], demo["work"]
    app = re.search(r"^# Post app \(Rumah SAE Wonokerso\): (http://127\.0\.0\.1:\d+)/$", out,
                    re.M)
    console = re.search(r"^# Console \(district\): +https://127\.0\.0\.1:\d+/console/$", out,
                        re.M)
    assert app and console, out[-3000:]
    assert console.start() == out.index("\n", app.start()) + 1  # on the next line
    secret = re.search(r"^one-time passphrase for Siti Rahayu: (\S{16})$", out, re.M)
    assert secret, out[-3000:]
    assert "the post\n# app stopped (exit status 0)" in out
    post = os.path.join(work, "wonokerso-pos")
    node, _ = programs()
    serve = subprocess.Popen([node, "-d", post, "serve", "--listen", "127.0.0.1:0"],
                             env=demo["env"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        url = re.match(r"^post app: (\S+)/$", serve.stdout.readline().decode()).group(1)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(url + "/sign-in", timeout=60).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrf": csrf, "name": "Siti Rahayu",
                                       "passphrase": secret.group(1)}).encode()
        home = opener.open(url + "/sign-in", data=data, timeout=60).read().decode()
        assert "Selamat datang, Siti Rahayu" in home
    finally:
        serve.terminate()
        assert serve.wait(timeout=60) == 0


def test_the_printed_rm_removes_the_directory(demo, tmp_path):
    rm = printed_block(demo["out"], r"^# When you are done, remove the demo's files with:$")
    assert rm == ["rm -rf %s" % demo["work"]], rm
    rc, out, err = sh(rm[0], demo["env"], tmp_path)
    assert rc == 0, err
    assert not os.path.exists(demo["work"])


def test_keep_0_removes_it_and_prints_no_way_back(tmp_path):
    """KEEP=0 asks for the old behaviour: the directory goes, and the end says so."""
    node, hub = programs()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = user_env(tmp_path, "/nonexistent")
    env.update(TMPDIR=str(tmp), KEEP="0")
    argv = isolated(isolation(), ["sh", str(REPO / "scripts" / "demo.sh"), node, hub])
    proc = subprocess.run(argv, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
    out = proc.stdout.decode()
    assert proc.returncode == 0, (out[-3000:], proc.stderr[-3000:])
    assert os.listdir(tmp) == []
    assert "serve the hub" not in out and "rm -rf" not in out
    assert re.search(r"^# Removed \S+ \(run with KEEP=1 to keep it\)\.$", out, re.M), out[-500:]
