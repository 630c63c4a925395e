"""The synchronous client: the stage, pictures of every kind, windows and dialogs."""

import io
import os

import numpy
import pytest
from PIL import Image

import vitrine
from pkg_helpers import count_color, rgb_pixels, wait_until, window_of_kind

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
W, H = 240, 160  # every picture below; its window adds a menu and a status bar around it


def png_bytes(image):
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def shows_picture(client, window_id, color, tolerance=0, area=W * H):
    """True when the window's screenshot has (nearly) a whole picture's area of `color`."""
    return count_color(client.screenshot(window_id), color, tolerance) >= 0.95 * area


# ---------------------------------------------------------------- the stage

def test_post_html_shows_it_and_names_it(vitrine_client):
    result = vitrine_client.post_html("<body style='margin:0;background:#3366cc'>Grüße ☕</body>", name="café")
    assert result is vitrine.PushResult.OK and result
    assert vitrine_client.whats_loaded() == "café"
    assert vitrine_client.current_url().startswith("vitrine:")
    pixels, (width, height) = rgb_pixels(vitrine_client.screenshot())
    assert pixels[(height // 2) * width + width // 2] == (0x33, 0x66, 0xcc)


def test_fetch_url_of_a_data_url_and_an_invalid_one(vitrine_client):
    url = "data:text/html,%3Cbody%20style='background:%23224466'%3E%3C/body%3E"
    assert vitrine_client.fetch_url(url) is vitrine.PushResult.OK
    assert vitrine_client.whats_loaded() == url  # the name defaults to the URL
    assert vitrine_client.current_url() == url
    bad = vitrine_client.fetch_url("javascript:alert(1)", name="bad")
    assert bad is vitrine.PushResult.INVALID_ARGUMENT and not bad  # an answer, not an exception
    assert vitrine_client.whats_loaded() == url


def test_ping_and_server_info(vitrine_client, vitrine_server):
    assert vitrine_client.ping() is None
    info = vitrine_client.server_info()
    assert info.version and info.pid > 0 and info.platform == "offscreen"
    assert vitrine_server in info.listeners
    assert info.windows >= 1 and info.connections >= 1


def test_the_compact_protocol(vitrine_server):
    with vitrine.connect(vitrine_server, protocol="compact") as client:
        assert client.post_html("<body style='background:#00ff00'>", name="compact") is vitrine.PushResult.OK
        assert client.whats_loaded() == "compact"


# ---------------------------------------------------------------- pictures

@pytest.mark.parametrize("mode, fill, seen", [
    ("RGB", RED, RED),
    ("RGBA", (0, 0, 255, 255), BLUE),
    ("L", 77, (77, 77, 77)),
    ("P", 0, None),        # converted to RGB by the client
    ("CMYK", (0, 255, 255, 0), RED),
    ("1", 1, (255, 255, 255)),
])
def test_show_a_pil_image(vitrine_client, mode, fill, seen):
    image = Image.new(mode, (W, H), fill)
    if mode == "P":
        image.putpalette([0, 200, 100] * 256)
        seen = (0, 200, 100)
    window = vitrine_client.show(image, title="pil " + mode)
    assert shows_picture(vitrine_client, window, seen)


@pytest.mark.parametrize("shape, fill, seen", [
    ((H, W), 200, (200, 200, 200)),
    ((H, W, 1), 50, (50, 50, 50)),
    ((H, W, 3), GREEN, GREEN),
    ((H, W, 4), (255, 0, 255, 255), (255, 0, 255)),
])
def test_show_a_numpy_array(vitrine_client, shape, fill, seen):
    array = numpy.empty(shape, numpy.uint8)
    array[...] = fill if len(shape) == 3 and shape[2] > 1 else numpy.uint8(fill)
    window = vitrine_client.show(array)
    assert shows_picture(vitrine_client, window, seen)


def test_a_numpy_array_keeps_its_row_order_and_strides(vitrine_client):
    # Top half red, bottom half blue, given as a transposed (non-contiguous) view.
    array = numpy.zeros((W, H, 3), numpy.uint8)
    array[:, : H // 2] = RED
    array[:, H // 2:] = BLUE
    window = vitrine_client.show(array.transpose(1, 0, 2))
    png = vitrine_client.screenshot(window)
    pixels, (width, _) = rgb_pixels(png)
    rows_of = lambda color: [i // width for i, p in enumerate(pixels) if p == color]
    red_rows, blue_rows = rows_of(RED), rows_of(BLUE)
    assert len(red_rows) >= 0.95 * W * H / 2 and len(blue_rows) >= 0.95 * W * H / 2
    assert max(red_rows) < min(blue_rows)


def test_show_png_bytes_jpeg_bytes_and_paths(vitrine_client, tmp_path):
    png = png_bytes(Image.new("RGB", (W, H), BLUE))
    assert shows_picture(vitrine_client, vitrine_client.show(png), BLUE)
    assert shows_picture(vitrine_client, vitrine_client.show(bytearray(png)), BLUE)

    jpeg = io.BytesIO()
    Image.new("RGB", (W, H), (200, 30, 30)).save(jpeg, "JPEG", quality=95)
    assert shows_picture(vitrine_client, vitrine_client.show(jpeg.getvalue()), (200, 30, 30), tolerance=8)

    path = tmp_path / "green.png"
    Image.new("RGB", (W, H), GREEN).save(path)
    assert shows_picture(vitrine_client, vitrine_client.show(path), GREEN)        # a pathlib.Path
    assert shows_picture(vitrine_client, vitrine_client.show(str(path)), GREEN)   # a str

    gif = tmp_path / "red.gif"  # neither PNG nor JPEG: read through PIL
    Image.new("RGB", (W, H), RED).save(gif)
    assert shows_picture(vitrine_client, vitrine_client.show(os.fspath(gif)), RED)


def test_update_replaces_the_picture(vitrine_client):
    window = vitrine_client.show(Image.new("RGB", (W, H), RED), name="changing")
    vitrine_client.update(window, numpy.full((H, W, 3), BLUE, numpy.uint8))
    assert shows_picture(vitrine_client, window, BLUE)
    assert count_color(vitrine_client.screenshot(window), RED) == 0


def test_a_full_hd_frame_travels_whole(vitrine_client):
    # 8 MB: the package sends it through its large-value path (the pure-Python protocol).
    frame = numpy.zeros((1080, 1920, 4), numpy.uint8)
    frame[:, :, 1] = 255
    frame[:, :, 3] = 255
    window = vitrine_client.show(Image.new("RGB", (W, H), RED))
    vitrine_client.update(window, frame)
    # The window keeps its size and shows the frame's top left corner, with scroll bars.
    assert shows_picture(vitrine_client, window, GREEN, area=(W - 20) * (H - 20))
    assert count_color(vitrine_client.screenshot(window), RED) == 0


def test_screenshot_image_is_a_pil_image(vitrine_client):
    window = vitrine_client.show(Image.new("RGB", (W, H), GREEN))
    image = vitrine_client.screenshot_image(window)
    assert isinstance(image, Image.Image)
    assert image.width >= W and image.height >= H


@pytest.mark.parametrize("picture, words", [
    (numpy.zeros((4, 4, 3), numpy.float64), ["dtype uint8", "float64", "astype"]),
    (numpy.zeros((4, 4, 2), numpy.uint8), ["shape", "(4, 4, 2)"]),
    (numpy.zeros((4,), numpy.uint8), ["shape"]),
    (numpy.zeros((0, 4, 3), numpy.uint8), ["empty"]),
    (b"GIF89a not really", ["not a PNG or JPEG"]),
    (b"", ["empty"]),
])
def test_bad_pictures_are_refused_before_sending(vitrine_client, picture, words):
    with pytest.raises(vitrine.InvalidArgument) as caught:
        vitrine_client.show(picture)
    for word in words:
        assert word in str(caught.value)
    assert isinstance(caught.value, ValueError)
    vitrine_client.ping()  # nothing was sent: the connection is fine


def test_a_picture_of_an_unknown_type_is_a_type_error(vitrine_client):
    with pytest.raises(TypeError, match="PIL Image, a numpy array"):
        vitrine_client.show(12345)


def test_a_missing_file_is_file_not_found(vitrine_client, tmp_path):
    with pytest.raises(FileNotFoundError):
        vitrine_client.show(tmp_path / "nothing.png")


# ---------------------------------------------------------------- windows and dialogs

def test_windows_close_and_is_closed(vitrine_client):
    window = vitrine_client.show(Image.new("L", (W, H), 0), title="to close", name="closing")
    listed = {w.id: w for w in vitrine_client.windows()}
    assert listed[0].kind == "STAGE"
    assert listed[window].kind == "PICTURE" and listed[window].name == "closing"
    assert listed[window].title == "to close"
    assert not vitrine_client.is_closed(window)
    vitrine_client.close(window)
    assert vitrine_client.is_closed(window)
    assert window not in {w.id for w in vitrine_client.windows()}


def test_say_opens_a_popup_and_say_and_wait_returns_none_when_it_times_out(vitrine_client):
    popup = vitrine_client.say("Hello", title="greeting", actions={"yes": "Yes", "no": "No"})
    assert [w.kind for w in vitrine_client.windows() if w.id == popup] == ["POPUP"]
    assert count_color(vitrine_client.screenshot(popup), (0, 0, 0), tolerance=80) > 0  # some text drawn
    assert vitrine_client.say_and_wait("Bye", timeout=0.05, actions=["ok"]) is None


def test_closing_a_question_from_another_connection_cancels_it(vitrine_client, vitrine_server):
    import threading

    outcome = {}

    def asker():
        with vitrine.connect(vitrine_server) as other:
            try:
                outcome["answer"] = other.ask("Which?", kind="choice", choices=["a", "b"], default="b")
            except vitrine.DialogCanceled as error:
                outcome["error"] = error

    thread = threading.Thread(target=asker)
    thread.start()
    question = wait_until(lambda: window_of_kind(vitrine_client, "QUESTION"), message="the question window")
    vitrine_client.close(question)
    thread.join(30)
    assert not thread.is_alive()
    assert "answer" not in outcome
    assert outcome["error"].reason == "CLOSED_BY_CLIENT"


def test_choosers_time_out_with_dialog_canceled(vitrine_client, tmp_path):
    with pytest.raises(vitrine.DialogCanceled) as caught:
        vitrine_client.choose_file("open", directory=tmp_path, filters="*.png", timeout=0.05)
    assert caught.value.reason == "TIMED_OUT"
    with pytest.raises(vitrine.DialogCanceled) as caught:
        vitrine_client.choose_color((10, 20, 30), timeout=0.05, alpha=True)
    assert caught.value.reason == "TIMED_OUT"


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(kind="essay"), vitrine.InvalidArgument, ["kind must be one of"]),
    (dict(kind="text", choices=["a"]), vitrine.InvalidArgument, ["choices apply to"]),
    (dict(kind="text", minimum=1), vitrine.InvalidArgument, ["minimum and maximum apply"]),
    (dict(kind="integer", default=1.5), TypeError, ["must be an int"]),
    (dict(kind="choice", choices=["a", "b"], default="c"), vitrine.InvalidArgument, ["not one of the choices"]),
    (dict(kind="yes_no", default="yes"), TypeError, ["True or False"]),
    (dict(timeout=-1), vitrine.InvalidArgument, ["positive number of seconds"]),
])
def test_questions_that_make_no_sense_are_refused_before_sending(vitrine_client, kwargs, error, words):
    with pytest.raises(error) as caught:
        vitrine_client.ask("?", **kwargs)
    for word in words:
        assert word in str(caught.value)
    assert window_of_kind(vitrine_client, "QUESTION") is None


def test_the_raw_call_reaches_the_generated_api(vitrine_client):
    infos = vitrine_client.call("listWindows")
    assert infos[0].id == 0 and infos[0].__class__.__name__ == "WindowInfo"


def test_pil_and_numpy_are_never_imported_by_the_package(vitrine_server):
    import subprocess
    import sys

    code = """
import sys, vitrine, vitrine.aio, vitrine.media, vitrine.testing
png = bytes.fromhex(%r)
with vitrine.connect(%r) as client:
    window = client.show(png)
    assert client.screenshot(window).startswith(b"\\x89PNG")
    client.close(window)
assert "PIL" not in sys.modules and "numpy" not in sys.modules, [m for m in sys.modules if m.startswith(("PIL", "numpy"))]
""" % (png_bytes(Image.new("RGB", (8, 8), RED)).hex(), vitrine_server)
    result = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout


def test_answers_become_plain_values():
    # Answering needs a person (or xdotool on a real display); the conversion is checked on its own.
    from vitrine._values import answer_value
    from vitrine_thrift.ttypes import Answer, QuestionKind as K

    assert answer_value(Answer(kind=K.TEXT, text="Ada")) == "Ada"
    assert answer_value(Answer(kind=K.PASSWORD, text="")) == ""
    assert answer_value(Answer(kind=K.INTEGER, integer=2**40)) == 2**40
    assert answer_value(Answer(kind=K.NUMBER, number=2.5)) == 2.5
    assert answer_value(Answer(kind=K.CHOICE, choices=["b"], choiceIndices=[1])) == "b"
    assert answer_value(Answer(kind=K.MULTI_CHOICE, choices=["a", "c"], choiceIndices=[0, 2])) == ["a", "c"]
    assert answer_value(Answer(kind=K.MULTI_CHOICE)) == []
    assert answer_value(Answer(kind=K.YES_NO, yes=False)) is False
