"""The HTTP contract of PROTOCOL.md section 8, over real HTTPS on 127.0.0.1: health, unknown
paths, wrong methods and content types, and bodies over the 2 MiB limit, with or without a
Content-Length. None of these requests may change hub.db."""
import http.client
import socket
import ssl

import pytest
import requests

import saeproto
from saeproto import ENVELOPE_BYTES, PUSH_BATCH


@pytest.fixture
def unchanged(shared_hub, shared_devices):
    """Asserts, after the test, that hub.db holds exactly what it held before."""
    before = shared_hub.snapshot()
    yield
    assert shared_hub.snapshot() == before


def get(hub, device, path, method="GET", **kwargs):
    return requests.request(method, hub.url + path, verify=device.cert_path, timeout=30,
                            **kwargs)


def a_push(device):
    return device.seal(PUSH_BATCH, device.push_batch(
        device.write(saeproto.new_report_id(), "case", {"status": "new"})))


def assert_plain(response):
    assert response.headers["Content-Type"].startswith("text/plain"), response.headers
    assert response.headers["Cache-Control"] == "no-store", response.headers


def test_health_is_ok_and_reveals_nothing(shared_hub, shared_devices, unchanged):
    response = get(shared_hub, shared_devices[0], "/v1/health")
    assert response.status_code == 200
    assert_plain(response)
    assert response.content.rstrip(b"\n") == b"ok"


def test_health_wants_get_or_head(shared_hub, shared_devices, unchanged):
    response = get(shared_hub, shared_devices[0], "/v1/health", method="POST", data=b"x",
                   headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/", "/v1", "/v1/", "/v1/Push", "/v1/push/", "/v2/push",
                                  "/v1/nodes", "/V1/push"])
def test_unknown_path_is_404(shared_hub, shared_devices, unchanged, path):
    device = shared_devices[0]
    response = device.post(path, a_push(device))
    assert response.status_code == 404, (path, response.text)
    assert_plain(response)


@pytest.mark.parametrize("path", ["/v1/push", "/v1/pull", "/v1/enroll"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405_with_allow(shared_hub, shared_devices, unchanged, path, method):
    response = get(shared_hub, shared_devices[0], path, method=method)
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == "POST"
    assert_plain(response)


@pytest.mark.parametrize("content_type", ["text/plain", "application/json",
                                          "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(shared_hub, shared_devices, unchanged, content_type):
    device = shared_devices[0]
    response = device.post("/v1/push", a_push(device), content_type=content_type)
    assert response.status_code == 415, response.text
    assert_plain(response)


def tls_socket(hub, device):
    context = ssl.create_default_context(cafile=device.cert_path)
    raw = socket.create_connection(("127.0.0.1", hub.port), timeout=30)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_content_length_over_the_limit_is_413_before_the_body(shared_hub, shared_devices,
                                                              unchanged):
    """The answer comes although not one byte of the body was sent: the hub did not wait
    to read it. (The socket timeout only keeps a broken hub from hanging the suite.)"""
    with tls_socket(shared_hub, shared_devices[0]) as s:
        s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % (ENVELOPE_BYTES + 1))
        response = http.client.HTTPResponse(s)
        response.begin()
        assert response.status == 413
        assert response.getheader("Content-Type").startswith("text/plain")


def test_body_of_exactly_the_limit_is_read(shared_hub, shared_devices, unchanged):
    """A limit is inclusive: 2 MiB of garbage is read, then refused as no envelope (400),
    not as too large."""
    device = shared_devices[0]
    response = device.post("/v1/push", b"\xee" * ENVELOPE_BYTES)
    assert response.status_code == 400, response.text


def chunks(total, size=64 * 1024):
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield b"\xee" * n
        sent += n


def test_chunked_body_over_the_limit_is_413(shared_hub, shared_devices, unchanged):
    device = shared_devices[0]
    response = device.post("/v1/push", chunks(ENVELOPE_BYTES + 1))
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413, response.text
    assert_plain(response)


def test_chunked_body_of_exactly_the_limit_is_read(shared_hub, shared_devices, unchanged):
    device = shared_devices[0]
    response = device.post("/v1/push", chunks(ENVELOPE_BYTES))
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 400, response.text


def test_chunked_valid_envelope_is_accepted(shared_hub, shared_devices):
    """Content-Length is only a SHOULD: a valid envelope sent in chunks is applied."""
    device = shared_devices[0]
    body = a_push(device)
    response = device.post("/v1/push", (body[i:i + 100] for i in range(0, len(body), 100)))
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    answer = device.answer(response)
    assert answer.status == 200 and answer.type == saeproto.PUSH_ACK, answer


@pytest.mark.parametrize("path,msg_type", [("/v1/push", saeproto.PULL_REQUEST),
                                           ("/v1/pull", saeproto.PUSH_BATCH),
                                           ("/v1/enroll", saeproto.PUSH_BATCH),
                                           ("/v1/push", saeproto.ENROLL_REQUEST)])
def test_wrong_message_for_the_path_is_400(shared_hub, shared_devices, unchanged, path,
                                           msg_type):
    device = shared_devices[0]
    messages = {saeproto.PULL_REQUEST: device.pull_request(),
                saeproto.PUSH_BATCH: device.push_batch([]),
                saeproto.ENROLL_REQUEST: device.enroll_request()}
    answer = device.answer(device.post(path, device.seal(msg_type, messages[msg_type])))
    # The envelope opens (its sender is known, or an enroll request carries its key): the
    # refusal is sealed to it, with the code PROTOCOL.md section 3 defines for it.
    assert answer.status == 400 and answer.type == saeproto.ERROR_STATUS, answer
    assert answer.code == saeproto.STATUS["WRONG_MESSAGE"], answer


def test_plain_http_is_not_served(shared_hub, shared_devices, unchanged):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get("http://127.0.0.1:%d/v1/health" % shared_hub.port, timeout=30)
