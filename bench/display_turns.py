#!/usr/bin/python3
"""What one call that opens a window costs the GUI thread (docs/performance.md#one-window-one-frame).

    bench/display_turns.py                         # every case against build/bin/vitrine-server
    bench/display_turns.py --server /tmp/old/vitrine-server --only say-actions-2000,ask-choice-100000

For each case the tool resets the server's record of its longest GUI-thread
turn (resetLongestTurn), makes one call that opens a window (a popup with many
actions or a long text, a question with many choices, a picture from a PNG),
waits for the window
(or the refusal), takes a screenshot of it (which lays it out and paints it
whole, as the screen would), closes it, and reads serverInfo: longestTurnUs
and longestTurnCause. Meanwhile another connection pings every 20 ms and keeps
its slowest round trip: how long any other client waited.

Not a test: nothing here is a condition. The figures are the server's own
measurement of one call on this machine; run it alone on a quiet machine.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "gen" / "py"))

from thrift.protocol import TCompactProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402

from vitrine_thrift import Vitrine  # noqa: E402
from vitrine_thrift.ttypes import (  # noqa: E402
    Action, DialogCanceled, InvalidArgument, LimitExceeded, Picture, PictureOptions, PixelFormat, Question,
    QuestionKind, SayOptions)

WORDS = "the quick brown fox jumps over the lazy dog while students ask vitrine for a popup ".split()


def prose(size, line=None):
    """`size` bytes of words; a line break every `line` bytes or so when given (else one paragraph)."""
    out, length, since_break = [], 0, 0
    i = 0
    while length < size:
        word = WORDS[i % len(WORDS)]
        i += 1
        sep = "\n" if line and since_break + len(word) >= line else " "
        since_break = 0 if sep == "\n" else since_break + len(word) + 1
        out.append(word + sep)
        length += len(word) + 1
    return "".join(out)[:size]


class Server:
    def __init__(self, binary, args):
        self.directory = tempfile.mkdtemp(prefix="vitrine-turns-")
        self.socket_path = os.path.join(self.directory, "vitrine.sock")
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        self.process = subprocess.Popen([binary, "--listen", "unix:" + self.socket_path, "--amp", "off", *args],
                                        stdout=subprocess.PIPE, env=env)
        for line in self.process.stdout:
            if line.decode().startswith("vitrine: listening on unix:"):
                break
        else:
            raise SystemExit("vitrine-server exited before listening")

    def connect(self):
        sock = TSocket.TSocket(unix_socket=self.socket_path)
        sock.setTimeout(600_000)
        transport = TTransport.TFramedTransport(sock)
        transport.open()
        return Vitrine.Client(TCompactProtocol.TCompactProtocol(transport)), transport

    def stop(self):
        self.process.terminate()
        self.process.wait(60)


class Pinger(threading.Thread):
    """Pings every 20 ms on its own connection; `slowest` is the longest round trip, in seconds."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.client, self.transport = server.connect()
        self.stopping = threading.Event()
        self.slowest = 0.0

    def run(self):
        while not self.stopping.wait(0.02):
            start = time.monotonic()
            self.client.ping()
            self.slowest = max(self.slowest, time.monotonic() - start)

    def finish(self):
        self.stopping.set()
        self.join()
        self.transport.close()
        return self.slowest


def say_case(text, actions=0, title="turns"):
    def call(client):
        return client.say(text, SayOptions(title=title, actions=[
            Action(key="k%d" % i, label="Action %d" % i) for i in range(actions)] or None))
    return call


def ask_case(kind, count, defaults=()):
    question = Question(prompt="Which ones?", kind=kind, title="turns",
                        choices=["choice number %d" % i for i in range(count)],
                        defaultChoices=list(defaults) or None)

    def call(client):
        return client.ask(question)
    return call


def ask_text_case(prompt, default=None):
    question = Question(prompt=prompt, kind=QuestionKind.TEXT, title="turns", defaultText=default)

    def call(client):
        return client.ask(question)
    return call


def picture_case(width, height, noise):
    """A PNG of `width` x `height`, noise (which compresses badly, so its screenshot is heavy too) or a flat colour."""
    import io

    from PIL import Image  # python3-pil; only the picture cases need it

    image = Image.effect_noise((width, height), 64).convert("RGB") if noise else Image.new("RGB", (width, height),
                                                                                           (30, 120, 200))
    encoded = io.BytesIO()
    image.save(encoded, "PNG")
    picture = Picture(width=0, height=0, mode=PixelFormat.PNG, data=encoded.getvalue())

    def call(client):
        return client.showPicture(picture, PictureOptions(title="turns"))
    return call


CASES = {
    "say-actions-16": say_case("Pick one", actions=16),
    "say-actions-500": say_case("Pick one", actions=500),
    "say-actions-2000": say_case("Pick one", actions=2000),
    "say-text-64KiB-paragraph": say_case(prose(65536)),
    "say-text-64KiB-lines": say_case(prose(65536, line=80)),
    "say-text-64KiB-16-actions": say_case(prose(65536, line=80), actions=16),
    "say-text-1MB": say_case(prose(1 << 20, line=80)),
    "say-text-10MB": say_case(prose(10 << 20, line=80)),
    "ask-prompt-64KiB-lines": ask_text_case(prose(65536, line=80)),
    "ask-prompt-64KiB-paragraph": ask_text_case(prose(65536)),
    "ask-default-text-64KiB": ask_text_case("Your text?", prose(65536)),
    "ask-choice-100000": ask_case(QuestionKind.CHOICE, 100_000, [99_999]),
    "ask-multi-100000": ask_case(QuestionKind.MULTI_CHOICE, 100_000, range(0, 100_000, 7)),
    "ask-choice-1000000": ask_case(QuestionKind.CHOICE, 1_000_000),
    "picture-png-1920x1080-noise": lambda client: picture_case(1920, 1080, noise=True)(client),
    "picture-png-4096x4096-noise": lambda client: picture_case(4096, 4096, noise=True)(client),
    "picture-png-8192x8192-flat": lambda client: picture_case(8192, 8192, noise=False)(client),
}


def measure(server, name, call):
    control, transport = server.connect()
    control.resetLongestTurn()
    pinger = Pinger(server)
    pinger.start()
    outcome = {}
    caller_client, caller_transport = server.connect()

    def make_call():
        started = time.monotonic()
        try:
            outcome["result"] = call(caller_client)
        except (LimitExceeded, InvalidArgument, DialogCanceled) as error:
            outcome["result"] = "%s: %s" % (type(error).__name__, error.message)
        outcome["seconds"] = time.monotonic() - started

    caller = threading.Thread(target=make_call, daemon=True)
    started = time.monotonic()
    caller.start()
    window = None
    while window is None and (caller.is_alive() or "result" in outcome):
        window = next((w for w in control.listWindows() if w.title == "turns"), None)
        if window is None and not caller.is_alive():
            break
        time.sleep(0.01)
    opened = time.monotonic() - started
    if window is not None:
        control.screenshot(window.id)  # lays out and paints the whole window
        control.closeWindow(window.id)
    caller.join(600)
    slowest_ping = pinger.finish()
    info = control.serverInfo()
    transport.close()
    caller_transport.close()
    result = outcome.get("result")
    what = "opened" if window is not None else str(result)[:70]
    print("%-28s %10.1f ms  %-40s  other clients' slowest ping %8.1f ms  (%s; %.2f s to open)" % (
        name, info.longestTurnUs / 1000, info.longestTurnCause, slowest_ping * 1000, what, opened), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=str(ROOT / "build" / "bin" / "vitrine-server"))
    parser.add_argument("--only", help="comma-separated case names (default: all): " + ", ".join(CASES))
    parser.add_argument("server_args", nargs="*", help="extra vitrine-server flags (after --)")
    options = parser.parse_args()
    names = options.only.split(",") if options.only else list(CASES)
    server = Server(options.server, options.server_args)
    try:
        print("%-28s %13s  %-40s" % ("case", "longest turn", "its cause"))
        for name in names:
            measure(server, name, CASES[name])
    finally:
        server.stop()


if __name__ == "__main__":
    main()
