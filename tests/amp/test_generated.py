"""vitrine's generated Twisted commands (vitrine.amp_commands), used as a Twisted program would.

Every DisplayManager method, ping, serverInfo, listWindows, pictures,
popups and dialogs, each through the class `make gen` writes, against the
real server; where it helps, the same state is read back over Thrift.
"""

import base64
import io

import pytest
from PIL import Image
from vitrine_thrift.ttypes import WindowKind

from conftest import TIMEOUT, unique
from vitrine.amp_commands import (
    AskOpenFilename, DialogCanceled, InvalidArgument, PollInspect, Say, StartInspect, StopInspect, UpdateInspect,
    WindowNotFound, ask, chooseFile, currentUrl, fetchUrl, listWindows, ping, postHtml, say, screenshot, serverInfo,
    whatsLoaded)
from vitrine_test_support import wait_until

pytestmark = pytest.mark.usefixtures("tidy_windows")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rgb_picture(width, height, colour):
    """A raw RGB Picture struct, as the generated Struct argument takes it."""
    return {"width": width, "height": height, "mode": "RGB", "data": bytes(colour) * (width * height)}


# ---------------------------------------------------------------- DisplayManager

def test_post_html_shows_the_document_and_whats_loaded_and_current_url_follow(peer, thrift):
    """postHtml answers result OK once shown; whatsLoaded names it; currentUrl is an internal vitrine: URL."""
    name = unique("html") + " ☕"
    answer = peer.call(postHtml, html={"name": name, "data": "<body style='background:#123456'>café</body>"})
    assert answer == {"result": "OK"}
    assert peer.call(whatsLoaded) == {"result": name}
    assert peer.call(currentUrl)["result"].startswith("vitrine:")
    assert thrift.whatsLoaded() == name  # one stage, whichever protocol asks


def test_fetch_url_of_a_data_url_loads_it_and_current_url_is_that_url(peer):
    """fetchUrl of a data: URL answers OK; whatsLoaded and currentUrl report the push."""
    url = "data:text/html;base64," + base64.b64encode(b"<body style='background:#00ff00'>hi</body>").decode()
    name = unique("data-url")
    assert peer.call(fetchUrl, url={"name": name, "url": url, "timeoutMs": 20000}) == {"result": "OK"}
    assert peer.call(whatsLoaded) == {"result": name}
    assert peer.call(currentUrl) == {"result": url}


def test_fetch_url_of_a_forbidden_scheme_answers_invalid_argument_as_its_result(peer):
    """A refused URL is a PushResult, not an AMP error: result INVALID_ARGUMENT, and the stage keeps its page."""
    name = unique("kept")
    peer.call(postHtml, html={"name": name, "data": "<p>kept</p>"})
    assert peer.call(fetchUrl, url={"name": "bad", "url": "javascript:alert(1)"}) == {"result": "INVALID_ARGUMENT"}
    assert peer.call(whatsLoaded) == {"result": name}


# ---------------------------------------------------------------- the server

def test_ping_answers_no_keys(peer):
    """ping answers an empty box."""
    assert peer.call(ping) == {}


def test_server_info_spreads_its_fields_as_keys(server, peer, thrift):
    """serverInfo answers every ServerInfo field as a key, the same as Thrift's, and lists the AMP listener."""
    # Thrift first: its answer proves the server has taken that connection in, so the AMP answer counts it
    # (a connection the kernel accepted may not have been seen by the server yet).
    over_thrift = thrift.serverInfo()
    info = peer.call(serverInfo)
    assert set(info) == {"version", "uptimeMs", "connections", "callsServed", "windows", "listeners", "platform",
                         "qtVersion", "pid", "longestTurnUs", "longestTurnCause", "slowTurns", "pictureBytes",
                         "unsentBytes"}
    assert info["version"] == over_thrift.version != ""
    assert info["pid"] == server.process.pid
    assert info["platform"] == "offscreen"
    assert info["connections"] >= 2  # this AMP connection and the Thrift one
    assert info["windows"] >= 1  # the stage
    assert any(listener.endswith(server.amp_address) for listener in info["listeners"]), info["listeners"]
    assert "unix:" + server.socket_path in info["listeners"]


def test_list_windows_is_an_amp_list_with_the_stage_first_and_a_picture_by_its_title(peer):
    """listWindows' result is a list of WindowInfo dicts: the stage (id 0) first, then a new picture window."""
    title, name = unique("listed"), unique("label")
    window_id = peer.call(StartInspect, img=rgb_picture(64, 48, (9, 9, 9)), title=title, name=name)["inspector_id"]
    windows = peer.call(listWindows)["result"]
    assert (windows[0]["id"], windows[0]["kind"]) == (0, "STAGE")
    (picture,) = [w for w in windows if w["id"] == window_id]
    assert (picture["kind"], picture["title"], picture["name"]) == ("PICTURE", title, name)
    assert set(picture["geometry"]) == {"x", "y", "width", "height"}
    assert picture["geometry"]["width"] > 0 and picture["geometry"]["height"] > 0
    assert picture["visible"] in (True, False)
    assert [w["id"] for w in windows[1:]] == sorted(w["id"] for w in windows[1:])


def test_screenshot_of_the_stage_is_a_png(peer):
    """screenshot answers the PNG bytes of a window (BigString, however long)."""
    png = peer.call(screenshot, windowId=0)["result"]
    assert png.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(png)).size[0] > 0


# ---------------------------------------------------------------- pictures

def test_show_update_poll_and_close_a_picture_with_the_generated_commands(peer):
    """StartInspect/UpdateInspect/PollInspect/StopInspect through the generated classes, errors included."""
    window_id = peer.call(StartInspect, img=rgb_picture(300, 200, (200, 40, 90)), inspectable=True)["inspector_id"]
    assert window_id >= 1
    assert peer.call(PollInspect, inspector_id=window_id) == {"is_closed": False}
    assert peer.call(UpdateInspect, inspector_id=window_id, img=rgb_picture(30, 20, (1, 2, 3))) == {}
    with pytest.raises(InvalidArgument) as raised:
        peer.call(UpdateInspect, inspector_id=window_id, img={"width": 30, "height": 20, "mode": "RGB", "data": b"x"})
    assert "1800" in str(raised.value)  # says how many bytes were expected
    assert peer.call(StopInspect, inspector_id=window_id) == {}
    assert peer.call(PollInspect, inspector_id=window_id) == {"is_closed": True}
    with pytest.raises(WindowNotFound):
        peer.call(StopInspect, inspector_id=window_id)
    with pytest.raises(WindowNotFound):
        peer.call(UpdateInspect, inspector_id=window_id, img=rgb_picture(2, 2, (0, 0, 0)))


def test_show_picture_of_a_png(peer):
    """An encoded picture (mode PNG, size 0 x 0) opens a window too."""
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 128, 255)).save(out, format="PNG")
    answer = peer.call(StartInspect, img={"width": 0, "height": 0, "mode": "PNG", "data": out.getvalue()})
    assert answer["inspector_id"] >= 1


# ---------------------------------------------------------------- popups and dialogs

def test_say_opens_a_popup_and_answers_its_id_at_once(peer):
    """say (not Say) answers its popup's window id straight away; listWindows lists it as a POPUP."""
    title = unique("say")
    popup_id = peer.call(say, text="Just so you know.", options={"title": title})["result"]
    (popup,) = [w for w in peer.call(listWindows)["result"] if w["id"] == popup_id]
    assert (popup["kind"], popup["title"]) == ("POPUP", title)


def test_say_and_wait_answers_empty_result_when_another_connection_closes_it(connect):
    """Say (sayAndWait) answers result "" once its popup is closed by another connection."""
    waiting, other = connect(), connect()
    before = other.open_window_ids("POPUP")
    said = waiting.submit(Say, text="Wait for me")
    popup_id = other.wait_for_new_window("POPUP", before)
    assert not said.done()
    other.call(StopInspect, inspector_id=popup_id)
    assert said.result(TIMEOUT) == {"result": ""}


@pytest.mark.parametrize("command, arguments, kind", [
    (ask, {"question": {"prompt": "Your name?", "kind": "TEXT"}}, "QUESTION"),
    (chooseFile, {"mode": "DIRECTORY"}, "FILE_CHOOSER"),
    (AskOpenFilename, {"title": "open from generated"}, "FILE_CHOOSER"),
], ids=["ask", "chooseFile", "AskOpenFilename"])
def test_a_dialog_closed_by_another_connection_raises_the_generated_dialog_canceled(connect, command, arguments,
                                                                                  kind):
    """A waiting dialog closed through StopInspect elsewhere fails with vitrine.amp_commands.DialogCanceled."""
    waiting, other = connect(), connect()
    before = other.open_window_ids(kind)
    asked = waiting.submit(command, **arguments)
    dialog_id = other.wait_for_new_window(kind, before)
    other.call(StopInspect, inspector_id=dialog_id)
    with pytest.raises(DialogCanceled) as raised:
        asked.result(TIMEOUT)
    assert str(raised.value), "the error has no description"


@pytest.mark.parametrize("command, arguments, kind", [
    (ask, {"question": {"prompt": "Only a prompt?"}}, "QUESTION"),
    (chooseFile, {"title": unique("no mode")}, "FILE_CHOOSER"),
    (chooseFile, {}, "FILE_CHOOSER"),
    (AskOpenFilename, {}, "FILE_CHOOSER"),
], ids=["ask-prompt-only", "chooseFile-title-only", "chooseFile-nothing", "AskOpenFilename-nothing"])
def test_keys_with_an_idl_default_may_be_left_out(peer, thrift, command, arguments, kind):
    """ask with only a prompt (Question.kind = TEXT) and chooseFile or AskOpenFilename without a mode
    (FileChooser.mode = OPEN) open their dialog; closed through Thrift, the call fails with DialogCanceled."""
    before = {w.id for w in thrift.listWindows()}
    asked = peer.submit(command, **arguments)
    wanted = WindowKind._NAMES_TO_VALUES[kind]

    def new_dialog():
        return [w.id for w in thrift.listWindows() if w.id not in before and w.kind == wanted]

    (dialog_id,) = wait_until(new_dialog, message="a new %s window" % kind)
    assert not asked.done(), "the dialog answered before anyone did"
    thrift.closeWindow(dialog_id)
    with pytest.raises(DialogCanceled):
        asked.result(TIMEOUT)
