"""PyGraphics' dialogs answered by a person: the server on Xvfb, keys typed with xdotool.

There is no window manager. PyGraphics' commands cannot give a dialog a
title, so each test finds its dialog through listWindows on a second
connection, then the X window by that (default) title, focuses it and types.
"""

import os
import shutil
import subprocess

import pytest

from conftest import TIMEOUT, Server, wait_until
from mediawindows_commands import AskColor, AskOpenFilename, Say
from vitrine.amp_commands import listWindows

if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
    pytest.skip("needs Xvfb and xdotool", allow_module_level=True)

pytestmark = pytest.mark.usefixtures("tidy_windows")


@pytest.fixture(scope="module")
def server(xserver):
    """The server on the Xvfb display (overrides the headless one for this module)."""
    s = Server("--size", "320x240", env={"DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb"})
    yield s
    assert s.stop() == 0


class Desktop:
    """xdotool on one X display."""

    def __init__(self, display):
        self.env = {**os.environ, "DISPLAY": display}

    def run(self, *args, timeout=20):
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def focus(self, title):
        """Gives the keyboard to the visible window titled exactly `title`."""
        pattern = "^%s$" % "".join(c if c.isalnum() or c == " " else "[%s]" % c for c in title)

        def find():
            # Fails now and then while windows come and go (BadWindow): poll again.
            result = self.run("search", "--onlyvisible", "--name", pattern)
            ids = result.stdout.split() if result.returncode == 0 else []
            return ids[-1] if ids else None

        window = wait_until(find, message="an X window titled %r" % title)

        def focused():
            try:
                self.run("windowfocus", "--sync", window, timeout=5)
            except subprocess.TimeoutExpired:
                return False
            return self.run("getwindowfocus").stdout.strip() == window

        wait_until(focused, message="the keyboard focus on %r" % title)

    def type(self, text):
        result = self.run("type", "--delay", "20", "--", text)
        assert result.returncode == 0, result.stderr

    def key(self, *keys):
        result = self.run("key", "--delay", "20", *keys)
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def desktop(xserver):
    return Desktop(xserver)


def new_window_title(peer, kind, before):
    """Waits for a new window of WindowKind `kind`; returns its title."""
    window_id = peer.wait_for_new_window(kind, before)
    (window,) = [w for w in peer.call(listWindows)["result"] if w["id"] == window_id]
    return window["title"]


def test_ask_open_filename_answered_by_typing_a_file_name_and_return(connect, desktop, tmp_path):
    """AskOpenFilename in a folder: typing an existing file's name and Return answers its absolute path."""
    (tmp_path / "pick-me.txt").write_text("picked\n")
    program, other = connect(), connect()
    before = other.open_window_ids("FILE_CHOOSER")
    asked = program.submit(AskOpenFilename, initialdir=bytes(tmp_path))
    desktop.focus(new_window_title(other, "FILE_CHOOSER", before))
    desktop.type("pick-me.txt")
    desktop.key("Return")
    assert asked.result(TIMEOUT) == {"path": str(tmp_path / "pick-me.txt")}


def test_ask_color_answered_with_return_gives_back_the_initial_colour(connect, desktop):
    """AskColor(12, 34, 56) and Return answers r, g, b of the initial colour."""
    program, other = connect(), connect()
    before = other.open_window_ids("COLOR_CHOOSER")
    asked = program.submit(AskColor, r=12, g=34, b=56)
    desktop.focus(new_window_title(other, "COLOR_CHOOSER", before))
    desktop.key("Return")
    assert asked.result(TIMEOUT) == {"r": 12, "g": 34, "b": 56}


def test_say_closed_with_return_answers(connect, desktop):
    """Say's popup closed by the person with Return answers {} (and not before)."""
    program, other = connect(), connect()
    before = other.open_window_ids("POPUP")
    said = program.submit(Say, text=b"Press Return")
    title = new_window_title(other, "POPUP", before)
    assert not said.done()
    desktop.focus(title)
    desktop.key("Return")
    assert said.result(TIMEOUT) == {}
