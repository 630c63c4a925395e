"""Pictures from what Python programs have: PIL images, numpy arrays, PNG/JPEG bytes, files.

PIL and numpy are optional. Neither is imported here: an object can only
be a PIL image or a numpy array if the program has already imported PIL or
numpy, so they are looked up in sys.modules.
"""

import os
import sys
from typing import Any

from vitrine_thrift.ttypes import Picture, PixelFormat

from .errors import InvalidArgument

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
_MAX_SIDE = 2**31 - 1

# PIL modes sent as they are, and the wire format of each.
_RAW_PIL_MODES = {"RGB": PixelFormat.RGB, "RGBA": PixelFormat.RGBA, "L": PixelFormat.L}
# numpy: channels (last axis) -> format.
_CHANNELS = {1: PixelFormat.L, 3: PixelFormat.RGB, 4: PixelFormat.RGBA}

ACCEPTED = ("a PIL Image, a numpy array (H x W, H x W x 3 or H x W x 4 of uint8), "
            "PNG or JPEG bytes, or a path to an image file")


def _is_pil_image(value: Any) -> bool:
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(value, image_module.Image)


def _is_numpy_array(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.ndarray)


def from_encoded(data: bytes, what: str = "the bytes") -> Picture:
    """A Picture of PNG or JPEG data, told apart by their signatures."""
    if data.startswith(PNG_SIGNATURE):
        return Picture(width=0, height=0, mode=PixelFormat.PNG, data=data)
    if data.startswith(JPEG_SIGNATURE):
        return Picture(width=0, height=0, mode=PixelFormat.JPEG, data=data)
    if not data:
        raise InvalidArgument("%s are empty, not a PNG or JPEG image" % what)
    raise InvalidArgument("%s are not a PNG or JPEG image (they start with %r); pass other "
                          "pictures as a PIL Image or a numpy array" % (what, bytes(data[:8])))


def from_pil(image: Any) -> Picture:
    """A raw Picture of a PIL image; modes other than RGB, RGBA and L are converted first."""
    mode = image.mode
    if mode not in _RAW_PIL_MODES:
        # Keep transparency where the image has any (LA, PA, RGBa, P with a
        # transparent colour...), else RGB (1, P, CMYK, YCbCr, I, F...).
        has_alpha = "A" in mode or "a" in mode or "transparency" in image.info
        if mode in ("1", "I", "I;16", "I;16B", "I;16L", "F") and not has_alpha:
            # Greyscale stays greyscale. I and F hold more than 8 bits, so they
            # are mapped to 0..255 by PIL's own conversion rules (clipped).
            image = image.convert("L")
        else:
            image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    width, height = image.size
    if width == 0 or height == 0:
        raise InvalidArgument("the PIL image is empty (%dx%d)" % (width, height))
    return Picture(width=width, height=height, mode=_RAW_PIL_MODES[mode], data=image.tobytes())


def from_numpy(array: Any) -> Picture:
    """A raw Picture of an H x W (grey), H x W x 1, H x W x 3 (RGB) or H x W x 4 (RGBA) uint8 array."""
    import numpy  # already imported by the caller's program: _is_numpy_array said so

    if array.dtype != numpy.uint8:
        hint = ""
        if array.dtype.kind == "f":
            hint = ("; for values from 0.0 to 1.0 use (array * 255).round().clip(0, 255).astype(numpy.uint8)")
        elif array.dtype.kind == "b":
            hint = "; for black and white use array.astype(numpy.uint8) * 255"
        elif array.dtype.kind in "iu":
            hint = "; for values from 0 to 255 use array.astype(numpy.uint8)"
        raise InvalidArgument("a numpy picture must have dtype uint8 (one byte a channel), not %s%s"
                              % (array.dtype, hint))
    if array.ndim == 2:
        channels = 1
    elif array.ndim == 3 and array.shape[2] in _CHANNELS:
        channels = array.shape[2]
    else:
        raise InvalidArgument("a numpy picture must have shape (height, width) for grey, (height, width, 3) "
                              "for RGB or (height, width, 4) for RGBA, not %s" % (array.shape,))
    height, width = array.shape[0], array.shape[1]
    if width == 0 or height == 0:
        raise InvalidArgument("the numpy picture is empty (shape %s)" % (array.shape,))
    if width > _MAX_SIDE or height > _MAX_SIDE:
        raise InvalidArgument("the numpy picture is too large (shape %s)" % (array.shape,))
    return Picture(width=int(width), height=int(height), mode=_CHANNELS[channels],
                   data=numpy.ascontiguousarray(array).tobytes())


def from_file(path: "os.PathLike[str] | str") -> Picture:
    """A Picture of an image file: PNG and JPEG as they are, other formats through PIL when it is installed."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(PNG_SIGNATURE) or data.startswith(JPEG_SIGNATURE):
        return from_encoded(data)
    try:
        from PIL import Image
    except ImportError:
        raise InvalidArgument("%s is not a PNG or JPEG file; other formats need Pillow "
                              "(apt install python3-pil, or pip install 'vitrine[pil]')" % os.fspath(path)) from None
    try:
        with Image.open(path) as image:
            image.load()
            return from_pil(image)
    except (OSError, SyntaxError, ValueError) as error:  # what PIL raises for files it cannot read
        raise InvalidArgument("cannot read %s as an image: %s" % (os.fspath(path), error)) from None


def to_picture(picture: Any) -> Picture:
    """The wire Picture for any of the accepted kinds; TypeError for anything else."""
    if isinstance(picture, Picture):
        return picture
    if isinstance(picture, (bytes, bytearray, memoryview)):
        return from_encoded(bytes(picture))
    if isinstance(picture, (str, os.PathLike)):
        return from_file(picture)
    if _is_pil_image(picture):
        return from_pil(picture)
    if _is_numpy_array(picture):
        return from_numpy(picture)
    raise TypeError("cannot show a %s: a picture is %s" % (type(picture).__name__, ACCEPTED))
