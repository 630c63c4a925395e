"""vitrine.media: module functions on a shared connection that starts a server when none answers."""

import os
import shutil
import tempfile

import numpy
import pytest

from vitrine import media
from pkg_helpers import count_color


@pytest.fixture
def private_address(monkeypatch):
    """VITRINE_ADDRESS pointing at a socket nobody listens on yet; media is reset before and after."""
    directory = tempfile.mkdtemp(prefix="vitrine-m-")
    monkeypatch.setenv("VITRINE_ADDRESS", "unix:%s/media.sock" % directory)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    media.disconnect(stop_server=True)
    yield "%s/media.sock" % directory
    media.disconnect(stop_server=True)
    shutil.rmtree(directory)


def test_media_starts_a_server_and_stops_it_when_asked(private_address, capsys):
    window = media.show(numpy.full((80, 120, 3), (10, 200, 10), numpy.uint8), title="media")
    server = media._server
    assert server is not None and server.running()
    assert "started vitrine-server (pid %d)" % server.pid in capsys.readouterr().err
    assert os.path.exists(private_address)
    client = media.client()
    assert client.server_info().pid == server.pid
    assert count_color(client.screenshot(window), (10, 200, 10)) >= 0.95 * 80 * 120

    media.update(window, numpy.zeros((80, 120), numpy.uint8))
    assert count_color(client.screenshot(window), (0, 0, 0)) >= 0.95 * 80 * 120
    media.close(window)
    assert client.is_closed(window)
    popup = media.say("Hello from media", timeout=30)
    assert not client.is_closed(popup)

    # A canceled (here: timed out) dialog answers None.
    assert media.ask("Name?", timeout=0.05) is None
    assert media.ask("Sure?", kind="yes_no", timeout=0.05) is None
    assert media.choose_file(timeout=0.05) is None
    assert media.choose_folder(timeout=0.05) is None
    assert media.choose_save_filename(default_name="out.png", timeout=0.05) is None
    assert media.choose_color((1, 2, 3), timeout=0.05) is None

    media.disconnect(stop_server=True)
    assert server.process.returncode == 0  # stopped by SIGTERM, cleanly
    assert not os.path.exists(private_address)
    assert media._server is None


def test_media_starts_a_new_server_when_its_server_went_away(private_address):
    media.say("first", timeout=30)
    first = media._server
    first.stop()
    media.say("second", timeout=30)  # the shared client reconnects to a new server
    assert media._server is not first and media._server.running()
    assert media.client().server_info().pid == media._server.pid


def test_media_uses_a_server_that_already_runs(vitrine_server, monkeypatch):
    monkeypatch.setenv("VITRINE_ADDRESS", vitrine_server)
    media.disconnect()
    try:
        window = media.say("no new server")
        assert media._server is None
        assert str(media.client().address) == vitrine_server
        media.close(window)
    finally:
        media.disconnect()
