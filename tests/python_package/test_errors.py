"""Each exception of the package, what it says, and the connection afterwards."""

import socket
import threading

import numpy
import pytest

import vitrine
from pkg_helpers import wait_until, window_of_kind


def test_every_error_is_a_vitrine_error():
    for error in (vitrine.DialogCanceled, vitrine.WindowNotFound, vitrine.InvalidArgument, vitrine.LimitExceeded,
                  vitrine.ServerNotRunning, vitrine.Timeout, vitrine.ConnectionLost, vitrine.ServerError):
        assert issubclass(error, vitrine.VitrineError)
    # ...and the built-in kind where there is one, for code that catches those.
    assert issubclass(vitrine.InvalidArgument, ValueError)
    assert issubclass(vitrine.WindowNotFound, LookupError)
    assert issubclass(vitrine.ServerNotRunning, ConnectionError)
    assert issubclass(vitrine.Timeout, TimeoutError)


def test_window_not_found_names_the_window(vitrine_client):
    with pytest.raises(vitrine.WindowNotFound) as caught:
        vitrine_client.screenshot(987654)
    assert caught.value.window_id == 987654
    assert "987654" in str(caught.value)
    with pytest.raises(vitrine.WindowNotFound):
        vitrine_client.close(987654)
    with pytest.raises(vitrine.WindowNotFound):
        vitrine_client.update(987654, b"\x89PNG\r\n\x1a\n")
    vitrine_client.ping()  # a declared exception leaves the connection as it was
    assert vitrine_client.connected


def test_invalid_argument_from_the_server(vitrine_client):
    with pytest.raises(vitrine.InvalidArgument, match="minimum"):
        vitrine_client.ask("How many?", kind="integer", minimum=10, maximum=1)
    with pytest.raises(vitrine.InvalidArgument):
        vitrine_client.show(b"\x89PNG\r\n\x1a\n but not really a PNG")
    with pytest.raises(vitrine.InvalidArgument):
        vitrine_client.choose_color((300, 0, 0), timeout=5)
    assert vitrine_client.connected


def test_dialog_canceled_says_why(vitrine_client):
    with pytest.raises(vitrine.DialogCanceled) as caught:
        vitrine_client.ask("Still there?", timeout=0.05)
    assert caught.value.reason == "TIMED_OUT"
    assert "TIMED_OUT" in str(caught.value) or "timed out" in str(caught.value)


def test_limit_exceeded(scratch_server):
    server = scratch_server("--max-windows", "1", "--max-picture-pixels", "100")
    with server.connect() as client:
        with pytest.raises(vitrine.LimitExceeded, match="max-picture-pixels"):
            client.show(numpy.zeros((20, 20), numpy.uint8))
        first = client.say("one")
        with pytest.raises(vitrine.LimitExceeded, match="max-windows"):
            client.say("two")
        client.close(first)
        client.say("two, now that one is closed")


def test_server_not_running_says_how_to_start_one(tmp_path):
    address = "unix:%s" % (tmp_path / "nobody.sock")
    with pytest.raises(vitrine.ServerNotRunning) as caught:
        vitrine.connect(address)
    message = str(caught.value)
    assert address in message and "does not exist" in message
    assert "vitrine-server --listen " + address in message and "make run" in message



def test_server_not_running_at_the_default_socket(tmp_path, monkeypatch):
    monkeypatch.delenv("VITRINE_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(vitrine.ServerNotRunning) as caught:
        vitrine.connect()
    message = str(caught.value)
    assert "unix:%s/vitrine.sock" % tmp_path in message
    assert "start one with `vitrine-server`" in message and "make run" in message


def test_server_not_running_on_tcp(tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(vitrine.ServerNotRunning, match="refused"):
            vitrine.connect("tcp:127.0.0.1:%d" % port)


def test_a_malformed_vitrine_address_is_named(monkeypatch):
    monkeypatch.setenv("VITRINE_ADDRESS", "/tmp/x.sock")
    with pytest.raises(vitrine.InvalidArgument, match="VITRINE_ADDRESS.*did you mean unix:/tmp/x.sock"):
        vitrine.connect()


@pytest.fixture
def silent_web_server():
    """An HTTP 'server' that accepts connections and never answers; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield "http://127.0.0.1:%d/" % listener.getsockname()[1]
    listener.close()


def test_timeout_drops_the_connection_and_a_late_answer_is_never_read(scratch_server, silent_web_server):
    server = scratch_server("--load-timeout", "3000")
    with server.connect(timeout=0.3) as client:
        with pytest.raises(vitrine.Timeout) as caught:
            client.fetch_url(silent_web_server, name="hangs")  # the server answers only after 3 s
        assert "within" in str(caught.value) and server.address.path in str(caught.value)
        assert not client.connected
        # The next calls reconnect and get their own answers, not the push's. They get time enough:
        # the push started the web engine, which may hold the server for a second or more on a
        # busy machine.
        client.timeout = 60
        assert client.whats_loaded() == ""
        client.ping()
        assert client.post_html("<p>next</p>", name="next") is vitrine.PushResult.OK
        assert client.whats_loaded() == "next"


def test_connection_lost_when_the_server_dies_during_a_call(scratch_server):
    server = scratch_server()
    client = server.connect()
    outcome = {}

    def asker():
        try:
            client.ask("Anyone?")
        except vitrine.VitrineError as error:
            outcome["error"] = error

    thread = threading.Thread(target=asker)
    thread.start()
    with server.connect() as watcher:
        wait_until(lambda: window_of_kind(watcher, "QUESTION"), message="the question window")
    server.process.kill()
    server.process.wait()  # gone, its listening socket with it
    thread.join(30)
    assert isinstance(outcome["error"], vitrine.ConnectionLost), outcome
    assert not client.connected
    with pytest.raises(vitrine.ServerNotRunning):
        client.ping()


def test_an_application_exception_becomes_server_error():
    from thrift.Thrift import TApplicationException

    from vitrine import _wire

    error = _wire.translate(TApplicationException(TApplicationException.UNKNOWN_METHOD, "Invalid method name"))
    assert isinstance(error, vitrine.ServerError) and "Invalid method name" in str(error)
