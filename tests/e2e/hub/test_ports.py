"""hubproc.reserved_port(): a port known before `sae-hub serve` starts, which no other
process may take meanwhile, even with tests running in parallel (make e2e runs pytest -n)."""
import socket

import hubproc


def test_a_reserved_port_is_taken_by_nobody_else_but_serve_may_listen_on_it(tmp_path):
    port = hubproc.reserved_port()
    # A plain bind (as the kernel's own choice for bind(0) or connect() would be) is refused.
    with socket.socket() as other:
        try:
            other.bind(("127.0.0.1", port))
            taken = False
        except OSError:
            taken = True
    assert taken, "port %d was free for anyone to take" % port
    picked = set()
    for _ in range(2000):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            picked.add(s.getsockname()[1])
    assert port not in picked
    hub = hubproc.Hub(tmp_path / "hub").init().start(port=port)
    try:
        assert hub.port == port
    finally:
        assert hub.stop() == 0
