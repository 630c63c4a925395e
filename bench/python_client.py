#!/usr/bin/python3
"""The Python figure's load generator: ping through the vitrine package or the bare generated client.

    PYTHONPATH=clients/python:gen/py bench/python_client.py --address unix:PATH \\
        --client package|aio|bare|bare-plain [--seconds S]

- `package`: `vitrine.connect(address).ping()`, the package's synchronous client;
- `aio`: `await client.ping()` with `client = await vitrine.aio.connect(address)`,
  the package's asyncio client, timed inside the event loop;
- `bare`: the generated `vitrine_thrift.Vitrine.Client` over TSocket,
  TFramedTransport and TBinaryProtocolAccelerated (Thrift's C extension,
  which the package uses too);
- `bare-plain`: the same with the pure-Python TBinaryProtocol.

One connection, one call at a time, after a warm-up. Prints one JSON
object: calls, seconds, p50/p99/mean microseconds per call.
"""

import argparse
import asyncio
import json
import time


def package_ping(address):
    import vitrine
    client = vitrine.connect(address)
    return client.ping, client.disconnect


def bare_ping(address, accelerated):
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport
    from vitrine_thrift import Vitrine

    kind, _, rest = address.partition(":")
    if kind == "unix":
        socket = TSocket.TSocket(unix_socket=rest)
    else:
        host, _, port = rest.rpartition(":")
        socket = TSocket.TSocket(host, int(port))
    transport = TTransport.TFramedTransport(socket)
    protocol = (TBinaryProtocol.TBinaryProtocolAccelerated if accelerated else TBinaryProtocol.TBinaryProtocol)(transport)
    client = Vitrine.Client(protocol)
    transport.open()
    return client.ping, transport.close


def measure(call, seconds):
    """(seconds per call, the whole time) of `call()` back to back for `seconds`, after a warm-up."""
    for _ in range(200):
        call()
    times = []
    clock = time.perf_counter
    start = before = clock()
    end = start + seconds
    while before < end:
        call()
        after = clock()
        times.append(after - before)
        before = after
    return times, clock() - start


async def measure_aio(address, seconds):
    """measure() for the asyncio client's ping, in the event loop."""
    import vitrine.aio
    client = await vitrine.aio.connect(address)
    for _ in range(200):
        await client.ping()
    times = []
    clock = time.perf_counter
    start = before = clock()
    end = start + seconds
    while before < end:
        await client.ping()
        after = clock()
        times.append(after - before)
        before = after
    elapsed = clock() - start
    await client.disconnect()
    return times, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="unix:PATH or tcp:HOST:PORT")
    parser.add_argument("--client", choices=["package", "aio", "bare", "bare-plain"], default="package")
    parser.add_argument("--seconds", type=float, default=2.0)
    options = parser.parse_args()

    if options.client == "aio":
        times, elapsed = asyncio.run(measure_aio(options.address, options.seconds))
    else:
        if options.client == "package":
            call, close = package_ping(options.address)
        else:
            call, close = bare_ping(options.address, accelerated=options.client == "bare")
        times, elapsed = measure(call, options.seconds)
        close()
    times.sort()
    micros = lambda q: round(times[min(len(times) - 1, int(q * (len(times) - 1) + 0.5))] * 1e6, 3)
    print(json.dumps({"client": options.client, "calls": len(times), "seconds": round(elapsed, 4),
                      "p50_us": micros(0.5), "p99_us": micros(0.99),
                      "mean_us": round(elapsed / len(times) * 1e6, 3)}), flush=True)


if __name__ == "__main__":
    main()
