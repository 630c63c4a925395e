#!/usr/bin/python3
"""vitrine under load: many connections at once, misbehaving peers, clients killed mid-question.

    make load                                    # every scenario (a few minutes): a table on stdout
    bench/load.py --build build-load --only 1,3  # some scenarios
    bench/load.py --server /elsewhere/bin/vitrine-server --json load.json

Not a test, and no timing is a condition: each scenario has correctness
conditions, and the tool exits 1 when one fails (2 when the server or a
load generator could not be run at all). Times and ratios are figures; the
deadlines are liveness bounds, many times what the work takes when the
server is fair.
The tool starts its own vitrine-server (offscreen, Thrift on a Unix socket,
AMP on loopback TCP) and raises its own RLIMIT_NOFILE soft limit to the
hard limit; the server keeps the limit the tool was started with.

1. Many connections. N connections (default 500), all open at once, each
   make M calls (default 100) of ping / whatsLoaded / serverInfo /
   listWindows in turn: over Thrift (the package's asyncio client) and over
   AMP (Twisted with the generated command classes). Condition: no error,
   every answer right (serverInfo must count exactly the connections open,
   which proves they are all open at once). Figures: time, calls/s,
   latency p50/p99/max, server CPU per call.
2. Bad peers. A Thrift and an AMP peer that send half a request and go
   silent, a Thrift peer that connects and never sends, and a Thrift and
   an AMP peer that pipeline screenshots of a picture of noise (1.4 MB
   answers) and never read them. Other clients (default 100 × 100 calls)
   are measured without the bad peers and with them, in alternating
   rounds: from the moment they connect ("ramp"), and again once the
   server has stopped reading the non-readers ("stuck"). Last, once,
   beside a greedy reader: a client that keeps 64 stage screenshots in
   flight and reads every answer. Conditions: the others get every answer
   right, with no error, within --others-deadline; the server stops
   reading the non-readers (within --stuck-deadline), and its RSS does not
   grow while they are stuck and stays within --rss-bound. Figures: the
   latency ratios to "without", what the non-readers got served.
3. Clients killed mid-question. K child processes (default 20 per
   protocol) each wait on a dialog (Thrift: ask, sayAndWait, chooseFile,
   chooseColor; AMP: Say, ask, AskColor, AskOpenFilename, two per
   connection) and are SIGKILLed. Condition: within a deadline every one
   of their dialogs is gone, each closed with CLIENT_DISCONNECTED.
4. The file-descriptor limit. A second server runs with RLIMIT_NOFILE
   1024 (soft and hard, a common default) and gets more connections than
   that. Condition: once they are closed, the server serves new Thrift and
   AMP connections again.

Internal modes, run by the tool in child processes: _thrift-load,
_amp-load, _asker, _amp-asker (each prints one JSON object).
"""

import argparse
import asyncio
import datetime
import json
import os
import resource
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness  # bench/harness.py: server processes, /proc readings, the machine (and sys.path for vitrine)
from harness import PYTHON
from vitrine import VitrineError

#: The calls of scenarios 1 and 2, made in turn on every connection.
MIX = ("ping", "whatsLoaded", "serverInfo", "listWindows")
#: Dialog commands a killed child waits on (scenario 3), in turn.
THRIFT_WAITS = ("ask", "say_and_wait", "choose_file", "choose_color")
AMP_WAITS = ("Say", "ask", "AskColor", "AskOpenFilename")
TITLE_PREFIX = "vitrine-load killed"
#: At most this many distinct error messages are kept per load.
KEPT_MESSAGES = 5


class LoadError(Exception):
    """Something could not be run (a server, a load generator): no verdict possible."""


# ------------------------------------------------------------------ figures

def latency_summary(seconds):
    """p50 / p99 / max of a list of durations in seconds, in milliseconds."""
    if not seconds:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(seconds)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] * 1000, 3)

    return {"p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 3)}


class Tally:
    """What a load generator saw: latencies of answered calls, errors, wrong answers."""

    def __init__(self):
        self.latencies = []
        self.errors = 0
        self.wrong = 0
        self.messages = []

    def _keep(self, message):
        if message not in self.messages and len(self.messages) < KEPT_MESSAGES:
            self.messages.append(message)

    def error(self, method, error):
        self.errors += 1
        self._keep("%s: %s: %s" % (method, type(error).__name__, error))

    def abandoned(self, deadline):
        self._keep("calls still unanswered after %.0f s were abandoned" % deadline)

    def check(self, method, problem):
        if problem:
            self.wrong += 1
            self._keep("%s: wrong answer: %s" % (method, problem))

    def result(self, seconds, **extra):
        calls = len(self.latencies)
        return dict(calls=calls, errors=self.errors, wrong=self.wrong, messages=self.messages,
                    seconds=round(seconds, 4), calls_per_s=round(calls / seconds, 1) if seconds > 0 else None,
                    **latency_summary(self.latencies), **extra)


def check_answer(method, answer, expect):
    """None when `answer` (normalised: see the two load generators) is right, else what is wrong.

    `expect` holds what the orchestrator knows: the server's pid and
    version, how many connections are open during the load, how many
    windows (the stage only), what the stage shows ("" before any push).
    """
    if method == "ping":
        return None if answer is None else "ping answered %r" % (answer,)
    if method == "whatsLoaded":
        return None if answer == expect["loaded"] else "whatsLoaded answered %r, not %r" % (answer, expect["loaded"])
    if method == "serverInfo":
        wanted = {"pid": expect["pid"], "version": expect["version"], "connections": expect["connections"],
                  "windows": expect["windows"], "platform": "offscreen"}
        wrong = ["%s %r (expected %r)" % (key, answer.get(key), value) for key, value in wanted.items()
                 if answer.get(key) != value]
        return ", ".join(wrong) or None
    if method == "listWindows":
        if len(answer) != expect["windows"] or answer[0] != (0, "STAGE"):
            return "listWindows answered %r, expected the stage alone" % (answer[:3],)
        return None
    return "unknown method %s" % method


# ------------------------------------------------------------------ load generators (child processes)

def thrift_load(options):
    """Scenario 1 and 2's clients over Thrift: the package's asyncio client, one event loop."""
    import vitrine.aio

    expect = json.loads(options.expect)

    def normal(method, value):
        if method == "serverInfo":
            return {"pid": value.pid, "version": value.version, "connections": value.connections,
                    "windows": value.windows, "platform": value.platform}
        if method == "listWindows":
            return [(w.id, w.kind) for w in value]
        return value

    calls = {"ping": lambda c: c.ping(), "whatsLoaded": lambda c: c.whats_loaded(),
             "serverInfo": lambda c: c.server_info(), "listWindows": lambda c: c.windows()}

    async def main():
        clients = [vitrine.aio.AsyncClient(options.address, timeout=options.timeout)
                   for _ in range(options.connections)]
        tally = Tally()
        clock = time.perf_counter
        opening = clock()
        # All connect at once; a ping on each then proves the server accepted it.
        for step in ("connect", "ping"):
            outcomes = await asyncio.gather(*(getattr(c, step)() for c in clients), return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    tally.error("warm-up " + step, outcome)
        opened = clock() - opening

        async def connection(index, client):
            for k in range(options.calls):
                method = MIX[(index + k) % len(MIX)]
                start = clock()
                try:
                    value = await calls[method](client)
                except Exception as error:  # every failure is counted, none stops the others
                    tally.error(method, error)
                    continue
                tally.latencies.append(clock() - start)
                tally.check(method, check_answer(method, normal(method, value), expect))

        start = clock()
        if not tally.errors:
            try:
                await asyncio.wait_for(asyncio.gather(*(connection(i, c) for i, c in enumerate(clients))),
                                       options.deadline)
            except asyncio.TimeoutError:
                tally.abandoned(options.deadline)
        seconds = clock() - start
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
        return tally.result(seconds, connections=options.connections, connect_seconds=round(opened, 3))

    print(json.dumps(asyncio.run(main())), flush=True)


def amp_load(options):
    """Scenario 1's clients over AMP: Twisted (its default epoll reactor) and the generated commands."""
    from twisted.internet import defer, endpoints, task
    from twisted.protocols import amp

    from vitrine import amp_commands

    expect = json.loads(options.expect)
    commands = {name: getattr(amp_commands, name) for name in MIX}

    def normal(method, answer):
        if method == "ping":
            return None if answer == {} else answer
        if method == "whatsLoaded":
            return answer["result"]
        if method == "listWindows":
            return [(w["id"], w["kind"]) for w in answer["result"]]
        return answer

    async def main(reactor):
        host, _, port = options.address[len("tcp:"):].rpartition(":")
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, int(port), timeout=options.timeout)
        tally = Tally()
        clock = time.perf_counter
        opening = clock()
        attempts = await defer.DeferredList(
            [endpoints.connectProtocol(endpoint, amp.AMP()) for _ in range(options.connections)], consumeErrors=True)
        peers = []
        for ok, value in attempts:
            if ok:
                value.transport.setTcpNoDelay(True)
                peers.append(value)
            else:
                tally.error("warm-up connect", value.value)
        pings = await defer.DeferredList([p.callRemote(amp_commands.ping) for p in peers], consumeErrors=True)
        for ok, value in pings:
            if not ok:
                tally.error("warm-up ping", value.value)
        opened = clock() - opening

        async def connection(index, peer):
            for k in range(options.calls):
                method = MIX[(index + k) % len(MIX)]
                start = clock()
                try:
                    answer = await peer.callRemote(commands[method])
                except Exception as error:
                    tally.error(method, error)
                    continue
                tally.latencies.append(clock() - start)
                tally.check(method, check_answer(method, normal(method, answer), expect))

        start = clock()
        if not tally.errors:
            everything = defer.gatherResults([defer.ensureDeferred(connection(i, p)) for i, p in enumerate(peers)],
                                             consumeErrors=True)
            everything.addTimeout(options.deadline, reactor)
            try:
                await everything
            except defer.TimeoutError:
                tally.abandoned(options.deadline)
        seconds = clock() - start
        for peer in peers:
            peer.transport.loseConnection()
        print(json.dumps(tally.result(seconds, connections=options.connections, connect_seconds=round(opened, 3))),
              flush=True)

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))


def thrift_asker(options):
    """Scenario 3: waits on one dialog through the synchronous package client until killed."""
    import vitrine

    client = vitrine.connect(options.address, timeout=None)
    text = "a client of bench/load.py that will be killed"
    if options.kind == "ask":
        client.ask(text, title=options.title)
    elif options.kind == "say_and_wait":
        client.say_and_wait(text, title=options.title)
    elif options.kind == "choose_file":
        client.choose_file(directory=tempfile.gettempdir(), title=options.title)
    else:
        client.choose_color(title=options.title)
    sys.exit("%s returned: nobody should have answered it" % options.kind)


def amp_asker(options):
    """Scenario 3 over AMP: two waiting commands on one connection, then waits until killed."""
    from twisted.internet import defer, endpoints, task
    from twisted.protocols import amp

    from vitrine import amp_commands

    def arguments(command, title):
        if command == "Say":
            return {"text": "killed soon", "options": {"title": title}}
        if command == "ask":
            return {"question": {"prompt": "killed soon", "kind": "TEXT", "title": title}}
        if command == "AskColor":
            return {"r": 1, "g": 2, "b": 3, "title": title}
        return {"initialdir": tempfile.gettempdir(), "title": title}

    async def main(reactor):
        host, _, port = options.address[len("tcp:"):].rpartition(":")
        peer = await endpoints.connectProtocol(endpoints.TCP4ClientEndpoint(reactor, host, int(port)), amp.AMP())
        waits = [peer.callRemote(getattr(amp_commands, command), **arguments(command, "%s/%d" % (options.title, i)))
                 for i, command in enumerate(options.commands.split(","))]
        await defer.DeferredList(waits, consumeErrors=True)
        sys.exit("the dialogs were answered: nobody should have answered them")

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))


# ------------------------------------------------------------------ bad peers (scenario 2)

def amp_box(**pairs):
    """An AMP box: each key and value with a 2-byte length, then an empty key."""
    out = bytearray()
    for key, value in pairs.items():
        key, value = key.encode(), str(value).encode()
        out += struct.pack("!H", len(key)) + key + struct.pack("!H", len(value)) + value
    return bytes(out + b"\0\0")


def thrift_frame(call):
    """A whole Thrift frame for a call of the package (vitrine._calls), as the clients send it."""
    from vitrine import _wire

    return _wire.Codec().encode(call)[1]


class BadPeer:
    """One connection that misbehaves on purpose from `start()` until `close()`.

    `send_once` is written right after connecting (half a request), or
    nothing (a silent peer). Subclasses keep writing.
    """

    def __init__(self, name, address, send_once=b""):
        self.name = name
        self.address = address
        self.send_once = send_once
        self.sock = None

    def start(self):
        kind, _, rest = self.address.partition(":")
        if kind == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(rest)
        else:
            host, _, port = rest.rpartition(":")
            self.sock = socket.create_connection((host, int(port)))
        if self.send_once:
            self.sock.sendall(self.send_once)
        return self

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class NonReader(BadPeer):
    """Pipelines requests as fast as the socket takes them and never reads an answer.

    `batch()` makes the next bytes to send. `sent_bytes` and `last_progress`
    (monotonic time of the last byte the kernel took) tell whether the
    server still reads: once it stops, the socket buffers fill and nothing
    more can be sent. `closed_by_server` is set if the server drops it.
    """

    def __init__(self, name, address, batch):
        super().__init__(name, address)
        self.batch = batch
        self.sent_bytes = 0
        self.last_progress = time.monotonic()
        self.closed_by_server = None
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        super().start()
        self.sock.setblocking(False)
        self.last_progress = time.monotonic()
        self._thread = threading.Thread(target=self._pipeline, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _pipeline(self):
        poller = select.poll()
        poller.register(self.sock, select.POLLOUT)
        pending = b""
        while not self._stop.is_set():
            if not pending:
                pending = self.batch()
            try:
                sent = self.sock.send(pending)
            except BlockingIOError:
                poller.poll(100)
                continue
            except OSError as error:
                if not self._stop.is_set():
                    self.closed_by_server = str(error)
                return
            pending = pending[sent:]
            self.sent_bytes += sent
            self.last_progress = time.monotonic()

    def idle_seconds(self):
        return time.monotonic() - self.last_progress

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        super().close()


def bad_peers(thrift_address, amp_address, window_id):
    """The bad peers of scenario 2, not yet started; the non-readers ask for screenshots of `window_id`."""
    ping = harness.PING
    screenshot = thrift_frame(_screenshot_call(window_id))
    amp_ping = amp_box(_command="ping", _ask="1")
    tags = iter(range(1, 1 << 62))

    def amp_screenshots():
        return b"".join(amp_box(_command="screenshot", _ask="%x" % next(tags), windowId=window_id)
                        for _ in range(128))

    return [
        BadPeer("Thrift half request", thrift_address, ping[:len(ping) // 2]),
        BadPeer("Thrift silent", thrift_address),
        BadPeer("AMP half box", amp_address, amp_ping[:len(amp_ping) // 2]),
        NonReader("Thrift non-reader", thrift_address, lambda: screenshot * 128),
        NonReader("AMP non-reader", amp_address, amp_screenshots),
    ]


def _screenshot_call(window_id):
    from vitrine import _calls

    return _calls.screenshot(window_id)


class GreedyReader(BadPeer):
    """Keeps `depth` Thrift calls in flight (pipelined) and reads every answer: a heavy but correct client.

    `answered` counts the answers read.
    """

    def __init__(self, name, address, frame, depth=64):
        super().__init__(name, address)
        self.frame = frame
        self.depth = depth
        self.answered = 0
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        super().start()
        self.sock.settimeout(1.0)
        self._thread = threading.Thread(target=self._pipeline, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _pipeline(self):
        try:
            self.sock.sendall(self.frame * self.depth)
            buffer = b""
            while not self._stop.is_set():
                try:
                    chunk = self.sock.recv(1 << 16)
                except socket.timeout:
                    continue
                if not chunk:
                    return
                buffer += chunk
                while len(buffer) >= 4 and len(buffer) >= 4 + struct.unpack("!i", buffer[:4])[0]:
                    buffer = buffer[4 + struct.unpack("!i", buffer[:4])[0]:]
                    self.answered += 1
                    self.sock.sendall(self.frame)
        except OSError:
            pass  # closed by close()

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        super().close()


# ------------------------------------------------------------------ the orchestrator

class Row:
    """One line of the table: `ok` True/False for a condition, None for a figure."""

    def __init__(self, scenario, what, value, condition="", ok=None):
        self.scenario, self.what, self.value, self.condition, self.ok = scenario, what, value, condition, ok

    def to_json(self):
        return dict(scenario=self.scenario, what=self.what, value=self.value, condition=self.condition, ok=self.ok)


def ms(value):
    return "—" if value is None else ("%.3g ms" % value if value < 100 else "{:,.0f} ms".format(value))


def latencies(result):
    return "%s / %s / %s" % (ms(result["p50_ms"]), ms(result["p99_ms"]), ms(result["max_ms"]))


def raise_fd_limit():
    """Raises this process's RLIMIT_NOFILE soft limit to its hard limit; returns (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return soft, hard


def open_files_limit(pid):
    """The soft and hard 'Max open files' of process `pid`, as text."""
    with open("/proc/%d/limits" % pid) as limits:
        for line in limits:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return "%s soft, %s hard" % (soft, hard)
    return "unknown"


class Load:
    def __init__(self, options, log):
        self.options = options
        self.log = log
        self.rows = []
        self.raw = {}
        self.directory = tempfile.mkdtemp(prefix="vitrine-load-")
        self.server = None
        self.control = None
        self.control_calls = 0  # calls made on the control connection (they count in callsServed)

    # -------------------------------------------------------------- plumbing

    def row(self, *args, **kwargs):
        self.rows.append(Row(*args, **kwargs))

    def start_server(self, name, wrapper=()):
        """A vitrine-server of the tool's own (Thrift on NAME.sock, AMP on loopback TCP), started."""
        # Scenario 2's half-sent requests stay for the whole scenario: it measures
        # what they cost the others while they are there. The server's own
        # deadline for them (--read-timeout, 20 s by default) would close them
        # first; tests/integration/budgets_test.cpp checks that it does.
        server = harness.vitrine_server(self.options.server_path, "%s/%s.sock" % (self.directory, name),
                                        "%s/%s.log" % (self.directory, name), amp=True, wrapper=wrapper,
                                        args=["--read-timeout", "3600000"])
        try:
            return harness.start_vitrine(server)
        except harness.BenchError as error:
            raise LoadError(str(error)) from None

    def start(self):
        import vitrine

        self.server = self.start_server("vitrine")
        self.thrift = str(self.server.address)
        self.amp = self.server.amp_address
        # The one connection the orchestrator keeps open throughout; every
        # load counts it among the connections serverInfo must report.
        self.control = vitrine.connect(self.thrift, timeout=300)  # the server may be slow with bad peers
        info = self.info()
        self.expect = {"pid": info.pid, "version": info.version, "loaded": self.control.whats_loaded(),
                       "windows": 1}
        if info.pid != self.server.pid:
            raise LoadError("the server at %s is not the one started (pid %d, not %d)"
                            % (self.thrift, info.pid, self.server.pid))
        self.log("vitrine-server pid %d on %s and AMP %s; open files: %s" % (
            self.server.pid, self.thrift, self.amp, open_files_limit(self.server.pid)))

    def stop(self, keep_logs=False):
        """Stops the server and removes the temporary directory (kept, with the server's log, if asked)."""
        if self.control is not None:
            self.control.disconnect()
        if self.server is not None:
            self.server.stop()
        if keep_logs:
            print("vitrine load: the server's log is in %s" % self.directory, file=sys.stderr)
        else:
            shutil.rmtree(self.directory, ignore_errors=True)

    def info(self):
        """serverInfo on the control connection (counted: it adds to the server's callsServed)."""
        self.control_calls += 1
        return self.control.server_info()

    def wait_connections(self, count, deadline=30.0):
        """Polls serverInfo until the server counts `count` connections (the control one included)."""
        end = time.monotonic() + deadline
        while True:
            seen = self.info().connections
            if seen == count:
                return
            if time.monotonic() > end:
                raise LoadError("the server counts %d connections, not %d, after %.0f s" % (seen, count, deadline))
            time.sleep(0.05)

    def child(self, mode, *arguments, timeout=900):
        """Runs this file in `mode` and returns the JSON object it printed."""
        argv = [PYTHON, str(Path(__file__).resolve()), mode] + [str(a) for a in arguments]
        try:
            done = subprocess.run(argv, capture_output=True, env=harness.python_env(), timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LoadError("%s took over %d s" % (mode, timeout)) from None
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        if done.returncode != 0 or not lines:
            raise LoadError("%s failed (status %d): %s" % (mode, done.returncode,
                                                           done.stderr.decode("utf-8", "replace").strip()[-2000:]))
        return json.loads(lines[-1])

    def run_load(self, mode, address, connections, calls, others=0, deadline=None):
        """One load of `connections` × `calls` while `others` more connections (bad peers) are open.

        Calls not answered `deadline` seconds after the first was made are
        abandoned (and counted as not answered).
        """
        self.wait_connections(1 + others)
        expect = dict(self.expect, connections=connections + 1 + others)
        deadline = deadline or self.options.deadline
        cpu_before = harness.cpu_seconds(self.server.pid)
        result = self.child(mode, "--address", address, "--connections", connections, "--calls", calls,
                            "--expect", json.dumps(expect), "--timeout", self.options.call_timeout,
                            "--deadline", deadline, timeout=deadline + 300)
        cpu = harness.cpu_seconds(self.server.pid) - cpu_before
        result["server_cpu_us_per_call"] = round(cpu / result["calls"] * 1e6, 1) if result["calls"] else None
        self.log("%s %d×%d: %s" % (mode, connections, calls, json.dumps(result)))
        return result

    # -------------------------------------------------------------- scenario 1

    def scenario1(self):
        n, m = self.options.connections, self.options.calls
        for label, mode, address in (("Thrift", "_thrift-load", self.thrift), ("AMP", "_amp-load", self.amp)):
            result = self.run_load(mode, address, n, m)
            self.raw["1 " + label] = result
            right = result["calls"] == n * m and not result["errors"] and not result["wrong"]
            detail = "" if right else "; %d errors, %d wrong: %s" % (result["errors"], result["wrong"],
                                                                     " | ".join(result["messages"]))
            self.row("1 " + label, "%d connections × %d calls, all open at once" % (n, m),
                     "{:,} answered in {:.2f} s{}".format(result["calls"], result["seconds"], detail),
                     "no error, every answer right", right)
            self.row("1 " + label, "calls/s; latency p50 / p99 / max",
                     "{:,.0f} calls/s; {}".format(result["calls_per_s"] or 0, latencies(result)))
            self.row("1 " + label, "server CPU per call; opening the %d connections" % n,
                     "%s µs; %.2f s" % (result["server_cpu_us_per_call"], result["connect_seconds"]))

    # -------------------------------------------------------------- scenario 2

    def scenario2(self):
        others, m = self.options.others, self.options.calls
        # The non-readers ask for screenshots of a picture of noise: each answer
        # is a PNG of about 1.4 MB, so the server's bound on unsent answers
        # (16 MiB) is reached after a dozen calls, and what is measured is the
        # server stopping to read them, not how long it takes to get there.
        from vitrine_thrift.ttypes import Picture, PictureOptions, PixelFormat

        side = 1024
        noise = Picture(width=side, height=side, mode=PixelFormat.RGB, data=os.urandom(3 * side * side))
        window = self.control.call("showPicture", noise, PictureOptions(title="vitrine-load noise"))
        self.expect["windows"] = 2
        sides = {"without": [], "ramp": [], "stuck": [], "greedy": []}
        labels = {"without": "without bad peers", "ramp": "bad peers from their connection on (ramp)",
                  "stuck": "non-readers no longer read (stuck)", "greedy": "beside the greedy reader"}
        peers_info = []
        problems = []

        def others_load(bad, side):
            result = self.run_load("_thrift-load", self.thrift, others, m, others=bad,
                                   deadline=self.options.others_deadline)
            if result["calls"] != others * m or result["errors"] or result["wrong"]:
                problems.append("%s: %d of %d answered, %d errors, %d wrong: %s" % (
                    labels[side], result["calls"], others * m, result["errors"], result["wrong"],
                    " | ".join(result["messages"])))
            return result

        def with_bad_peers():
            rss_before = harness.rss_mib(self.server.pid)
            served_before = self.info().calls_served
            control_before = self.control_calls
            peers = [p.start() for p in bad_peers(self.thrift, self.amp, window)]
            started = time.monotonic()
            try:
                self.wait_connections(1 + len(peers))
                sides["ramp"].append(others_load(len(peers), "ramp"))
                stuck_after = self.wait_stuck(peers, started)
                # Everything served meanwhile but the others' calls (and their
                # warm-up pings) and our own polls went to the non-readers.
                served = (self.info().calls_served - served_before - others * (m + 1)
                          - (self.control_calls - control_before - 1))
                rss_stuck = harness.rss_mib(self.server.pid)
                time.sleep(self.options.stuck_watch)
                rss_later = harness.rss_mib(self.server.pid)
                if stuck_after is not None:
                    sides["stuck"].append(others_load(len(peers), "stuck"))
                readers = [p for p in peers if isinstance(p, NonReader)]
                peers_info.append(dict(
                    stuck_after_s=None if stuck_after is None else round(stuck_after, 2),
                    rss_before_mib=round(rss_before, 1), rss_stuck_mib=round(rss_stuck, 1),
                    rss_later_mib=round(rss_later, 1), non_reader_calls_served=served,
                    sent_kib={p.name: round(p.sent_bytes / 1024, 1) for p in readers},
                    dropped={p.name: p.closed_by_server for p in readers if p.closed_by_server}))
            finally:
                for peer in peers:
                    peer.close()
            self.wait_connections(1)

        try:
            for r in range(self.options.rounds):
                for which in (("without", "with") if r % 2 == 0 else ("with", "without")):
                    if which == "without":
                        sides["without"].append(others_load(0, "without"))
                    else:
                        with_bad_peers()
            # A client that pipelines stage screenshots and reads every answer:
            # nothing bounds it, so only the server's turns protect the others.
            greedy = GreedyReader("greedy reader", self.thrift, thrift_frame(_screenshot_call(0))).start()
            try:
                self.wait_connections(2)
                sides["greedy"].append(others_load(1, "greedy"))
            finally:
                greedy.close()
            self.wait_connections(1)
        finally:
            self.control.close(window)
            self.expect["windows"] = 1
        self.raw["2"] = {"sides": sides, "bad_peers": peers_info, "greedy_answered": greedy.answered}

        self.row("2", "%d other connections × %d calls: %d rounds without and with the bad peers (ramp, "
                 "stuck), then once beside a greedy reader" % (others, m, self.options.rounds),
                 "every answer right" if not problems else "; ".join(problems[:3]),
                 "every call answered right within %.0f s, no error" % self.options.others_deadline, not problems)
        for side, label in labels.items():
            results = [x for x in sides[side] if x["calls"]]
            if results:
                self.row("2", "others' latency p50 / p99 / max, %s" % label, "%s / %s / %s" % tuple(
                    ms(statistics.median(x[key] for x in results)) for key in ("p50_ms", "p99_ms", "max_ms")))
        for side in ("ramp", "stuck", "greedy"):
            base = statistics.median(x["p50_ms"] for x in sides["without"]), statistics.median(
                x["p99_ms"] for x in sides["without"])
            pairs = list(zip(sides[side], sides["without"])) if side != "greedy" else [
                (sides["greedy"][0], {"p50_ms": base[0], "p99_ms": base[1]})]
            cells = []
            for key in ("p50_ms", "p99_ms"):
                ratios = [a[key] / b[key] for a, b in pairs if a[key] and b[key]]
                cells.append("—" if not ratios else "%.3g" % ratios[0] if len(ratios) == 1 else
                             "%.3g (%.3g–%.3g)" % (statistics.median(ratios), min(ratios), max(ratios)))
            self.row("2", "ratio to without, p50; p99: %s" % labels[side], "; ".join(cells))
        stuck = [p["stuck_after_s"] for p in peers_info]
        self.row("2", "server stopped reading the non-readers after (each round)",
                 ", ".join("not within the deadline" if s is None else "%.1f s" % s for s in stuck),
                 "within %.0f s" % self.options.stuck_deadline, all(s is not None for s in stuck))
        self.row("2", "screenshots served to the non-readers; bytes they could send",
                 "; ".join("{:,} calls, {}".format(p["non_reader_calls_served"], ", ".join(
                     "%s %.0f KiB" % kv for kv in p["sent_kib"].items())) for p in peers_info))
        growth = [p["rss_later_mib"] - p["rss_stuck_mib"] for p in peers_info]
        total = [p["rss_stuck_mib"] - p["rss_before_mib"] for p in peers_info]
        self.row("2", "server RSS growth while they are stuck (%.0f s)" % self.options.stuck_watch,
                 ", ".join("%.1f MiB" % g for g in growth), "≤ 1 MiB", all(g <= 1.0 for g in growth))
        self.row("2", "server RSS growth from before the bad peers until stuck",
                 ", ".join("%.1f MiB" % g for g in total) + " (RSS then %s MiB)" % ", ".join(
                     "%.0f" % p["rss_stuck_mib"] for p in peers_info),
                 "≤ %d MiB" % self.options.rss_bound, all(g <= self.options.rss_bound for g in total))
        self.row("2", "greedy reader: stage screenshots answered while the others ran",
                 "{:,}".format(greedy.answered))
        dropped = {name: why for p in peers_info for name, why in p["dropped"].items()}
        if dropped:
            self.row("2", "non-readers the server closed", "; ".join("%s: %s" % kv for kv in dropped.items()))

    def wait_stuck(self, peers, started):
        """Seconds from `started` until the server stopped reading the non-readers; None past the deadline.

        Stopped: for `quiet` seconds no non-reader could send a byte and the
        server process used (almost) no CPU. Read from /proc, not asked over
        RPC: a server busy with them may be slow to answer.
        """
        readers = [p for p in peers if isinstance(p, NonReader)]
        quiet = 2.0
        end = started + self.options.stuck_deadline
        samples = []  # (time, server CPU seconds)
        while time.monotonic() < end:
            time.sleep(0.25)
            now = time.monotonic()
            samples.append((now, harness.cpu_seconds(self.server.pid)))
            window = [cpu for at, cpu in samples if at >= now - quiet]
            idle_cpu = samples[0][0] <= now - quiet and window[-1] - window[0] <= 0.05
            if idle_cpu and all(p.closed_by_server or p.idle_seconds() >= quiet for p in readers):
                return max(p.last_progress for p in readers) - started
        return None

    # -------------------------------------------------------------- scenario 3

    def scenario3(self):
        k = self.options.killed
        for label in ("Thrift", "AMP"):
            after = self.control.last_sequence()
            children, titles = [], []
            for i in range(k):
                title = "%s %s %d" % (TITLE_PREFIX, label, i)
                if label == "Thrift":
                    kind = THRIFT_WAITS[i % len(THRIFT_WAITS)]
                    argv = ["_asker", "--address", self.thrift, "--kind", kind, "--title", title]
                    titles.append(title)
                else:
                    commands = [AMP_WAITS[i % len(AMP_WAITS)], AMP_WAITS[(i + 1) % len(AMP_WAITS)]]
                    argv = ["_amp-asker", "--address", self.amp, "--commands", ",".join(commands), "--title", title]
                    titles += ["%s/%d" % (title, j) for j in range(len(commands))]
                children.append(subprocess.Popen([PYTHON, str(Path(__file__).resolve())] + argv,
                                                 env=harness.python_env(), stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            try:
                ids = self.wait_dialogs(titles, children)
            finally:
                for child in children:
                    child.send_signal(signal.SIGKILL)
                for child in children:
                    child.wait()
                    child.stderr.close()
            killed = time.monotonic()
            end = killed + self.options.dialog_deadline
            while True:
                left = {w.id for w in self.control.windows()} & set(ids.values())
                if not left or time.monotonic() > end:
                    break
                time.sleep(0.05)
            gone_after = time.monotonic() - killed
            reasons = self.close_reasons(after, set(ids.values()))
            wrong = {i: r for i, r in reasons.items() if r != "CLIENT_DISCONNECTED"}
            self.wait_connections(1)
            self.raw["3 " + label] = dict(dialogs=len(ids), left=sorted(left), gone_after_s=round(gone_after, 3),
                                          reasons=reasons)
            what = ("%d processes, a dialog each (%s)" % (k, ", ".join(THRIFT_WAITS)) if label == "Thrift" else
                    "%d processes, two dialogs each (%s)" % (k, ", ".join(AMP_WAITS)))
            self.row("3 " + label, what + ", SIGKILLed",
                     "%d of %d dialogs left after %.1f s" % (len(left), len(ids), gone_after) if left else
                     "all %d dialogs gone %.2f s after the kill" % (len(ids), gone_after),
                     "none left within %.0f s" % self.options.dialog_deadline, not left)
            self.row("3 " + label, "close reason of those dialogs (WINDOW_CLOSED events)",
                     "all CLIENT_DISCONNECTED" if not wrong and len(reasons) == len(ids) else
                     "%d of %d events; other reasons: %s" % (len(reasons), len(ids), wrong),
                     "CLIENT_DISCONNECTED", not wrong and len(reasons) == len(ids))

    def wait_dialogs(self, titles, children):
        """{title: window id} once every title is open; LoadError if a child ends first or the deadline passes."""
        end = time.monotonic() + 120
        while True:
            found = {w.title: w.id for w in self.control.windows() if w.title in titles}
            if len(found) == len(titles):
                return found
            for child in children:
                if child.poll() is not None:
                    raise LoadError("a scenario-3 child ended (status %d) before its dialog opened: %s" % (
                        child.returncode, child.stderr.read().decode("utf-8", "replace")[-1000:]))
            if time.monotonic() > end:
                raise LoadError("only %d of %d dialogs opened within 120 s" % (len(found), len(titles)))
            time.sleep(0.1)

    def close_reasons(self, after, ids):
        """{window id: close reason} from the WINDOW_CLOSED events after sequence `after`."""
        reasons = {}
        while True:
            events = self.control.wait_events(after, 0)
            for event in events:
                after = max(after, event.sequence)
                if event.kind == "WINDOW_CLOSED" and event.window_id in ids:
                    reasons[event.window_id] = event.close_reason
            if not events:
                return reasons

    # -------------------------------------------------------------- scenario 4

    def scenario4(self):
        limit = 1024
        # prlimit applies the limit to the server alone, as a login shell's default would.
        server = self.start_server("fd-limit", wrapper=["prlimit", "--nofile=%d:%d" % (limit, limit), "--"])
        flood = []
        try:
            thrift_path = server.address.path
            refused = None
            for _ in range(limit + 100):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.connect(thrift_path)
                except OSError as error:
                    sock.close()
                    refused = "%s after %d connections" % (error.strerror, len(flood))
                    break
                flood.append(sock)
            answered = answered_pings(flood, deadline=15)
            for sock in flood:
                sock.close()
            flood = []
            time.sleep(0.5)  # the server sees the closes
            thrift_ok = served_again(lambda: harness.answered_ping(thrift_path), deadline=10)
            amp_ok = served_again(lambda: answered_amp_ping(server.amp_address), deadline=10)
            self.raw["4"] = dict(connections=limit + 100, refused=refused, answered=answered, thrift_after=thrift_ok,
                                 amp_after=amp_ok, socket_file_exists=os.path.exists(thrift_path))
        finally:
            for sock in flood:
                sock.close()
            server.stop()
        self.row("4", "server with %d open files; %d connections, %s answered%s" % (
            limit, limit + 100, answered, "; refused: " + refused if refused else ""),
            "Thrift %s, AMP %s afterwards%s" % ("served" if thrift_ok else "NOT served", "served" if amp_ok else
                                                "NOT served", "" if os.path.exists(thrift_path) or thrift_ok else
                                                " (socket file gone)"),
            "both listeners serve new connections once the flood is closed", thrift_ok and amp_ok)


def answered_pings(socks, deadline):
    """Sends a Thrift ping on each socket; how many were answered within `deadline` seconds."""
    poller = select.poll()
    pending = {}
    for sock in socks:
        try:
            sock.sendall(harness.PING)
        except OSError:
            continue
        sock.setblocking(False)
        poller.register(sock, select.POLLIN)
        pending[sock.fileno()] = sock
    answered = 0
    end = time.monotonic() + deadline
    while pending and time.monotonic() < end:
        for fd, _ in poller.poll(100):
            sock = pending.pop(fd)
            poller.unregister(fd)
            try:
                answered += 1 if sock.recv(64) else 0
            except OSError:
                pass
    return answered


def answered_amp_ping(address):
    host, _, port = address[len("tcp:"):].rpartition(":")
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        sock.sendall(amp_box(_command="ping", _ask="1"))
        return b"_answer" in sock.recv(256)


def served_again(attempt, deadline):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if attempt():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


# ------------------------------------------------------------------ output

def table(rows):
    lines = ["| Scenario | What | Measured | Condition | |", "|---|---|---|---|---|"]
    for row in rows:
        verdict = "" if row.ok is None else ("ok" if row.ok else "**FAILED**")
        lines.append("| %s | %s | %s | %s | %s |" % (row.scenario, row.what, row.value, row.condition, verdict))
    return "\n".join(lines)


def child_main(argv):
    parser = argparse.ArgumentParser(prog="load.py " + argv[0])
    parser.add_argument("--address", required=True)
    if argv[0] in ("_thrift-load", "_amp-load"):
        parser.add_argument("--connections", type=int, required=True)
        parser.add_argument("--calls", type=int, required=True)
        parser.add_argument("--expect", required=True)
        parser.add_argument("--timeout", type=float, default=60)
        parser.add_argument("--deadline", type=float, default=600)
    else:
        parser.add_argument("--title", required=True)
        parser.add_argument("--kind", default="ask")
        parser.add_argument("--commands", default="Say")
    options = parser.parse_args(argv[1:])
    raise_fd_limit()
    {"_thrift-load": thrift_load, "_amp-load": amp_load, "_asker": thrift_asker,
     "_amp-asker": amp_asker}[argv[0]](options)
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        return child_main(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--build", default="build", help="build directory holding bin/vitrine-server (default build)")
    parser.add_argument("--server", help="the vitrine-server to load (default BUILD/bin/vitrine-server)")
    parser.add_argument("--only", help="scenarios to run, e.g. 1,3 (default 1,2,3,4)")
    parser.add_argument("--connections", type=int, default=500, help="scenario 1 connections (default 500)")
    parser.add_argument("--calls", type=int, default=100, help="calls per connection (default 100)")
    parser.add_argument("--others", type=int, default=100, help="scenario 2 well-behaved connections (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="scenario 2 rounds per side (default 3)")
    parser.add_argument("--killed", type=int, default=20, help="scenario 3 processes per protocol (default 20)")
    parser.add_argument("--stuck-deadline", type=float, default=180,
                        help="scenario 2: seconds the server may take to stop reading the non-readers (default 180)")
    parser.add_argument("--stuck-watch", type=float, default=3,
                        help="scenario 2: seconds RSS is watched once they are stuck (default 3)")
    parser.add_argument("--rss-bound", type=int, default=96,
                        help="scenario 2: MiB the server's RSS may grow by the bad peers (default 96: two non-readers "
                             "× (16 MiB unsent + 1 MiB read buffer), the PNG encoder's buffers, malloc slack)")
    parser.add_argument("--dialog-deadline", type=float, default=30,
                        help="scenario 3: seconds the dialogs of killed clients may take to go (default 30)")
    parser.add_argument("--call-timeout", type=float, default=60,
                        help="seconds one call may take, else it is an error (default 60, the package's)")
    parser.add_argument("--deadline", type=float, default=600,
                        help="scenario 1: seconds after which unanswered calls are abandoned (default 600)")
    parser.add_argument("--others-deadline", type=float, default=120,
                        help="scenario 2: the same for the other clients (default 120; they need about a second "
                             "alone)")
    parser.add_argument("--json", help="also write every figure and raw result to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each load's raw result")
    options = parser.parse_args()
    options.server_path = str(Path(options.server).resolve() if options.server else
                              Path(options.build).resolve() / "bin" / "vitrine-server")
    if not os.access(options.server_path, os.X_OK):
        parser.error("no vitrine-server at %s; build it first (`make load` does)" % options.server_path)
    scenarios = (options.only or "1,2,3,4").replace(" ", "").split(",")
    if any(s not in ("1", "2", "3", "4") for s in scenarios):
        parser.error("--only takes scenario numbers 1 to 4, e.g. 1,3")

    def log(message):
        if options.verbose:
            print("  " + message, file=sys.stderr, flush=True)

    info = harness.machine(options.server_path)
    load = Load(options, log)
    load_before = os.getloadavg()
    started = time.monotonic()
    status = 0
    try:
        load.start()  # before raising our own limit: the server keeps the one we were given
        server_files = open_files_limit(load.server.pid)
        mine = raise_fd_limit()
        print("vitrine load: %s, %d CPUs; server pid %d (open files %s); this tool's open files %d -> %d" % (
            info["cpu"], info["nproc"], load.server.pid, server_files, mine[0], mine[1]), file=sys.stderr, flush=True)
        for number, step in (("1", load.scenario1), ("2", load.scenario2), ("3", load.scenario3),
                             ("4", load.scenario4)):
            if number in scenarios:
                print("vitrine load: scenario %s..." % number, file=sys.stderr, flush=True)
                step()
    except (LoadError, harness.BenchError, VitrineError) as error:  # VitrineError: the control connection's
        print("vitrine load: could not run: %s" % error, file=sys.stderr)
        status = 2
    finally:
        load.stop(keep_logs=status == 2)
    text = table(load.rows)
    print(text)
    failed = [row for row in load.rows if row.ok is False]
    if options.json:
        Path(options.json).write_text(json.dumps({
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": info, "options": {k: v for k, v in vars(options).items()},
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "seconds": round(time.monotonic() - started, 1),
            "rows": [row.to_json() for row in load.rows], "raw": load.raw, "table": text}, indent=2) + "\n")
    print("vitrine load: %.0f s; load average %.2f before, %.2f after; %s" % (
        time.monotonic() - started, load_before[0], os.getloadavg()[0],
        "%d condition(s) FAILED" % len(failed) if failed else "every condition held" if not status else
        "incomplete"), file=sys.stderr)
    return status or (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
