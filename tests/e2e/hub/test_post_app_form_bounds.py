"""Each route of the post app bounds its own form (web/app/route.h's fields_max), over real
HTTP against a real `sae-node serve`: the sign-in form takes its three fields and not a
fourth; the case form takes every name the largest form of the catalogue posts (the new
case's form, read from the page as served) with the case page's own names, and not one
more. Past a bound the answer is 413 and nothing changes."""
import html.parser
import sqlite3

import node_app
from test_post_app_staff import Client


class FormNames(html.parser.HTMLParser):
    """The names of the fields of a page's forms, each once, in order."""

    def __init__(self):
        super().__init__()
        self.names = []

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in ("input", "select", "textarea") and name and name not in self.names:
            self.names.append(name)


def rows(app, table):
    db = sqlite3.connect("file:%s/node.db?mode=ro" % app.dir, uri=True)
    try:
        return db.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        db.close()


def test_sign_in_takes_its_three_fields_and_not_a_fourth(post_app):
    app = post_app()
    client = Client(app.url)
    form = {"csrf": client.csrf("/sign-in"), "name": node_app.HEAD, "passphrase": "salah-salah"}
    assert client.request("/sign-in", form)[0] == 401  # the bound: judged
    status, _ = client.request("/sign-in", dict(form, extra="1"))
    assert status == 413  # one past it
    form["passphrase"] = node_app.HEAD_PASSPHRASE
    assert client.request("/sign-in", dict(form, extra="1"))[0] == 413
    assert rows(app, "staff_session") == 0
    form["csrf"] = client.csrf("/sign-in")  # each answered form carries a fresh token
    assert client.request("/sign-in", form)[0] == 303


def test_the_case_form_takes_the_largest_form_and_not_one_more(post_app):
    app = post_app()
    client = Client(app.url)
    assert client.sign_in(node_app.HEAD, node_app.HEAD_PASSPHRASE)[0] == 303
    status, page = client.request("/case/new")
    assert status == 200
    parser = FormNames()
    parser.feed(page)
    names = [n for n in parser.names if n != "csrf"]
    assert len(names) > 40, names  # the case's form with its sets' boxes
    csrf = client.csrf("/case/new")
    # Every name the form has, empty, and the case page's own names: the bound exactly.
    form = dict({n: "" for n in names}, csrf=csrf, id="", case="", form="")
    before = rows(app, "journal")
    status, _ = client.request("/case/new", form)
    assert status == 422, status  # judged by the page: its fields are wrong
    status, _ = client.request("/case/new", dict(form, zz=""))
    assert status == 413  # one past the bound, refused before the page reads a name
    assert rows(app, "journal") == before
