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
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._address import Address, AddressLike, resolve_address
from .client import Client
from .errors import ServerNotRunning

#: The line the server prints once a listener is open, before its address.
LISTENING = "vitrine: listening on "
#: The same for the AMP listener.
AMP_LISTENING = "vitrine: AMP listening on "


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
    """A vitrine-server process listening at one address (and any more listeners), started by this program.

    `address`: where it listens (None: $VITRINE_ADDRESS, else the default
    socket). `listen`: more addresses to listen at, e.g. ["tcp:127.0.0.1:0"]
    (port 0: a free one; `listeners` then says which). `amp`: where AMP
    listens ("off", "tcp:127.0.0.1:0"...); None leaves it to `args` or to the
    server's default. `args`: more server flags, e.g. ["--size", "640x480"].
    `headless`: run offscreen (QT_QPA_PLATFORM=offscreen) even when there is
    a display. `env`: variables to set in its environment (a None value
    removes one). `log`: the file its stdout and stderr go to (default: next
    to its socket, or a temporary file for TCP). `detached`: in its own
    session, so it outlives this program and the Ctrl-C of its terminal.
    `binary`: the vitrine-server to run (default: find_server_binary()).
    `wrapper`: a command that runs the server in its place and execs it,
    e.g. ["prlimit", "--nofile=1024:1024", "--"] (the pid stays the server's).

    start() returns once the server has reported every listener it was
    given (and AMP's, when AMP was asked for); `listeners` then holds their
    addresses as the server printed them, `amp_address` AMP's. stop() ends it
    and returns its exit status. Not thread-safe: one thread drives it.
    """

    def __init__(self, address: Optional[AddressLike] = None, *, listen: Sequence[str] = (),
                 amp: Optional[str] = None, args: Sequence[str] = (), headless: bool = True,
                 env: Optional[Mapping[str, Optional[str]]] = None, log: Optional[str] = None, detached: bool = False,
                 binary: Optional[str] = None, wrapper: Sequence[str] = ()):
        self.address: Address = resolve_address(address)
        self.listen = list(listen)
        self.amp = amp
        self.args = list(args)
        self.headless = headless
        self.env: Dict[str, Optional[str]] = dict(env or {})
        self.detached = detached
        self.binary = binary
        self.wrapper = list(wrapper)
        if log is None:
            if self.address.kind == "unix":
                log = self.address.path + ".log"
            else:
                fd, log = tempfile.mkstemp(prefix="vitrine-server-", suffix=".log")
                os.close(fd)
        self.log_path: str = log
        self.process: "Optional[subprocess.Popen[bytes]]" = None
        #: The addresses the server reported listening at ("unix:...", "tcp:127.0.0.1:41234"...), in its order.
        self.listeners: List[str] = []
        #: Where AMP listens, once reported ("tcp:127.0.0.1:5000"); None when it was not asked for or is off.
        self.amp_address: Optional[str] = None

    def __repr__(self) -> str:
        state = "pid %d" % self.process.pid if self.process else "not started"
        return "<vitrine.server.LocalServer %s (%s)>" % (self.address, state)

    def __enter__(self) -> "LocalServer":
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def command(self) -> List[str]:
        """The command line start() runs (the binary found as start() finds it)."""
        argv = [*self.wrapper, self.binary or find_server_binary(), "--listen", str(self.address)]
        for address in self.listen:
            argv += ["--listen", address]
        if self.amp is not None:
            argv += ["--amp", self.amp]
        return argv + self.args

    def environment(self) -> Dict[str, str]:
        """The environment start() gives the server: this program's, offscreen when `headless`, changed by `env`."""
        env = dict(os.environ)
        if self.headless:
            env["QT_QPA_PLATFORM"] = "offscreen"
        for name, value in self.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def _expected(self, argv: Sequence[str]) -> Tuple[int, bool]:
        """How many "listening on" lines `argv` will make the server print, and whether an AMP one too."""
        listeners = sum(1 for flag in argv if flag == "--listen")
        amp_values = [argv[i + 1] for i, flag in enumerate(argv[:-1]) if flag == "--amp"]
        return listeners, bool(amp_values) and amp_values[-1] != "off"

    def start(self, timeout: float = 30.0) -> "LocalServer":
        """Starts the server and returns once it reports that it listens at every address it was given, and
        AMP's when AMP was asked for (within `timeout` seconds). ServerNotRunning, with the end of its log, when
        it exits or stays silent."""
        argv = self.command()
        if self.address.kind == "unix":
            # The server makes its default directory itself; make any other one.
            os.makedirs(os.path.dirname(os.path.abspath(self.address.path)), mode=0o700, exist_ok=True)
        env = self.environment()
        # The log file, not a pipe: a pipe nobody reads any more (this
        # program has moved on, or exited while a detached server runs)
        # would block or kill the server the next time it writes.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            env=env, start_new_session=self.detached)
        self._wait_until_listening(*self._expected(argv), deadline=time.monotonic() + timeout)
        return self

    def log_text(self) -> str:
        """Everything the server has written to its log (stdout and stderr) so far; "" when there is no log."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines: int = 20) -> str:
        """The last `lines` lines of log_text(), or a note that the log is empty."""
        return _tail(self.log_text(), lines)

    def _wait_until_listening(self, listeners: int, amp: bool, deadline: float) -> None:
        assert self.process is not None
        interval = 0.01
        while True:
            text = self.log_text()
            lines = text.splitlines()
            self.listeners = [line[len(LISTENING):].strip() for line in lines if line.startswith(LISTENING)]
            self.amp_address = next((line[len(AMP_LISTENING):].strip() for line in lines
                                     if line.startswith(AMP_LISTENING)), None)
            if len(self.listeners) >= max(listeners, 1) and (self.amp_address or not amp):
                return
            status = self.process.poll()
            if status is not None:
                raise ServerNotRunning("vitrine-server exited with status %d before listening at %s:\n%s"
                                       % (status, self.address, _tail(self.log_text())))
            if time.monotonic() >= deadline:
                self.stop()
                raise ServerNotRunning("vitrine-server did not report listening at %s in time:\n%s"
                                       % (self.address, _tail(text)))
            time.sleep(interval)  # polling a file: nothing to wait on
            interval = min(interval * 2, 0.1)

    def connect(self, **options: Any) -> Client:
        """A vitrine.Client connected to this server (options as for vitrine.connect)."""
        return Client(self.address, **options).connect()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> Optional[int]:
        """Stops the server (SIGTERM, then SIGKILL after `timeout` seconds) and returns its exit status (negative:
        the signal that ended it); None if it was never started. Calling it again returns the same status."""
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
