"""Fixtures that start the real vitrine-server (headless or on Xvfb) and a local web server."""

import concurrent.futures
import functools
import http.server
import os
import pathlib
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.transport import TSocket, TTransport

from vitrine_thrift import Vitrine
from vitrine_thrift.ttypes import EventKind, WindowNotFound

BIN_DIR = pathlib.Path(os.environ.get("VITRINE_BIN_DIR", pathlib.Path(__file__).parents[2] / "build" / "bin"))


class Server:
    """A vitrine-server child process on a private Unix socket and a loopback TCP port."""

    def __init__(self, *extra_args, env=None):
        """Starts the server with `extra_args`; `env` overrides variables (default QT_QPA_PLATFORM=offscreen)."""
        self.directory = tempfile.mkdtemp(prefix="vitrine-pytest-")
        self.socket_path = os.path.join(self.directory, "vitrine.sock")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
        self.process = subprocess.Popen(
            [str(BIN_DIR / "vitrine-server"), "--listen", "unix:" + self.socket_path,
             "--listen", "tcp:127.0.0.1:0", *([] if "--amp" in extra_args else ["--amp", "off"]), *extra_args],
            stdout=subprocess.PIPE, env=env)
        self.tcp_port = self._wait_for_listeners(deadline=time.monotonic() + 60)

    def _wait_for_listeners(self, deadline):
        # Raw reads on the pipe: a buffered readline() could swallow both
        # lines at once and leave select() waiting for data already read.
        seen, pending = {}, b""
        fd = self.process.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        while len(seen) < 2:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise RuntimeError("vitrine-server did not report its listeners in time")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError("vitrine-server exited with %s" % self.process.wait())
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.startswith(b"vitrine: listening on "):
                    address = line.decode().split("listening on ", 1)[1].strip()
                    seen[address.split(":", 1)[0]] = address
        selector.close()
        return int(seen["tcp"].rsplit(":", 1)[1])

    def connect(self, tcp=False, compact=False, timeout_ms=60000):
        """A generated Vitrine client over the framed transport; returns (client, transport)."""
        sock = TSocket.TSocket("127.0.0.1", self.tcp_port) if tcp else TSocket.TSocket(unix_socket=self.socket_path)
        sock.setTimeout(timeout_ms)
        transport = TTransport.TFramedTransport(sock)
        protocol = (TCompactProtocol.TCompactProtocol if compact else TBinaryProtocol.TBinaryProtocol)(transport)
        transport.open()
        return Vitrine.Client(protocol), transport

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        return self.process.returncode


def wait_until(predicate, timeout=30, interval=0.05, message=None):
    """Polls `predicate` every `interval` seconds until it returns something truthy, and returns that.

    Raises AssertionError naming `message` (or the predicate) when `timeout` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            what = message or getattr(predicate, "__name__", predicate)
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def open_window_ids(client):
    """Ids of every open window but the stage."""
    return [w.id for w in client.listWindows() if w.id != 0]


def close_all_windows(client):
    """Closes every window but the stage (a dialog's caller gets DialogCanceled)."""
    for window_id in open_window_ids(client):
        try:
            client.closeWindow(window_id)
        except WindowNotFound:
            pass  # it went meanwhile (a timeout, a dialog's caller)


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
    client, transport = server.connect()
    try:
        close_all_windows(client)
        wait_until(lambda: client.serverInfo().windows == 1, message="only the stage to be open")
    finally:
        transport.close()


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


def start_xvfb(deadline_s=30):
    """Starts Xvfb on a free display; returns (process, display number). Skips when Xvfb is missing."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    try:
        process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        os.close(write_fd)
    # Xvfb writes the display number and a newline once it accepts clients.
    pending = b""
    deadline = time.monotonic() + deadline_s
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while b"\n" not in pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                process.kill()
                process.wait()
                os.close(read_fd)
                raise RuntimeError("Xvfb did not report its display in time")
            chunk = os.read(read_fd, 64)
            if not chunk:
                os.close(read_fd)
                raise RuntimeError("Xvfb exited with %s" % process.wait())
            pending += chunk
    os.close(read_fd)
    return process, int(pending.split(b"\n", 1)[0])


@pytest.fixture(scope="module")
def xserver():
    """An Xvfb display for tests that type and click; yields the DISPLAY string (":N")."""
    process, number = start_xvfb()
    yield ":%d" % number
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
