"""A PyGraphics client, with PyGraphics' own command classes (mediawindows_commands), against the real server.

Each test is something a PyGraphics program does: show a picture and poll
it, update it, close it, pop up a message and wait, ask for a file or a
colour. Windows are found and closed from a second connection, as a second
program (or the person at the screen) would.
"""

import io

import pytest
from PIL import Image

from conftest import TIMEOUT
from mediawindows_commands import (
    AskColor, AskDirectory, AskOpenFilename, AskSaveasFilename, DialogCanceled, PollInspect, Say, StartInspect,
    StopInspect, UpdateInspect, WindowDoesNotExist)
from vitrine.amp_commands import ping

pytestmark = pytest.mark.usefixtures("tidy_windows")

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def two_colour_picture():
    """200 x 150 RGB (90000 bytes, so two chunks): red above row 110, green from row 110 on.

    Rows 110 to 149 lie entirely beyond the first 65535 bytes: they only
    arrive if the server reads the `img.data.2` chunk.
    """
    image = Image.new("RGB", (200, 150), RED)
    image.paste(GREEN, (0, 110, 200, 150))
    assert len(image.tobytes()) > 65535
    return image


def pixels_of(thrift, window_id, colour):
    """How many pixels of exactly `colour` the screenshot of window `window_id` has."""
    image = Image.open(io.BytesIO(thrift.screenshot(window_id))).convert("RGB")
    return sum(1 for pixel in image.getdata() if pixel == colour)


def test_start_inspect_of_a_picture_over_64k_opens_a_window_showing_all_its_chunks(peer, thrift):
    """StartInspect of a 90000-byte picture answers an inspector_id >= 1, and the window shows both chunks."""
    answer = peer.call(StartInspect, img=two_colour_picture(), inspectable=False)
    assert set(answer) == {"inspector_id"}
    window_id = answer["inspector_id"]
    assert window_id >= 1
    assert peer.call(PollInspect, inspector_id=window_id) == {"is_closed": False}
    assert pixels_of(thrift, window_id, RED) >= 200 * 110 // 2
    assert pixels_of(thrift, window_id, GREEN) >= 200 * 40 // 2


def test_poll_inspect_says_open_until_stop_inspect_closes_the_window(peer):
    """PollInspect answers False while the window is open and True once StopInspect closed it."""
    window_id = peer.call(StartInspect, img=Image.new("RGB", (40, 30), BLUE), inspectable=True)["inspector_id"]
    assert peer.call(PollInspect, inspector_id=window_id) == {"is_closed": False}
    assert peer.call(StopInspect, inspector_id=window_id) == {}
    assert peer.call(PollInspect, inspector_id=window_id) == {"is_closed": True}


def test_update_inspect_replaces_the_picture_of_an_open_window(peer, thrift):
    """UpdateInspect of an open window answers {} once the new picture is shown."""
    window_id = peer.call(StartInspect, img=two_colour_picture(), inspectable=False)["inspector_id"]
    assert pixels_of(thrift, window_id, BLUE) == 0
    assert peer.call(UpdateInspect, inspector_id=window_id, img=Image.new("RGB", (220, 160), BLUE)) == {}
    assert pixels_of(thrift, window_id, BLUE) >= 220 * 160 // 2
    assert pixels_of(thrift, window_id, RED) == 0


def test_update_inspect_of_a_closed_window_raises_window_does_not_exist(peer):
    """UpdateInspect after StopInspect fails with PyGraphics' WINDOW_DOES_NOT_EXIST error."""
    window_id = peer.call(StartInspect, img=Image.new("RGB", (40, 30), BLUE), inspectable=False)["inspector_id"]
    peer.call(StopInspect, inspector_id=window_id)
    with pytest.raises(WindowDoesNotExist):
        peer.call(UpdateInspect, inspector_id=window_id, img=Image.new("RGB", (40, 30), RED))
    assert peer.call(PollInspect, inspector_id=window_id) == {"is_closed": True}


def test_stop_inspect_of_an_unknown_id_raises_window_does_not_exist(peer):
    """StopInspect of an id never issued fails with WINDOW_DOES_NOT_EXIST; the connection carries on."""
    with pytest.raises(WindowDoesNotExist):
        peer.call(StopInspect, inspector_id=987654321)
    assert peer.call(ping) == {}


def test_say_answers_only_once_its_popup_is_closed(connect):
    """Say waits while its popup is open (other asks are answered meanwhile) and answers {} once it closes."""
    program, other = connect(), connect()
    before = other.open_window_ids("POPUP")
    said = program.submit(Say, text="Hello from PyGraphics ☺".encode("utf-8"))
    popup_id = other.wait_for_new_window("POPUP", before)
    # A later ask on the same connection is answered while Say still waits.
    assert program.call(PollInspect, inspector_id=popup_id) == {"is_closed": False}
    assert not said.done(), "Say answered while its popup was still open: %r" % (said.result(),)
    assert other.call(StopInspect, inspector_id=popup_id) == {}
    assert said.result(TIMEOUT) == {}


def test_say_of_a_text_over_64k_is_shown(connect):
    """Say's text is a BigString: a text of more than 65535 bytes (two AMP values) opens its popup too, up to
    --max-text (65536 bytes by default; past it, LIMIT_EXCEEDED: see test_bad_input.py)."""
    program, other = connect(), connect()
    before = other.open_window_ids("POPUP")
    said = program.submit(Say, text=(b"All work and no play. " * 4000)[:65536])
    popup_id = other.wait_for_new_window("POPUP", before)
    other.call(StopInspect, inspector_id=popup_id)
    assert said.result(TIMEOUT) == {}


@pytest.mark.parametrize("command, kind", [
    (AskOpenFilename, "FILE_CHOOSER"),
    (AskSaveasFilename, "FILE_CHOOSER"),
    (AskDirectory, "FILE_CHOOSER"),
    (AskColor, "COLOR_CHOOSER"),
], ids=lambda value: getattr(value, "__name__", value))
def test_a_dialog_closed_by_another_program_raises_dialog_canceled(connect, tmp_path, command, kind):
    """A dialog's ask waits, and fails with PyGraphics' DIALOG_CANCELED when another connection closes it."""
    program, other = connect(), connect()
    arguments = {"r": 10, "g": 20, "b": 30} if command is AskColor else {"initialdir": bytes(tmp_path)}
    before = other.open_window_ids(kind)
    asked = program.submit(command, **arguments)
    dialog_id = other.wait_for_new_window(kind, before)
    assert not asked.done()
    other.call(StopInspect, inspector_id=dialog_id)
    with pytest.raises(DialogCanceled):
        asked.result(TIMEOUT)
    assert program.call(PollInspect, inspector_id=dialog_id) == {"is_closed": True}


def test_start_inspect_on_the_wire_answers_exactly_answer_and_inspector_id(raw):
    """A hand-built StartInspect box with tag "7f" gets back exactly {_answer: 7f, inspector_id: N}."""
    conn = raw()
    conn.send({
        b"_command": b"StartInspect",
        b"_ask": b"7f",
        b"img.width": b"2",
        b"img.height": b"1",
        b"img.mode": b"RGB",
        b"img.data": b"\xff\x00\x00\x00\x00\xff",
        b"inspectable": b"False",
    })
    answer = conn.receive()
    assert set(answer) == {b"_answer", b"inspector_id"}, answer
    assert answer[b"_answer"] == b"7f"
    assert answer[b"inspector_id"].isdigit() and int(answer[b"inspector_id"]) >= 1
    # Closing it on the wire too: StopInspect answers a box with only the tag.
    conn.send({b"_command": b"StopInspect", b"_ask": b"80", b"inspector_id": answer[b"inspector_id"]})
    assert conn.receive() == {b"_answer": b"80"}


def test_stop_inspect_of_an_unknown_id_on_the_wire_is_exactly_a_window_does_not_exist_error(raw):
    """The error box carries the tag under _error, the code WINDOW_DOES_NOT_EXIST and a description, nothing else."""
    conn = raw()
    conn.send({b"_command": b"StopInspect", b"_ask": b"a1", b"inspector_id": b"987654321"})
    error = conn.receive()
    assert set(error) == {b"_error", b"_error_code", b"_error_description"}, error
    assert (error[b"_error"], error[b"_error_code"]) == (b"a1", b"WINDOW_DOES_NOT_EXIST")
    assert b"987654321" in error[b"_error_description"]


def test_window_ids_from_separate_programs_never_repeat(connect):
    """Two programs showing pictures get distinct, increasing inspector ids."""
    first, second = connect(), connect()
    small = Image.new("RGB", (10, 10), BLUE)
    ids = [peer.call(StartInspect, img=small, inspectable=False)["inspector_id"] for peer in (first, second, first)]
    assert ids == sorted(set(ids))
    assert all(second.call(PollInspect, inspector_id=i) == {"is_closed": False} for i in ids)
