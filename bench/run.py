#!/usr/bin/python3
"""vitrine's benchmark suite: every figure is vitrine / a baseline measured in the same run.

    make bench                  # the full run (about 6 minutes): table on stdout, bench/results.json
    make bench QUICK=1          # a short run (about a minute): bench/results-partial.json
    bench/run.py --build build-bench --only P1,P3 --rounds 3

Machines here are shared and noisy, so no figure stands alone: each is
measured on vitrine (A) and on a baseline (B) in the same run, in rounds
that alternate A B, B A, A B..., and the table shows the ratio A / B of
each round as min / median / max. Targets are checked on the medians and
marked met or MISSED; the run exits 0 whatever they say (1 only when a
figure could not be measured at all).

| Figure | A (vitrine) | B (baseline) |
|---|---|---|
| P1 latency, ping and whatsLoaded, one client, p50 p99 | Thrift on the Unix socket | Thrift TThreadedServer, do-nothing handler |
| P2 throughput of ping, 1/4/16 clients | the same | Thrift TNonblockingServer, one IO thread |
| P3 1920x1080 RGBA updatePicture, frames/s | answered once applied | the same bytes over a raw Unix socket, acked per frame |
| P4 AMP from a Twisted client | vitrine's AMP listener | a Twisted AMP server, do-nothing responders |
| P5 Python ping | the vitrine package | the bare generated client (gen/py) |
| P6 start-up to the first answered ping | vitrine-server, offscreen | the TThreadedServer |
| P7 resident size idle, after 1k and 100k calls | vitrine-server | the TThreadedServer |

The programs: vitrine-bench (C++ load generator) and vitrine-bench-server
(the Thrift baselines and the raw sink), built by CMake from bench/;
bench/amp_server.py and bench/amp_client.py (Twisted); bench/python_client.py.
See docs/performance.md.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

from harness import (PYTHON, ROOT, BenchError, Tools, answered_ping, cpu_seconds, machine, python_env, rss_mib,
                     run_json, start_and_ping, start_vitrine, stop_process, tree_rss_mib)

FULL = dict(rounds=5, latency=2.0, throughput=2.0, frames=3.0, amp=2.0, python=2.0, settle=1.0)
QUICK = dict(rounds=2, latency=0.5, throughput=0.5, frames=1.0, amp=0.5, python=0.5, settle=0.3)
FIGURES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
#: What each figure measures vitrine against (printed under the table).
BASELINES = {
    "P1": "Thrift 0.17 TThreadedServer, do-nothing handlers; one C++ client (generated, framed, binary) "
          "on the Unix socket, one call at a time",
    "P2": "Thrift 0.17 TNonblockingServer, one IO thread, no worker threads, do-nothing handlers; "
          "N client threads, a connection each",
    "P3": "the same bytes over a raw Unix socket to a sink that reads each frame into a buffer and acks it "
          "(and, for information, the same updatePicture calls to the do-nothing TNonblockingServer)",
    "P4": "a Twisted AMP server with do-nothing responders (the same generated command classes); "
          "the same Twisted client, on loopback TCP",
    "P5": "the generated client (gen/py Vitrine.Client, TFramedTransport) against the same vitrine-server; "
          "the package's sync client (vitrine.connect) and, without a target, its asyncio client (vitrine.aio)",
    "P6": "the TThreadedServer; vitrine-server runs offscreen with AMP on",
    "P7": "the TThreadedServer; VmRSS of the server process, small calls (ping, whatsLoaded) 1000 per connection",
}
MEMORY_CALLS = (1000, 100000)


# ------------------------------------------------------------------ figures

class Row:
    """One line of the table: a quantity measured on A (vitrine) and B (a baseline) each round.

    `ratio` is A / B per round (None when B is not a quantity to divide by).
    `better` says which way is good ("lower" or "higher"). `targets` are
    (kind, op, value, text): kind "ratio" checks the median ratio, "vitrine"
    the median of A.
    """

    def __init__(self, figure, name, unit, better, baseline, targets=(), ratio=True, note=""):
        self.figure = figure
        self.name = name
        self.unit = unit
        self.better = better
        self.baseline = baseline
        self.targets = list(targets)
        self.has_ratio = ratio
        self.note = note
        self.a = []
        self.b = []
        self.error = None

    def add(self, a, b):
        self.a.append(a)
        self.b.append(b)

    def ratios(self):
        if not self.has_ratio:
            return []
        return [a / b for a, b in zip(self.a, self.b) if b]

    def summary(self):
        ratios = self.ratios()
        out = {
            "vitrine_median": statistics.median(self.a) if self.a else None,
            "baseline_median": statistics.median(self.b) if self.b else None,
            "ratio_min": min(ratios) if ratios else None,
            "ratio_median": statistics.median(ratios) if ratios else None,
            "ratio_max": max(ratios) if ratios else None,
        }
        return out

    def verdicts(self):
        summary = self.summary()
        out = []
        for kind, op, value, text in self.targets:
            measured = summary["ratio_median" if kind == "ratio" else "vitrine_median"]
            if measured is None:
                met = None
            else:
                met = measured <= value if op == "<=" else measured >= value
            out.append({"kind": kind, "op": op, "value": value, "text": text, "measured": measured, "met": met})
        return out

    def met(self):
        verdicts = self.verdicts()
        if not verdicts:
            return None
        if any(v["met"] is None for v in verdicts):
            return None
        return all(v["met"] for v in verdicts)

    def to_json(self):
        return {
            "figure": self.figure, "name": self.name, "unit": self.unit, "better": self.better,
            "baseline": self.baseline, "note": self.note,
            "vitrine": [round(x, 4) for x in self.a], "baseline_values": [round(x, 4) for x in self.b],
            "ratios": [round(x, 4) for x in self.ratios()],
            **{k: (round(v, 4) if v is not None else None) for k, v in self.summary().items()},
            "targets": self.verdicts(), "met": self.met(), "error": self.error,
        }


def ordered(round_index, a, b):
    """A then B on even rounds, B then A on odd ones."""
    return ((a, b) if round_index % 2 == 0 else (b, a))


def alternate(rounds, measure_a, measure_b, record):
    """Measures A and B `rounds` times, alternating which goes first, and records each pair."""
    for r in range(rounds):
        results = {}
        for side, measure in ordered(r, ("a", measure_a), ("b", measure_b)):
            results[side] = measure()
        record(results["a"], results["b"])


class Suite:
    def __init__(self, tools, settings, log):
        self.tools = tools
        self.s = settings
        self.log = log
        self.rows = []
        self._vitrine = None

    def row(self, *args, **kwargs):
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def vitrine(self):
        """The long-lived vitrine-server (Thrift on a Unix socket, AMP on loopback TCP) for P1-P5."""
        if self._vitrine is None or not self._vitrine.running():
            self._vitrine = start_vitrine(self.tools.vitrine(amp=True))
            self.log("started vitrine-server (pid %d) on %s and AMP %s" % (
                self._vitrine.pid, self._vitrine.address, self._vitrine.amp_address))
            # Let start-up finish before anything is measured.
            deadline = time.monotonic() + 30
            while not answered_ping(self._vitrine.address.path):
                if time.monotonic() > deadline:
                    raise BenchError("vitrine-server does not answer ping")
                time.sleep(0.01)
            time.sleep(self.s["settle"])
        return self._vitrine

    def stop(self):
        if self._vitrine is not None:
            self._vitrine.stop()

    def bench(self, mode, address, **options):
        argv = [self.tools.bench, mode, "--address", address]
        for key, value in options.items():
            argv += ["--" + key.replace("_", "-"), value]
        return run_json(argv)

    # P1 ---------------------------------------------------------------------------
    def p1(self):
        rows = {}
        for call in ("ping", "whatsLoaded"):
            rows[call, "p50"] = self.row("P1", "%s p50, 1 client" % call, "µs", "lower", "TThreadedServer",
                                         targets=[("ratio", "<=", 1.1, "ratio ≤ 1.1")])
            rows[call, "p99"] = self.row("P1", "%s p99, 1 client" % call, "µs", "lower", "TThreadedServer")
        vitrine = str(self.vitrine().address)
        with self.tools.baseline("threaded").start() as threaded:
            for call in ("ping", "whatsLoaded"):
                def measure(address):
                    return lambda: self.bench("latency", address, call=call, seconds=self.s["latency"])

                def record(a, b):
                    for q in ("p50", "p99"):
                        rows[call, q].add(a[q + "_us"], b[q + "_us"])
                    self.log("P1 %s: vitrine p50 %.1f p99 %.1f µs; threaded p50 %.1f p99 %.1f µs" % (
                        call, a["p50_us"], a["p99_us"], b["p50_us"], b["p99_us"]))
                alternate(self.s["rounds"], measure(vitrine), measure(threaded.addresses["thrift"]), record)

    # P2 ---------------------------------------------------------------------------
    def p2(self):
        vitrine = str(self.vitrine().address)
        with self.tools.baseline("nonblocking").start() as nonblocking:
            for clients in (1, 4, 16):
                targets = [("ratio", ">=", 1.0, "ratio ≥ 1.0")] if clients == 16 else []
                row = self.row("P2", "ping, %d client%s" % (clients, "" if clients == 1 else "s"),
                               "calls/s", "higher", "TNonblockingServer", targets=targets)

                def measure(address):
                    return lambda: self.bench("throughput", address, call="ping", clients=clients,
                                              seconds=self.s["throughput"])["calls_per_s"]

                def record(a, b):
                    row.add(a, b)
                    self.log("P2 %d clients: vitrine %.0f, nonblocking %.0f calls/s" % (clients, a, b))
                alternate(self.s["rounds"], measure(vitrine), measure(nonblocking.addresses["thrift"]), record)

    # P3 ---------------------------------------------------------------------------
    def p3(self):
        row = self.row("P3", "1920x1080 RGBA updatePicture", "frames/s", "higher", "raw Unix socket stream",
                       targets=[("vitrine", ">=", 120, "≥ 120 frames/s"), ("ratio", ">=", 0.5, "ratio ≥ 0.5")])
        thrift_row = self.row("P3", "1920x1080 RGBA updatePicture, vs Thrift", "frames/s", "higher",
                              "TNonblockingServer", note="the same frames to the do-nothing TNonblockingServer: "
                                                         "what plain Thrift moves, client included")
        vitrine = str(self.vitrine().address)
        with self.tools.baseline("sink").start() as sink, self.tools.baseline("nonblocking").start() as nonblocking:
            def frames(address):
                return lambda: self.bench("frames", address, width=1920, height=1080,
                                          seconds=self.s["frames"])["frames_per_s"]

            def stream():
                return self.bench("stream", sink.addresses["thrift"], width=1920, height=1080,
                                  seconds=self.s["frames"])["frames_per_s"]

            # Three sides: the order rotates every round (A B C, B C A, C A B...).
            sides = [("vitrine", frames(vitrine)), ("raw", stream), ("thrift", frames(nonblocking.addresses["thrift"]))]
            for r in range(self.s["rounds"]):
                results = {}
                for name, measure in sides[r % 3:] + sides[:r % 3]:
                    results[name] = measure()
                row.add(results["vitrine"], results["raw"])
                thrift_row.add(results["vitrine"], results["thrift"])
                self.log("P3: vitrine %.1f, raw socket %.1f, TNonblockingServer %.1f frames/s" % (
                    results["vitrine"], results["raw"], results["thrift"]))

    # P4 ---------------------------------------------------------------------------
    def p4(self):
        cases = [
            ("ping", 1, "ping, 1 in flight", [("ratio", ">=", 1.5, "ratio ≥ 1.5")], ""),
            ("ping", 16, "ping, 16 in flight", [], ""),
            ("picture", 1, "UpdateInspect 1 MiB (512x512 RGBA)", [("ratio", ">=", 3.0, "ratio ≥ 3")],
             "vitrine also applies the picture to its window; the baseline only decodes it"),
            ("picture-missing", 1, "UpdateInspect 1 MiB, unknown window", [],
             "both decode the 1 MiB box and answer WINDOW_DOES_NOT_EXIST"),
        ]
        vitrine = self.vitrine()
        with self.tools.twisted().start() as twisted:
            for command, in_flight, name, targets, note in cases:
                row = self.row("P4", name, "calls/s", "higher", "Twisted AMP server", targets=targets, note=note)
                cpu_row = self.row("P4", "server CPU per call, " + name, "µs", "lower",
                                   "Twisted AMP server", note="CPU time of the server process (all its threads) "
                                                              "over the client's run, per call")

                def measure(address, pid):
                    def run():
                        before = cpu_seconds(pid)
                        result = run_json([PYTHON, ROOT / "bench" / "amp_client.py", "--address",
                                           address, "--command", command, "--in-flight", in_flight,
                                           "--seconds", self.s["amp"]], env=python_env())
                        cpu = cpu_seconds(pid) - before
                        return result["calls_per_s"], cpu / (result["calls"] + result["warmup_calls"]) * 1e6
                    return run

                def record(a, b):
                    row.add(a[0], b[0])
                    cpu_row.add(a[1], b[1])
                    self.log("P4 %s: vitrine %.0f calls/s (%.0f µs CPU/call), Twisted %.0f calls/s (%.0f µs CPU/call)"
                             % (name, a[0], a[1], b[0], b[1]))
                alternate(self.s["rounds"], measure(vitrine.amp_address, vitrine.pid),
                          measure(twisted.addresses["amp"], twisted.pid), record)

    # P5 ---------------------------------------------------------------------------
    def p5(self):
        vitrine = str(self.vitrine().address)
        cases = [
            ("package", "bare", "ping p50, package vs bare client (accelerated)",
             [("ratio", "<=", 1.1, "ratio ≤ 1.1")], ""),
            ("package", "bare-plain", "ping p50, package vs bare client (pure Python)", [], ""),
            ("aio", "bare", "ping p50, asyncio package vs bare client (accelerated)", [],
             "vitrine.aio: each call is a turn of the asyncio event loop; the bare client blocks"),
        ]

        def measure(client):
            return lambda: run_json([PYTHON, ROOT / "bench" / "python_client.py", "--address", vitrine,
                                     "--client", client, "--seconds", self.s["python"]], env=python_env())["p50_us"]
        for package, bare, name, targets, note in cases:
            row = self.row("P5", name, "µs", "lower", "gen/py Vitrine.Client, %s" % (
                "TBinaryProtocolAccelerated" if bare == "bare" else "TBinaryProtocol"), targets=targets, note=note)

            def record(a, b):
                row.add(a, b)
                self.log("P5 %s vs %s: package %.1f, bare %.1f µs" % (package, bare, a, b))
            alternate(self.s["rounds"], measure(package), measure(bare), record)

    # P6 and P7 ----------------------------------------------------------------------
    def p6_p7(self, do_p6, do_p7):
        start_row = self.row("P6", "start-up to first answered ping", "ms", "lower", "TThreadedServer",
                             targets=[("vitrine", "<=", 300, "≤ 300 ms")]) if do_p6 else None
        small, large = MEMORY_CALLS
        memory_rows = {}
        if do_p7:
            for key, name in (("idle", "RSS idle"), ("small", "RSS after %dk calls" % (small // 1000)),
                              ("large", "RSS after %dk calls" % (large // 1000))):
                memory_rows[key] = self.row("P7", name, "MiB", "lower", "TThreadedServer", ratio=False)
            memory_rows["growth"] = self.row(
                "P7", "RSS growth %dk → %dk calls" % (small // 1000, large // 1000), "MiB", "lower",
                "TThreadedServer", targets=[("vitrine", "<=", 2.0, "≤ 2 MiB")], ratio=False)
            memory_rows["tree"] = self.row(
                "P7", "RSS with child processes, after %dk calls" % (large // 1000), "MiB", "lower",
                "TThreadedServer", ratio=False, note="sum of VmRSS over the process tree (shared pages counted "
                                                     "in each process)")

        def measure(kind):
            def run():
                if kind == "vitrine":
                    server = self.tools.vitrine(amp=True, name="vitrine-startup")
                    socket_path, argv, env = server.address.path, server.command(), server.environment()
                else:
                    socket_path = self.tools.socket_path(kind)
                    argv, env = self.tools.baseline_argv("threaded", socket_path), None
                process, millis = start_and_ping(argv, socket_path, env,
                                                 os.path.join(self.tools.directory, "%s-startup.log" % kind))
                result = {"startup_ms": millis}
                try:
                    if do_p7:
                        time.sleep(self.s["settle"])
                        address = "unix:" + socket_path
                        result["idle"] = rss_mib(process.pid)
                        self.bench("calls", address, count=small, per_connection=1000)
                        result["small"] = rss_mib(process.pid)
                        self.bench("calls", address, count=large - small, per_connection=1000)
                        result["large"] = rss_mib(process.pid)
                        result["tree"] = tree_rss_mib(process.pid)
                finally:
                    stop_process(process)
                return result
            return run

        def record(a, b):
            if start_row:
                start_row.add(a["startup_ms"], b["startup_ms"])
            if do_p7:
                for key in ("idle", "small", "large", "tree"):
                    memory_rows[key].add(a[key], b[key])
                memory_rows["growth"].add(a["large"] - a["small"], b["large"] - b["small"])
            self.log("P6/P7: vitrine %s; threaded %s" % (
                ", ".join("%s %.1f" % kv for kv in a.items()), ", ".join("%s %.1f" % kv for kv in b.items())))
        alternate(self.s["rounds"], measure("vitrine"), measure("threaded"), record)


# ------------------------------------------------------------------ output

def significant(value, digits=3):
    if value is None:
        return "—"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10 ** digits:
        return "{:,.0f}".format(value)
    decimals = max(0, digits - 1 - int(f"{magnitude:e}".split("e")[1]))
    return "{:.{}f}".format(value, decimals)


def legend(rows):
    figures = sorted({row.figure for row in rows})
    return "\n".join("- %s: %s." % (figure, BASELINES[figure]) for figure in figures if figure in BASELINES)


def table(rows):
    lines = ["| Figure | vitrine | baseline | ratio min / median / max | target | |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        s = row.summary()
        if row.error:
            lines.append("| %s %s | not measured: %s | | | | |" % (row.figure, row.name, row.error.splitlines()[0]))
            continue
        ratio = "—" if s["ratio_median"] is None else "%s / **%s** / %s" % (
            significant(s["ratio_min"]), significant(s["ratio_median"]), significant(s["ratio_max"]))
        met = row.met()
        verdict = "" if met is None else ("met" if met else "**MISSED**")
        target = "; ".join(t[3] for t in row.targets)
        lines.append("| %s %s | %s %s | %s %s | %s | %s | %s |" % (
            row.figure, row.name, significant(s["vitrine_median"]), row.unit, significant(s["baseline_median"]),
            row.unit, ratio, target, verdict))
    return "\n".join(lines)


DOCS = ROOT / "docs" / "performance.md"
DOCS_BEGIN = "<!-- bench/run.py --update-docs writes from here -->"
DOCS_END = "<!-- to here -->"


def memory_text(meminfo):
    try:
        return "%.1f GiB" % (int(meminfo.split()[0]) / 1024 / 1024)
    except (AttributeError, ValueError, IndexError):
        return str(meminfo)


def docs_section(result):
    """The part of docs/performance.md that --update-docs rewrites: the machine and the table."""
    m = result["machine"]
    settings = result["settings"]
    lines = [
        "Run of %s (%d s%s), vitrine at `%s`%s." % (
            result["date"], result["seconds"], ", quick" if result["quick"] else "", m["git"],
            " with uncommitted changes in server/, idl/ or gen/" if m["server_changes"] else
            " (the server as committed; `-dirty` is other files)" if m["git"] and m["git"].endswith("-dirty") else ""),
        "",
        "| Machine | |",
        "|---|---|",
        "| CPU | %s, %s CPUs |" % (m["cpu"], m["nproc"]),
        "| Memory | %s |" % memory_text(m["memory"]),
        "| Kernel | %s |" % m["kernel"],
        "| Debian | %s |" % m["debian"],
        "| Software | Thrift %s, %s, Twisted %s |" % (m["thrift"], m["python"], m["twisted"]),
        "| Load average (1 min) | %.2f before, %.2f after |" % (
            result["load_average_before"][0], result["load_average_after"][0]),
        "",
        "%d rounds per figure, A and B alternating; each side of a round runs for: latency %g s, throughput "
        "%g s, frames %g s, AMP %g s, Python %g s." % (settings["rounds"], settings["latency"],
                                                       settings["throughput"], settings["frames"], settings["amp"],
                                                       settings["python"]),
        "",
        result["table"],
        "",
        "Baselines:",
        "",
        "\n".join("- %s: %s." % item for item in result["baselines"].items()),
    ]
    return "\n".join(lines)


def update_docs(result):
    text = DOCS.read_text()
    try:
        before, rest = text.split(DOCS_BEGIN, 1)
        _, after = rest.split(DOCS_END, 1)
    except ValueError:
        raise BenchError("%s has no %r ... %r markers" % (DOCS, DOCS_BEGIN, DOCS_END)) from None
    DOCS.write_text(before + DOCS_BEGIN + "\n" + docs_section(result) + "\n" + DOCS_END + after)


def main():
    parser = argparse.ArgumentParser(description="vitrine's benchmark suite (see docs/performance.md)")
    parser.add_argument("--build", default=str(ROOT / "build"), help="the CMake build directory (default: build)")
    parser.add_argument("--server", help="the vitrine-server to measure (default: BUILD/bin/vitrine-server), "
                                         "e.g. another build's, to compare two servers with the same tools")
    parser.add_argument("--quick", action="store_true", help="2 rounds of short runs (about a minute)")
    parser.add_argument("--rounds", type=int, help="rounds of A and B per figure (default 5, quick 2)")
    parser.add_argument("--only", help="comma-separated figures, e.g. P1,P3 (default: all)")
    parser.add_argument("--output", help="the JSON file (default: bench/results.json for a full run, "
                                         "bench/results-partial.json with --quick, --only, --rounds or --server)")
    parser.add_argument("--update-docs", action="store_true",
                        help="also rewrite the results section of docs/performance.md (the commentary is yours)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print each round's figures as they come")
    options = parser.parse_args()

    settings = dict(QUICK if options.quick else FULL)
    if options.rounds:
        settings["rounds"] = options.rounds
    figures = FIGURES if not options.only else [f.strip().upper() for f in options.only.split(",")]
    unknown = [f for f in figures if f not in FIGURES]
    if unknown:
        parser.error("unknown figure %s (figures: %s)" % (", ".join(unknown), ", ".join(FIGURES)))
    if options.update_docs and options.only:
        parser.error("--update-docs needs every figure (no --only)")
    # Only a full run replaces the committed bench/results.json.
    partial = options.quick or options.only or options.rounds or options.server
    output = Path(options.output) if options.output else ROOT / "bench" / (
        "results-partial.json" if partial else "results.json")

    def log(message):
        if options.verbose:
            print("  " + message, file=sys.stderr, flush=True)

    tools = Tools(options.build, options.server)
    suite = Suite(tools, settings, log)
    info = machine(tools.vitrine_server)
    load_before = os.getloadavg()
    started = time.monotonic()
    print("vitrine bench: %s rounds per figure%s; %s, %d CPUs, kernel %s, Debian %s" % (
        settings["rounds"], " (quick)" if options.quick else "", info["cpu"], info["nproc"], info["kernel"],
        info["debian"]), file=sys.stderr, flush=True)
    failed = False
    steps = [("P1", suite.p1), ("P2", suite.p2), ("P3", suite.p3), ("P4", suite.p4), ("P5", suite.p5)]
    try:
        for figure, step in steps:
            if figure not in figures:
                continue
            print("vitrine bench: %s..." % figure, file=sys.stderr, flush=True)
            first_row = len(suite.rows)
            try:
                step()
            except BenchError as error:
                failed = True
                print("vitrine bench: %s not measured: %s" % (figure, error), file=sys.stderr, flush=True)
                for row in suite.rows[first_row:] or [suite.row(figure, "(all)", "", "", "")]:
                    row.error = str(error)
        suite.stop()
        if "P6" in figures or "P7" in figures:
            print("vitrine bench: %s..." % "/".join(f for f in ("P6", "P7") if f in figures), file=sys.stderr,
                  flush=True)
            first_row = len(suite.rows)
            try:
                suite.p6_p7("P6" in figures, "P7" in figures)
            except BenchError as error:
                failed = True
                print("vitrine bench: P6/P7 not measured: %s" % error, file=sys.stderr, flush=True)
                for row in suite.rows[first_row:]:
                    row.error = str(error)
    finally:
        suite.stop()
        tools.cleanup()

    text = table(suite.rows)
    print(text)
    print()
    print("Baselines:")
    print(legend(suite.rows))
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": options.quick,
        "settings": settings,
        "memory_calls": MEMORY_CALLS,
        "vitrine_server_path": str(tools.vitrine_server),
        "machine": info,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.monotonic() - started, 1),
        "rows": [row.to_json() for row in suite.rows],
        "table": text,
        "baselines": {figure: BASELINES[figure] for figure in sorted({row.figure for row in suite.rows})},
    }
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    if options.update_docs:
        try:
            update_docs(result)
            print("vitrine bench: updated %s" % DOCS, file=sys.stderr)
        except BenchError as error:
            print("vitrine bench: %s" % error, file=sys.stderr)
            failed = True
    print("vitrine bench: %d s; load average %.2f before, %.2f after; wrote %s" % (
        result["seconds"], load_before[0], result["load_average_after"][0], output), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
