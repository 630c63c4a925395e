#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/.

    /usr/bin/python3 tests/fuzz/make_seeds.py

The seeds are committed; run this again only when the IDL or an input layout
changes (it empties each corpus directory first). Needs Debian's
python3-thrift, python3-twisted and python3-pil (all in scripts/install-deps.sh).

  corpus/amp/      AMP byte streams: boxes made by the generated Twisted
                   commands (gen/amp/vitrine_amp_commands.py), so the keys are
                   those a real peer sends; some carry `_reply` / `_event`
                   (see fuzz_amp.cpp) with messages the generated Python code wrote.
  corpus/thrift/   framed Thrift calls, one file per method and protocol
                   (binary, compact), written by the generated Python client;
                   plus a pipelined stream and an unknown method.
  corpus/picture/  the fuzz_picture layout: mode byte, width and height as
                   big-endian int32, then the data.
"""

import io
import os
import shutil
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in gen/: tests/check_gen_fresh.sh diffs that directory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# gen/amp's module imports its argument types from the vitrine package (clients/python).
sys.path[:0] = [os.path.join(ROOT, "gen", "py"), os.path.join(ROOT, "gen", "amp"),
                os.path.join(ROOT, "clients", "python")]

from PIL import Image  # noqa: E402
from thrift.protocol import TBinaryProtocol, TCompactProtocol  # noqa: E402
from thrift.Thrift import TApplicationException, TMessageType  # noqa: E402
from thrift.transport import TTransport  # noqa: E402
from twisted.protocols import amp  # noqa: E402

import vitrine_amp_commands as commands  # noqa: E402
from vitrine_thrift import Vitrine, VitrineEvents  # noqa: E402
from vitrine_thrift.ttypes import (  # noqa: E402
    Action, Answer, CloseReason, Color, ColorChooser, Event, EventKind, FileChooser, FileChooserMode,
    Geometry, InvalidArgument, LimitExceeded, Picture, PictureOptions, PixelFormat, PushHtml, PushUrl,
    Question, QuestionKind, SayOptions, WindowInfo, WindowKind)

CORPUS = os.path.join(HERE, "corpus")


def reset(name):
    path = os.path.join(CORPUS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(directory, name, data):
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def tiny_png():
    out = io.BytesIO()
    Image.new("RGBA", (3, 2), (255, 0, 0, 128)).save(out, "PNG")
    return out.getvalue()


def tiny_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 255)).save(out, "JPEG", quality=50)
    return out.getvalue()


# ---------------------------------------------------------------- Thrift

def message(protocol_class, write_call):
    buffer = TTransport.TMemoryBuffer()
    write_call(protocol_class(buffer))
    return buffer.getvalue()


def call(protocol_class, method, *args, seqid=0):
    """A call message as the generated client writes it (send_METHOD)."""
    def write_call(protocol):
        client = Vitrine.Client(protocol)
        client._seqid = seqid
        getattr(client, "send_" + method)(*args)
    return message(protocol_class, write_call)


def framed(data):
    return struct.pack(">I", len(data)) + data


def reply(method, result, kind=TMessageType.REPLY, seqid=1):
    """A binary reply message as the generated processor writes it."""
    def write_reply(protocol):
        protocol.writeMessageBegin(method, kind, seqid)
        result.write(protocol)
        protocol.writeMessageEnd()
    return message(TBinaryProtocol.TBinaryProtocol, write_reply)


def result(method, **fields):
    return getattr(Vitrine, method + "_result")(**fields)


def sample_picture():
    return Picture(width=2, height=1, mode=PixelFormat.RGB, data=b"\xff\x00\x00\x00\x00\xff")


def sample_question():
    return Question(prompt="Pick one", kind=QuestionKind.MULTI_CHOICE, title="Q", defaultText="x",
                    defaultInteger=5, defaultNumber=1.5, minimum=0.0, maximum=10.0,
                    choices=["a", "b\u00e9"], defaultChoices=[1], defaultYes=True, timeoutMs=1000)


# Seqids pick FuzzHandler's outcome (seqid % 7): 0 defaults, 1 filled, 2..6 exceptions.
THRIFT_CALLS = [
    ("fetchUrl", [PushUrl(name="lobby", url="https://example.org/", timeoutMs=5000)], 0),
    ("postHtml", [PushHtml(name="page", data="<h1>Hi</h1>")], 1),
    ("whatsLoaded", [], 1),
    ("currentUrl", [], 0),
    ("ping", [], 0),
    ("serverInfo", [], 1),
    ("screenshot", [0], 3),
    ("say", ["Hello", SayOptions(title="T", timeoutMs=0, actions=[Action(key="ok", label="OK")], name="n")], 5),
    ("sayAndWait", ["Hello", SayOptions(actions=[Action(key="ok", label="OK")])], 1),
    ("ask", [sample_question()], 1),
    ("chooseFile", [FileChooser(mode=FileChooserMode.SAVE, directory="/tmp", nameFilters=["*.png"],
                                title="Save", defaultName="a.png", timeoutMs=0)], 4),
    ("chooseColor", [Color(r=1, g=2, b=3, a=4), ColorChooser(title="C", timeoutMs=0, withAlpha=True)], 1),
    ("showPicture", [sample_picture(), PictureOptions(title="P", inspectable=True, name="p")], 2),
    ("updatePicture", [7, Picture(width=0, height=0, mode=PixelFormat.PNG, data=tiny_png())], 3),
    ("closeWindow", [7], 3),
    ("isClosed", [7], 1),
    ("listWindows", [], 1),
    ("waitEvents", [0, 0], 1),
    ("subscribeEvents", [-1], 2),
    ("unsubscribeEvents", [], 0),
]


def thrift_seeds():
    directory = reset("thrift")
    protocols = {"binary": TBinaryProtocol.TBinaryProtocol, "compact": TCompactProtocol.TCompactProtocol}
    for protocol_name, protocol_class in protocols.items():
        for method, args, seqid in THRIFT_CALLS:
            write(directory, "%s_%s" % (protocol_name, method), framed(call(protocol_class, method, *args, seqid=seqid)))
        # Several frames in one read, answered in order.
        stream = b"".join(framed(call(protocol_class, m, *a, seqid=s))
                          for m, a, s in [("ping", [], 0), ("listWindows", [], 1), ("closeWindow", [1], 2)])
        write(directory, "%s_pipelined" % protocol_name, stream)
        # A method the service does not have.
        unknown = message(protocol_class, lambda p: (p.writeMessageBegin("noSuchMethod", TMessageType.CALL, 9),
                                                     p.writeStructBegin("x"), p.writeFieldStop(),
                                                     p.writeStructEnd(), p.writeMessageEnd()))
        write(directory, "%s_unknown_method" % protocol_name, framed(unknown))
        # A frame over fuzz_thrift's 64 KiB limit (the connection skips it to answer it), then a ping.
        write(directory, "%s_frame_over_limit" % protocol_name,
              framed(call(protocol_class, "say", "x" * 70_000, SayOptions(), seqid=5))
              + framed(call(protocol_class, "ping", seqid=6)))


# ---------------------------------------------------------------- AMP

def box(command, tag, arguments, **extra):
    """The bytes of one AMP request, as Twisted's callRemote sends it."""
    strings = command.makeArguments(arguments, None)
    strings[b"_command"] = command.commandName
    if tag is not None:
        strings[b"_ask"] = tag
    for key, value in extra.items():
        strings[key.encode()] = value
    return amp.AmpBox(strings).serialize()


def event_call():
    def write_call(protocol):
        client = VitrineEvents.Client(protocol)
        client.send_event(Event(sequence=3, kind=EventKind.PIXEL_CLICKED, windowId=2, timeMs=99, x=1, y=2,
                                color=Color(r=1, g=2, b=3), name="p",
                                answer=Answer(kind=QuestionKind.CHOICE, choices=["a"], choiceIndices=[0])))
    return message(TBinaryProtocol.TBinaryProtocol, write_call)


def amp_seeds():
    directory = reset("amp")
    # `_ask` tags pick FuzzHandler's outcome: the sum of their bytes % 7 (0 defaults, 1 filled, 2.. exceptions).
    # "1" is 49 (% 7 = 0): defaults; "2" is 50: filled; "3".."7": the exceptions.
    seeds = {
        "ping": box(commands.ping, b"1", {}),
        "ping_no_ask": box(commands.ping, None, {}),
        "start_inspect": box(commands.StartInspect, b"1", {
            "img": {"width": 2, "height": 1, "mode": "RGB", "data": b"\xff\x00\x00\x00\x00\xff"},
            "inspectable": True, "title": "Pic"}),
        "start_inspect_png": box(commands.StartInspect, b"2", {
            "img": {"width": 0, "height": 0, "mode": "PNG", "data": tiny_png()}}),
        "update_inspect": box(commands.UpdateInspect, b"5", {
            "inspector_id": 3, "img": {"width": 1, "height": 1, "mode": "L", "data": b"\x80"}}),
        "stop_inspect": box(commands.StopInspect, b"5", {"inspector_id": 3}),
        "poll_inspect": box(commands.PollInspect, b"2", {"inspector_id": 3}),
        "ask_color": box(commands.AskColor, b"2", {"r": 10, "g": 20, "b": 30, "title": "Pick", "withAlpha": True}),
        "ask_directory": box(commands.AskDirectory, b"4", {"initialdir": "/tmp"}),
        "ask_open_filename": box(commands.AskOpenFilename, b"2", {"initialdir": "/home", "nameFilters": ["*.png", "*.jpg"]}),
        "ask": box(commands.ask, b"2", {"question": {
            "prompt": "Pick", "kind": "MULTI_CHOICE", "choices": ["a", "b"], "defaultChoices": [1],
            "defaultNumber": 2.5, "minimum": -1.0, "defaultYes": False}}),
        "say": box(commands.say, b"3", {"text": "Hello", "options": {
            "title": "T", "timeoutMs": 100, "actions": [{"key": "ok", "label": "OK"}, {"key": "no", "label": "No"}]}}),
        "fetch_url": box(commands.fetchUrl, b"2", {"url": {"name": "lobby", "url": "https://example.org/"}}),
        "post_html": box(commands.postHtml, b"1", {"html": {"name": "p", "data": "<p>caf\u00e9</p>"}}),
        "server_info": box(commands.serverInfo, b"2", {}),
        "list_windows": box(commands.listWindows, b"2", {}),
        "wait_events": box(commands.waitEvents, b"2", {"afterSequence": -1, "timeoutMs": 0}),
        "subscribe_events": box(commands.subscribeEvents, b"3", {"afterSequence": 0}),
        "screenshot": box(commands.screenshot, b"2", {"windowId": 0}),
        # A BigString in two chunks (small ones: readBigString joins whatever chunks there are).
        "say_bigstring": amp.AmpBox({b"_command": b"Say", b"_ask": b"1", b"text": b"Hello, ",
                                     b"text.2": b"big ", b"text.3": b"world"}).serialize(),
        # Translations of the fuzzer's own bytes (see fuzz_amp.cpp).
        "reply_start_inspect": amp.AmpBox({b"_command": b"StartInspect", b"_ask": b"1", b"img.width": b"0",
                                          b"img.height": b"0", b"img.mode": b"JPEG", b"img.data": b"",
                                          b"_reply": reply("showPicture", result("showPicture", success=12))}).serialize(),
        "reply_ask": amp.AmpBox({b"_command": b"ask", b"question.prompt": b"?",
                                 b"_reply": reply("ask", result("ask", success=Answer(
                                     kind=QuestionKind.CHOICE, text="t", integer=1, number=0.5,
                                     choices=["a"], choiceIndices=[0], yes=True)))}).serialize(),
        "reply_list_windows": amp.AmpBox({b"_command": b"listWindows", b"_reply": reply("listWindows", result(
            "listWindows", success=[WindowInfo(id=1, kind=WindowKind.PICTURE, title="t", name="n",
                                               geometry=Geometry(x=0, y=0, width=2, height=1), visible=True)]))
        }).serialize(),
        "reply_say_limit": amp.AmpBox({b"_command": b"say", b"text": b"x", b"_reply": reply("say", result(
            "say", limit=LimitExceeded(message="too many windows")))}).serialize(),
        "reply_application_exception": amp.AmpBox({b"_command": b"ping", b"_reply": reply(
            "ping", TApplicationException(TApplicationException.INTERNAL_ERROR, "boom"),
            kind=TMessageType.EXCEPTION)}).serialize(),
        "event_call": amp.AmpBox({b"_command": b"ping", b"_event": event_call()}).serialize(),
        # An answer to an event vitrine pushed, then a command in the same read.
        "answer_then_command": amp.AmpBox({b"_answer": b"1"}).serialize() + box(commands.ping, b"2", {}),
        # Pipelined: three asks in one read.
        "pipelined": box(commands.ping, b"1", {}) + box(commands.PollInspect, b"2", {"inspector_id": 0})
            + box(commands.StopInspect, b"3", {"inspector_id": 9}),
        # Requests the bridge refuses: an unknown command, a bad enum, a missing argument.
        "unknown_command": box(commands.ping, b"1", {}).replace(b"\x00\x04ping", b"\x00\x04pong"),
        "bad_mode": amp.AmpBox({b"_command": b"StartInspect", b"_ask": b"1", b"img.width": b"1", b"img.height": b"1",
                                b"img.mode": b"CMYK", b"img.data": b"abcd"}).serialize(),
        "missing_argument": amp.AmpBox({b"_command": b"StopInspect", b"_ask": b"1"}).serialize(),
        # Boxes over fuzz_amp's 64 KiB limit, skipped to their end to be answered: the tag first, or last.
        "box_over_limit": amp.AmpBox({b"_command": b"say", b"_ask": b"1", b"text": b"x" * 65535,
                                      b"text.2": b"y" * 4000}).serialize() + box(commands.ping, b"2", {}),
        "box_over_limit_tag_last": (b"\x00\x08_command\x00\x03say" + b"\x00\x04text\xff\xff" + b"x" * 65535
                                    + b"\x00\x06text.2\x0f\xa0" + b"y" * 4000 + b"\x00\x04_ask\x00\x01" + b"7"
                                    + b"\x00\x00"),
        # Values for the codecs: an Integer with spaces, Floats, a ListOf, an AmpList with an empty row.
        "values": amp.AmpBox({b"_command": b"AskColor", b"_ask": b"1", b"r": b" +07 ", b"g": b"-0", b"b": b"255",
                              b"f1": b"1e+20", b"f2": b"-inf", b"f3": b".5", b"f4": b"nan",
                              b"l": b"\x00\x01a\x00\x00", b"al": b"\x00\x01k\x00\x01v\x00\x00\x00\x00",
                              b"u": "\u00e9\u20ac".encode()}).serialize(),
    }
    for name, data in seeds.items():
        write(directory, name, data)


# ---------------------------------------------------------------- pictures

def picture(mode, width, height, data):
    return struct.pack(">Bii", mode, width, height) + data


def encoded(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind, data):
    import zlib
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width, height):
    """A PNG claiming width x height whose IDAT holds a few pixels only: the size is readable, the pixels not."""
    import zlib
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def picture_seeds():
    directory = reset("picture")
    write(directory, "rgb_2x1", picture(PixelFormat.RGB, 2, 1, b"\xff\x00\x00\x00\x00\xff"))
    write(directory, "rgb_3x2_odd_width", picture(PixelFormat.RGB, 3, 2, bytes(range(18))))
    write(directory, "rgba_1x1", picture(PixelFormat.RGBA, 1, 1, b"\x10\x20\x30\x40"))
    write(directory, "l_2x2", picture(PixelFormat.L, 2, 2, b"\x00\x40\x80\xff"))
    write(directory, "rgb_short_data", picture(PixelFormat.RGB, 2, 2, b"\x00" * 5))
    write(directory, "png_3x2", picture(PixelFormat.PNG, 0, 0, tiny_png()))
    write(directory, "png_given_size", picture(PixelFormat.PNG, 3, 2, tiny_png()))
    write(directory, "jpeg_8x8", picture(PixelFormat.JPEG, 0, 0, tiny_jpeg()))
    write(directory, "jpeg_as_png", picture(PixelFormat.PNG, 0, 0, tiny_jpeg()))
    # Other encodings Qt's readers take different paths for.
    write(directory, "png_16bit_grey", picture(PixelFormat.PNG, 0, 0, encoded(Image.new("I;16", (2, 2), 300), "PNG")))
    palette = Image.new("P", (3, 1))
    palette.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    palette.putdata([0, 1, 2])
    write(directory, "png_palette_transparent",
          picture(PixelFormat.PNG, 0, 0, encoded(palette, "PNG", transparency=1)))
    write(directory, "png_1bit", picture(PixelFormat.PNG, 0, 0, encoded(Image.new("1", (9, 2), 1), "PNG")))
    write(directory, "png_grey_alpha", picture(PixelFormat.PNG, 0, 0, encoded(Image.new("LA", (2, 2), (7, 9)), "PNG")))
    write(directory, "png_header_over_limit", picture(PixelFormat.PNG, 0, 0, png_header_only(4096, 4096)))
    write(directory, "png_header_at_limit_no_pixels", picture(PixelFormat.PNG, 0, 0, png_header_only(1024, 1024)))
    write(directory, "jpeg_grey_progressive", picture(PixelFormat.JPEG, 0, 0, encoded(
        Image.new("L", (16, 8), 90), "JPEG", quality=30, progressive=True)))
    write(directory, "jpeg_cmyk", picture(PixelFormat.JPEG, 0, 0, encoded(Image.new("CMYK", (8, 8), (1, 2, 3, 4)), "JPEG")))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90: still 8 x 4 to QImageReader (no auto-transform)
    write(directory, "jpeg_exif_rotated", picture(PixelFormat.JPEG, 8, 4, encoded(
        Image.new("RGB", (8, 4), (10, 200, 30)), "JPEG", exif=exif.tobytes(), quality=30)))


# ---------------------------------------------------------------- dictionaries

def dict_entry(token):
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7f and b not in (0x22, 0x5c) else "\\x%02x" % b
                         for b in token) + '"'


def write_dict(name, tokens, comment):
    with open(os.path.join(HERE, name + ".dict"), "w") as f:
        f.write("# %s\n# Written by tests/fuzz/make_seeds.py; libFuzzer's -dict (scripts/fuzz.sh passes it).\n" % comment)
        for token in sorted(set(tokens)):
            f.write(dict_entry(token) + "\n")


def amp_keys(arguments, prefix=b""):
    for key, argument in arguments:
        yield prefix + key
        if hasattr(argument, "fields"):  # Struct (also flattened ones travel as prefix + field)
            yield from amp_keys(argument.fields, prefix + key + b".")
        if hasattr(argument, "subargs"):  # AmpList rows
            yield from amp_keys(argument.subargs)


def enum_names():
    from vitrine_thrift import ttypes
    for name in dir(ttypes):
        values = getattr(getattr(ttypes, name), "_NAMES_TO_VALUES", None)
        if values:
            yield from (n.encode() for n in values)


def dictionaries():
    amp_tokens = [b"_command", b"_ask", b"_answer", b"_error", b"_error_code", b"_error_description",
                  b"_reply", b"_event", b".2", b".3", b"True", b"False", b"inf", b"nan", b"\x00\x00"]
    for name, command in commands.COMMANDS.items():
        amp_tokens.append(name)
        amp_tokens.extend(amp_keys(command.arguments))
        amp_tokens.extend(amp_keys(command.response))
    amp_tokens.extend(enum_names())
    write_dict("amp", amp_tokens, "AMP keys, command names and enum names of the schema, for fuzz_amp.")
    methods = [m.encode() for m, _, _ in THRIFT_CALLS]
    write_dict("thrift", methods + [b"\x80\x01\x00\x01", b"\x82\x21"],
               "Method names and message headers, for fuzz_thrift.")


def main():
    thrift_seeds()
    amp_seeds()
    picture_seeds()
    dictionaries()
    total = 0
    for dirpath, _, files in os.walk(CORPUS):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print("corpus: %d bytes in %s" % (total, CORPUS))


if __name__ == "__main__":
    main()
