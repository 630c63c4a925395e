"""Media commands (pictures, popups, dialogs, window list, events) through the generated client, headless.

Nobody answers a dialog here: dialogs end by their timeout, by closeWindow from
another connection or by their caller going away. Blocking calls (ask,
sayAndWait, chooseFile, chooseColor, long polls) run in worker threads on
their own connections while the test drives the server from its own.
"""

import io
import itertools
import struct
import threading
import zlib

import pytest
from PIL import Image

from conftest import (
    Background, Server, last_sequence, wait_for_event, wait_for_window, wait_until, window_titled)
from vitrine_thrift.ttypes import (
    Action, CloseReason, Color, ColorChooser, DialogCanceled, EventKind, FileChooser, FileChooserMode,
    InvalidArgument, LimitExceeded, Picture, PictureOptions, PixelFormat, PushHtml, PushResult, Question,
    QuestionKind, SayOptions, WindowKind, WindowNotFound)

pytestmark = pytest.mark.usefixtures("tidy_windows")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_titles = itertools.count(1)


def unique(prefix):
    """A window title no other test uses."""
    return "%s-%d" % (prefix, next(_titles))


def decode_png(data):
    assert data.startswith(PNG_SIGNATURE), "not a PNG: %r" % data[:16]
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGBA")


def centre_of(png):
    """The colour at the centre of the picture area of a picture window's screenshot.

    A picture window is a menu bar, the picture, then a one-line status bar of
    about the menu bar's height, so with a picture of 200 x 150 or more the
    window's centre lies well inside the picture. The picture must fill the
    area around the centre too (±40, ±30 pixels), or this answers None.
    """
    image = decode_png(png).convert("RGB")
    cx, cy = image.width // 2, image.height // 2
    centre = image.getpixel((cx, cy))
    around = {image.getpixel((cx + dx, cy + dy)) for dx in (-40, 0, 40) for dy in (-30, 0, 30)}
    return centre if around == {centre} else None


def close_enough(actual, expected, tolerance):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


def solid(mode, size, colour):
    """A PIL image of one colour; `mode` is a PIL mode."""
    return Image.new(mode, size, colour)


def encoded(image, fmt, **params):
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def raw_picture(image, mode):
    return Picture(width=image.width, height=image.height, mode=mode, data=image.tobytes())


def closed_event(window_id):
    return lambda e: e.kind == EventKind.WINDOW_CLOSED and e.windowId == window_id


# ---------------------------------------------------------------- pictures

COLOUR = (200, 40, 90)


@pytest.mark.parametrize("fmt, make, expected, tolerance", [
    ("RGB", lambda: raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB), COLOUR, 0),
    ("RGBA", lambda: raw_picture(solid("RGBA", (240, 160), COLOUR + (255,)), PixelFormat.RGBA), COLOUR, 0),
    ("L", lambda: raw_picture(solid("L", (220, 150), 77), PixelFormat.L), (77, 77, 77), 0),
    ("PNG", lambda: Picture(0, 0, PixelFormat.PNG, encoded(solid("RGB", (200, 150), COLOUR), "PNG")), COLOUR, 0),
    ("JPEG", lambda: Picture(0, 0, PixelFormat.JPEG, encoded(solid("RGB", (200, 160), COLOUR), "JPEG", quality=95)),
     COLOUR, 8),
])
def test_show_picture_shows_its_colour_in_the_window(client, fmt, make, expected, tolerance):
    window_id = client.showPicture(make(), PictureOptions(title="picture " + fmt))
    assert window_id >= 1
    png = client.screenshot(window_id)
    info = window_titled(client, "picture " + fmt)
    assert info is not None and info.id == window_id and info.kind == WindowKind.PICTURE
    assert decode_png(png).size == (info.geometry.width, info.geometry.height)
    if tolerance:  # lossy: the colour varies a little around the centre
        image = decode_png(png).convert("RGB")
        centre = image.getpixel((image.width // 2, image.height // 2))
    else:
        centre = centre_of(png)
    assert centre is not None and close_enough(centre, expected, tolerance), \
        "centre is %s, expected %s (%s)" % (centre, expected, fmt)
    client.closeWindow(window_id)


def test_window_ids_increase_and_are_never_reused(client):
    picture = raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB)
    first = client.showPicture(picture, PictureOptions())
    second = client.showPicture(picture, PictureOptions())
    assert 1 <= first < second
    client.closeWindow(second)
    client.closeWindow(first)
    third = client.showPicture(picture, PictureOptions())
    popup = client.say("after the pictures", SayOptions())
    assert second < third < popup
    client.closeWindow(third)
    client.closeWindow(popup)


def test_update_picture_changes_the_pixels(client):
    green = raw_picture(solid("RGB", (200, 150), (0, 200, 0)), PixelFormat.RGB)
    window_id = client.showPicture(green, PictureOptions())
    assert centre_of(client.screenshot(window_id)) == (0, 200, 0)
    client.updatePicture(window_id, raw_picture(solid("RGB", (200, 150), (10, 20, 230)), PixelFormat.RGB))
    assert centre_of(client.screenshot(window_id)) == (10, 20, 230)
    # Another format and another size.
    yellow = encoded(solid("RGB", (220, 170), (250, 250, 0)), "PNG")
    client.updatePicture(window_id, Picture(0, 0, PixelFormat.PNG, yellow))
    assert centre_of(client.screenshot(window_id)) == (250, 250, 0)
    client.closeWindow(window_id)


def test_update_and_close_of_an_unknown_or_closed_window_are_window_not_found(client):
    picture = raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB)
    window_id = client.showPicture(picture, PictureOptions())
    client.closeWindow(window_id)
    for missing in (window_id, 987654321):
        with pytest.raises(WindowNotFound) as raised:
            client.updatePicture(missing, picture)
        assert raised.value.windowId == missing
        with pytest.raises(WindowNotFound) as raised:
            client.closeWindow(missing)
        assert raised.value.windowId == missing
        assert str(missing) in raised.value.message


def test_update_picture_of_a_popup_is_window_not_found(client):
    popup = client.say("not a picture", SayOptions())
    with pytest.raises(WindowNotFound):
        client.updatePicture(popup, raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB))
    assert not client.isClosed(popup)
    client.closeWindow(popup)


def test_is_closed_before_and_after_close_and_for_a_never_issued_id(client):
    window_id = client.showPicture(raw_picture(solid("L", (200, 150), 9), PixelFormat.L), PictureOptions())
    assert client.isClosed(window_id) is False
    client.closeWindow(window_id)
    assert client.isClosed(window_id) is True
    assert client.isClosed(window_id + 1000000) is True
    assert client.isClosed(0) is False  # the stage is always open


def test_close_window_zero_is_window_not_found_and_the_stage_stays(client):
    assert client.postHtml(PushHtml("shown", "<p>on the stage</p>")) == PushResult.OK  # its window is open now
    with pytest.raises(WindowNotFound) as raised:
        client.closeWindow(0)
    assert raised.value.windowId == 0
    windows = client.listWindows()
    assert windows[0].id == 0 and windows[0].kind == WindowKind.STAGE and windows[0].visible


@pytest.mark.parametrize("mode, bytes_per_pixel", [(PixelFormat.RGB, 3), (PixelFormat.RGBA, 4), (PixelFormat.L, 1)])
@pytest.mark.parametrize("delta", [-1, 1])
def test_raw_data_of_the_wrong_length_is_invalid_and_says_the_expected_count(client, mode, bytes_per_pixel, delta):
    expected = 30 * 20 * bytes_per_pixel
    with pytest.raises(InvalidArgument) as raised:
        client.showPicture(Picture(30, 20, mode, b"\x7f" * (expected + delta)), PictureOptions())
    assert str(expected) in raised.value.message
    assert client.serverInfo().windows == 1


@pytest.mark.parametrize("width, height", [(0, 10), (10, 0), (-5, 10)])
def test_raw_picture_without_a_positive_size_is_invalid(client, width, height):
    with pytest.raises(InvalidArgument):
        client.showPicture(Picture(width, height, PixelFormat.RGB, b""), PictureOptions())
    assert client.serverInfo().windows == 1


@pytest.mark.parametrize("mode", [PixelFormat.PNG, PixelFormat.JPEG])
def test_garbage_for_an_encoded_format_is_invalid(client, mode):
    with pytest.raises(InvalidArgument):
        client.showPicture(Picture(0, 0, mode, b"this is not an image, just some bytes" * 10), PictureOptions())
    with pytest.raises(InvalidArgument):
        client.showPicture(Picture(0, 0, mode, b""), PictureOptions())
    assert client.serverInfo().windows == 1


def test_png_of_another_size_than_given_is_invalid(client):
    data = encoded(solid("RGB", (200, 150), COLOUR), "PNG")
    with pytest.raises(InvalidArgument):
        client.showPicture(Picture(300, 150, PixelFormat.PNG, data), PictureOptions())


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def png_claiming(width, height):
    """A small, well-formed PNG whose header says width x height (8-bit RGB) but whose data holds one row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00" * 3 * 16)
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/%d/status" % pid)


def test_png_whose_header_claims_a_huge_size_is_refused_without_allocating_it(server, client):
    before = peak_rss_kib(server.process.pid)
    with pytest.raises((LimitExceeded, InvalidArgument)):
        client.showPicture(Picture(0, 0, PixelFormat.PNG, png_claiming(100000, 100000)), PictureOptions())
    client.ping()
    assert client.serverInfo().windows == 1
    # 100000 x 100000 pixels would be tens of gigabytes; the peak must not move by anything like that.
    assert peak_rss_kib(server.process.pid) - before < 512 * 1024


def test_a_large_png_within_the_pixel_limit_is_shown(client):
    # 6000 x 6000 = 36 Mpixel < 64 Mi pixel: allowed by --max-picture-pixels, and a few hundred KB as PNG.
    data = encoded(solid("RGB", (6000, 6000), COLOUR), "PNG", compress_level=1)
    window_id = client.showPicture(Picture(0, 0, PixelFormat.PNG, data), PictureOptions())
    assert window_id >= 1
    client.closeWindow(window_id)


def test_raw_picture_over_the_pixel_limit_is_limit_exceeded(client):
    with pytest.raises(LimitExceeded) as raised:
        client.showPicture(Picture(100000, 100000, PixelFormat.RGB, b"\x00" * 30), PictureOptions())
    assert "--max-picture-pixels" in raised.value.message
    client.ping()


# ---------------------------------------------------------------- the window list

def test_list_windows_has_the_stage_first_then_windows_by_id(client):
    picture_id = client.showPicture(raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB),
                                    PictureOptions(title="list-picture", name="the picture"))
    popup_id = client.say("listed", SayOptions(title="list-popup", name="the popup"))
    windows = client.listWindows()
    assert windows[0].id == 0 and windows[0].kind == WindowKind.STAGE
    ids = [w.id for w in windows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    by_id = {w.id: w for w in windows}
    assert (by_id[picture_id].kind, by_id[picture_id].title, by_id[picture_id].name) == \
        (WindowKind.PICTURE, "list-picture", "the picture")
    assert (by_id[popup_id].kind, by_id[popup_id].title, by_id[popup_id].name) == \
        (WindowKind.POPUP, "list-popup", "the popup")
    for window in windows:
        assert window.geometry.width > 0 and window.geometry.height > 0, window
        assert window.visible is True, window
    client.closeWindow(popup_id)
    assert popup_id not in [w.id for w in client.listWindows()]
    client.closeWindow(picture_id)


def test_picture_title_defaults_to_vitrine_picture(client):
    window_id = client.showPicture(raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB), PictureOptions())
    assert {w.id: w.title for w in client.listWindows()}[window_id] == "vitrine picture"
    client.closeWindow(window_id)


# ---------------------------------------------------------------- popups

def test_say_returns_an_id_and_the_popup_is_listed_with_its_title(client):
    title = unique("say")
    window_id = client.say("Hello,\nworld", SayOptions(title=title))
    assert window_id >= 1
    info = window_titled(client, title)
    assert info is not None and info.id == window_id and info.kind == WindowKind.POPUP
    client.closeWindow(window_id)
    assert window_titled(client, title) is None


def test_say_with_a_timeout_closes_by_itself_as_timed_out(client):
    after = last_sequence(client)
    window_id = client.say("going soon", SayOptions(title=unique("say-timeout"), timeoutMs=200))
    event = wait_for_event(client, after, closed_event(window_id), what="the popup to close by itself")
    assert event.closeReason == CloseReason.TIMED_OUT
    assert client.isClosed(window_id)


@pytest.mark.parametrize("options", [
    SayOptions(actions=[Action(key="", label="Nameless")]),
    SayOptions(actions=[Action(key="ok", label="Fine"), Action(key="", label="Nameless")]),
    SayOptions(timeoutMs=-1),
], ids=["empty-key", "second-key-empty", "negative-timeout"])
def test_say_with_an_empty_action_key_or_a_negative_timeout_is_invalid(client, options):
    with pytest.raises(InvalidArgument):
        client.say("bad", options)
    assert client.serverInfo().windows == 1


def test_say_and_wait_returns_empty_when_another_connection_closes_it(client, background):
    title = unique("say-and-wait")
    future = background.start(lambda c: c.sayAndWait("waiting", SayOptions(
        title=title, actions=[Action(key="yes", label="Yes"), Action(key="no", label="No")])))
    popup = wait_for_window(client, title)
    assert popup.kind == WindowKind.POPUP
    assert not future.done()
    client.closeWindow(popup.id)
    assert future.result(timeout=30) == ""


def test_say_and_wait_with_a_timeout_returns_empty(client, background):
    future = background.start(lambda c: c.sayAndWait("short", SayOptions(title=unique("say-and-wait"), timeoutMs=200)))
    assert future.result(timeout=30) == ""


def test_say_and_wait_with_an_empty_action_key_is_invalid(background):
    future = background.start(lambda c: c.sayAndWait("bad", SayOptions(actions=[Action(key="", label="x")])))
    with pytest.raises(InvalidArgument):
        future.result(timeout=30)


# ---------------------------------------------------------------- questions

def test_ask_with_a_timeout_is_canceled_as_timed_out(background):
    future = background.start(lambda c: c.ask(Question(prompt="Anyone?", title=unique("ask-timeout"), timeoutMs=200)))
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.TIMED_OUT


def test_ask_closed_by_another_connection_is_canceled_as_closed_by_client(client, background):
    title = unique("ask-closed")
    future = background.start(lambda c: c.ask(Question(prompt="Name?", title=title)))
    dialog = wait_for_window(client, title)
    assert dialog.kind == WindowKind.QUESTION
    after = last_sequence(client)
    client.closeWindow(dialog.id)
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.CLOSED_BY_CLIENT
    event = wait_for_event(client, after, closed_event(dialog.id))
    assert event.closeReason == CloseReason.CLOSED_BY_CLIENT


@pytest.mark.parametrize("question", [
    Question(prompt="Pick", kind=QuestionKind.CHOICE),
    Question(prompt="Pick", kind=QuestionKind.CHOICE, choices=[]),
    Question(prompt="How many?", kind=QuestionKind.INTEGER, minimum=10, maximum=1),
    Question(prompt="How much?", kind=QuestionKind.NUMBER, minimum=0.5, maximum=0.25),
    Question(prompt="Which?", kind=QuestionKind.CHOICE, choices=["a", "b"], defaultChoices=[2]),
    Question(prompt="How many?", kind=QuestionKind.INTEGER, minimum=1, maximum=5, defaultInteger=6),
], ids=["choice-without-choices", "choice-with-empty-choices", "integer-min-above-max", "number-min-above-max",
        "default-choice-out-of-range", "default-integer-out-of-range"])
def test_ask_with_an_impossible_question_is_invalid(client, background, question):
    future = background.start(lambda c: c.ask(question))
    with pytest.raises(InvalidArgument) as raised:
        future.result(timeout=30)
    assert raised.value.message
    assert client.serverInfo().windows == 1


def test_other_connections_are_served_while_an_ask_waits(client, background):
    title = unique("ask-busy")
    future = background.start(lambda c: c.ask(Question(prompt="Still there?", title=title)))
    dialog = wait_for_window(client, title)
    client.ping()
    page = PushHtml(name="while asking", data="<body style='background:#123456'></body>")
    assert client.postHtml(page) == PushResult.OK
    assert client.whatsLoaded() == "while asking"
    assert decode_png(client.screenshot(dialog.id)).size[0] > 0
    assert not future.done()
    client.closeWindow(dialog.id)
    with pytest.raises(DialogCanceled):
        future.result(timeout=30)


def open_ask(c, title):
    c.send_ask(Question(prompt="Bye?", title=title))


def open_say_and_wait(c, title):
    c.send_sayAndWait("Bye?", SayOptions(title=title, actions=[Action(key="k", label="K")]))


def open_choose_file(c, title):
    c.send_chooseFile(FileChooser(title=title))


def open_choose_color(c, title):
    c.send_chooseColor(Color(1, 2, 3), ColorChooser(title=title))


@pytest.mark.parametrize("open_dialog", [open_ask, open_say_and_wait, open_choose_file, open_choose_color],
                         ids=["ask", "sayAndWait", "chooseFile", "chooseColor"])
def test_a_dialog_goes_away_when_its_caller_disconnects(server, client, open_dialog):
    title = unique("disconnect")
    after = last_sequence(client)
    connections = client.serverInfo().connections
    caller, transport = server.connect()
    open_dialog(caller, title)  # the request only: this client never reads the answer
    dialog = wait_for_window(client, title)
    transport.close()
    wait_until(lambda: window_titled(client, title) is None, message="the dialog of a gone caller to close")
    event = wait_for_event(client, after, closed_event(dialog.id))
    assert event.closeReason == CloseReason.CLIENT_DISCONNECTED
    assert client.isClosed(dialog.id)
    assert client.serverInfo().windows == 1
    wait_until(lambda: client.serverInfo().connections == connections, message="the gone caller's connection to go")
    client.ping()


# ---------------------------------------------------------------- choosers

def test_choose_file_with_a_timeout_is_canceled_as_timed_out(client, background, tmp_path):
    title = unique("file-timeout")
    future = background.start(lambda c: c.chooseFile(FileChooser(
        mode=FileChooserMode.OPEN, directory=str(tmp_path), title=title, timeoutMs=300)))
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.TIMED_OUT
    assert window_titled(client, title) is None


def test_choose_color_with_a_timeout_is_canceled_as_timed_out(background):
    future = background.start(lambda c: c.chooseColor(Color(10, 20, 30), ColorChooser(title=unique("colour-timeout"),
                                                                                      timeoutMs=300)))
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.TIMED_OUT


def test_choose_file_closed_by_another_connection_is_canceled(client, background, tmp_path):
    title = unique("file-closed")
    future = background.start(lambda c: c.chooseFile(FileChooser(directory=str(tmp_path), title=title)))
    dialog = wait_for_window(client, title)
    assert dialog.kind == WindowKind.FILE_CHOOSER
    client.closeWindow(dialog.id)
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.CLOSED_BY_CLIENT


@pytest.mark.parametrize("colour", [Color(300, 0, 0), Color(0, 300, 0), Color(0, 0, 300), Color(0, 0, 0, 300),
                                    Color(-1, 0, 0)], ids=["r300", "g300", "b300", "a300", "r-1"])
def test_choose_color_with_a_channel_out_of_range_is_invalid(client, background, colour):
    future = background.start(lambda c: c.chooseColor(colour, ColorChooser(title=unique("colour-bad"))))
    with pytest.raises(InvalidArgument) as raised:
        future.result(timeout=30)
    assert raised.value.message
    assert client.serverInfo().windows == 1


# ---------------------------------------------------------------- events

def test_event_sequence_numbers_increase_and_old_events_come_back_from_zero(client):
    after = last_sequence(client)
    ids = [client.say("event %d" % i, SayOptions()) for i in range(3)]
    for window_id in ids:
        client.closeWindow(window_id)
    new = client.waitEvents(after, 0)
    sequences = [e.sequence for e in new]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(s > after for s in sequences)
    assert [e.windowId for e in new if e.kind == EventKind.WINDOW_OPENED] == ids
    assert [e.windowId for e in new if e.kind == EventKind.WINDOW_CLOSED] == ids
    assert all(e.closeReason == CloseReason.CLOSED_BY_CLIENT for e in new if e.kind == EventKind.WINDOW_CLOSED)
    assert all(e.windowKind == WindowKind.POPUP for e in new if e.kind == EventKind.WINDOW_OPENED)
    # From 0: the oldest kept, these included, still in order.
    everything = []
    cursor = 0
    while True:
        batch = client.waitEvents(cursor, 0)
        if not batch:
            break
        everything += batch
        cursor = batch[-1].sequence
    old_sequences = [e.sequence for e in everything]
    assert old_sequences == sorted(old_sequences) and len(set(old_sequences)) == len(old_sequences)
    assert set(sequences) <= set(old_sequences)
    assert all(e.timeMs > 0 for e in everything)


def test_wait_events_from_now_answers_empty_when_nothing_happens(client):
    assert client.waitEvents(-1, 300) == []
    assert client.waitEvents(-1, 0) == []


def test_wait_events_from_now_returns_a_close_made_meanwhile_by_another_thread(server, client):
    before = last_sequence(client)
    closed, done = [], threading.Event()

    def close_windows():
        # Keeps closing popups until the long poll has one: the poll may start after the first close.
        other, transport = server.connect()
        try:
            while not done.is_set():
                window_id = other.say("closing", SayOptions(title=unique("meanwhile")))
                closed.append(window_id)
                other.closeWindow(window_id)
                done.wait(0.2)
        finally:
            transport.close()

    thread = threading.Thread(target=close_windows)
    thread.start()
    events = []
    try:
        # Long polls from now on, each after the last event seen, until a close has come (opens come first).
        after = -1
        while not any(e.kind == EventKind.WINDOW_CLOSED for e in events):
            batch = client.waitEvents(after, 30000)
            assert batch, "a long poll ended without an event"
            events += batch
            after = batch[-1].sequence
    finally:
        done.set()
        thread.join(timeout=30)
    assert events, "the long poll ended without the close"
    assert all(e.sequence > before for e in events)
    closes = [e for e in events if e.kind == EventKind.WINDOW_CLOSED]
    assert closes and all(e.windowId in closed and e.closeReason == CloseReason.CLOSED_BY_CLIENT for e in closes)


def test_a_long_poll_does_not_block_another_connection(server, client, background):
    after = last_sequence(client)
    sent = threading.Event()

    def long_poll(c):
        c.send_waitEvents(after, 30000)
        sent.set()
        return c.recv_waitEvents()

    future = background.start(long_poll)
    assert sent.wait(timeout=30)
    for _ in range(3):
        client.ping()
        assert client.serverInfo().connections >= 2
    assert not future.done()  # still waiting, while this connection is served
    window_id = client.say("wake the poll", SayOptions())
    events = future.result(timeout=30)
    client.closeWindow(window_id)
    assert any(e.kind == EventKind.WINDOW_OPENED and e.windowId == window_id for e in events)


# ---------------------------------------------------------------- screenshots of popups and dialogs

def test_screenshot_of_a_popup_and_of_a_question(client, background):
    popup_id = client.say("A popup to photograph", SayOptions(title=unique("shot-popup")))
    title = unique("shot-question")
    future = background.start(lambda c: c.ask(Question(prompt="A question to photograph", title=title)))
    question = wait_for_window(client, title)
    popup = next(w for w in client.listWindows() if w.id == popup_id)
    for window in (popup, question):
        image = decode_png(client.screenshot(window.id))
        assert image.width > 0 and image.height > 0
        assert (image.width, image.height) == (window.geometry.width, window.geometry.height)
        colours = image.getcolors(maxcolors=1 << 16)  # None: more than that many
        assert colours is None or len(colours) > 1, "a screenshot of one flat colour"
    assert question.kind == WindowKind.QUESTION
    client.closeWindow(popup_id)
    client.closeWindow(question.id)
    with pytest.raises(DialogCanceled):
        future.result(timeout=30)


# ---------------------------------------------------------------- --max-windows

@pytest.fixture(scope="module")
def small_server():
    s = Server("--size", "320x240", "--max-windows", "3")
    yield s
    assert s.stop() == 0


def test_max_windows_limits_open_windows_and_a_close_makes_room(small_server, tmp_path):
    client, transport = small_server.connect()
    background = Background(small_server)
    try:
        ids = [client.say("window %d" % i, SayOptions()) for i in range(3)]
        with pytest.raises(LimitExceeded) as raised:
            client.say("one too many", SayOptions())
        assert "--max-windows" in raised.value.message
        with pytest.raises(LimitExceeded):
            client.showPicture(raw_picture(solid("RGB", (200, 150), COLOUR), PixelFormat.RGB), PictureOptions())
        for call in (lambda c: c.ask(Question(prompt="no room")),
                     lambda c: c.chooseColor(Color(0, 0, 0), ColorChooser()),
                     lambda c: c.chooseFile(FileChooser(directory=str(tmp_path))),
                     lambda c: c.sayAndWait("no room", SayOptions())):
            with pytest.raises(LimitExceeded):
                background.start(call).result(timeout=30)
        assert client.serverInfo().windows == 4
        client.closeWindow(ids[1])
        again = client.say("room again", SayOptions())
        assert again > ids[-1]
        with pytest.raises(LimitExceeded):
            client.say("full again", SayOptions())
    finally:
        background.finish()
        transport.close()


def test_stopping_the_server_cancels_waiting_dialogs_and_exits_cleanly():
    own = Server("--size", "320x240")
    background = Background(own)
    try:
        client, transport = own.connect()
        title = unique("stopping")
        asking = background.start(lambda c: c.ask(Question(prompt="Still there?", title=title)))
        wait_for_window(client, title)
        transport.close()
        assert own.stop() == 0
        with pytest.raises(DialogCanceled) as raised:
            asking.result(timeout=30)
        assert raised.value.reason == CloseReason.SERVER_STOPPING
    finally:
        own.stop()
        background.pool.shutdown(wait=True)
