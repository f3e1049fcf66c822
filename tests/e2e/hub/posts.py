"""Posts as the end-to-end tests make them with a real hub: a node directory whose changes
are by "Staf NAME", enrolled with a bundle for "Laptop NAME", and one sync round."""
import saenode


def node(tmp_path, name, village=saenode.VILLAGE):
    """A post in tmp_path/NAME whose changes are by "Staf NAME", not enrolled yet."""
    return saenode.init(str(tmp_path / name), village, author="Staf %s" % name)


def enroll(hub, post, name, village=saenode.VILLAGE):
    """Enrolls post with a new bundle of hub for "Laptop NAME"; returns post."""
    saenode.ok(["enroll", hub.add_node(village, name="Laptop %s" % name)], dir=post)
    return post


def enrolled(hub, tmp_path, name, village=saenode.VILLAGE):
    """A post in tmp_path/NAME, enrolled with hub (it enrolls on its first sync)."""
    return enroll(hub, node(tmp_path, name, village), name, village)


def sync(post, *extra, check=True):
    """One `sae-node sync --json` round: its JSON, the round asserted ok; with check=False,
    the run itself (saenode.Result), whatever it gave."""
    res = saenode.run(["sync", "--json", *extra], dir=post)
    if not check:
        return res
    assert res.rc == 0 and res.json()["ok"], res
    return res.json()
