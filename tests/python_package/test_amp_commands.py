"""vitrine.amp_commands: the Twisted AMP commands generated from the IDL (scripts/gen_amp_commands.py).

Checks that the generated module is fresh and deterministic, that the
PyGraphics `mediawindows` commands come out exactly as reference/amp.md's
table says, and round-trips boxes through Twisted's own AMP code. No server
is needed. Needs Twisted (Debian: python3-twisted), the thrift compiler and
pyflakes (python3-pyflakes), which scripts/install-deps.sh installs.
"""

import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from twisted.internet.testing import StringTransport
from twisted.protocols import amp

from pkg_helpers import PACKAGE_DIR, REPO

import vitrine.amp_commands as commands

GENERATOR = REPO / "scripts" / "gen_amp_commands.py"
SCHEMA = REPO / "gen" / "amp" / "vitrine.json"
GENERATED = REPO / "gen" / "amp" / "vitrine_amp_commands.py"
IDL = REPO / "idl" / "vitrine.thrift"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("gen_amp_commands", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def thrift_xml(tmp_path_factory):
    """thrift --gen xml of the IDL, as scripts/gen.sh makes it."""
    if shutil.which("thrift") is None:
        pytest.fail("the thrift compiler is missing (Debian: thrift-compiler; scripts/install-deps.sh)")
    out = tmp_path_factory.mktemp("xml")
    subprocess.run(["thrift", "--gen", "xml", "-out", str(out), str(IDL)], check=True)
    return out / "vitrine.xml"


@pytest.fixture(scope="module")
def thrift_json(tmp_path_factory):
    """thrift --gen json of the IDL as Thrift 0.17 writes it: enum types erased to i32."""
    if shutil.which("thrift") is None:
        pytest.fail("the thrift compiler is missing (Debian: thrift-compiler; scripts/install-deps.sh)")
    out = tmp_path_factory.mktemp("json")
    subprocess.run(["thrift", "--gen", "json", "-out", str(out), str(IDL)], check=True)
    return out / "vitrine.json"


def schema():
    """gen/amp/vitrine.json: the JSON with its enum types restored by gen.sh."""
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def proto():
    return amp.AMP()


# ---------------------------------------------------------------- the generator

def test_the_generator_is_deterministic_needs_no_twisted_and_gen_is_fresh(thrift_xml, tmp_path):
    # Twisted is made unimportable: generating must not need it.
    code = ("import runpy, sys; sys.modules['twisted'] = None; sys.argv = sys.argv[1:]; "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    outputs = []
    for name in ("first.py", "second.py"):
        out = tmp_path / name
        subprocess.run([sys.executable, "-c", code, str(GENERATOR), str(SCHEMA), "--thrift-xml", str(thrift_xml),
                        "-o", str(out)], check=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] == GENERATED.read_bytes(), "gen/amp/vitrine_amp_commands.py is stale: run `make gen`"


def test_the_generator_refuses_a_schema_whose_enums_thrift_erased(generator, thrift_json):
    # Thrift 0.17's JSON alone types Picture.mode as i32: sending enums as integers would break PyGraphics.
    with pytest.raises(generator.SchemaError, match="--thrift-xml"):
        generator.generate(json.loads(thrift_json.read_text(encoding="utf-8")))


def test_the_kept_schema_is_thrifts_json_with_the_enum_types_restored(generator, thrift_json, thrift_xml, tmp_path):
    # gen/amp/vitrine.json is what the server's AMP bridge reads: it must type Picture.mode as the enum.
    out = tmp_path / "schema.json"
    subprocess.run([sys.executable, str(GENERATOR), str(thrift_json), "--thrift-xml", str(thrift_xml),
                    "--write-schema", str(out), "-o", str(tmp_path / "commands.py")], check=True)
    assert out.read_bytes() == SCHEMA.read_bytes(), "gen/amp/vitrine.json is stale: run `make gen`"
    picture = next(s for s in schema()["structs"] if s["name"] == "Picture")
    mode = next(f for f in picture["fields"] if f["name"] == "mode")
    assert mode["typeId"] == "enum" and mode["type"] == {"typeId": "enum", "class": "PixelFormat"}


def test_the_generator_takes_enum_types_from_the_json_when_it_has_them(generator, thrift_json, thrift_xml):
    # What later Thrift versions write (and gen/amp/vitrine.json holds): the XML then adds nothing.
    from_json = generator.generate(schema()).splitlines()
    raw = json.loads(thrift_json.read_text(encoding="utf-8"))
    from_xml = generator.generate(raw, thrift_xml.read_text(encoding="utf-8")).splitlines()
    assert from_json[1:] == from_xml[1:]  # all but the header line, which names the inputs


def test_the_generator_refuses_an_alias_value_the_argument_cannot_take(generator, thrift_xml):
    broken = schema()
    choose = next(f for s in broken["services"] for f in s["functions"] if f["name"] == "chooseFile")
    choose["annotations"]["amp.alias.AskOpenFilename"] = "mode=OPENED"
    with pytest.raises(generator.SchemaError, match="OPENED.*FileChooserMode"):
        generator.generate(broken, thrift_xml.read_text(encoding="utf-8"))
    choose["annotations"]["amp.alias.AskOpenFilename"] = "directory=/tmp"  # the key is initialdir
    with pytest.raises(generator.SchemaError, match="not an argument key"):
        generator.generate(broken, thrift_xml.read_text(encoding="utf-8"))


def test_the_module_passes_pyflakes():
    result = subprocess.run([sys.executable, "-m", "pyflakes", str(GENERATED), str(GENERATOR)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if "No module named pyflakes" in result.stdout:
        pytest.fail("pyflakes is missing (Debian: python3-pyflakes; scripts/install-deps.sh)")
    assert result.returncode == 0, result.stdout


# ---------------------------------------------------------------- the package

def test_the_package_links_the_generated_module():
    link = PACKAGE_DIR / "vitrine" / "amp_commands.py"
    assert link.is_symlink()
    assert os.readlink(link) == "../../../gen/amp/vitrine_amp_commands.py"
    assert link.resolve() == GENERATED.resolve()


def test_vitrine_amp_commands_imports_from_the_checkout():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PACKAGE_DIR), str(REPO / "gen" / "py")]))
    probe = "import vitrine.amp_commands as m; print(m.__file__, m.StartInspect.commandName.decode())"
    result = subprocess.run([sys.executable, "-c", probe], env=env, cwd=str(REPO / "tests"),
                            stdout=subprocess.PIPE, text=True, check=True)
    path, name = result.stdout.split()
    assert path == str(PACKAGE_DIR / "vitrine" / "amp_commands.py") and name == "StartInspect"


def test_the_wheel_carries_the_generated_module(tmp_path):
    spec = importlib.util.spec_from_file_location("vitrine_build", PACKAGE_DIR / "_backend" / "vitrine_build.py")
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    with zipfile.ZipFile(tmp_path / backend.build_wheel(str(tmp_path))) as wheel:
        assert wheel.read("vitrine/amp_commands.py") == GENERATED.read_bytes()


# ---------------------------------------------------------------- every IDL method

def test_one_command_per_method_and_alias_with_the_idl_docs():
    expected = []
    for service in schema()["services"]:
        for function in service["functions"]:
            annotations = function.get("annotations", {})
            expected.append((annotations.get("amp.command", function["name"]), function))
            expected += [(key[len("amp.alias."):], function) for key in annotations if key.startswith("amp.alias.")]
    assert sorted(name for name, _ in expected) == sorted(n.decode() for n in commands.COMMANDS)
    exceptions = {s["name"]: s for s in schema()["structs"] if s["isException"]}
    for name, function in expected:
        command = commands.COMMANDS[name.encode()]
        assert command.__name__ == name and command.commandName == name.encode()
        assert issubclass(command, amp.Command)
        assert command.__doc__.startswith(function["doc"].splitlines()[0])
        assert command.fatalErrors == {}
        assert {cls.__name__ for cls in command.errors} == {e["type"]["class"] for e in function["exceptions"]}
    for name, exception in exceptions.items():
        cls = getattr(commands, name)
        assert issubclass(cls, commands.VitrineAmpError)
        assert inspect.cleandoc(cls.__doc__).startswith(exception["doc"].strip())  # docstrings indent their lines
        code = exception.get("annotations", {}).get("amp.code", name).encode()
        assert commands.ERRORS[code] is cls


# ---------------------------------------------------------------- PyGraphics' mediawindows table

# reference/amp.md: command -> (arguments, response, error codes). PILImage is the four
# keys img.width, img.height (decimal), img.mode (PIL mode), img.data (BigString).
PYGRAPHICS = {
    "StartInspect": ([("img", "PILImage"), ("inspectable", "Boolean")], [("inspector_id", "Integer")], []),
    "UpdateInspect": ([("inspector_id", "Integer"), ("img", "PILImage")], [], ["WINDOW_DOES_NOT_EXIST"]),
    "StopInspect": ([("inspector_id", "Integer")], [], ["WINDOW_DOES_NOT_EXIST"]),
    "PollInspect": ([("inspector_id", "Integer")], [("is_closed", "Boolean")], []),
    "AskOpenFilename": ([("initialdir", "String")], [("path", "Unicode")], ["DIALOG_CANCELED"]),
    "AskSaveasFilename": ([("initialdir", "String")], [("path", "Unicode")], ["DIALOG_CANCELED"]),
    "AskDirectory": ([("initialdir", "String")], [("path", "Unicode")], ["DIALOG_CANCELED"]),
    "AskColor": ([("r", "Integer"), ("g", "Integer"), ("b", "Integer")],
                 [("r", "Integer"), ("g", "Integer"), ("b", "Integer")], ["DIALOG_CANCELED"]),
    "Say": ([("text", "BigString")], [], []),
}
# Response keys vitrine adds that PyGraphics ignores (reference/amp.md and the IDL docs).
EXTRA_RESPONSE = {"Say": {"result"}, "AskColor": {"a"}}


def same_wire_type(argument, pygraphics):
    """Whether `argument` reads and writes the values of PyGraphics' type the same way on the wire."""
    if pygraphics == "PILImage":
        if not isinstance(argument, commands.Struct):
            return False
        fields = dict(argument.fields)
        return (list(fields) == [b"width", b"height", b"mode", b"data"]
                and type(fields[b"width"]) is amp.Integer and type(fields[b"height"]) is amp.Integer
                and isinstance(fields[b"mode"], commands.Enum) and {"RGB", "RGBA", "L"} <= set(fields[b"mode"].names)
                and type(fields[b"data"]) is commands.BigString
                and not any(a.optional for a in fields.values()))
    if pygraphics in ("Integer", "Boolean"):
        return type(argument) is getattr(amp, pygraphics)
    # String / Unicode (one value) and BigString (chunked) are all read by BigUnicode, for UTF-8 text.
    return isinstance(argument, commands.BigString)


@pytest.mark.parametrize("name", sorted(PYGRAPHICS))
def test_pygraphics_commands_have_the_table_s_keys_types_and_codes(name):
    arguments, response, codes = PYGRAPHICS[name]
    command = getattr(commands, name)
    assert command.commandName == name.encode()

    mine = {key.decode(): argument for key, argument in command.arguments}
    for key, pygraphics in arguments:
        assert key in mine, "%s has no argument %s" % (name, key)
        assert same_wire_type(mine[key], pygraphics), "%s.%s is not a %s" % (name, key, pygraphics)
    extra = set(mine) - {key for key, _ in arguments}
    assert all(mine[key].optional for key in extra), "%s: arguments PyGraphics does not send must be optional" % name

    answers = {key.decode(): argument for key, argument in command.response}
    for key, pygraphics in response:
        assert key in answers, "%s answers no %s" % (name, key)
        assert same_wire_type(answers[key], pygraphics)
    assert set(answers) - {key for key, _ in response} == EXTRA_RESPONSE.get(name, set())

    assert {code.encode() for code in codes} <= set(command.errors.values())


def pil_box(data=b"\x01\x02\x03\x04\x05\x06"):
    return amp.AmpBox({b"img.width": b"2", b"img.height": b"1", b"img.mode": b"RGB", b"img.data": data})


def test_boxes_with_only_pygraphics_keys_parse():
    p = proto()
    box = pil_box()
    box[b"inspectable"] = b"True"
    assert commands.StartInspect.parseArguments(box, p) == {
        "img": {"width": 2, "height": 1, "mode": "RGB", "data": b"\x01\x02\x03\x04\x05\x06"},
        "inspectable": True, "title": None, "name": None}
    update = pil_box()
    update[b"inspector_id"] = b"7"
    assert commands.UpdateInspect.parseArguments(update, p)["inspector_id"] == 7
    assert commands.StopInspect.parseArguments(amp.AmpBox({b"inspector_id": b"3"}), p) == {"inspector_id": 3}
    assert commands.PollInspect.parseArguments(amp.AmpBox({b"inspector_id": b"3"}), p) == {"inspector_id": 3}
    for name in ("AskOpenFilename", "AskSaveasFilename", "AskDirectory"):
        parsed = getattr(commands, name).parseArguments(amp.AmpBox({b"initialdir": b"/home/me"}), p)
        assert parsed["initialdir"] == "/home/me"
    assert commands.AskColor.parseArguments(amp.AmpBox({b"r": b"1", b"g": b"2", b"b": b"3"}), p)["b"] == 3
    assert commands.Say.parseArguments(amp.AmpBox({b"text": b"hello"}), p) == {"text": "hello", "options": None}

    # And the answers PyGraphics expects parse too.
    assert commands.StartInspect.parseResponse(amp.AmpBox({b"inspector_id": b"1"}), p) == {"inspector_id": 1}
    assert commands.PollInspect.parseResponse(amp.AmpBox({b"is_closed": b"False"}), p) == {"is_closed": False}
    assert commands.AskOpenFilename.parseResponse(amp.AmpBox({b"path": b"/x"}), p) == {"path": "/x"}
    assert commands.AskColor.parseResponse(amp.AmpBox({b"r": b"1", b"g": b"2", b"b": b"3"}), p) == {
        "r": 1, "g": 2, "b": 3, "a": None}


# ---------------------------------------------------------------- round trips through Twisted

def test_start_inspect_sends_img_as_four_keys_with_data_chunked():
    data = bytes(range(256)) * 600  # 153600 bytes: three chunks
    p = proto()
    img = {"width": 320, "height": 160, "mode": "RGB", "data": data}
    box = commands.StartInspect.makeArguments({"img": img, "inspectable": True}, p)
    assert set(box) == {b"img.width", b"img.height", b"img.mode", b"img.data", b"img.data.2", b"img.data.3",
                        b"inspectable"}
    assert box[b"img.width"] == b"320" and box[b"img.height"] == b"160" and box[b"img.mode"] == b"RGB"
    assert len(box[b"img.data"]) == len(box[b"img.data.2"]) == 65535
    assert box[b"img.data"] + box[b"img.data.2"] + box[b"img.data.3"] == data
    assert box[b"inspectable"] == b"True"
    box.serialize()  # every value fits in an AMP value
    parsed = commands.StartInspect.parseArguments(box, p)
    assert parsed["img"] == img and parsed["inspectable"] is True


def test_big_strings_stop_at_the_first_missing_chunk():
    p = proto()
    box = pil_box(b"a" * 65535)
    box[b"img.data.2"] = b"b"
    box[b"img.data.4"] = b"lost"  # no img.data.3: not read
    assert commands.StartInspect.parseArguments(box, p)["img"]["data"] == b"a" * 65535 + b"b"
    exact = commands.StartInspect.makeArguments({"img": {"width": 0, "height": 0, "mode": "PNG",
                                                         "data": b"x" * 65535}}, p)
    assert b"img.data.2" not in exact
    empty = commands.StartInspect.makeArguments({"img": {"width": 0, "height": 0, "mode": "PNG", "data": b""}}, p)
    assert empty[b"img.data"] == b""


def test_long_text_is_chunked_utf8():
    text = "é" * 40000  # 80000 bytes of UTF-8
    p = proto()
    box = commands.Say.makeArguments({"text": text}, p)
    assert set(box) == {b"text", b"text.2"}
    assert commands.Say.parseArguments(box, p)["text"] == text


def test_aliases_always_send_their_fixed_keys():
    p = proto()
    for name, mode in (("AskOpenFilename", b"OPEN"), ("AskSaveasFilename", b"SAVE"), ("AskDirectory", b"DIRECTORY")):
        command = getattr(commands, name)
        assert issubclass(command, commands.AliasCommand)
        assert command.fixedArguments == {b"mode": mode}
        assert b"mode" not in dict(command.arguments)
        assert command.makeArguments({"initialdir": "/tmp"}, p) == {b"initialdir": b"/tmp", b"mode": mode}
        assert command.makeArguments({}, p) == {b"mode": mode}
        with pytest.raises(amp.InvalidSignature):
            command.makeArguments({"mode": "SAVE"}, p)  # fixed: not an argument
    # The method's own command takes mode as an argument.
    assert commands.chooseFile.makeArguments({"mode": "SAVE"}, p) == {b"mode": b"SAVE"}


def test_enum_names_are_checked_both_ways():
    p = proto()
    for bad in ("CMYK", "rgb", 0):
        with pytest.raises(commands.UnknownEnumName, match=r"img\.mode.*PixelFormat"):
            commands.StartInspect.makeArguments({"img": {"width": 1, "height": 1, "mode": bad, "data": b"x"}}, p)
    box = pil_box()
    box[b"img.mode"] = b"CMYK"
    with pytest.raises(commands.UnknownEnumName, match=r"img\.mode.*CMYK"):
        commands.StartInspect.parseArguments(box, p)
    with pytest.raises(commands.UnknownEnumName, match="mode"):
        commands.chooseFile.parseArguments(amp.AmpBox({b"mode": b"2"}), p)
    assert commands.fetchUrl.parseResponse(amp.AmpBox({b"result": b"TIMED_OUT"}), p) == {"result": "TIMED_OUT"}
    assert commands.ENUMS["PixelFormat"] == ("RGB", "RGBA", "L", "PNG", "JPEG")


def test_struct_arguments_check_their_fields():
    p = proto()
    with pytest.raises(amp.InvalidSignature, match="img: required field height"):
        commands.StartInspect.makeArguments({"img": {"width": 1, "mode": "L", "data": b"x"}}, p)
    with pytest.raises(amp.InvalidSignature, match="img: no field depth"):
        commands.StartInspect.makeArguments({"img": {"width": 1, "height": 1, "mode": "L", "data": b"x",
                                                     "depth": 8}}, p)
    with pytest.raises(amp.InvalidSignature):
        commands.StartInspect(inspectable=True)  # img is required
    with pytest.raises(KeyError):  # a box without img.height
        commands.StartInspect.parseArguments(amp.AmpBox({b"img.width": b"1", b"img.mode": b"L", b"img.data": b""}), p)
    # An optional struct (all fields optional) may be left out, or sent with some fields.
    box = commands.say.makeArguments({"text": "hi", "options": {"title": "T", "timeoutMs": 500}}, p)
    assert box == {b"text": b"hi", b"options.title": b"T", b"options.timeoutMs": b"500"}
    assert commands.say.parseArguments(box, p)["options"] == {"title": "T", "timeoutMs": 500, "actions": None,
                                                               "name": None}
    assert commands.say.makeArguments({"text": "hi", "options": None}, p) == {b"text": b"hi"}


def test_lists_of_structs_are_amp_lists_with_nested_struct_keys():
    p = proto()
    say = {"text": "Go?", "options": {"actions": [{"key": "y", "label": "Yes"}, {"key": "n", "label": "No"}]}}
    box = commands.Say.makeArguments(say, p)
    assert set(box) == {b"text", b"options.actions"}
    assert commands.Say.parseArguments(box, p)["options"]["actions"] == say["options"]["actions"]

    events = [{"sequence": 4, "kind": "PIXEL_CLICKED", "windowId": 2, "timeMs": 1700000000000, "x": 1, "y": 0,
               "color": {"r": 255, "g": 128, "b": 0}},
              {"sequence": 5, "kind": "WINDOW_CLOSED", "windowId": 2, "timeMs": 1700000000001,
               "closeReason": "USER_CLOSED"}]
    answer = commands.waitEvents.makeResponse({"result": events}, p)
    rows = amp.parseString(answer[b"result"])
    assert rows[0][b"color.r"] == b"255" and b"color" not in rows[0] and rows[1][b"closeReason"] == b"USER_CLOSED"
    parsed = commands.waitEvents.parseResponse(answer, p)["result"]
    assert parsed[0]["color"] == {"r": 255, "g": 128, "b": 0, "a": None}
    assert parsed[1]["closeReason"] == "USER_CLOSED" and parsed[1]["color"] is None


class Peer:
    """Two Twisted AMP protocols joined by in-memory transports; pump() delivers what each wrote."""

    def __init__(self, locator):
        self.client = amp.AMP()
        self.server = amp.AMP(locator=locator)
        self.client_out = StringTransport()
        self.server_out = StringTransport()
        self.client.makeConnection(self.client_out)
        self.server.makeConnection(self.server_out)
        self.sent = []

    def pump(self):
        request = self.client_out.value()
        self.client_out.clear()
        self.sent += amp.parseString(request)
        self.server.dataReceived(request)
        reply = self.server_out.value()
        self.server_out.clear()
        self.client.dataReceived(reply)


def test_a_twisted_client_and_responder_speak_the_generated_commands():
    class Responders(amp.CommandLocator):
        seen = []

        @commands.StartInspect.responder
        def start(self, img, inspectable, title, name):
            self.seen.append(("start", img["width"] * img["height"], len(img["data"]), inspectable))
            return {"inspector_id": 1}

        @commands.UpdateInspect.responder
        def update(self, inspector_id, img):
            raise commands.WindowNotFound("no window %d" % inspector_id)

        @commands.AskOpenFilename.responder
        def ask_open(self, **kwargs):
            self.seen.append(("open", sorted(k for k, v in kwargs.items() if v is not None)))
            raise commands.DialogCanceled("canceled")

        @commands.Say.responder
        def say(self, text, options):
            self.seen.append(("say", text, options))
            return {"result": ""}

    locator = Responders()
    peer = Peer(locator)
    results = []
    img = {"width": 300, "height": 300, "mode": "RGB", "data": b"\x80" * (300 * 300 * 3)}
    peer.client.callRemote(commands.StartInspect, img=img, inspectable=True).addBoth(results.append)
    peer.pump()
    assert results.pop() == {"inspector_id": 1}
    assert locator.seen.pop() == ("start", 90000, 270000, True)
    assert peer.sent[-1][b"_command"] == b"StartInspect" and b"img.data.5" in peer.sent[-1]

    peer.client.callRemote(commands.UpdateInspect, inspector_id=9, img=img).addBoth(results.append)
    peer.pump()
    failure = results.pop()
    assert failure.check(commands.WindowNotFound) and "no window 9" in str(failure.value)

    peer.client.callRemote(commands.AskOpenFilename, initialdir="/tmp").addBoth(results.append)
    peer.pump()
    assert results.pop().check(commands.DialogCanceled)
    assert peer.sent[-1][b"mode"] == b"OPEN" and peer.sent[-1][b"initialdir"] == b"/tmp"
    assert locator.seen.pop() == ("open", ["initialdir"])  # the responder does not get the fixed key

    peer.client.callRemote(commands.Say, text="hello").addBoth(results.append)
    peer.pump()
    assert results.pop() == {"result": ""}
    assert locator.seen.pop() == ("say", "hello", None)

