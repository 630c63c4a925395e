"""What bench/run.py (the benchmark suite) and bench/load.py (the load tool) share.

A module, not a script: both import it, neither imports the other.

- ROOT, PYTHON (this interpreter: Debian's, which has thrift and Twisted),
  PYTHONPATH and python_env(): how to run the Python load generators.
- Tools: where the programs of a build are; Tools.vitrine() makes a
  vitrine-server as the package's vitrine.server.LocalServer (the one way
  the tests, the package and the bench start one and wait for it to
  listen), start_vitrine() starts it; Baseline: the baseline servers
  (vitrine-bench-server, bench/amp_server.py), ready once they print their
  address.
- run_json: runs a load generator and returns the JSON it printed.
- rss_mib, tree_rss_mib, cpu_seconds, descendants: readings from /proc.
- PING, answered_ping, start_and_ping: a Thrift ping over a raw socket,
  for start-up times without a client library in the way.
- machine(): what the run was measured on.
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The interpreter running the bench; the scripts' #! line makes it Debian's (python3-thrift, python3-twisted).
PYTHON = sys.executable
PYTHONPATH = "%s:%s" % (ROOT / "clients" / "python", ROOT / "gen" / "py")
sys.path[:0] = [str(ROOT / "clients" / "python"), str(ROOT / "gen" / "py")]

from vitrine.errors import ServerNotRunning  # noqa: E402 (after the path)
from vitrine.server import LocalServer  # noqa: E402


class BenchError(Exception):
    """A figure could not be measured (a program failed, a server did not start)."""


# ------------------------------------------------------------------ processes

class Baseline:
    """A baseline server child process (vitrine-bench-server, the Twisted AMP server), ready once its stdout
    printed a line for every pattern in `ready`. vitrine-server itself is started by the package's LocalServer
    (Tools.vitrine).

    `addresses[key]` is the first group of the line that matched `ready[key]`.
    stderr goes to a log file in `directory`, shown when the server fails.
    """

    def __init__(self, name, argv, ready, directory, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.ready = {key: re.compile(pattern) for key, pattern in ready.items()}
        self.directory = directory
        self.env = env
        self.addresses = {}
        self.process = None
        self._found = threading.Event()

    def start(self, timeout=60):
        self.log_path = os.path.join(self.directory, "%s.log" % self.name)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self._log, env=self.env,
                                        stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._found.wait(timeout) or len(self.addresses) < len(self.ready):
            self.stop()
            raise BenchError("%s did not start (%s); its log:\n%s" % (self.name, " ".join(self.argv), self.log_tail()))
        return self

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            for key, pattern in self.ready.items():
                match = pattern.match(line)
                if match and key not in self.addresses:
                    self.addresses[key] = match.group(1)
            if len(self.addresses) == len(self.ready):
                self._found.set()
        self._found.set()  # the process ended

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=20):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Tools:
    """Where the programs are, and how to start each server."""

    def __init__(self, build, server=None):
        bin_dir = Path(build).resolve() / "bin"
        self.vitrine_server = Path(server).resolve() if server else bin_dir / "vitrine-server"
        self.bench = bin_dir / "vitrine-bench"
        self.bench_server = bin_dir / "vitrine-bench-server"
        missing = [str(p) for p in (self.vitrine_server, self.bench, self.bench_server) if not p.exists()]
        if missing:
            sys.exit("bench/run.py: missing %s; build first (`make bench` does; the bench programs need "
                     "libevent-dev, see bench/CMakeLists.txt)" % ", ".join(missing))
        self.directory = tempfile.mkdtemp(prefix="vitrine-bench-")
        self._count = 0

    def socket_path(self, name):
        self._count += 1
        return os.path.join(self.directory, "%s-%d.sock" % (name, self._count))

    def vitrine(self, amp=False, name="vitrine-server"):
        """vitrine_server() on a socket of its own in the tools' directory, its log there as NAME.log."""
        return vitrine_server(self.vitrine_server, self.socket_path(name),
                              os.path.join(self.directory, "%s.log" % name), amp=amp)

    def baseline_argv(self, mode, socket_path):
        return [self.bench_server, mode, "--listen", "unix:" + socket_path]

    def baseline(self, mode):
        return Baseline("baseline-" + mode, self.baseline_argv(mode, self.socket_path(mode)),
                        {"thrift": r"^baseline: listening on (\S+)"}, self.directory)

    def twisted(self):
        return Baseline("baseline-twisted", [PYTHON, HERE / "amp_server.py", "--listen", "tcp:127.0.0.1:0"],
                        {"amp": r"^baseline: AMP listening on (\S+)"}, self.directory, env=python_env())

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def vitrine_server(binary, socket_path, log_path, amp=True, wrapper=(), args=()):
    """The vitrine-server `binary` as a LocalServer, not yet started (start_vitrine() does): Thrift on the Unix
    socket `socket_path`, AMP on a free loopback port with `amp` (else off), offscreen, Qt's logging rules left
    at the server's own, its output in `log_path`, and the flags `args`. `wrapper` runs it, e.g.
    ["prlimit", "--nofile=N:N", "--"]."""
    return LocalServer("unix:" + str(socket_path), amp="tcp:127.0.0.1:0" if amp else "off", args=list(args),
                       headless=True, env={"QT_LOGGING_RULES": None}, log=str(log_path), binary=str(binary),
                       wrapper=wrapper)


def start_vitrine(server):
    """Starts `server` (a LocalServer from Tools.vitrine) and returns it; BenchError with its log when it fails."""
    try:
        return server.start(timeout=60)
    except ServerNotRunning as error:
        raise BenchError(str(error)) from None


def python_env():
    return dict(os.environ, PYTHONPATH=PYTHONPATH, PYTHONDONTWRITEBYTECODE="1")


def run_json(argv, env=None, timeout=300):
    """Runs a load generator and returns the JSON object it printed last."""
    argv = [str(a) for a in argv]
    try:
        done = subprocess.run(argv, capture_output=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise BenchError("%s took over %d s" % (" ".join(argv), timeout)) from None
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError("%s failed (status %d): %s" % (" ".join(argv), done.returncode,
                                                        done.stderr.decode("utf-8", "replace").strip()[-2000:]))
    return json.loads(lines[-1])


# ------------------------------------------------------------------ memory and start-up

def rss_mib(pid):
    """VmRSS of process `pid` in MiB."""
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise BenchError("no VmRSS for process %d" % pid)


def descendants(pid):
    """Every process below `pid` (QtWebEngineProcess and its zygotes, for vitrine)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_rss_mib(pid):
    """VmRSS of `pid` plus its descendants (shared pages counted once per process: an upper bound)."""
    total = rss_mib(pid)
    for child in descendants(pid):
        try:
            total += rss_mib(child)
        except (OSError, BenchError):
            pass
    return total


def cpu_seconds(pid):
    """CPU time (user + system) used so far by process `pid`, threads that ended included, in seconds.

    From /proc/PID/stat, so in clock ticks (10 ms): the figures that use it
    run for seconds.
    """
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ping_frame():
    """A framed TBinaryProtocol call of ping (strict: version word, name, sequence id, empty args)."""
    message = struct.pack("!I", 0x80010001) + struct.pack("!i", 4) + b"ping" + struct.pack("!i", 1) + b"\x00"
    return struct.pack("!i", len(message)) + message


PING = ping_frame()


def answered_ping(socket_path):
    """True when a ping over `socket_path` was answered; False when nothing listens there yet."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(socket_path)
        except (FileNotFoundError, ConnectionRefusedError):
            return False
        sock.settimeout(30)
        sock.sendall(PING)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack("!i", data[:4])[0]:
            chunk = sock.recv(65536)
            if not chunk:
                return False
            data += chunk
        if struct.unpack("!I", data[4:8])[0] != 0x80010002:
            raise BenchError("the answer to ping is not a reply: %r" % data[:16])
        return True


def start_and_ping(argv, socket_path, env, log_path):
    """Starts a server and returns (process, milliseconds from spawn to the first answered ping)."""
    log = open(log_path, "ab")
    start = time.monotonic()
    process = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL, stderr=log, env=env,
                               stdin=subprocess.DEVNULL)
    log.close()
    deadline = start + 60
    while not answered_ping(socket_path):
        if process.poll() is not None:
            raise BenchError("%s exited with status %d before answering" % (argv[0], process.returncode))
        if time.monotonic() > deadline:
            process.kill()
            raise BenchError("%s did not answer a ping within 60 s" % argv[0])
        time.sleep(0.001)
    return process, (time.monotonic() - start) * 1000


def stop_process(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()




def machine(server):
    def first(path, prefix):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(prefix):
                        return line.split(":", 1)[1].strip()
        except OSError:
            return None

    def command(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=ROOT).stdout.strip() or None
        except (OSError, subprocess.TimeoutExpired):
            return None

    try:
        debian = Path("/etc/debian_version").read_text().strip()
    except OSError:
        debian = None
    twisted = command(PYTHON, "-c", "import twisted; print(twisted.__version__)")
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "nproc": os.cpu_count(),
        "memory": first("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "debian": debian,
        "python": command(PYTHON, "--version"),
        "twisted": twisted,
        "thrift": command("pkg-config", "--modversion", "thrift"),
        "git": command("git", "describe", "--always", "--dirty"),
        # Uncommitted changes to what vitrine-server is built from, if any (empty: the commit above).
        "server_changes": command("git", "status", "--porcelain", "--", "server", "idl", "gen"),
        "vitrine_server": command(str(server), "--version"),
    }
