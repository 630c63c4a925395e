"""Helpers shared by the tests of the vitrine package."""

import io
import pathlib
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO / "clients" / "python"


def wait_until(predicate, timeout=30.0, interval=0.02, message=None):
    """Polls `predicate` until it returns something truthy and returns that; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %ss waiting for %s"
                                 % (timeout, message or getattr(predicate, "__name__", predicate)))
        time.sleep(interval)


def rgb_pixels(png):
    """The pixels of a PNG as a list of (r, g, b), and its size."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return list(image.getdata()), image.size


def count_color(png, color, tolerance=0):
    """How many pixels of the PNG are within `tolerance` (per channel) of `color`."""
    pixels, _ = rgb_pixels(png)
    return sum(1 for p in pixels if all(abs(a - b) <= tolerance for a, b in zip(p, color)))


def window_of_kind(client, kind):
    """The id of an open window of `kind` ("QUESTION", "POPUP"...), or None."""
    for window in client.windows():
        if window.kind == kind:
            return window.id
    return None
