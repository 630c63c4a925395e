#!/usr/bin/env python3
"""Writes Twisted `amp.Command` classes for every command vitrine serves.

    gen_amp_commands.py SCHEMA.json --thrift-xml IDL.xml [--write-schema OUT.json] [-o OUT.py]

SCHEMA.json is `thrift --gen json` of idl/vitrine.thrift (gen/amp/vitrine.json);
its `amp.` annotations (see the top of the IDL) say how each method looks on
the AMP side. The output (gen/amp/vitrine_amp_commands.py, shipped as
`vitrine.amp_commands`) holds one Command class per method and per
`amp.alias.NAME`, one exception class per IDL exception, and the argument
types the mapping needs. Its docstring states the mapping rules; the AMP
bridge of the server implements the same ones.

Enum types: Thrift 0.17 (Debian 12) writes a field of enum type into the JSON
as a plain "i32", so the JSON alone cannot tell `Picture.mode` (sent as the
name `RGB`) from an integer. IDL.xml, `thrift --gen xml` of the same IDL,
keeps the types: the generator reads which fields, arguments, results and
list elements are enums from it and uses the JSON for everything else. A
JSON that already carries enum types (`"typeId": "enum"`, as later Thrift
versions write) needs no XML. Without either, the generator refuses to run
rather than send enums as integers. `--write-schema` writes the JSON with
the enum types restored: that is gen/amp/vitrine.json, which the server's
AMP bridge reads, so the bridge needs no XML either.

Pure standard library; Twisted is needed only to import the output. The
output depends on the inputs alone (no dates, no paths), so `make gen` is
reproducible. Anything the mapping has no rule for (maps, sets, lists of
lists, unknown annotations' values, clashing keys or names) is an error
that names the place in the IDL.
"""

import argparse
import json
import keyword
import re
import sys
import textwrap
import xml.etree.ElementTree as ElementTree

XML_NS = "{http://thrift.apache.org/xml/idl}"
INTEGER_TYPES = ("byte", "i8", "i16", "i32", "i64")
# The AMP argument type of each base type, at the top of a box or a sub-box.
BASE_ARGUMENTS = {
    "bool": "amp.Boolean",
    "double": "amp.Float",
    "string": "BigUnicode",
    "binary": "BigString",
}
# Inside amp.ListOf (whose element types only have toString/fromString: no chunking).
LIST_ELEMENTS = {
    "bool": "amp.Boolean",
    "double": "amp.Float",
    "string": "amp.Unicode",
    "binary": "amp.String",
}
for _name in INTEGER_TYPES:
    BASE_ARGUMENTS[_name] = LIST_ELEMENTS[_name] = "amp.Integer"
# Names the generated module defines itself; no command or exception may take them.
RESERVED = {
    "amp", "keyword", "Mapping", "MAX_VALUE_LENGTH", "BigString", "BigUnicode", "Enum", "UnknownEnumName",
    "Struct", "AliasCommand", "VitrineAmpError", "ENUMS", "COMMANDS", "ERRORS",
}


class SchemaError(Exception):
    """The schema asks for something the AMP mapping has no rule for."""


# ---------------------------------------------------------------- enum types from thrift --gen xml

def _enum_spec(name):
    return {"typeId": "enum", "class": name}


def restore_enum_types(schema, xml_text):
    """Marks in `schema` (in place) every type that IDL.xml says is an enum.

    Rewrites "typeId": "i32" to "typeId": "enum" with a "type"
    {"typeId": "enum", "class": NAME}, the form later Thrift versions write,
    in fields of structs and exceptions, arguments, results and the
    elements, keys and values of containers. Raises SchemaError when the
    two descriptions of the IDL do not match.
    """
    root = ElementTree.fromstring(xml_text)
    documents = root.findall(XML_NS + "document")
    if len(documents) != 1:
        raise SchemaError("the XML holds %d documents; expected one (no includes)" % len(documents))
    document = documents[0]
    module = document.get("name")
    enums = {e.get("name") for e in document.findall(XML_NS + "enum")}
    typedefs = {t.get("name"): t for t in document.findall(XML_NS + "typedef")}

    def enum_of(node, where):
        """The enum a type node names, following typedefs, or None."""
        seen = set()
        while node is not None and node.get("type") == "id":
            if node.get("type-module") not in (None, module):
                raise SchemaError("%s: type %s.%s from an included file is not supported"
                                  % (where, node.get("type-module"), node.get("type-id")))
            name = node.get("type-id")
            if name in enums:
                return name
            if name in seen:
                raise SchemaError("%s: typedef loop through %s" % (where, name))
            seen.add(name)
            node = typedefs.get(name)
        return None

    def restore(holder, id_key, type_key, node, where):
        """holder[id_key] / holder[type_key] describe the type that XML `node` describes."""
        enum = enum_of(node, where)
        if enum is not None:
            if holder.get(id_key) not in ("i32", "enum"):
                raise SchemaError("%s: the XML says enum %s, the JSON %r" % (where, enum, holder.get(id_key)))
            holder[id_key] = "enum"
            holder[type_key] = _enum_spec(enum)
            return
        spec = holder.get(type_key)
        if spec is None or node is None:
            return
        for child_tag, child_id, child_type in (("elemType", "elemTypeId", "elemType"),
                                                ("keyType", "keyTypeId", "keyType"),
                                                ("valueType", "valueTypeId", "valueType")):
            child = node.find(XML_NS + child_tag)
            if child is not None and child_id in spec:
                restore(spec, child_id, child_type, child, where + " " + child_tag)

    def by_id(nodes):
        return {int(n.get("field-id")): n for n in nodes}

    xml_structs = {}
    for tag in ("struct", "exception", "union"):
        for node in document.findall(XML_NS + tag):
            xml_structs[node.get("name")] = by_id(node.findall(XML_NS + "field"))
    for struct in schema["structs"]:
        fields = xml_structs.get(struct["name"])
        if fields is None:
            raise SchemaError("struct %s is not in the XML" % struct["name"])
        for field in struct["fields"]:
            where = "%s.%s" % (struct["name"], field["name"])
            restore(field, "typeId", "type", fields.get(field["key"]), where)

    xml_services = {s.get("name"): {m.get("name"): m for m in s.findall(XML_NS + "method")}
                    for s in document.findall(XML_NS + "service")}
    for service in schema["services"]:
        methods = xml_services.get(service["name"], {})
        for function in service["functions"]:
            where = "%s.%s" % (service["name"], function["name"])
            method = methods.get(function["name"])
            if method is None:
                raise SchemaError("%s is not in the XML" % where)
            restore(function, "returnTypeId", "returnType", method.find(XML_NS + "returns"), where + " result")
            arguments = by_id(method.findall(XML_NS + "arg"))
            for argument in function["arguments"]:
                restore(argument, "typeId", "type", arguments.get(argument["key"]),
                        "%s(%s)" % (where, argument["name"]))


def mentions_enum_types(schema):
    """True when some type in the schema is marked as an enum."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if any(value.get(k) == "enum" for k in ("typeId", "elemTypeId", "keyTypeId", "valueTypeId",
                                                     "returnTypeId")):
                found.append(True)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({"structs": schema["structs"], "services": schema["services"]})
    return bool(found)


# ---------------------------------------------------------------- the model

def upper_snake(name):
    """PushUrl -> PUSH_URL."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def fields_constant(struct_name):
    return upper_snake(struct_name) + "_FIELDS"


def one_line(doc):
    """An IDL doc comment as one line of text ('' when there is none)."""
    return " ".join((doc or "").split())


def described(label, node):
    """`label: doc` for a comment, or just the label when the IDL has no doc."""
    doc = one_line(node.get("doc"))
    return "%s: %s" % (label, doc) if doc else label


def check_annotations(node, allowed, where):
    """Raises SchemaError for an `amp.` annotation that means nothing on this node (a typo, say)."""
    for key in node.get("annotations") or {}:
        if key.startswith("amp.") and key not in allowed and not any(
                a.endswith(".") and key.startswith(a) for a in allowed):
            raise SchemaError("%s: annotation %s means nothing here (allowed: %s)"
                              % (where, key, ", ".join(sorted(allowed)) or "none"))


def check_unique(keys, where):
    for key in keys:
        if keys.count(key) > 1:
            raise SchemaError("%s: two entries have the AMP key %r" % (where, key))


def annotation(node, key, default=None):
    return (node.get("annotations") or {}).get(key, default)


def amp_key(node):
    """The AMP key of an argument or a field: its amp.name, else its name."""
    return usable_key(annotation(node, "amp.name", node["name"]), node["name"])


def usable_key(key, where):
    """`key`, unless AMP cannot carry it: empty, too long, unprintable, or `_...` (AMP's own keys)."""
    if not key or len(key.encode("utf-8")) > 200 or not key.isprintable() or key.startswith("_"):
        raise SchemaError("%s: %r is not a usable AMP key" % (where, key))
    return key


def is_optional(field):
    return field.get("required") == "optional"


def type_of(holder, id_key="typeId", type_key="type"):
    return holder[id_key], holder.get(type_key) or {}


class Model:
    """The schema, indexed, with the checks every generated piece needs."""

    def __init__(self, schema):
        self.schema = schema
        self.enums = {e["name"]: e for e in schema["enums"]}
        self.structs = {}
        self.exceptions = {}
        for struct in schema["structs"]:
            if struct.get("isUnion"):
                raise SchemaError("union %s: unions have no AMP mapping" % struct["name"])
            (self.exceptions if struct["isException"] else self.structs)[struct["name"]] = struct
            check_annotations(struct, {"amp.code"} if struct["isException"] else set(), struct["name"])
            for field in struct["fields"]:
                where = "%s.%s" % (struct["name"], field["name"])
                check_annotations(field, set() if struct["isException"] else {"amp.name"}, where)
            if not struct["isException"]:
                check_unique([amp_key(f) for f in struct["fields"]], struct["name"])
        for enum in schema["enums"]:
            check_annotations(enum, set(), enum["name"])
        for service in schema["services"]:
            check_annotations(service, set(), service["name"])
            for function in service["functions"]:
                check_annotations(function, {"amp.command", "amp.response", "amp.alias."},
                                  "%s.%s" % (service["name"], function["name"]))
                for argument in function["arguments"]:
                    check_annotations(argument, {"amp.name", "amp.flatten"},
                                      "%s.%s(%s)" % (service["name"], function["name"], argument["name"]))

    def struct(self, spec, where):
        name = spec.get("class")
        if name not in self.structs:
            raise SchemaError("%s: unknown struct %r" % (where, name))
        return self.structs[name]

    def enum(self, spec, where):
        name = spec.get("class")
        if name not in self.enums:
            raise SchemaError("%s: unknown enum %r" % (where, name))
        return name

    def argument(self, type_id, spec, optional, where):
        """Python source of the AMP argument for a value of this type."""
        flag = "optional=True" if optional else ""
        if type_id in BASE_ARGUMENTS:
            return "%s(%s)" % (BASE_ARGUMENTS[type_id], flag)
        if type_id == "enum":
            return "Enum(%s)" % ", ".join(x for x in (json.dumps(self.enum(spec, where)), flag) if x)
        if type_id == "struct":
            struct = self.struct(spec, where)
            return "Struct(%s)" % ", ".join(x for x in (fields_constant(struct["name"]), flag) if x)
        if type_id == "list":
            elem_id, elem = type_of(spec, "elemTypeId", "elemType")
            if elem_id == "struct":
                struct = self.struct(elem, where)
                return "amp.AmpList(%s)" % ", ".join(x for x in (fields_constant(struct["name"]), flag) if x)
            return "amp.ListOf(%s)" % ", ".join(x for x in (self.element(elem_id, elem, where), flag) if x)
        raise SchemaError("%s: type %s has no AMP mapping (maps, sets and lists of lists are not supported)"
                          % (where, type_id))

    def element(self, type_id, spec, where):
        """Python source of the element type of an amp.ListOf."""
        if type_id in LIST_ELEMENTS:
            return "%s()" % LIST_ELEMENTS[type_id]
        if type_id == "enum":
            return "Enum(%s)" % json.dumps(self.enum(spec, where))
        raise SchemaError("%s: a list of %s has no AMP mapping" % (where, type_id))

    def struct_order(self):
        """Non-exception structs, in IDL order but each after the structs its fields use."""
        order, state = [], {}

        def visit(name, path):
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                raise SchemaError("struct %s contains itself (%s): no AMP mapping"
                                  % (name, " -> ".join(path + [name])))
            state[name] = "visiting"
            for field in self.structs[name]["fields"]:
                for spec in self.nested_structs(field):
                    visit(self.struct(spec, "%s.%s" % (name, field["name"]))["name"], path + [name])
            state[name] = "done"
            order.append(self.structs[name])

        for name in self.structs:
            visit(name, [])
        return order

    @staticmethod
    def nested_structs(field):
        type_id, spec = type_of(field)
        if type_id == "struct":
            return [spec]
        if type_id == "list" and spec.get("elemTypeId") == "struct":
            return [spec["elemType"]]
        return []


class Command:
    """One generated Command class: its name, docs, arguments, response and errors."""

    def __init__(self, name, doc, origin, arguments, response, errors, fixed=None, alias_of=None):
        self.name = name
        self.doc = doc
        self.origin = origin                  # "Vitrine.showPicture"
        self.arguments = arguments            # [(key, source, comment)]
        self.response = response              # [(key, source, comment)]
        self.errors = errors                  # [(exception name, code)]
        self.fixed = fixed or []              # [(key, value)] (aliases)
        self.alias_of = alias_of              # the command name an alias shares its method with


def method_arguments(model, function, where):
    """[(key, source, comment, kind)] of a method's arguments; kind is used to check alias values."""
    out = []
    for argument in function["arguments"]:
        arg_where = "%s(%s)" % (where, argument["name"])
        type_id, spec = type_of(argument)
        flatten = annotation(argument, "amp.flatten", "false")
        if flatten not in ("true", "false"):
            raise SchemaError("%s: amp.flatten must be \"true\" or \"false\", not %r" % (arg_where, flatten))
        if flatten == "true":
            if type_id != "struct":
                raise SchemaError("%s: amp.flatten on a %s; only struct arguments flatten" % (arg_where, type_id))
            if "amp.name" in (argument.get("annotations") or {}):
                raise SchemaError("%s: amp.name on a flattened argument means nothing" % arg_where)
            struct = model.struct(spec, arg_where)
            for field in struct["fields"]:
                f_id, f_spec = type_of(field)
                field_where = "%s.%s" % (arg_where, field["name"])
                source = model.argument(f_id, f_spec, is_optional(field), field_where)
                comment = described("%s.%s" % (argument["name"], field["name"]), field)
                out.append((amp_key(field), source, comment, (f_id, f_spec)))
            continue
        if type_id == "struct":
            struct = model.struct(spec, arg_where)
            optional = all(is_optional(f) for f in struct["fields"])
        else:
            optional = is_optional(argument)
        source = model.argument(type_id, spec, optional, arg_where)
        comment = described(argument["name"], argument)
        out.append((amp_key(argument), source, comment, (type_id, spec)))
    keys = [a[0] for a in out]
    check_unique(keys, where + " arguments")
    for key in keys:
        python_name = key.replace("-", "_")
        if not python_name.isidentifier():
            raise SchemaError("%s: argument key %r is not a Python identifier (nor is it after Twisted "
                              "replaces '-' by '_'); Twisted could not pass it as a keyword" % (where, key))
    return out


def method_response(model, function, where):
    type_id, spec = type_of(function, "returnTypeId", "returnType")
    name = annotation(function, "amp.response")
    if type_id == "void":
        if name is not None:
            raise SchemaError("%s: amp.response on a void method" % where)
        return []
    if type_id == "struct":
        if name is not None:
            raise SchemaError("%s: amp.response on a struct result (its fields are the keys)" % where)
        struct = model.struct(spec, where + " result")
        return [(amp_key(f), model.argument(*type_of(f), is_optional(f), "%s result.%s" % (where, f["name"])),
                 described(f["name"], f))
                for f in struct["fields"]]
    key = usable_key(name or "result", where + " amp.response")
    return [(key, model.argument(type_id, spec, False, where + " result"), "")]


def method_errors(model, function, where):
    errors = []
    for throw in function["exceptions"]:
        name = throw["type"]["class"]
        if name not in model.exceptions:
            raise SchemaError("%s: unknown exception %r" % (where, name))
        entry = (name, exception_code(model.exceptions[name]))
        if entry not in errors:
            errors.append(entry)
    return errors


def exception_code(exception):
    code = annotation(exception, "amp.code", exception["name"])
    if not code or not code.isprintable():
        raise SchemaError("exception %s: %r is not a usable error code" % (exception["name"], code))
    return code


def check_fixed_value(model, kind, key, value, where):
    """Raises SchemaError unless `value` is what an argument of this kind accepts on the wire."""
    type_id, spec = kind
    if type_id in INTEGER_TYPES:
        ok = re.fullmatch(r"-?[0-9]+", value) is not None
    elif type_id == "double":
        ok = re.fullmatch(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|nan|-?inf", value) is not None
    elif type_id == "bool":
        ok = value in ("True", "False")
    elif type_id == "enum":
        names = [m["name"] for m in model.enums[model.enum(spec, where)]["members"]]
        ok = value in names
        if not ok:
            raise SchemaError("%s: %s=%s: %r is not a name of %s (%s)"
                              % (where, key, value, value, spec["class"], ", ".join(names)))
    elif type_id in ("string", "binary"):
        ok = True
    else:
        raise SchemaError("%s: %s is a %s; only single values can be fixed" % (where, key, type_id))
    if not ok:
        raise SchemaError("%s: %s=%s: %r is not a valid %s" % (where, key, value, value, type_id))


def parse_alias(model, alias, text, arguments, where):
    """[(key, value)] of an amp.alias value "key=VALUE;...", checked against the method's arguments."""
    kinds = {a[0]: a[3] for a in arguments}
    fixed = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise SchemaError("%s amp.alias.%s: %r is not key=VALUE" % (where, alias, part))
        if key not in kinds:
            raise SchemaError("%s amp.alias.%s: %r is not an argument key of the method (keys: %s)"
                              % (where, alias, key, ", ".join(kinds)))
        if key in dict(fixed):
            raise SchemaError("%s amp.alias.%s: %r fixed twice" % (where, alias, key))
        check_fixed_value(model, kinds[key], key, value, "%s amp.alias.%s" % (where, alias))
        fixed.append((key, value))
    if not fixed:
        raise SchemaError("%s amp.alias.%s: fixes no argument" % (where, alias))
    return fixed


def build_commands(model):
    commands = []
    for service in model.schema["services"]:
        for function in service["functions"]:
            where = "%s.%s" % (service["name"], function["name"])
            if function.get("oneway"):
                raise SchemaError("%s: oneway methods have no AMP mapping yet" % where)
            name = annotation(function, "amp.command", function["name"])
            arguments = method_arguments(model, function, where)
            response = method_response(model, function, where)
            errors = method_errors(model, function, where)
            commands.append(Command(name, function.get("doc"), where, [a[:3] for a in arguments],
                                    response, errors))
            for key, text in (function.get("annotations") or {}).items():
                if not key.startswith("amp.alias."):
                    continue
                alias = key[len("amp.alias."):]
                fixed = parse_alias(model, alias, text, arguments, where)
                kept = [a[:3] for a in arguments if a[0] not in dict(fixed)]
                commands.append(Command(alias, function.get("doc"), where, kept, response, errors,
                                        fixed=fixed, alias_of=name))
    names = [c.name for c in commands] + list(model.exceptions)
    for name in names:
        if names.count(name) > 1:
            raise SchemaError("two commands or exceptions are named %r" % name)
        if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED \
                or name.endswith("_FIELDS") or name.startswith("_"):
            raise SchemaError("%r cannot be a class name in the generated module" % name)
    return commands


# ---------------------------------------------------------------- writing Python

def py_bytes(text):
    """A bytes literal of text's UTF-8, in double quotes when it can be."""
    literal = repr(text.encode("utf-8"))
    if literal.startswith("b'") and '"' not in literal and "\\'" not in literal:
        literal = 'b"%s"' % literal[2:-1]
    return literal


def py_doc(text, indent):
    """A docstring literal of `text`, indented for its place."""
    text = (text or "").strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.splitlines() or [""]
    if len(lines) == 1:
        return '%s"""%s"""\n' % (indent, lines[0])
    body = "\n".join((indent + line) if line.strip() else "" for line in lines[1:])
    return '%s"""%s\n%s\n%s"""\n' % (indent, lines[0], body, indent)


def comment(text, indent, width=100):
    if not text.strip():
        return ""
    lines = textwrap.wrap(text, width=max(40, width - len(indent) - 2), break_long_words=False,
                          break_on_hyphens=False)
    return "".join("%s# %s\n" % (indent, line) for line in lines)


RUNTIME = '''
# ---------------------------------------------------------------- argument types

#: The longest value AMP can carry; BigString splits longer ones.
MAX_VALUE_LENGTH = amp.MAX_VALUE_LENGTH


def _python_name(key):
    """The keyword Twisted uses for wire key `key` (its own rule: '-' becomes '_', a keyword is title-cased)."""
    name = key.replace(b"-", b"_").decode("utf-8")
    return name.title() if keyword.iskeyword(name) else name


class BigString(amp.Argument):
    """Bytes of any length: chunks of at most 65535 bytes under `key`, `key.2`, `key.3`, ...

    Reading takes `key`, then `key.2`, `key.3`, ... up to the first missing
    key (the amp-protocol.net recipe PyGraphics uses). An empty value is one
    empty `key`.
    """

    def toBytes(self, value):
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError("expected bytes, got %s" % type(value).__name__)
        return bytes(value)

    def fromBytes(self, data):
        return data

    def fromBox(self, name, strings, objects, proto):
        first = self.retrieve(strings, name, proto)
        if first is None:
            objects[_python_name(name)] = None
            return
        chunks = [first]
        number = 2
        while True:
            chunk = strings.pop(b"%s.%d" % (name, number), None)
            if chunk is None:
                break
            chunks.append(chunk)
            number += 1
        objects[_python_name(name)] = self.fromBytes(b"".join(chunks))

    def toBox(self, name, strings, objects, proto):
        value = self.retrieve(objects, _python_name(name), proto)
        if value is None:
            if self.optional:
                return
            raise TypeError("%s: a value is required, not None" % name.decode("utf-8"))
        try:
            data = self.toBytes(value)
        except (TypeError, UnicodeError) as error:
            raise TypeError("%s: %s" % (name.decode("utf-8"), error)) from None
        strings[name] = data[:MAX_VALUE_LENGTH]
        for number, start in enumerate(range(MAX_VALUE_LENGTH, len(data), MAX_VALUE_LENGTH), 2):
            strings[b"%s.%d" % (name, number)] = data[start:start + MAX_VALUE_LENGTH]


class BigUnicode(BigString):
    """Text of any length: its UTF-8, chunked as BigString does."""

    def toBytes(self, value):
        if not isinstance(value, str):
            raise TypeError("expected str, got %s" % type(value).__name__)
        return value.encode("utf-8")

    def fromBytes(self, data):
        return data.decode("utf-8")


class UnknownEnumName(ValueError):
    """A value of an enum argument is not one of the enum's names (the message names the key)."""


class Enum(amp.Argument):
    """A member of an IDL enum, by its NAME: `"RGB"` in Python and on the wire.

    Both directions accept only the names of ENUMS[enum]; anything else
    raises UnknownEnumName.
    """

    def __init__(self, enum, optional=False):
        amp.Argument.__init__(self, optional)
        self.enum = enum
        self.names = ENUMS[enum]

    def _unknown(self, value):
        return UnknownEnumName("%r is not a %s (one of %s)" % (value, self.enum, ", ".join(self.names)))

    def fromString(self, inString):
        name = inString.decode("utf-8", "replace")
        if name not in self.names:
            raise self._unknown(inString)
        return name

    def toString(self, inObject):
        if not isinstance(inObject, str) or inObject not in self.names:
            raise self._unknown(inObject)
        return inObject.encode("utf-8")

    def fromBox(self, name, strings, objects, proto):
        try:
            amp.Argument.fromBox(self, name, strings, objects, proto)
        except UnknownEnumName as error:
            raise UnknownEnumName("%s: %s" % (name.decode("utf-8"), error)) from None

    def toBox(self, name, strings, objects, proto):
        try:
            amp.Argument.toBox(self, name, strings, objects, proto)
        except UnknownEnumName as error:
            raise UnknownEnumName("%s: %s" % (name.decode("utf-8"), error)) from None


class Struct(amp.Argument):
    """An IDL struct as keys `key.field` (nested structs: `key.field.sub`); a dict in Python.

    `fields` lists (field key, Argument) as in Command.arguments. Encoding
    takes a dict {field key: value}: optional fields may be missing or None,
    a required one missing, or a key that is no field, raises
    amp.InvalidSignature. Decoding gives a dict of every field, None for an
    absent optional one (as Twisted does for arguments and AmpList rows). An
    optional Struct is absent (None) when the box has no `key.` key.
    """

    def __init__(self, fields, optional=False):
        amp.Argument.__init__(self, optional)
        self.fields = fields

    def fromBox(self, name, strings, objects, proto):
        prefix = name + b"."
        if self.optional and not any(key.startswith(prefix) for key in strings):
            objects[_python_name(name)] = None
            return
        value = {}
        for field, argument in self.fields:
            out = {}
            argument.fromBox(prefix + field, strings, out, proto)
            (value[field.decode("utf-8")],) = out.values()
        objects[_python_name(name)] = value

    def toBox(self, name, strings, objects, proto):
        value = self.retrieve(objects, _python_name(name), proto)
        label = name.decode("utf-8")
        if value is None:
            if self.optional:
                return
            raise amp.InvalidSignature("%s: a dict of fields is required, not None" % label)
        if not isinstance(value, Mapping):
            raise TypeError("%s: expected a dict of fields, got %s" % (label, type(value).__name__))
        known = [field.decode("utf-8") for field, _ in self.fields]
        unknown = sorted(str(k) for k in value if k not in known)
        if unknown:
            raise amp.InvalidSignature("%s: no field %s (fields: %s)" % (label, ", ".join(unknown), ", ".join(known)))
        for (field, argument), python_field in zip(self.fields, known):
            key = name + b"." + field
            item = value.get(python_field)
            if item is None and not argument.optional:
                raise amp.InvalidSignature("%s: required field %s is missing" % (label, python_field))
            argument.toBox(key, strings, {_python_name(key): item}, proto)


class AliasCommand(amp.Command):
    """A second AMP name for a method, with some argument keys fixed (`amp.alias.NAME`).

    `fixedArguments` maps those keys to their wire values; they are not
    arguments of the class, and makeArguments (what callRemote uses) adds
    them to every box it makes. parseArguments, like Twisted's, ignores keys
    that are not arguments, so a responder does not see them.
    """

    fixedArguments = {}

    @classmethod
    def makeArguments(cls, objects, proto):
        box = super().makeArguments(objects, proto)
        box.update(cls.fixedArguments)
        return box
'''


def write_module(model, commands, source_name, with_xml):
    out = []
    w = out.append
    w("# Generated by scripts/gen_amp_commands.py from %s%s: do not edit, run `make gen`.\n"
      % (source_name, " (enum types from thrift --gen xml)" if with_xml else ""))
    w(MODULE_DOC)
    w("\nimport keyword\nfrom collections.abc import Mapping\n\nfrom twisted.protocols import amp\n")
    w(RUNTIME)

    w("\n\n# ---------------------------------------------------------------- errors\n\n")
    w("class VitrineAmpError(Exception):\n")
    w(py_doc("Base class of the errors the IDL declares, as AMP errors.\n\n"
             "Only the message travels (as `_error_description`); the IDL exception's\n"
             "other fields do not.", "    "))
    for name, exception in model.exceptions.items():
        w("\n\nclass %s(VitrineAmpError):\n" % name)
        doc = (exception.get("doc") or name).strip()
        w(py_doc("%s\n\nAMP error code: %s." % (doc, exception_code(exception)), "    "))

    w("\n\n# ---------------------------------------------------------------- enums\n\n")
    w("#: Each IDL enum's member names, in IDL order: what an Enum argument sends and accepts.\n")
    w("ENUMS = {\n")
    for name, enum in model.enums.items():
        w(comment(one_line(enum.get("doc")), "    "))
        members = ", ".join(json.dumps(m["name"]) for m in enum["members"])
        line = "    %s: (%s),\n" % (json.dumps(name), members)
        if len(line) > 101:
            wrapped = textwrap.wrap(members, width=92, break_long_words=False, break_on_hyphens=False)
            line = "    %s: (\n%s\n    ),\n" % (json.dumps(name), "\n".join("        " + x for x in wrapped))
        w(line)
    w("}\n")

    w("\n\n# ---------------------------------------------------------------- structs\n")
    w("# The fields of each struct, for Struct (keys `key.field`) and amp.AmpList (a sub-box per struct).\n")
    for struct in model.struct_order():
        w("\n")
        w(comment("%s: %s" % (struct["name"], one_line(struct.get("doc"))), ""))
        w("%s = [\n" % fields_constant(struct["name"]))
        for field in struct["fields"]:
            where = "%s.%s" % (struct["name"], field["name"])
            w(comment(one_line(field.get("doc")), "    "))
            w("    (%s, %s),\n" % (py_bytes(amp_key(field)), model.argument(*type_of(field), is_optional(field), where)))
        w("]\n")

    w("\n\n# ---------------------------------------------------------------- commands\n")
    for command in commands:
        base = "AliasCommand" if command.fixed else "amp.Command"
        w("\n\nclass %s(%s):\n" % (command.name, base))
        doc = (command.doc or command.origin).strip()
        if command.fixed:
            fixed = ", ".join("%s=%s" % kv for kv in command.fixed)
            doc += "\n\nCalls %s (as %s does) with %s always sent." % (command.origin, command.alias_of, fixed)
        else:
            doc += "\n\nCalls %s." % command.origin
        w(py_doc(doc, "    "))
        w("\n    commandName = %s\n" % py_bytes(command.name))
        if command.fixed:
            w("    fixedArguments = {%s}\n" % ", ".join("%s: %s" % (py_bytes(k), py_bytes(v))
                                                      for k, v in command.fixed))
        write_arglist(w, "arguments", command.arguments)
        write_arglist(w, "response", command.response)
        if command.errors:
            w("    errors = {\n")
            for name, code in command.errors:
                w("        %s: %s,\n" % (name, py_bytes(code)))
            w("    }\n")

    w("\n\n#: Every command above by its wire name, in IDL order (aliases after their method).\n")
    w("COMMANDS = {\n")
    for command in commands:
        w("    %s: %s,\n" % (py_bytes(command.name), command.name))
    w("}\n")
    w("\n#: Every error class by its AMP error code.\n")
    w("ERRORS = {\n")
    for name, exception in model.exceptions.items():
        w("    %s: %s,\n" % (py_bytes(exception_code(exception)), name))
    w("}\n")
    return "".join(out)


def write_arglist(w, attribute, entries):
    if not entries:
        w("    %s = []\n" % attribute)
        return
    w("    %s = [\n" % attribute)
    for key, source, note in entries:
        w(comment(note, "        "))
        w("        (%s, %s),\n" % (py_bytes(key), source))
    w("    ]\n")


MODULE_DOC = '''"""vitrine's commands as Twisted AMP commands, generated from the IDL.

Every method of the IDL's services (DisplayManager and the Vitrine service
that extends it) is one amp.Command class here, and every `amp.alias.NAME`
annotation one more. Use them on any Twisted AMP connection to vitrine:

    from vitrine.amp_commands import StartInspect
    answer = await proto.callRemote(
        StartInspect, img={"width": 2, "height": 1, "mode": "RGB", "data": b"..."}, inspectable=True)
    answer["inspector_id"]

The mapping (the server's AMP bridge implements the same rules):

Commands. The wire name (`commandName`) is the method's `amp.command`, else
the method's own name (`fetchUrl`); the class has the same name. Each
`amp.alias.NAME = "key=VALUE;..."` adds a class NAME (an AliasCommand) for
the same method: those keys are not its arguments but are sent in every box
its makeArguments makes, VALUE as written (AskOpenFilename always sends
mode=OPEN). A receiver's parseArguments ignores them.

Arguments. Keys are argument names, or their `amp.name`. A struct argument
is one Struct argument whose fields travel as keys `argument.field` (field
name or `amp.name`) and whose Python value is a dict {field: value}; with
`amp.flatten = "true"` its fields are top-level arguments instead. A struct
field inside a struct nests the same way, as keys `argument.field.sub`
(also inside AmpList sub-boxes), rather than as an AmpList of one.
An argument is required, except a struct argument all of whose fields are
optional: that one is optional, and absent (None) when the box has no key
`argument.`. A struct field, or a field of a flattened struct, is optional
exactly when the IDL says `optional`. Optional values that are None or
missing are left out of the box; decoded, an absent one is None (a dict
field included), as Twisted does for its own arguments.

Types.
    string               BigUnicode: UTF-8 of any length, chunked like BigString
    binary               BigString: chunks of at most 65535 bytes under `key`,
                         `key.2`, `key.3`, ...; reading stops at the first
                         missing key
    bool                 amp.Boolean
    i8 i16 i32 i64       amp.Integer
    double               amp.Float
    enum                 Enum: the member's NAME as text, checked against the
                         enum's names when encoding and decoding (an unknown
                         name raises UnknownEnumName naming the key)
    list<struct>         amp.AmpList of the struct's fields
    list<other>          amp.ListOf: strings as amp.Unicode, binary as
                         amp.String, enums as Enum (no chunking: the whole
                         list must fit in 65535 bytes)
    struct               Struct, as above
    map, set, list<list> not mapped (the generator refuses them)

Responses. A void method answers no keys; a struct result spreads its
fields as keys (as arguments of a flattened struct would be); any other
result is one key, the method's `amp.response`, else `result`.

Errors. Each IDL exception is a class here (a VitrineAmpError), listed in
the `errors` of every command whose method throws it, with the code
`amp.code`, else the exception's name. Only the message travels (as
`_error_description`), not the exception's fields. `fatalErrors` is empty:
no declared error closes the connection.

COMMANDS maps every wire name to its class, ERRORS every error code to its
class.
"""
'''


def generate(schema, xml_text=None, source_name="gen/amp/vitrine.json"):
    """The Python module for `schema` (the parsed JSON), as text.

    With `xml_text`, first restores the enum types in `schema` (in place).
    """
    if xml_text is not None:
        restore_enum_types(schema, xml_text)
    if schema["enums"] and not mentions_enum_types(schema):
        raise SchemaError(
            "the schema declares enums but types no field, argument or result as one: Thrift's "
            "--gen json (0.17) writes enum types as i32. Pass --thrift-xml with `thrift --gen xml` "
            "of the same IDL so enums travel as their names")
    model = Model(schema)
    commands = build_commands(model)
    return write_module(model, commands, source_name, xml_text is not None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", help="thrift --gen json of the IDL (gen/amp/vitrine.json)")
    parser.add_argument("--thrift-xml", help="thrift --gen xml of the same IDL (for enum types)")
    parser.add_argument("-o", "--output", help="where to write the module (default: stdout)")
    parser.add_argument("--write-schema", metavar="OUT.json",
                        help="also write the schema, enum types restored, to OUT.json")
    parser.add_argument("--source-name", default="gen/amp/vitrine.json",
                        help="how the module's header names the schema")
    options = parser.parse_args(argv)
    with open(options.schema, encoding="utf-8") as f:
        schema = json.load(f)
    xml_text = None
    if options.thrift_xml:
        with open(options.thrift_xml, encoding="utf-8") as f:
            xml_text = f.read()
    try:
        text = generate(schema, xml_text, options.source_name)
    except SchemaError as error:
        print("gen_amp_commands: %s" % error, file=sys.stderr)
        return 1
    if options.write_schema:
        with open(options.write_schema, "w", encoding="utf-8", newline="\n") as f:
            json.dump(schema, f, indent=1, ensure_ascii=False)
            f.write("\n")
    if options.output:
        with open(options.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
