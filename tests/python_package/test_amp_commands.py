"""vitrine.amp_commands: the Twisted AMP commands generated from the IDL (scripts/gen_amp_commands.py).

Checks that the generator's two outputs (the Twisted module and the resolved
schema the server reads, gen/amp/vitrine_amp.json) are fresh and
deterministic, that the PyGraphics `mediawindows` commands come out exactly
as PyGraphics' own protocol defines them (the table below), that the
generator refuses what the mapping has no rule for, that IDL defaults may be
left out, that each class's docstring lists its keys, and round-trips boxes
through Twisted's own AMP code. No server is needed. Needs Twisted (Debian:
python3-twisted), the thrift compiler and pyflakes (python3-pyflakes), which
scripts/install-deps.sh installs.
"""

import copy
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
RESOLVED = REPO / "gen" / "amp" / "vitrine_amp.json"
GENERATED = REPO / "gen" / "amp" / "vitrine_amp_commands.py"
RUNTIME = PACKAGE_DIR / "vitrine" / "_amp_runtime.py"
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


@pytest.fixture(scope="module")
def restored_json(generator, thrift_json, thrift_xml):
    """thrift --gen json with its enum types restored from the XML (the form later Thrift versions write)."""
    schema = json.loads(thrift_json.read_text(encoding="utf-8"))
    generator.restore_enum_types(schema, thrift_xml.read_text(encoding="utf-8"))
    return schema


@pytest.fixture
def idl_schema(restored_json):
    """A copy of restored_json a test may change."""
    return copy.deepcopy(restored_json)


def resolved():
    """gen/amp/vitrine_amp.json: the resolved schema the server reads."""
    return json.loads(RESOLVED.read_text(encoding="utf-8"))


def resolved_command(name):
    schema = resolved()
    (command,) = [c for c in schema["commands"] + schema["callbacks"] if c["name"] == name]
    return command


def leaves(nodes):
    """Every key node under `nodes` (struct fields followed, AmpList rows not)."""
    out = []
    for node in nodes:
        out += leaves(node["fields"]) if node["amp"] == "Struct" else [node]
    return out


def proto():
    return amp.AMP()


# ---------------------------------------------------------------- the generator

def test_the_generator_is_deterministic_needs_no_twisted_and_gen_is_fresh(thrift_json, thrift_xml, tmp_path):
    # Twisted is made unimportable: generating must not need it.
    code = ("import runpy, sys; sys.modules['twisted'] = None; sys.argv = sys.argv[1:]; "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    outputs = []
    for name in ("first", "second"):
        module, schema = tmp_path / (name + ".py"), tmp_path / (name + ".json")
        subprocess.run([sys.executable, "-c", code, str(GENERATOR), str(thrift_json), "--thrift-xml", str(thrift_xml),
                        "--serve", "Vitrine", "--callbacks", "VitrineEvents", "--resolved-schema", str(schema),
                        "-o", str(module)], check=True)
        outputs.append((module.read_bytes(), schema.read_bytes()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == GENERATED.read_bytes(), "gen/amp/vitrine_amp_commands.py is stale: run `make gen`"
    assert outputs[0][1] == RESOLVED.read_bytes(), "gen/amp/vitrine_amp.json is stale: run `make gen`"


def test_the_generator_refuses_a_schema_whose_enums_thrift_erased(generator, thrift_json):
    # Thrift 0.17's JSON alone types Picture.mode as i32: sending enums as integers would break PyGraphics.
    with pytest.raises(generator.SchemaError, match="--thrift-xml"):
        generator.generate(json.loads(thrift_json.read_text(encoding="utf-8")))


def test_the_resolved_schema_types_enums_as_enums():
    # gen/amp/vitrine_amp.json is what the server's AMP bridge reads: img.mode must travel as a PixelFormat name.
    (mode,) = [n for n in leaves(resolved_command("StartInspect")["arguments"]) if n["key"] == "img.mode"]
    assert (mode["thrift"], mode["amp"], mode["enum"]) == ("enum", "Enum", "PixelFormat")
    pixel_format = next(e for e in resolved()["enums"] if e["name"] == "PixelFormat")
    assert [m["name"] for m in pixel_format["members"]] == ["RGB", "RGBA", "L", "PNG", "JPEG"]
    assert resolved()["format"] == "vitrine-amp-schema" and resolved()["version"] == 1


def test_the_generator_takes_enum_types_from_the_json_when_it_has_them(generator, thrift_json, thrift_xml,
                                                                       restored_json):
    # What later Thrift versions write: the XML then adds nothing.
    from_json = generator.generate(copy.deepcopy(restored_json)).splitlines()
    raw = json.loads(thrift_json.read_text(encoding="utf-8"))
    from_xml = generator.generate(raw, thrift_xml.read_text(encoding="utf-8")).splitlines()
    assert from_json[1:] == from_xml[1:]  # all but the header line, which names the inputs
    assert generator.generate_schema(copy.deepcopy(restored_json)) == RESOLVED.read_text(encoding="utf-8")


def test_the_generator_refuses_an_alias_value_the_argument_cannot_take(generator, idl_schema):
    choose = next(f for s in idl_schema["services"] for f in s["functions"] if f["name"] == "chooseFile")
    choose["annotations"]["amp.alias.AskOpenFilename"] = "mode=OPENED"
    with pytest.raises(generator.SchemaError, match="OPENED.*FileChooserMode"):
        generator.generate(idl_schema)
    choose["annotations"]["amp.alias.AskOpenFilename"] = "directory=/tmp"  # the key is initialdir
    with pytest.raises(generator.SchemaError, match="not an argument key"):
        generator.generate(idl_schema)


def test_the_module_and_its_runtime_pass_pyflakes():
    result = subprocess.run([sys.executable, "-m", "pyflakes", str(GENERATED), str(GENERATOR), str(RUNTIME)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if "No module named pyflakes" in result.stdout:
        pytest.fail("pyflakes is missing (Debian: python3-pyflakes; scripts/install-deps.sh)")
    assert result.returncode == 0, result.stdout


# ---------------------------------------------------------------- what the mapping refuses

def tiny_schema(functions, extra_structs=()):
    """Thrift's JSON of: enum Mode {A, B}, struct P {1: i32 x, 2: Mode mode}, exception Oops, service S."""
    return {
        "name": "t", "typedefs": [], "constants": [],
        "enums": [{"name": "Mode", "members": [{"name": "A", "value": 0}, {"name": "B", "value": 1}]}],
        "structs": [
            {"name": "P", "isException": False, "isUnion": False, "fields": [
                member(1, "x", "i32"), member(2, "mode", "enum", {"typeId": "enum", "class": "Mode"})]},
            {"name": "Oops", "isException": True, "isUnion": False, "annotations": {"amp.code": "OOPS"},
             "fields": [member(1, "message", "string")]},
        ] + list(extra_structs),
        "services": [{"name": "S", "functions": list(functions)}],
    }


def member(key, name, type_id, type_spec=None, **extra):
    node = {"key": key, "name": name, "typeId": type_id, "required": "req_out"}
    if type_spec is not None:
        node["type"] = type_spec
    node.update(extra)
    return node


def function(name, arguments=(), **extra):
    node = {"name": name, "returnTypeId": "void", "oneway": False, "arguments": list(arguments), "exceptions": []}
    node.update(extra)
    return node


STRUCT_P = {"typeId": "struct", "class": "P"}
FLATTENED_P = member(1, "p", "struct", STRUCT_P, annotations={"amp.flatten": "true"})


def refused(generator, schema, message):
    with pytest.raises(generator.SchemaError) as raised:
        generator.generate(schema, serve="S", callbacks=None)
    assert message in str(raised.value)


def test_a_tiny_schema_resolves(generator):
    schema = tiny_schema([function("f", [member(1, "p", "struct", STRUCT_P)], annotations={"amp.command": "F"})])
    out = json.loads(generator.generate_schema(schema, serve="S", callbacks=None))
    (command,) = out["commands"]
    assert (command["name"], command["method"], out["callbacks"]) == ("F", "f", [])
    assert [n["key"] for n in leaves(command["arguments"])] == ["p.x", "p.mode"]


def test_the_generator_refuses_what_the_mapping_has_no_rule_for(generator):
    a_map = member(1, "m", "map", {"typeId": "map", "keyTypeId": "string", "valueTypeId": "i32"})
    refused(generator, tiny_schema([function("f", [a_map])]), "S.f(m): type map has no AMP mapping")
    a_set = member(1, "s", "set", {"typeId": "set", "elemTypeId": "i32"})
    refused(generator, tiny_schema([function("f", [a_set])]), "type set has no AMP mapping")
    lists = member(1, "l", "list", {"typeId": "list", "elemTypeId": "list",
                                    "elemType": {"typeId": "list", "elemTypeId": "i32"}})
    refused(generator, tiny_schema([function("f", [lists])]), "a list of list has no AMP mapping")
    refused(generator, tiny_schema([function("f"), function("g", annotations={"amp.command": "f"})]),
            "two commands or exceptions are named 'f'")
    refused(generator, tiny_schema([function("f", annotations={"amp.respons": "x"})]),
            "annotation amp.respons means nothing here")
    refused(generator, tiny_schema([function("f", annotations={"amp.response": "x"})]),
            "amp.response on a void method")
    refused(generator, tiny_schema([function("f", [member(1, "n", "i32", annotations={"amp.flatten": "true"})])]),
            "amp.flatten on a i32")
    refused(generator, tiny_schema([function("f", [member(1, "x", "i32"),
                                                   member(2, "y", "i32", annotations={"amp.name": "x"})])]),
            "S.f arguments: two entries have the AMP key 'x'")
    # A flattened struct's field against a plain argument.
    refused(generator, tiny_schema([function("f", [FLATTENED_P, member(2, "mode", "i32")])]),
            "two entries have the AMP key 'mode'")
    refused(generator, tiny_schema([function("f", [member(1, "u", "struct", {"typeId": "struct", "class": "Nope"})])]),
            "unknown struct 'Nope'")
    refused(generator, tiny_schema([function("f", [member(1, "o", "struct", {"typeId": "struct", "class": "Oops"})])]),
            "unknown struct 'Oops'")
    refused(generator, tiny_schema([function("f", oneway=True)]), "S.f: oneway methods have no AMP mapping")
    refused(generator, tiny_schema([function("f")], [{"name": "U", "isException": False, "isUnion": True,
                                                      "fields": []}]), "union U")
    refused(generator, tiny_schema([function("f")], [{"name": "Me", "isException": False, "isUnion": False,
                                                      "fields": [member(1, "me", "struct",
                                                                        {"typeId": "struct", "class": "Me"})]}]),
            "contains itself")
    with pytest.raises(generator.SchemaError, match="service Missing: not in the schema"):
        generator.generate(tiny_schema([function("f")]), serve="Missing", callbacks=None)


def test_the_generator_refuses_bad_aliases(generator):
    def alias(text):
        return tiny_schema([function("f", [FLATTENED_P], annotations={"amp.alias.G": text})])

    generator.generate(alias("mode=B; x=-3"), serve="S", callbacks=None)
    refused(generator, alias("mode=C"), "'C' is not a name of Mode (A, B)")
    refused(generator, alias("x=1.5"), "is not a valid")
    refused(generator, alias("x=99999999999"), "is not a valid")  # outside i32: it would fail every call
    refused(generator, alias("y=1"), "'y' is not an argument key of the method (keys: x, mode)")
    refused(generator, alias("x"), "'x' is not key=VALUE")
    refused(generator, alias("x=1;x=2"), "'x' fixed twice")
    refused(generator, alias(" ; "), "fixes no argument")
    refused(generator, tiny_schema([function("f", [member(1, "p", "struct", STRUCT_P)],
                                             annotations={"amp.alias.G": "p=1"})]),
            "only single values can be fixed")
    refused(generator, tiny_schema([function("f", [FLATTENED_P], annotations={"amp.alias.f": "x=1"})]),
            "two commands or exceptions are named 'f'")


def test_the_generator_refuses_an_alias_on_a_callback(generator):
    schema = tiny_schema([function("f", [FLATTENED_P], annotations={"amp.alias.G": "x=1"})])
    schema["services"].append({"name": "Served", "functions": [function("g")]})
    with pytest.raises(generator.SchemaError, match="S.f: amp.alias on a callback means nothing"):
        generator.generate(schema, serve="Served", callbacks="S")


def test_the_generator_refuses_defaults_it_cannot_send(generator):
    optional = member(1, "x", "i32", required="optional", default=4)
    refused(generator, tiny_schema([function("f", [optional])]), "S.f(x): an optional field with a default")
    struct_default = member(1, "p", "struct", STRUCT_P, default={"x": 1})
    refused(generator, tiny_schema([function("f", [struct_default])]), "a default for a struct has no AMP mapping")
    refused(generator, tiny_schema([function("f", [member(1, "x", "i8", default=300)])]), "300 is not a valid i8")


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


def test_the_wheel_carries_the_generated_module_and_its_runtime(tmp_path):
    spec = importlib.util.spec_from_file_location("vitrine_build", PACKAGE_DIR / "_backend" / "vitrine_build.py")
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    site = tmp_path / "site"
    with zipfile.ZipFile(tmp_path / backend.build_wheel(str(tmp_path))) as wheel:
        assert wheel.read("vitrine/amp_commands.py") == GENERATED.read_bytes()
        assert wheel.read("vitrine/_amp_runtime.py") == RUNTIME.read_bytes()
        wheel.extractall(site)
    # Installed from the wheel alone (no checkout on the path), the module imports and works.
    probe = ("import vitrine.amp_commands as m; from twisted.protocols import amp; "
             "print(m.__file__, m.ask.parseArguments(amp.AmpBox({b'question.prompt': b'?'}), amp.AMP())"
             "['question']['kind'])")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(REPO / "gen" / "py")]))
    result = subprocess.run([sys.executable, "-c", probe], env=env, cwd=str(tmp_path), stdout=subprocess.PIPE,
                            text=True, check=True)
    path, kind = result.stdout.split()
    assert path == str(site / "vitrine" / "amp_commands.py") and kind == "TEXT"


def test_the_generated_module_takes_its_argument_types_from_the_package():
    text = GENERATED.read_text(encoding="utf-8")
    assert "from vitrine._amp_runtime import (" in text
    for definition in ("class BigString", "class Struct", "class Enum", "class AliasCommand", "def _python_name"):
        assert definition not in text, "the module carries a copy of the runtime: %s" % definition
    from vitrine import _amp_runtime
    assert commands.Struct is _amp_runtime.Struct and commands.VitrineAmpError is _amp_runtime.VitrineAmpError


# ---------------------------------------------------------------- every IDL method

def test_one_command_per_method_and_alias_with_the_idl_docs(restored_json):
    expected = []
    for service in restored_json["services"]:
        for function in service["functions"]:
            annotations = function.get("annotations", {})
            expected.append((annotations.get("amp.command", function["name"]), function))
            expected += [(key[len("amp.alias."):], function) for key in annotations if key.startswith("amp.alias.")]
    assert sorted(name for name, _ in expected) == sorted(n.decode() for n in commands.COMMANDS)
    exceptions = {s["name"]: s for s in restored_json["structs"] if s["isException"]}
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

# PyGraphics' mediawindows protocol (docs/amp.md, "PyGraphics compatibility"): command -> (arguments,
# response, error codes). PILImage is the four keys img.width, img.height (decimal), img.mode (PIL mode),
# img.data (BigString).
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
# Response keys vitrine adds that PyGraphics ignores (docs/amp.md and the IDL docs).
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



# ---------------------------------------------------------------- IDL defaults

def idl_defaults(restored_json):
    """(struct or method, field, default as the JSON has it) of every `= default` in the IDL."""
    found = [(s["name"], f["name"], f["default"]) for s in restored_json["structs"] for f in s["fields"]
             if "default" in f]
    found += [(fn["name"], a["name"], a["default"]) for sv in restored_json["services"] for fn in sv["functions"]
              for a in fn["arguments"] if "default" in a]
    return found


def test_every_idl_default_is_in_the_resolved_schema_and_may_be_left_out(restored_json):
    defaults = idl_defaults(restored_json)
    assert ("Question", "kind", 0) in defaults and ("FileChooser", "mode", 0) in defaults
    enums = {e["name"]: {m["value"]: m["name"] for m in e["members"]} for e in restored_json["enums"]}
    structs = {s["name"]: s for s in restored_json["structs"]}
    schema = resolved()
    nodes = [n for c in schema["commands"] + schema["callbacks"]
             for n in leaves(c["arguments"] + ([c["result"]] if c["result"] else []))]
    for owner, name, default in defaults:
        field = next(f for f in structs[owner]["fields"] if f["name"] == name) if owner in structs else None
        wire = enums[field["type"]["class"]][default] if field and field["typeId"] == "enum" else str(default)
        matching = [n for n in nodes if n["name"] == name and n.get("default") == wire]
        assert matching, "%s.%s = %r is in no command of gen/amp/vitrine_amp.json" % (owner, name, default)
        assert all(n["optional"] for n in matching)
    question_kind = [n for n in leaves(resolved_command("ask")["arguments"]) if n["key"] == "question.kind"]
    assert question_kind == [{"id": 2, "name": "kind", "thrift": "enum", "amp": "Enum", "enum": "QuestionKind",
                              "key": "question.kind", "optional": True, "default": "TEXT"}]
    (mode,) = [n for n in leaves(resolved_command("chooseFile")["arguments"]) if n["key"] == "mode"]
    assert (mode["optional"], mode["default"], "fixed" in mode) == (True, "OPEN", False)


def test_a_key_with_a_default_may_be_left_out_and_decodes_as_the_default():
    p = proto()
    box = commands.ask.makeArguments({"question": {"prompt": "Name?"}}, p)
    assert box == {b"question.prompt": b"Name?"}  # the server takes kind = TEXT
    assert commands.ask.parseArguments(box, p)["question"]["kind"] == "TEXT"
    commands.ask(question={"prompt": "Name?"})  # what callRemote checks first: nothing required is missing
    box = commands.ask.makeArguments({"question": {"prompt": "Sure?", "kind": "YES_NO"}}, p)
    assert commands.ask.parseArguments(box, p)["question"]["kind"] == "YES_NO"

    assert commands.chooseFile.makeArguments({}, p) == {}
    commands.chooseFile()
    assert commands.chooseFile.parseArguments(amp.AmpBox({b"title": b"Pick"}), p)["mode"] == "OPEN"
    assert commands.AskOpenFilename.makeArguments({}, p) == {b"mode": b"OPEN"}
    with pytest.raises(commands.UnknownEnumName, match="mode"):
        commands.chooseFile.makeArguments({"mode": "OPENED"}, p)


# ---------------------------------------------------------------- docstrings

def type_label(node):
    """How the docstrings name a node's type (the generator's own words, checked against the schema here)."""
    if node["amp"] == "Enum":
        return "%s name" % node["enum"]
    if node["amp"] == "ListOf":
        element = node["element"]
        return "ListOf(%s)" % ("%s name" % element["enum"] if element["amp"] == "Enum" else element["amp"])
    if node["amp"] == "AmpList":
        return "AmpList of %s" % node["element"]["struct"]
    return node["amp"]


def doc_lines(cls):
    """{key: [descriptions]} of the rows of the docstring's key tables."""
    out = {}
    for line in inspect.cleandoc(cls.__doc__).splitlines():
        words = line.split(None, 1)
        if line.startswith("    ") and len(words) == 2:
            out.setdefault(words[0], []).append(words[1])
    return out


@pytest.mark.parametrize("name", sorted(c["name"] for c in resolved()["commands"] + resolved()["callbacks"]))
def test_each_class_docstring_lists_its_keys_with_their_types(name):
    command = resolved_command(name)
    documented = doc_lines(commands.COMMANDS[name.encode()])
    doc = inspect.cleandoc(commands.COMMANDS[name.encode()].__doc__)
    assert "Keys sent:" in doc and "Answer keys:" in doc
    nodes = leaves(command["arguments"]) + leaves([command["result"]] if command["result"] else [])
    for node in nodes:
        assert node["key"] in documented, "%s: key %s is not in the docstring" % (name, node["key"])
        descriptions = documented[node["key"]]
        assert any(d.startswith(type_label(node)) for d in descriptions), (name, node["key"], descriptions)
        if "fixed" in node:
            assert any("always %s" % node["fixed"] in d for d in descriptions), (name, node["key"], descriptions)
        elif node["optional"]:
            assert any("optional" in d for d in descriptions), (name, node["key"], descriptions)
        if "default" in node and "fixed" not in node:
            assert any("default %s" % node["default"] in d for d in descriptions), (name, node["key"], descriptions)
    for error in command["errors"]:
        assert "%s (%s)" % (error["code"], error["exception"]) in " ".join(doc.split())


def test_the_docstring_of_ask_shows_the_question_and_its_default():
    doc = inspect.cleandoc(commands.ask.__doc__)
    assert "question                   Question: a dict of the keys below" in doc
    assert "question.kind            QuestionKind name, optional, default TEXT" in doc
    assert "question.prompt          BigUnicode\n" in doc
