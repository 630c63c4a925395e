"""What a page on the stage may ask once a person touches it, on a real display (Xvfb, xcb, xdotool).

A person's click gives a page what a script alone cannot: the colour and
file choosers of <input type=color> and <input type=file>, windows opened
from a click, beforeunload's question. Qt's defaults answer these with
modal dialogs on the stage (the file chooser and the JavaScript dialogs in
a nested event loop). vitrine answers each at once; these tests check that
the page gets that answer and that the stage still takes the person's
keyboard afterwards (a modal dialog would have taken it).
"""

import io

import pytest
from PIL import Image

from conftest import Server, last_sequence, wait_until
from vitrine_test_support import Desktop, name_maker, require_programs, xvfb_display
from vitrine_thrift.ttypes import EventKind, PushHtml, PushResult

#: A push name no other test uses.
unique = name_maker("pytest-display")

GREEN = (64, 192, 64)
STAGE_TITLE = "vitrine stage"


@pytest.fixture(scope="module")
def xserver():
    """An Xvfb display (these tests need one: missing Xvfb or xdotool fails them)."""
    require_programs("Xvfb", "xdotool")
    with xvfb_display() as display:
        yield display


@pytest.fixture(scope="module")
def server(xserver):
    """The server on the Xvfb display (overrides the headless one for this module)."""
    s = Server("--size", "320x240", "--load-timeout", "20000", env={"DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb"})
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="module")
def desktop(xserver):
    return Desktop(xserver)


def centre(client):
    image = Image.open(io.BytesIO(client.screenshot(0))).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def push(client, body, script):
    """Shows a page with `body` and `script`; the stage answers OK once it is on the screen."""
    html = ("<!doctype html><html><body style='margin:0;background:#203040'>%s<script>%s</script></body></html>"
            % (body, script))
    assert client.postHtml(PushHtml(name=unique("page"), data=html)) == PushResult.OK


def click(desktop, x, y):
    """A person's click at (x, y) of the stage window."""
    window = desktop.find(STAGE_TITLE)
    desktop.xdotool("mousemove", "--window", window, str(x), str(y), "click", "1")


def stage_takes_typing(client, desktop):
    """Clicks the page's text field at the bottom and types: the page turns green on input. False if it does
    not within the deadline (a modal dialog over the stage would have the keyboard)."""
    click(desktop, 160, 200)
    desktop.focus(STAGE_TITLE)
    desktop.type("abc")
    try:
        wait_until(lambda: centre(client) == GREEN, timeout=10)
    except AssertionError:
        return False
    return True


#: A text field along the bottom that turns the page green when typed into.
TEXT_FIELD = ("<input id=text style='position:absolute;left:0;top:180px;width:320px;height:40px'>")
TEXT_FIELD_SCRIPT = ("document.getElementById('text').addEventListener('input',"
                     " () => document.body.style.background = 'rgb(64,192,64)');")


def test_a_colour_chooser_is_cancelled_and_the_stage_keeps_the_keyboard(client, desktop):
    """Clicking <input type=color> would open Qt's window-modal colour dialog on the stage: vitrine cancels it
    (the input keeps its colour) and the stage still takes typing."""
    push(client,
         "<input id=colour type=color value='#203040' style='position:absolute;left:0;top:0;width:320px;height:120px'>"
         + TEXT_FIELD,
         TEXT_FIELD_SCRIPT)
    click(desktop, 160, 60)
    assert stage_takes_typing(client, desktop), "the page did not get the keys typed after the colour chooser"
    client.ping()


def test_a_file_chooser_chooses_nothing_and_the_stage_keeps_the_keyboard(client, desktop):
    """Clicking <input type=file> would run Qt's modal file dialog in a nested event loop: vitrine answers
    "nothing chosen" at once, and the stage still takes typing."""
    push(client,
         "<input id=file type=file style='position:absolute;left:0;top:0;width:320px;height:120px'>" + TEXT_FIELD,
         TEXT_FIELD_SCRIPT)
    click(desktop, 60, 60)
    assert stage_takes_typing(client, desktop), "the page did not get the keys typed after the file chooser"
    client.ping()


def test_an_alert_from_a_click_is_dismissed(client, desktop):
    """A click handler's alert() returns at once (the page goes on to turn green)."""
    push(client, "<div id=target style='width:320px;height:240px'></div>",
         "document.getElementById('target').onclick = () => {"
         " alert('clicked'); document.body.style.background = 'rgb(64,192,64)'; };")
    click(desktop, 160, 120)
    wait_until(lambda: centre(client) == GREEN, message="the page past its alert()")


def test_a_window_opened_from_a_click_is_refused(client, desktop):
    """With a person's click Chromium lets window.open ask for a window, and hands the page a window object
    before asking vitrine; vitrine refuses, and the page sees that window closed (it turns green then)."""
    push(client, "<div id=target style='width:320px;height:240px'></div>",
         "document.getElementById('target').onclick = () => {"
         " const opened = window.open('about:blank');"
         " const check = () => { if (opened === null || opened.closed) document.body.style.background = "
         "'rgb(64,192,64)'; else setTimeout(check, 50); };"
         " check(); };")
    click(desktop, 160, 120)
    wait_until(lambda: centre(client) == GREEN, message="the window the click opened to be closed")
    assert len(client.listWindows()) == 1  # the stage alone


def test_beforeunload_after_a_click_is_answered_stay_and_the_next_push_replaces_the_page(client, desktop):
    """After a person's click Chromium asks beforeunload's question when the page navigates itself: vitrine
    answers "stay" (the page is still there to turn green). A push replaces such a page all the same."""
    push(client, "<div id=target style='width:320px;height:240px'></div>",
         "if (sessionStorage.getItem('left')) document.body.style.background = 'rgb(255,0,0)';"
         "window.addEventListener('beforeunload', e => { e.preventDefault(); e.returnValue = 'stay'; });"
         "document.getElementById('target').onclick = () => {"
         " sessionStorage.setItem('left', '1'); location.reload();"
         " setTimeout(() => document.body.style.background = 'rgb(64,192,64)', 300); };")
    click(desktop, 160, 120)
    wait_until(lambda: centre(client) != (0x20, 0x30, 0x40), message="the page's click handler")
    assert centre(client) == GREEN, "the page left despite its beforeunload handler"
    after = last_sequence(client)
    push(client, "", "document.body.style.background = 'rgb(10,20,30)';")
    assert centre(client) == (10, 20, 30)
    assert any(e.kind == EventKind.PAGE_LOADED for e in client.waitEvents(after, 0))
