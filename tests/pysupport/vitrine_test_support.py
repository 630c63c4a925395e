"""Helpers shared by the pytest suites that drive the real vitrine-server (tests/python and tests/amp).

A plain module, not a pytest plugin: it defines no fixtures. Each suite's
conftest.py builds its fixtures from these pieces and keeps what only that
suite needs (tests/python: Background and the web server; tests/amp: the
Twisted loop, the AMP peers and the raw-socket peers).

- BIN_DIR: where vitrine-server is ($VITRINE_BIN_DIR, else build/bin);
  TIMEOUT: the default deadline of one wait; stop_process.
- Server: a vitrine-server child process on a private Unix socket, with an
  optional Thrift TCP port and an optional AMP listener, started by the
  package's vitrine.server.LocalServer; Thrift clients (gen/py) for it;
  stop() returns its exit status.
- wait_until, open_window_ids, close_all_windows, leave_only_the_stage:
  polling with a deadline and tidying windows through a Thrift client.
- start_xvfb, xvfb_display, require_programs, Desktop: an X server for
  tests that type and click, and xdotool on it. A missing program is an
  error naming its Debian package, never a skip.
- name_maker: window titles and names that no other test uses.
- Certificates: a CA, server and client certificates for the TLS tests,
  made with the openssl command.
"""

import contextlib
import itertools
import os
import pathlib
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.transport import TSocket, TTransport

from vitrine.errors import ServerNotRunning
from vitrine.server import LocalServer
from vitrine_thrift import Vitrine
from vitrine_thrift.ttypes import WindowNotFound

BIN_DIR = pathlib.Path(os.environ.get("VITRINE_BIN_DIR", pathlib.Path(__file__).parents[2] / "build" / "bin"))

#: The default deadline, in seconds, of a single wait (a poll, a process stopping, Xvfb starting).
TIMEOUT = 30


def stop_process(process, timeout=TIMEOUT):
    """SIGTERM, then waits at most `timeout` seconds before SIGKILL; returns the exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


# ---------------------------------------------------------------- the server

class Server:
    """A vitrine-server child process: Thrift on a private Unix socket, and the listeners the class asks for.

    Started and waited for by the package's vitrine.server.LocalServer (the
    one way the tests, the package's fixtures and bench/ start a server);
    this class adds the suites' choices and a Thrift client of gen/py.
    Subclasses (one per suite) choose the listeners with the class
    attributes below. `socket_path` is the Unix socket; `tcp_port` the
    Thrift TCP port (None without `tcp`); `amp_address` ("tcp:127.0.0.1:N")
    and `amp_port` the AMP listener (None when AMP is off); `process` the
    subprocess.Popen; `local` the LocalServer. The server's stdout and
    stderr go to a log file in its directory, shown when it fails to start
    or stops with a status other than 0.
    """

    #: Also listen for Thrift on a free loopback TCP port (tcp_port).
    tcp = False
    #: The --amp value given unless `extra_args` hold their own --amp: "off" or an address.
    amp = "off"
    #: Prefix of the private temporary directory that holds the Unix socket.
    directory_prefix = "vitrine-test-"

    def __init__(self, *extra_args, env=None):
        """Starts the server with `extra_args`; `env` overrides variables (default QT_QPA_PLATFORM=offscreen)."""
        self.directory = tempfile.mkdtemp(prefix=self.directory_prefix)
        self.socket_path = os.path.join(self.directory, "vitrine.sock")
        self.local = LocalServer(
            "unix:" + self.socket_path, listen=["tcp:127.0.0.1:0"] if self.tcp else [],
            amp=None if "--amp" in extra_args else self.amp, args=extra_args, headless=True, env=env,
            log=os.path.join(self.directory, "vitrine-server.log"), binary=str(BIN_DIR / "vitrine-server"))
        try:
            self.local.start(timeout=60)
        except ServerNotRunning as error:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise RuntimeError(str(error)) from None
        self.process = self.local.process
        thrift_tcp = next((a for a in self.local.listeners if a.startswith("tcp:")), None)
        self.tcp_port = int(thrift_tcp.rsplit(":", 1)[1]) if thrift_tcp else None
        self.amp_address = self.local.amp_address
        self.amp_port = (int(self.amp_address.rsplit(":", 1)[1])
                         if self.amp_address and self.amp_address.startswith("tcp:") else None)

    def connect(self, tcp=False, compact=False, timeout_ms=60000):
        """A generated Vitrine client (gen/py) over the framed transport; returns (client, transport).

        On the Unix socket, or on the TCP port with `tcp`; the binary protocol, or the compact one with `compact`.
        """
        if tcp:
            if self.tcp_port is None:
                raise ValueError("this server has no Thrift TCP listener")
            sock = TSocket.TSocket("127.0.0.1", self.tcp_port)
        else:
            sock = TSocket.TSocket(unix_socket=self.socket_path)
        sock.setTimeout(timeout_ms)
        transport = TTransport.TFramedTransport(sock)
        protocol = (TCompactProtocol.TCompactProtocol if compact else TBinaryProtocol.TBinaryProtocol)(transport)
        transport.open()
        return Vitrine.Client(protocol), transport

    def stop(self):
        """SIGTERM, then waits (TIMEOUT seconds, then SIGKILL); returns the exit status. Calling it again just
        returns the status.

        A status other than 0 prints the end of the server's log (pytest shows
        it with the failure). The private directory goes too when the server
        left nothing in it but its log; a socket file left behind stays, for
        the caller to see.
        """
        status = self.local.stop(timeout=TIMEOUT)
        if status != 0 and os.path.exists(self.local.log_path):
            print("vitrine-server exited with status %s; the end of its log:\n%s" % (status, self.local.log_tail()),
                  file=sys.stderr)
        with contextlib.suppress(OSError):
            os.unlink(self.local.log_path)
        with contextlib.suppress(OSError):
            os.rmdir(self.directory)
        return status


# ---------------------------------------------------------------- certificates

class Certificates:
    """Certificates for the TLS tests, made with the `openssl` command in a fresh private directory.

    `ca`; `server_cert` and `server_key`, signed by it for DNS:localhost and
    IP:127.0.0.1; `client_cert` and `client_key`, signed by it; `other_ca`,
    an unrelated CA, with `stranger_cert` and `stranger_key`. EC P-256,
    valid for a day, keys mode 0600. RuntimeError with openssl's output when
    the command is missing or fails (a test that needs them fails, it does
    not skip). remove() deletes the directory.
    """

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="vitrine-tls-")
        with open(os.path.join(self.directory, "server.ext"), "w") as ext:
            ext.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        self._openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=vitrine test CA", "-keyout", "ca.key",
                      "-out", "ca.pem")
        self._openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=another CA", "-keyout", "other-ca.key",
                      "-out", "other-ca.pem")
        for name, subject, ca, extensions in (("server", "/CN=localhost", "ca", True),
                                              ("client", "/CN=vitrine test client", "ca", False),
                                              ("stranger", "/CN=stranger", "other-ca", False)):
            self._openssl("req", "-new", *ec, "-subj", subject, "-keyout", name + ".key", "-out", name + ".csr")
            self._openssl("x509", "-req", "-days", "1", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey",
                          ca + ".key", "-CAcreateserial", "-out", name + ".pem",
                          *(["-extfile", "server.ext"] if extensions else []))
        for name in os.listdir(self.directory):
            if name.endswith(".key"):
                os.chmod(os.path.join(self.directory, name), 0o600)
        path = lambda name: os.path.join(self.directory, name)  # noqa: E731
        self.ca, self.other_ca = path("ca.pem"), path("other-ca.pem")
        self.server_cert, self.server_key = path("server.pem"), path("server.key")
        self.client_cert, self.client_key = path("client.pem"), path("client.key")
        self.stranger_cert, self.stranger_key = path("stranger.pem"), path("stranger.key")

    def _openssl(self, *args):
        try:
            done = subprocess.run(["openssl", *args], cwd=self.directory, capture_output=True, text=True,
                                  timeout=TIMEOUT)
        except FileNotFoundError:
            raise RuntimeError("the openssl command is missing (Debian: apt-get install openssl)") from None
        if done.returncode != 0:
            raise RuntimeError("openssl %s failed (%d): %s" % (" ".join(args), done.returncode, done.stderr))

    def remove(self):
        shutil.rmtree(self.directory, ignore_errors=True)


# ---------------------------------------------------------------- waiting and tidying

def wait_until(predicate, timeout=TIMEOUT, interval=0.05, message=None):
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
    """Ids of every open window but the stage, through a Thrift client."""
    return [w.id for w in client.listWindows() if w.id != 0]


def close_all_windows(client):
    """Closes every window but the stage through a Thrift client (a waiting dialog's caller gets DialogCanceled)."""
    for window_id in open_window_ids(client):
        try:
            client.closeWindow(window_id)
        except WindowNotFound:
            pass  # it went meanwhile (a timeout, a dialog's caller)


def leave_only_the_stage(server, **connect_args):
    """On a new connection to `server`, closes every window but the stage and waits until only the stage is open."""
    client, transport = server.connect(**connect_args)
    try:
        close_all_windows(client)
        wait_until(lambda: client.serverInfo().windows == 1, message="only the stage to be open")
    finally:
        transport.close()


def name_maker(namespace):
    """A function unique(prefix) giving "NAMESPACE-PREFIX-N", N counting up from 1.

    With letters, digits and '-' only in both, the names are safe in a regex.
    """
    counter = itertools.count(1)

    def unique(prefix):
        """A name no other test uses."""
        return "%s-%s-%d" % (namespace, prefix, next(counter))

    return unique


# ---------------------------------------------------------------- Xvfb and xdotool

def start_xvfb(timeout=TIMEOUT):
    """Starts Xvfb on a free display; returns (process, DISPLAY string ":N"). RuntimeError without Xvfb."""
    require_programs("Xvfb")
    read_fd, write_fd = os.pipe()
    try:
        process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        os.close(write_fd)
    # Xvfb writes its display number and a newline once it accepts clients.
    pending, deadline = b"", time.monotonic() + timeout
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_fd, selectors.EVENT_READ)
            while b"\n" not in pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    process.kill()
                    process.wait()
                    raise RuntimeError("Xvfb did not report its display in time")
                chunk = os.read(read_fd, 64)
                if not chunk:
                    raise RuntimeError("Xvfb exited with %s" % process.wait())
                pending += chunk
    finally:
        os.close(read_fd)
    return process, ":%d" % int(pending.split(b"\n", 1)[0])


@contextlib.contextmanager
def xvfb_display():
    """Runs Xvfb for the `with` block; gives its DISPLAY string and stops it afterwards."""
    process, display = start_xvfb()
    try:
        yield display
    finally:
        stop_process(process)


#: The Debian package of each program the suites run (scripts/install-deps.sh installs them all).
DEBIAN_PACKAGES = {"Xvfb": "xvfb", "xdotool": "xdotool", "openssl": "openssl", "thrift": "thrift-compiler"}


def require_programs(*names):
    """Raises RuntimeError naming each program among `names` that is not on PATH, and its Debian package.

    A suite that needs a program fails without it, it does not skip.
    """
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        raise RuntimeError("missing %s (Debian: apt-get install %s; scripts/install-deps.sh installs them)" % (
            ", ".join(missing), " ".join(DEBIAN_PACKAGES.get(name, name) for name in missing)))


class Desktop:
    """xdotool on one X display."""

    def __init__(self, display):
        self.env = {**os.environ, "DISPLAY": display}

    def run(self, *args, timeout=20):
        """Runs xdotool with `args`; returns the CompletedProcess, whatever its status."""
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def xdotool(self, *args):
        """Runs xdotool with `args`, fails the test when it fails; returns its output."""
        result = self.run(*args)
        assert result.returncode == 0, "xdotool %s failed: %s" % (" ".join(args), result.stderr)
        return result.stdout

    def find(self, title):
        """The X window id of the visible window titled exactly `title`, polled for."""
        # Each character but letters, digits and spaces in a bracket of its own (literal in the regex);
        # '^' would negate a bracket, so it is escaped instead.
        pattern = "^%s$" % "".join(c if c.isalnum() or c == " " else "\\^" if c == "^" else "[%s]" % c
                                   for c in title)

        def search():
            # Fails now and then while windows come and go (BadWindow): just poll again.
            result = self.run("search", "--onlyvisible", "--name", pattern)
            ids = result.stdout.split() if result.returncode == 0 else []
            return ids[-1] if ids else None

        return wait_until(search, message="an X window titled %r" % title)

    def focus(self, title):
        """Gives the keyboard to the visible window titled exactly `title`; returns its X window id."""
        window = self.find(title)

        def focused():
            try:
                self.run("windowfocus", "--sync", window, timeout=5)
            except subprocess.TimeoutExpired:
                return False
            return self.run("getwindowfocus").stdout.strip() == window

        wait_until(focused, message="the keyboard focus on %r" % title)
        return window

    def type(self, text):
        """Types `text` into the focused window."""
        self.xdotool("type", "--delay", "20", "--", text)  # "--": text may start with "-"

    def key(self, *keys):
        """Presses each key (or combination, e.g. "ctrl+plus") in turn."""
        self.xdotool("key", "--delay", "20", *keys)
