"""Answering dialogs as a person would: the server on Xvfb (xcb), keys and clicks through xdotool.

There is no window manager: each test finds its dialog's X window by its
(unique) title, focuses it, then types. Blocking calls run in worker threads
on their own connections while the test watches through another.
"""

import io
import os

import pytest
from PIL import Image

from conftest import Server, last_sequence, wait_for_event, wait_for_window, wait_until, window_titled
from vitrine_test_support import name_maker, require_programs
from vitrine_thrift.ttypes import (
    Action, CloseReason, Color, ColorChooser, DialogCanceled, EventKind, FileChooser, FileChooserMode, Picture,
    PictureOptions, PixelFormat, PushHtml, PushResult, Question, QuestionKind, SayOptions, WindowNotFound)

require_programs("Xvfb", "xdotool")  # else the module fails to load: these tests must not pass unrun

pytestmark = pytest.mark.usefixtures("tidy_windows")

#: A window title no other test uses (letters, digits and '-' only: it goes into a regex).
unique = name_maker("pytest")

#: The longest GUI-thread turn (serverInfo().longestTurnUs) a window at the display limits may cost: generous,
#: far above what it costs, far below the seconds such windows cost before; three times that under the sanitizers.
TURN_BOUND_US = 500_000 * (3 if os.environ.get("VITRINE_SANITIZED") else 1)


def assert_turns_within_bound(client):
    info = client.serverInfo()
    assert info.longestTurnUs < TURN_BOUND_US, "the GUI thread was held %d us at once, by %s" % (
        info.longestTurnUs, info.longestTurnCause)


@pytest.fixture(scope="module")
def server(xserver):
    """The server on the Xvfb display (overrides the headless one for this module)."""
    s = Server("--size", "320x240", env={"DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb"})
    yield s
    assert s.stop() == 0


def screenshot(client, window_id):
    return Image.open(io.BytesIO(client.screenshot(window_id))).convert("RGB")


def problem_pixels(image):
    """How many pixels of the dialogs' red problem text (#b00020, antialiased) the image has."""
    return sum(1 for r, g, b in image.getdata() if r > 120 and g < 60 and b < 90 and r - b > 60)


def shows_a_problem(client, window_id):
    return problem_pixels(screenshot(client, window_id)) >= 10


def answered_event(window_id):
    return lambda e: e.kind == EventKind.ANSWER_GIVEN and e.windowId == window_id


def closed_event(window_id):
    return lambda e: e.kind == EventKind.WINDOW_CLOSED and e.windowId == window_id


# ---------------------------------------------------------------- the stage on a real display


def test_posted_html_is_painted_on_a_real_display_when_the_call_answers(client):
    # On xcb the stage renders through OpenGL rather than offscreen's software path.
    for colour in ("#ff8800", "#0044cc"):
        html = "<body style='margin:0;background:%s'></body>" % colour
        assert client.postHtml(PushHtml(name="display", data=html)) == PushResult.OK
        image = screenshot(client, 0)
        expected = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert image.getpixel((image.width // 2, image.height // 2)) == expected


# ---------------------------------------------------------------- questions

def test_text_typed_and_return_is_the_answer(client, background, desktop):
    title = unique("text")
    after = last_sequence(client)
    future = background.start(lambda c: c.ask(Question(prompt="Your name?", title=title, defaultText="Ada")))
    dialog = wait_for_window(client, title)
    desktop.focus(title)
    desktop.type("Grace Hopper")  # the default is selected: typing replaces it
    desktop.key("Return")
    answer = future.result(timeout=30)
    assert (answer.kind, answer.text) == (QuestionKind.TEXT, "Grace Hopper")
    assert answer.integer is None and answer.choices is None and answer.yes is None
    assert wait_for_event(client, after, answered_event(dialog.id)).answer == answer
    assert wait_for_event(client, after, closed_event(dialog.id)).closeReason == CloseReason.ANSWERED


def test_return_keeps_the_default_text(client, background, desktop):
    title = unique("text-default")
    future = background.start(lambda c: c.ask(Question(prompt="Your name?", title=title, defaultText="Ada Lovelace")))
    desktop.focus(title)
    desktop.key("Return")
    assert future.result(timeout=30).text == "Ada Lovelace"


def test_password_typed_and_return_is_the_answer(client, background, desktop):
    title = unique("password")
    after = last_sequence(client)
    future = background.start(lambda c: c.ask(Question(prompt="Password?", kind=QuestionKind.PASSWORD, title=title)))
    desktop.focus(title)
    desktop.type("s3cret pass")
    desktop.key("Return")
    answer = future.result(timeout=30)
    assert (answer.kind, answer.text) == (QuestionKind.PASSWORD, "s3cret pass")
    # Anyone may read the event log: the password itself goes only to the asker.
    event = wait_for_event(client, after, lambda e: e.kind == EventKind.ANSWER_GIVEN, what="ANSWER_GIVEN")
    assert event.answer.kind == QuestionKind.PASSWORD
    assert event.answer.text is None


@pytest.mark.parametrize("kind, bad, good, field, expected", [
    (QuestionKind.INTEGER, "42", "7", "integer", 7),
    (QuestionKind.INTEGER, "seven", "-3", "integer", -3),
    (QuestionKind.NUMBER, "10.5", "0.25", "number", 0.25),
    (QuestionKind.NUMBER, "-5.001", "-5", "number", -5.0),
    (QuestionKind.NUMBER, "abc", "-1.5", "number", -1.5),
], ids=["integer-over-maximum", "integer-not-a-number", "number-over-maximum", "number-under-minimum",
        "number-not-a-number"])
def test_a_number_outside_the_bounds_keeps_the_dialog_open_until_a_valid_one(client, background, desktop,
                                                                              kind, bad, good, field, expected):
    title = unique("number")
    future = background.start(lambda c: c.ask(Question(prompt="How many?", kind=kind, title=title,
                                                       minimum=-5, maximum=10)))
    dialog = wait_for_window(client, title)
    desktop.focus(title)
    assert not shows_a_problem(client, dialog.id)
    desktop.type(bad)
    desktop.key("Return")
    # The dialog says what is wrong and stays open.
    wait_until(lambda: shows_a_problem(client, dialog.id), message="the dialog to show a problem")
    assert window_titled(client, title) is not None
    assert not future.done()
    desktop.key("ctrl+a")
    desktop.type(good)
    desktop.key("Return")
    answer = future.result(timeout=30)
    assert answer.kind == kind
    assert getattr(answer, field) == expected


def test_an_integer_beyond_double_precision_comes_back_exactly(background, desktop):
    title = unique("big-integer")
    future = background.start(lambda c: c.ask(Question(prompt="Big?", kind=QuestionKind.INTEGER, title=title)))
    desktop.focus(title)
    desktop.type("9007199254740993")  # 2**53 + 1: not a double
    desktop.key("Return")
    assert future.result(timeout=30).integer == 2 ** 53 + 1


def test_escape_cancels_a_question(client, background, desktop):
    title = unique("escape")
    after = last_sequence(client)
    future = background.start(lambda c: c.ask(Question(prompt="Never mind?", title=title)))
    dialog = wait_for_window(client, title)
    desktop.focus(title)
    desktop.type("half an answer")
    desktop.key("Escape")
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.CANCELED
    assert wait_for_event(client, after, closed_event(dialog.id)).closeReason == CloseReason.CANCELED


@pytest.mark.parametrize("default_yes", [False, True])
def test_yes_no_return_picks_the_default_button(background, desktop, default_yes):
    title = unique("yes-no")
    future = background.start(lambda c: c.ask(Question(prompt="Sure?", kind=QuestionKind.YES_NO, title=title,
                                                       defaultYes=default_yes)))
    desktop.focus(title)
    desktop.key("Return")
    answer = future.result(timeout=30)
    assert answer.kind == QuestionKind.YES_NO
    assert answer.yes is default_yes


def test_choice_down_and_return_picks_the_second(background, desktop):
    title = unique("choice")
    future = background.start(lambda c: c.ask(Question(prompt="Which?", kind=QuestionKind.CHOICE, title=title,
                                                       choices=["red", "green", "blue"])))
    desktop.focus(title)
    desktop.key("Down", "Return")
    answer = future.result(timeout=30)
    assert (answer.kind, answer.choices, answer.choiceIndices) == (QuestionKind.CHOICE, ["green"], [1])


def test_choice_return_picks_the_default_choice(background, desktop):
    title = unique("choice-default")
    future = background.start(lambda c: c.ask(Question(prompt="Which?", kind=QuestionKind.CHOICE, title=title,
                                                       choices=["red", "green", "blue"], defaultChoices=[2])))
    desktop.focus(title)
    desktop.key("Return")
    answer = future.result(timeout=30)
    assert (answer.choices, answer.choiceIndices) == (["blue"], [2])


def test_multi_choice_space_toggles_and_return_answers(background, desktop):
    title = unique("multi")
    future = background.start(lambda c: c.ask(Question(prompt="Which ones?", kind=QuestionKind.MULTI_CHOICE,
                                                       title=title, choices=["tea", "coffee", "water"])))
    desktop.focus(title)
    desktop.key("space", "Down", "space", "Return")
    answer = future.result(timeout=30)
    assert (answer.kind, answer.choices, answer.choiceIndices) == \
        (QuestionKind.MULTI_CHOICE, ["tea", "coffee"], [0, 1])


def test_multi_choice_of_a_hundred_thousand_answered_through_the_keyboard(client, background, desktop):
    title = unique("multi-100000")
    count = 100_000  # --max-list-items
    choices = ["choice %d" % i for i in range(count)]
    question = Question(prompt="Which ones?", kind=QuestionKind.MULTI_CHOICE, title=title, choices=choices,
                        defaultChoices=[1, count - 1])
    client.resetLongestTurn()
    future = background.start(lambda c: c.ask(question))
    desktop.focus(title)
    # Row 0 is current: check it; to the last row, a default: uncheck it; up one: check it.
    desktop.key("space", "End", "space", "Up", "space", "Return")
    answer = future.result(timeout=60)
    assert (answer.kind, answer.choiceIndices) == (QuestionKind.MULTI_CHOICE, [0, 1, count - 2])
    assert answer.choices == ["choice 0", "choice 1", "choice %d" % (count - 2)]
    assert_turns_within_bound(client)


def test_choice_of_a_hundred_thousand_starts_at_its_default_far_down(client, background, desktop):
    title = unique("choice-100000")
    count = 100_000
    question = Question(prompt="Which?", kind=QuestionKind.CHOICE, title=title,
                        choices=["choice %d" % i for i in range(count)], defaultChoices=[count - 2])
    client.resetLongestTurn()
    future = background.start(lambda c: c.ask(question))
    desktop.focus(title)
    desktop.key("Down", "Return")
    answer = future.result(timeout=60)
    assert (answer.choices, answer.choiceIndices) == (["choice %d" % (count - 1)], [count - 1])
    assert_turns_within_bound(client)


def test_multi_choice_return_alone_is_no_choice(background, desktop):
    title = unique("multi-none")
    future = background.start(lambda c: c.ask(Question(prompt="Which ones?", kind=QuestionKind.MULTI_CHOICE,
                                                       title=title, choices=["tea", "coffee"])))
    desktop.focus(title)
    desktop.key("Return")
    answer = future.result(timeout=30)
    assert (answer.choices, answer.choiceIndices) == ([], [])


# ---------------------------------------------------------------- file chooser

@pytest.fixture
def folder(tmp_path):
    (tmp_path / "pick-me.txt").write_text("picked\n")
    (tmp_path / "inner").mkdir()
    return tmp_path


def test_choose_file_open_typed_name_and_return(background, desktop, folder):
    title = unique("open")
    future = background.start(lambda c: c.chooseFile(FileChooser(mode=FileChooserMode.OPEN, directory=str(folder),
                                                                 title=title)))
    desktop.focus(title)
    desktop.type("pick-me.txt")
    desktop.key("Return")
    path = future.result(timeout=30)
    assert os.path.isabs(path)
    assert path == str(folder / "pick-me.txt")


def test_choose_file_open_of_a_missing_file_stays_open(client, background, desktop, folder):
    title = unique("open-missing")
    future = background.start(lambda c: c.chooseFile(FileChooser(mode=FileChooserMode.OPEN, directory=str(folder),
                                                                 title=title)))
    dialog = wait_for_window(client, title)
    desktop.focus(title)
    desktop.type("no-such-file.txt")
    desktop.key("Return")
    wait_until(lambda: shows_a_problem(client, dialog.id), message="the chooser to say there is no such file")
    assert not future.done()
    client.closeWindow(dialog.id)
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.CLOSED_BY_CLIENT


def test_choose_file_save_a_new_name(background, desktop, folder):
    title = unique("save")
    future = background.start(lambda c: c.chooseFile(FileChooser(mode=FileChooserMode.SAVE, directory=str(folder),
                                                                 title=title)))
    desktop.focus(title)
    desktop.type("new-notes.txt")
    desktop.key("Return")
    assert future.result(timeout=30) == str(folder / "new-notes.txt")
    assert not (folder / "new-notes.txt").exists()  # choosing a name writes nothing


def test_choose_file_directory_mode(background, desktop, folder):
    title = unique("directory")
    future = background.start(lambda c: c.chooseFile(FileChooser(mode=FileChooserMode.DIRECTORY,
                                                                 directory=str(folder), title=title)))
    desktop.focus(title)
    desktop.type("inner")
    desktop.key("Return")
    assert future.result(timeout=30) == str(folder / "inner")


def test_escape_cancels_a_file_chooser(background, desktop, folder):
    title = unique("file-escape")
    future = background.start(lambda c: c.chooseFile(FileChooser(directory=str(folder), title=title)))
    desktop.focus(title)
    desktop.key("Escape")
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.CANCELED


# ---------------------------------------------------------------- colour chooser

INITIAL = Color(12, 34, 56)


def initial_colour_pixels(client, window_id):
    """Pixels of exactly the initial colour (the chooser's preview swatch shows it); None once the window is gone."""
    try:
        image = screenshot(client, window_id)
    except WindowNotFound:
        return None
    return sum(1 for p in image.getdata() if p == (INITIAL.r, INITIAL.g, INITIAL.b))


def test_choose_color_return_gives_back_the_initial_colour(client, background, desktop):
    title = unique("colour")
    future = background.start(lambda c: c.chooseColor(INITIAL, ColorChooser(title=title)))
    dialog = wait_for_window(client, title)
    desktop.focus(title)
    assert initial_colour_pixels(client, dialog.id) > 100
    desktop.key("Return")
    # Either it answers, or the swatch stops showing the initial colour (the chooser went picking on screen).
    wait_until(lambda: future.done() or (initial_colour_pixels(client, dialog.id) or 0) < 100,
               message="the colour chooser to react to Return")
    assert future.done(), "Return did not answer the colour chooser"
    colour = future.result(timeout=30)
    assert (colour.r, colour.g, colour.b) == (INITIAL.r, INITIAL.g, INITIAL.b)
    assert colour.a in (None, 255)


def test_escape_cancels_a_colour_chooser(background, desktop):
    title = unique("colour-escape")
    future = background.start(lambda c: c.chooseColor(INITIAL, ColorChooser(title=title)))
    desktop.focus(title)
    desktop.key("Escape")
    with pytest.raises(DialogCanceled) as raised:
        future.result(timeout=30)
    assert raised.value.reason == CloseReason.CANCELED


# ---------------------------------------------------------------- popups

def test_say_and_wait_tab_and_space_press_the_second_action(client, background, desktop):
    title = unique("actions")
    after = last_sequence(client)
    actions = [Action(key="first", label="First"), Action(key="second", label="Second")]
    future = background.start(lambda c: c.sayAndWait("Which one?", SayOptions(title=title, actions=actions)))
    popup = wait_for_window(client, title)
    desktop.focus(title)
    desktop.key("Tab", "space")  # the first button has the focus at first
    key = future.result(timeout=30)
    assert key == "second"
    event = wait_for_event(client, after, lambda e: e.kind == EventKind.ACTION_INVOKED and e.windowId == popup.id)
    assert event.action == key
    assert wait_for_event(client, after, closed_event(popup.id)).closeReason == CloseReason.ACTION_INVOKED


def test_say_and_wait_answered_with_ok_returns_empty(background, desktop):
    title = unique("say-ok")
    future = background.start(lambda c: c.sayAndWait("Read this, then OK.", SayOptions(title=title)))
    desktop.focus(title)
    desktop.key("Return")
    assert future.result(timeout=30) == ""


def test_a_popup_of_the_longest_text_scrolls_and_return_still_presses_its_button(client, background, desktop):
    title = unique("long-text")
    after = last_sequence(client)
    lines = ["Line %d of a long text that scrolls." % n for n in range(5000)]
    text = "\n".join(lines)[:65536]  # --max-text
    actions = [Action(key="k%d" % i, label="Action %d" % i) for i in range(16)]  # --max-actions
    client.resetLongestTurn()
    future = background.start(lambda c: c.sayAndWait(text, SayOptions(title=title, actions=actions)))
    popup = wait_for_window(client, title)
    # A page of the text, not all of it: the window stays on the screen.
    assert popup.geometry.height < 1000
    desktop.focus(title)
    desktop.key("Return")  # the first button has the focus, as with a short text
    assert future.result(timeout=30) == "k0"
    assert wait_for_event(client, after, closed_event(popup.id)).closeReason == CloseReason.ACTION_INVOKED
    assert_turns_within_bound(client)


def test_return_on_a_popup_without_actions_closes_it_as_user_closed(client, desktop):
    title = unique("popup-ok")
    after = last_sequence(client)
    popup_id = client.say("Just so you know.", SayOptions(title=title))
    desktop.focus(title)
    desktop.key("Return")
    assert wait_for_event(client, after, closed_event(popup_id)).closeReason == CloseReason.USER_CLOSED
    assert client.isClosed(popup_id)


# ---------------------------------------------------------------- the picture inspector

WIDTH, HEIGHT = 400, 300


def coded_picture():
    """Pixel (x, y) has colour (x % 256, y % 256, 0x80)."""
    data = bytearray(WIDTH * HEIGHT * 3)
    for y in range(HEIGHT):
        row = bytes(b for x in range(WIDTH) for b in (x % 256, y % 256, 0x80))
        data[y * WIDTH * 3:(y + 1) * WIDTH * 3] = row
    return Picture(WIDTH, HEIGHT, PixelFormat.RGB, bytes(data))


def assert_coded(event):
    assert event.color is not None
    assert (event.color.r, event.color.g, event.color.b) == (event.x % 256, event.y % 256, 0x80)
    assert event.color.a in (None, 255)


def test_clicking_an_inspectable_picture_reports_the_pixel_and_zoom_magnifies(client, desktop):
    title = unique("inspect")
    after = last_sequence(client)
    window_id = client.showPicture(coded_picture(), PictureOptions(title=title, inspectable=True))
    window = desktop.focus(title)
    desktop.xdotool("mousemove", "--window", window, "100", "150", "click", "1")
    clicked = wait_for_event(client, after, lambda e: e.kind == EventKind.PIXEL_CLICKED and e.windowId == window_id)
    after = clicked.sequence
    assert_coded(clicked)
    # The window is as wide as the picture, so the picture starts at its left edge; a menu bar is above it.
    assert abs(clicked.x - 100) <= 2
    assert 150 - 60 <= clicked.y < 150
    # Zoom in: the window shows something else, and the same spot is now half as far into the picture.
    before = screenshot(client, window_id)
    desktop.key("ctrl+plus")
    wait_until(lambda: screenshot(client, window_id) != before, message="the picture to zoom in")
    desktop.xdotool("mousemove", "--window", window, "100", "150", "click", "1")
    zoomed = wait_for_event(client, after, lambda e: e.kind == EventKind.PIXEL_CLICKED and e.windowId == window_id)
    assert_coded(zoomed)
    assert abs(zoomed.x - clicked.x / 2) <= 1.5
    assert abs(zoomed.y - clicked.y / 2) <= 1.5
    client.closeWindow(window_id)


def test_clicking_a_picture_that_is_not_inspectable_reports_nothing(client, desktop):
    title = unique("not-inspectable")
    window_id = client.showPicture(coded_picture(), PictureOptions(title=title))
    window = desktop.focus(title)
    after = last_sequence(client)
    desktop.xdotool("mousemove", "--window", window, "100", "150", "click", "1")
    # A marker after the click: once its close arrives, an event of the click would have come before it.
    marker = client.say("marker", SayOptions())
    client.closeWindow(marker)
    events = []
    wait_for_event(client, after, lambda e: events.append(e) or closed_event(marker)(e))
    assert not [e for e in events if e.kind == EventKind.PIXEL_CLICKED]
    client.closeWindow(window_id)
