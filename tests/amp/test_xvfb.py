"""Dialogs answered by a person: the server on Xvfb, keys typed with xdotool.

PyGraphics' commands, and vitrine's own with only what they require (the
IDL's defaults standing in for the rest). There is no window manager.
PyGraphics' commands cannot give a dialog a title, so each test finds its
dialog through listWindows on a second connection, then the X window by that
(default) title, focuses it and types.
"""

import pytest

from conftest import TIMEOUT, Server
from mediawindows_commands import AskColor, AskOpenFilename, Say
from vitrine.amp_commands import ask, chooseFile, listWindows
from vitrine_test_support import require_programs

require_programs("Xvfb", "xdotool")  # else the module fails to load: these tests must not pass unrun

pytestmark = pytest.mark.usefixtures("tidy_windows")


@pytest.fixture(scope="module")
def server(xserver):
    """The server on the Xvfb display (overrides the headless one for this module)."""
    s = Server("--size", "320x240", env={"DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb"})
    yield s
    assert s.stop() == 0


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


def test_ask_with_only_a_prompt_is_a_text_question(connect, desktop):
    """ask with question={"prompt": ...} alone (Question.kind = TEXT in the IDL): typing a name and Return answers
    kind TEXT with that text."""
    program, other = connect(), connect()
    before = other.open_window_ids("QUESTION")
    asked = program.submit(ask, question={"prompt": "Your name?"})
    desktop.focus(new_window_title(other, "QUESTION", before))
    desktop.type("Ada")
    desktop.key("Return")
    answer = asked.result(TIMEOUT)
    assert (answer["kind"], answer["text"]) == ("TEXT", "Ada")


def test_choose_file_without_a_mode_opens_a_file(connect, desktop, tmp_path):
    """chooseFile without `mode` (FileChooser.mode = OPEN in the IDL) behaves as AskOpenFilename: typing an
    existing file's name and Return answers its absolute path."""
    (tmp_path / "default-mode.txt").write_text("picked\n")
    program, other = connect(), connect()
    before = other.open_window_ids("FILE_CHOOSER")
    asked = program.submit(chooseFile, initialdir=str(tmp_path))
    desktop.focus(new_window_title(other, "FILE_CHOOSER", before))
    desktop.type("default-mode.txt")
    desktop.key("Return")
    assert asked.result(TIMEOUT) == {"path": str(tmp_path / "default-mode.txt")}
