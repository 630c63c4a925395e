"""Finding and starting a vitrine-server process: used by vitrine.media and vitrine.testing.

    from vitrine.server import LocalServer

    with LocalServer("unix:/tmp/demo/vitrine.sock", headless=True) as server:
        with server.connect() as screen:
            screen.post_html("<h1>hi</h1>")
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

from ._address import Address, AddressLike, resolve_address
from .client import Client
from .errors import ServerNotRunning

LISTENING = "vitrine: listening on "


def find_server_binary() -> str:
    """The vitrine-server program: $VITRINE_SERVER, else vitrine-server in $VITRINE_BIN_DIR,
    on PATH, or in the build/bin of the source tree this package lives in.

    Raises ServerNotRunning saying where it looked when there is none.
    """
    explicit = os.environ.get("VITRINE_SERVER")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise ServerNotRunning("VITRINE_SERVER=%s is not an executable file" % explicit)
        return explicit
    candidates = []
    bin_dir = os.environ.get("VITRINE_BIN_DIR")
    if bin_dir:
        candidates.append(os.path.join(bin_dir, "vitrine-server"))
    on_path = shutil.which("vitrine-server")
    if on_path:
        candidates.append(on_path)
    # clients/python/vitrine/server.py -> the checkout's build/bin (a checkout
    # with PYTHONPATH=clients/python, or an editable install).
    checkout = Path(__file__).resolve().parents[3]
    candidates.append(str(checkout / "build" / "bin" / "vitrine-server"))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ServerNotRunning("cannot find vitrine-server (looked at $VITRINE_SERVER, $VITRINE_BIN_DIR, PATH and %s); "
                           "build it with `make` in the vitrine source tree, or set VITRINE_SERVER to its path"
                           % (checkout / "build" / "bin"))


class LocalServer:
    """A vitrine-server process listening at one address, started by this program.

    `address`: where it listens (None: $VITRINE_ADDRESS, else the default
    socket). `args`: more server flags, e.g. ["--size", "640x480"].
    `headless`: run offscreen (QT_QPA_PLATFORM=offscreen) even when there is
    a display. `env`: variables to add to its environment. `log`: the file
    its stdout and stderr go to (default: next to its socket, or a temporary
    file for TCP). `detached`: in its own session, so it outlives this
    program and the Ctrl-C of its terminal.
    """

    def __init__(self, address: Optional[AddressLike] = None, *, args: Sequence[str] = (), headless: bool = True,
                 env: Optional[Mapping[str, str]] = None, log: Optional[str] = None, detached: bool = False,
                 binary: Optional[str] = None):
        self.address: Address = resolve_address(address)
        self.args = list(args)
        self.headless = headless
        self.env = dict(env or {})
        self.detached = detached
        self.binary = binary
        if log is None:
            if self.address.kind == "unix":
                log = self.address.path + ".log"
            else:
                fd, log = tempfile.mkstemp(prefix="vitrine-server-", suffix=".log")
                os.close(fd)
        self.log_path = log
        self.process: Optional[subprocess.Popen] = None
        self.listeners: List[str] = []

    def __repr__(self) -> str:
        state = "pid %d" % self.process.pid if self.process else "not started"
        return "<vitrine.server.LocalServer %s (%s)>" % (self.address, state)

    def __enter__(self) -> "LocalServer":
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def start(self, timeout: float = 30.0) -> "LocalServer":
        """Starts the server and returns once it reports that it listens (within `timeout`
        seconds). ServerNotRunning, with the end of its log, when it exits or stays silent."""
        binary = self.binary or find_server_binary()
        if self.address.kind == "unix":
            # The server makes its default directory itself; make any other one.
            os.makedirs(os.path.dirname(os.path.abspath(self.address.path)), mode=0o700, exist_ok=True)
        env = dict(os.environ)
        if self.headless:
            env["QT_QPA_PLATFORM"] = "offscreen"
        env.update(self.env)
        # The log file, not a pipe: a pipe nobody reads any more (this
        # program has moved on, or exited while a detached server runs)
        # would block or kill the server the next time it writes.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "--listen", str(self.address), *self.args], stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, start_new_session=self.detached)
        self._wait_until_listening(time.monotonic() + timeout)
        return self

    def _log_text(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _wait_until_listening(self, deadline: float) -> None:
        interval = 0.01
        while True:
            text = self._log_text()
            self.listeners = [line[len(LISTENING):].strip() for line in text.splitlines()
                              if line.startswith(LISTENING)]
            if self.listeners:
                return
            status = self.process.poll()
            if status is not None:
                raise ServerNotRunning("vitrine-server exited with status %d before listening at %s:\n%s"
                                       % (status, self.address, _tail(self._log_text())))
            if time.monotonic() >= deadline:
                self.stop()
                raise ServerNotRunning("vitrine-server did not report listening at %s in time:\n%s"
                                       % (self.address, _tail(text)))
            time.sleep(interval)  # polling a file: nothing to wait on
            interval = min(interval * 2, 0.1)

    def connect(self, **options) -> Client:
        """A vitrine.Client connected to this server (options as for vitrine.connect)."""
        return Client(self.address, **options).connect()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> Optional[int]:
        """Stops the server (SIGTERM, then SIGKILL after `timeout` seconds) and returns its exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.splitlines()[-lines:]) or "(its log is empty)"
