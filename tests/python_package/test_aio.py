"""vitrine.aio: the calls as coroutines, and the event loop staying free while one waits."""

import asyncio

import numpy
import pytest

import vitrine
import vitrine.aio
from pkg_helpers import count_color


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


async def question_window(client):
    for window in await client.windows():
        if window.kind == "QUESTION":
            return window.id
    return None


def test_other_tasks_run_while_ask_waits_and_a_second_connection_closes_it(vitrine_server):
    async def main():
        ticks = 0
        waiting = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        async def closer(other):
            # Close the question only once the ticker has ticked while it waits.
            await waiting.wait()
            while True:
                question = await question_window(other)
                if question is not None and ticks >= ticks_at_ask + 5:
                    await other.close(question)
                    return
                await asyncio.sleep(0.01)

        async with vitrine.aio.connect(vitrine_server) as asking, vitrine.aio.connect(vitrine_server) as other:
            ticking = asyncio.create_task(ticker())
            closing = asyncio.create_task(closer(other))
            ticks_at_ask = ticks
            waiting.set()
            with pytest.raises(vitrine.DialogCanceled) as caught:
                await asking.ask("What is your name?", title="asyncio")
            ticks_during_ask = ticks - ticks_at_ask
            await closing
            ticking.cancel()
            assert caught.value.reason == "CLOSED_BY_CLIENT"
            assert ticks_during_ask >= 5
            await asking.ping()  # a declared exception: the same connection carries on
            assert asking.connected

    run(main())


def test_the_calls_as_coroutines(vitrine_server):
    async def main():
        client = await vitrine.aio.connect(vitrine_server)
        try:
            assert await client.post_html("<body style='background:#ff00ff'>", name="aio") is vitrine.PushResult.OK
            assert await client.whats_loaded() == "aio"
            assert (await client.current_url()).startswith("vitrine:")
            assert count_color(await client.screenshot(), (255, 0, 255)) > 1000
            info = await client.server_info()
            assert vitrine_server in info.listeners
            window = await client.show(numpy.full((100, 100, 3), (0, 128, 255), numpy.uint8), title="aio")
            assert count_color(await client.screenshot(window), (0, 128, 255)) >= 9500
            await client.update(window, numpy.full((100, 100), 30, numpy.uint8))
            assert count_color(await client.screenshot(window), (30, 30, 30)) >= 9500
            assert any(w.id == window for w in await client.windows())
            await client.close(window)
            assert await client.is_closed(window)
            popup = await client.say("hi")
            assert await client.say_and_wait("bye", timeout=0.05) is None
            await client.close(popup)
        finally:
            await client.disconnect()
        assert not client.connected

    run(main())


def test_errors_are_the_same_exceptions(vitrine_server, tmp_path):
    async def main():
        async with vitrine.aio.connect(vitrine_server) as client:
            with pytest.raises(vitrine.WindowNotFound):
                await client.screenshot(424242)
            with pytest.raises(vitrine.DialogCanceled) as caught:
                await client.choose_file("directory", timeout=0.05)
            assert caught.value.reason == "TIMED_OUT"
            with pytest.raises(vitrine.InvalidArgument):
                await client.ask("?", kind="integer", minimum=3, maximum=2)
            with pytest.raises(vitrine.InvalidArgument, match="dtype uint8"):
                await client.show(numpy.zeros((3, 3)))
            await client.ping()
        with pytest.raises(vitrine.ServerNotRunning, match="vitrine-server --listen"):
            await vitrine.aio.connect("unix:%s" % (tmp_path / "none.sock"))

    run(main())


def test_a_cancelled_call_drops_its_connection_and_the_server_closes_the_dialog(vitrine_server):
    async def main():
        async with vitrine.aio.connect(vitrine_server) as client, vitrine.aio.connect(vitrine_server) as watcher:
            after = await watcher.last_sequence()
            asking = asyncio.create_task(client.ask("Never answered"))
            while await question_window(watcher) is None:
                await asyncio.sleep(0.01)
            asking.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asking
            assert not client.connected  # its late answer can never be read as another call's
            async for event in watcher.events(after=after, timeout=30):
                if event.kind == "WINDOW_CLOSED":
                    assert event.close_reason == "CLIENT_DISCONNECTED"
                    break
            else:
                pytest.fail("no WINDOW_CLOSED event")
            assert await client.whats_loaded() is not None  # reconnected

    run(main())


def test_timeout_raises_timeout_and_reconnects(scratch_server):
    import socket

    server = scratch_server("--load-timeout", "3000")
    silent = socket.create_server(("127.0.0.1", 0))

    async def main():
        async with vitrine.aio.connect(server.address, timeout=0.3) as client:
            with pytest.raises(vitrine.Timeout):
                await client.fetch_url("http://127.0.0.1:%d/" % silent.getsockname()[1])
            assert not client.connected
            # The next call reconnects and gets its own answer (in time enough: the push started
            # the web engine, which may hold the server for a second or more on a busy machine).
            client.timeout = 60
            assert await client.whats_loaded() == ""

    try:
        run(main())
    finally:
        silent.close()


def test_events_as_an_async_iterator(vitrine_server):
    async def main():
        async with vitrine.aio.connect(vitrine_server) as client:
            after = await client.last_sequence()
            popup = await client.say("event", name="evented")
            await client.close(popup)
            kinds = []
            async for event in client.events(after=after, timeout=30):
                if event.window_id == popup:
                    kinds.append((event.kind, event.window_kind or event.close_reason))
                    if event.kind == "WINDOW_CLOSED":
                        break
            assert kinds == [("WINDOW_OPENED", "POPUP"), ("WINDOW_CLOSED", "CLOSED_BY_CLIENT")]

    run(main())


def test_a_server_restart_is_noticed_before_the_next_call(scratch_server):
    first = scratch_server()

    async def main():
        async with vitrine.aio.connect(first.address) as client:
            pid = (await client.server_info()).pid
            first.stop()
            second = scratch_server()  # same socket path
            assert second.address == first.address
            info = await client.server_info()
            assert info.pid != pid and info.pid == second.pid

    run(main())
