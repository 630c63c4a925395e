"""PyGraphics' `mediawindows` AMP commands, written the way PyGraphics writes them.

These are deliberately NOT vitrine's generated classes (vitrine.amp_commands):
they are what a PyGraphics client already has, built only from the protocol's
own definition (docs/amp.md, "PyGraphics compatibility", restates it): the
BigString chunking recipe, the PILImage argument (a PIL image as four keys),
and the nine commands with their argument names, types, response keys and
error codes. vitrine must serve them unchanged.
"""

from PIL import Image
from twisted.protocols import amp

#: The longest value one AMP key can carry.
CHUNK_SIZE = 0xFFFF


def _objects_key(name):
    """The key Twisted uses in the objects dict for wire name `name` (the plain names used here)."""
    return name.decode("ascii")


class BigString(amp.Argument):
    """Bytes of any length: the first 65535 under `name`, the next under `name.2`, `name.3`, ..."""

    def toBox(self, name, strings, objects, proto):
        data = objects[_objects_key(name)]
        strings[name] = data[:CHUNK_SIZE]
        number = 2
        for start in range(CHUNK_SIZE, len(data), CHUNK_SIZE):
            strings[b"%s.%d" % (name, number)] = data[start:start + CHUNK_SIZE]
            number += 1

    def fromBox(self, name, strings, objects, proto):
        chunks = [strings[name]]
        number = 2
        while b"%s.%d" % (name, number) in strings:
            chunks.append(strings[b"%s.%d" % (name, number)])
            number += 1
        objects[_objects_key(name)] = b"".join(chunks)


class PILImage(amp.Argument):
    """A PIL image as `name.width`, `name.height`, `name.mode` and its raw pixels, BigString, in `name.data`."""

    def toBox(self, name, strings, objects, proto):
        image = objects[_objects_key(name)]
        strings[name + b".width"] = str(image.width).encode("ascii")
        strings[name + b".height"] = str(image.height).encode("ascii")
        strings[name + b".mode"] = image.mode.encode("ascii")
        data_key = name + b".data"
        BigString().toBox(data_key, strings, {_objects_key(data_key): image.tobytes()}, proto)

    def fromBox(self, name, strings, objects, proto):
        data_key = name + b".data"
        pixels = {}
        BigString().fromBox(data_key, strings, pixels, proto)
        size = int(strings[name + b".width"]), int(strings[name + b".height"])
        mode = strings[name + b".mode"].decode("ascii")
        objects[_objects_key(name)] = Image.frombytes(mode, size, pixels[_objects_key(data_key)])


class WindowDoesNotExist(Exception):
    """The inspector id names no open window."""


class DialogCanceled(Exception):
    """The dialog was closed without an answer."""


class StartInspect(amp.Command):
    arguments = [(b"img", PILImage()), (b"inspectable", amp.Boolean())]
    response = [(b"inspector_id", amp.Integer())]


class UpdateInspect(amp.Command):
    arguments = [(b"inspector_id", amp.Integer()), (b"img", PILImage())]
    response = []
    errors = {WindowDoesNotExist: b"WINDOW_DOES_NOT_EXIST"}


class StopInspect(amp.Command):
    arguments = [(b"inspector_id", amp.Integer())]
    response = []
    errors = {WindowDoesNotExist: b"WINDOW_DOES_NOT_EXIST"}


class PollInspect(amp.Command):
    arguments = [(b"inspector_id", amp.Integer())]
    response = [(b"is_closed", amp.Boolean())]


class AskOpenFilename(amp.Command):
    arguments = [(b"initialdir", amp.String())]
    response = [(b"path", amp.Unicode())]
    errors = {DialogCanceled: b"DIALOG_CANCELED"}


class AskSaveasFilename(amp.Command):
    arguments = [(b"initialdir", amp.String())]
    response = [(b"path", amp.Unicode())]
    errors = {DialogCanceled: b"DIALOG_CANCELED"}


class AskDirectory(amp.Command):
    arguments = [(b"initialdir", amp.String())]
    response = [(b"path", amp.Unicode())]
    errors = {DialogCanceled: b"DIALOG_CANCELED"}


class AskColor(amp.Command):
    arguments = [(b"r", amp.Integer()), (b"g", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"r", amp.Integer()), (b"g", amp.Integer()), (b"b", amp.Integer())]
    errors = {DialogCanceled: b"DIALOG_CANCELED"}


class Say(amp.Command):
    arguments = [(b"text", BigString())]
    response = []
