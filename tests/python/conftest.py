"""Fixtures that start the real vitrine-server (headless or on Xvfb) and a local web server.

The pieces the AMP suite (tests/amp) uses too (the server process, wait_until,
close_all_windows, Xvfb, xdotool) are in tests/pysupport/vitrine_test_support.py;
Server and wait_until stay importable from here.
"""

import concurrent.futures
import functools
import http.server
import os
import threading
import time

import pytest

import vitrine_test_support as support
from vitrine_test_support import close_all_windows, wait_until
from vitrine_thrift.ttypes import EventKind

# A skip is a failure here: a test that cannot find what it needs must not pass unrun.
pytest_plugins = ["vitrine_no_skips"]


class Server(support.Server):
    """A vitrine-server child process on a private Unix socket and a loopback TCP port (tcp_port).

    AMP is off unless `extra_args` hold an --amp of their own.
    """

    tcp = True
    directory_prefix = "vitrine-pytest-"


def window_titled(client, title):
    """The WindowInfo of the open window with this title, or None."""
    return next((w for w in client.listWindows() if w.title == title), None)


def wait_for_window(client, title, timeout=30):
    """Polls listWindows until a window with this title is open; returns its WindowInfo."""
    return wait_until(lambda: window_titled(client, title), timeout, message="a window titled %r" % title)


def last_sequence(client):
    """The sequence number of the newest event the server keeps (0 when there is none)."""
    after = 0
    while True:
        batch = [e for e in client.waitEvents(after, 0) if e.kind != EventKind.EVENTS_MISSED]
        if not batch:
            return after
        after = batch[-1].sequence


def wait_for_event(client, after, predicate, timeout=30, what="an event"):
    """Long-polls waitEvents from sequence `after` until an event satisfies `predicate`; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in client.waitEvents(after, 1000):
            if event.kind != EventKind.EVENTS_MISSED:
                after = event.sequence
            if predicate(event):
                return event
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class Background:
    """Runs blocking calls (dialogs, long polls) in worker threads, each on its own connection."""

    def __init__(self, server):
        self.server = server
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="vitrine-call")
        self.futures = []

    def start(self, call):
        """Calls call(client) in a worker on a new connection; returns its Future."""

        def run():
            client, transport = self.server.connect()
            try:
                return call(client)
            finally:
                transport.close()

        future = self.pool.submit(run)
        self.futures.append(future)
        return future

    def finish(self):
        """Closes every window, so no dialog keeps a worker waiting, then joins the workers."""
        client, transport = self.server.connect()
        try:
            close_all_windows(client)
        finally:
            transport.close()
        _, pending = concurrent.futures.wait(self.futures, timeout=60)
        self.pool.shutdown(wait=not pending)
        assert not pending, "%d background calls still running" % len(pending)


@pytest.fixture(scope="module")
def server():
    s = Server("--size", "320x240", "--load-timeout", "20000")
    yield s
    assert s.stop() == 0
    assert not os.path.exists(s.socket_path)


@pytest.fixture
def client(server):
    c, transport = server.connect()
    yield c
    transport.close()


@pytest.fixture
def background(server):
    """A Background for `server`; its calls are ended and joined after the test."""
    calls = Background(server)
    yield calls
    calls.finish()


@pytest.fixture
def tidy_windows(server):
    """Closes what a test left open and checks that only the stage remains."""
    yield
    support.leave_only_the_stage(server)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """An HTTP server on 127.0.0.1 serving a temporary directory; yields (base_url, directory)."""
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % httpd.server_address[1], root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def desktop(xserver):
    """xdotool on the Xvfb display, to answer dialogs by typing and clicking."""
    return support.Desktop(xserver)


@pytest.fixture(scope="module")
def xserver():
    """An Xvfb display for tests that type and click; yields the DISPLAY string (":N")."""
    with support.xvfb_display() as display:
        yield display
