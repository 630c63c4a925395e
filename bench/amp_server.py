#!/usr/bin/python3
"""The AMP baseline: a Twisted AMP server answering vitrine's commands by doing nothing.

    PYTHONPATH=clients/python:gen/py bench/amp_server.py [--listen tcp:127.0.0.1:0]

It uses the generated command classes (vitrine.amp_commands), so Twisted
decodes every box exactly as it would for vitrine's commands (the 1 MiB
picture of UpdateInspect included: every chunk read and joined), and the
responders do nothing beyond that: ping answers, StartInspect hands out a
window id, UpdateInspect checks the id and answers (WINDOW_DOES_NOT_EXIST
for an id it did not hand out, as vitrine does), StopInspect forgets it.

Prints `baseline: AMP listening on tcp:HOST:PORT` once listening. Runs
until SIGTERM or SIGINT.
"""

import argparse
import sys

from twisted.internet import endpoints, protocol, reactor
from twisted.protocols import amp

from vitrine.amp_commands import StartInspect, StopInspect, UpdateInspect, WindowNotFound, ping, whatsLoaded


class Windows:
    """The window ids handed out, shared by every connection (as vitrine's windows are)."""

    def __init__(self):
        self.open = set()
        self.next_id = 1


class NullVitrine(amp.AMP):
    def __init__(self, windows):
        super().__init__()
        self.windows = windows

    @ping.responder
    def answer_ping(self):
        return {}

    @whatsLoaded.responder
    def whats_loaded(self):
        return {"result": ""}

    @StartInspect.responder
    def start_inspect(self, img, title=None, inspectable=None, name=None):
        window = self.windows.next_id
        self.windows.next_id += 1
        self.windows.open.add(window)
        return {"inspector_id": window}

    @UpdateInspect.responder
    def update_inspect(self, inspector_id, img):
        if inspector_id not in self.windows.open:
            raise WindowNotFound("no picture window with id %d is open" % inspector_id)
        return {}

    @StopInspect.responder
    def stop_inspect(self, inspector_id):
        if inspector_id not in self.windows.open:
            raise WindowNotFound("no window with id %d is open" % inspector_id)
        self.windows.open.discard(inspector_id)
        return {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="tcp:127.0.0.1:0", help="tcp:HOST:PORT (port 0 picks one) or unix:PATH")
    options = parser.parse_args()
    kind, _, rest = options.listen.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        endpoint = endpoints.TCP4ServerEndpoint(reactor, int(port), interface=host)
    elif kind == "unix":
        endpoint = endpoints.UNIXServerEndpoint(reactor, rest)
    else:
        parser.error("--listen is tcp:HOST:PORT or unix:PATH")
    windows = Windows()

    def listening(port):
        address = port.getHost()
        where = "unix:%s" % rest if kind == "unix" else "tcp:%s:%d" % (address.host, address.port)
        print("baseline: AMP listening on %s" % where, flush=True)

    def failed(failure):
        print("amp_server: %s" % failure.getErrorMessage(), file=sys.stderr)
        reactor.stop()

    endpoint.listen(protocol.Factory.forProtocol(lambda: NullVitrine(windows))).addCallbacks(listening, failed)
    reactor.run()


if __name__ == "__main__":
    main()
