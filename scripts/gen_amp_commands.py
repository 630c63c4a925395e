#!/usr/bin/env python3
"""Resolves the AMP mapping of the IDL once, and writes it for the server and for Twisted.

    gen_amp_commands.py SCHEMA.json --thrift-xml IDL.xml --serve SERVICE --callbacks SERVICE
                        [--resolved-schema OUT.json] [-o OUT.py]

SCHEMA.json is `thrift --gen json` of idl/vitrine.thrift; its `amp.`
annotations (see the top of the IDL) say how each method looks on the AMP
side. This script is the one place that applies the mapping rules (command
names, keys, flattening, aliases, defaults, fixed values, response keys,
error codes; docs/amp.md states them), and it writes two things from the
one resolved model:

- OUT.json (gen/amp/vitrine_amp.json), the resolved schema: for every
  command vitrine serves (the methods of --serve and the services it
  extends, and their aliases) and every callback it sends (the methods of
  --callbacks), its AMP name, its Thrift method, every key with its AMP
  and Thrift types, whether it may be left out, its default, fixed values,
  the answer's keys and the error codes. The server's AMP bridge reads it
  as it is (server/amp/amp_schema_loader.h) and applies no rule of its own.
- OUT.py (gen/amp/vitrine_amp_commands.py, shipped as
  `vitrine.amp_commands`): one Twisted amp.Command class per method (of
  every service) and per `amp.alias.NAME`, one exception class per IDL
  exception, each class's docstring listing its keys. The argument types
  they use live in the package (clients/python/vitrine/_amp_runtime.py).

Enum types: Thrift 0.17 (Debian 12) writes a field of enum type into the JSON
as a plain "i32", so the JSON alone cannot tell `Picture.mode` (sent as the
name `RGB`) from an integer. IDL.xml, `thrift --gen xml` of the same IDL,
keeps the types: the generator reads which fields, arguments, results and
list elements are enums from it and uses the JSON for everything else. A
JSON that already carries enum types (`"typeId": "enum"`, as later Thrift
versions write) needs no XML. Without either, the generator refuses to run
rather than send enums as integers.

Pure standard library; Twisted is needed only to import the module. The
outputs depend on the inputs alone (no dates, no paths), so `make gen` is
reproducible. Anything the mapping has no rule for (maps, sets, lists of
lists, unions, oneway methods, defaults of structs or lists, unknown
annotations and their bad values, clashing keys or names) is an error that
names the place in the IDL.
"""

import argparse
import json
import keyword
import math
import re
import sys
import textwrap
import xml.etree.ElementTree as ElementTree

XML_NS = "{http://thrift.apache.org/xml/idl}"
#: The resolved schema's format and version; server/amp/amp_schema_loader.cpp reads exactly these.
SCHEMA_FORMAT = "vitrine-amp-schema"
SCHEMA_VERSION = 1
INTEGER_TYPES = ("byte", "i8", "i16", "i32", "i64")
#: The range of each Thrift integer type (a default or fixed value must fit).
INTEGER_RANGES = {"i8": (-2 ** 7, 2 ** 7 - 1), "i16": (-2 ** 15, 2 ** 15 - 1), "i32": (-2 ** 31, 2 ** 31 - 1),
                  "i64": (-2 ** 63, 2 ** 63 - 1)}
#: The AMP type of each Thrift base type: in a box or sub-box (strings chunked), and as a ListOf element.
AMP_TYPES = {
    "bool": ("Boolean", "Boolean"),
    "i8": ("Integer", "Integer"),
    "i16": ("Integer", "Integer"),
    "i32": ("Integer", "Integer"),
    "i64": ("Integer", "Integer"),
    "double": ("Float", "Float"),
    "string": ("BigUnicode", "Unicode"),
    "binary": ("BigString", "String"),
}
#: The Python source of each AMP type that is not the generated module's own (Enum, Struct...).
PY_TYPES = {
    "Boolean": "amp.Boolean", "Integer": "amp.Integer", "Float": "amp.Float", "Unicode": "amp.Unicode",
    "String": "amp.String", "BigUnicode": "BigUnicode", "BigString": "BigString",
}
#: What vitrine.amp_commands takes from the package's runtime (clients/python/vitrine/_amp_runtime.py).
RUNTIME_NAMES = ["MAX_VALUE_LENGTH", "AliasCommand", "BigString", "BigUnicode", "Default", "Enum", "Struct",
                 "UnknownEnumName", "VitrineAmpError"]
# Names the generated module defines or imports; no command or exception may take them.
RESERVED = set(RUNTIME_NAMES) | {"amp", "ENUMS", "COMMANDS", "ERRORS"}


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


# ---------------------------------------------------------------- reading the IDL's JSON

def upper_snake(name):
    """PushUrl -> PUSH_URL."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def fields_constant(struct_name):
    return upper_snake(struct_name) + "_FIELDS"


def one_line(doc):
    """An IDL doc comment as one line of text ('' when there is none)."""
    return " ".join((doc or "").split())


def described(label, doc):
    """`label: doc` for a comment, or just the label when the IDL has no doc."""
    doc = one_line(doc)
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
    type_id = holder[id_key]
    return ("i8" if type_id == "byte" else type_id), holder.get(type_key) or {}


def exception_code(exception):
    code = annotation(exception, "amp.code", exception["name"])
    if not code or not code.isprintable():
        raise SchemaError("exception %s: %r is not a usable error code" % (exception["name"], code))
    return code


class Model:
    """The IDL's JSON, indexed, with the annotation checks that need no resolving."""

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
        self.services = {}
        for service in schema["services"]:
            self.services[service["name"]] = service
            check_annotations(service, set(), service["name"])
            for function in service["functions"]:
                check_annotations(function, {"amp.command", "amp.response", "amp.alias."},
                                  "%s.%s" % (service["name"], function["name"]))
                for argument in function["arguments"]:
                    check_annotations(argument, {"amp.name", "amp.flatten"},
                                      "%s.%s(%s)" % (service["name"], function["name"], argument["name"]))

    def struct_node(self, spec, where):
        name = spec.get("class")
        if name not in self.structs:
            raise SchemaError("%s: unknown struct %r" % (where, name))
        return self.structs[name]

    def enum_names(self, spec, where):
        name = spec.get("class")
        if name not in self.enums:
            raise SchemaError("%s: unknown enum %r" % (where, name))
        return name, [m["name"] for m in self.enums[name]["members"]]

    def chain(self, name, what):
        """The services `name` extends, farthest first, then `name` itself."""
        chain, current = [], name
        while current:
            if current in chain:
                raise SchemaError("service %s: extends itself (through %s)" % (name, current))
            if current not in self.services:
                raise SchemaError("service %s: %s" % (current, "not in the schema" if current == name
                                                      else "extended but not in the schema") + what)
            chain.insert(0, current)
            current = self.services[current].get("extends") or ""
        return chain


# ---------------------------------------------------------------- the resolved model

class Value:
    """A value's types: Thrift's ("i32", "enum", "struct", "list"...) and AMP's ("Integer", "Enum", "Struct"...).

    `enum` names an enum (with its member names in `names`), `struct` is a
    Struct, and `element` the Value of a list's elements (an AmpList's
    elements are structs, a ListOf's single values).
    """

    def __init__(self, thrift, amp, enum=None, names=None, struct=None, element=None):
        self.thrift = thrift
        self.amp = amp
        self.enum = enum
        self.names = names
        self.struct = struct
        self.element = element


class Field:
    """A struct field, a method argument or a method's result, with every rule applied.

    `key` is its AMP key relative to its struct or box (None: its struct's
    fields are keys of the box itself, as for a flattened argument or a
    struct result). `optional` says whether it may be left out; `default`
    is the wire value (text) it then takes, when the IDL gives one.
    """

    def __init__(self, id, name, key, value, optional, default=None, doc=None):
        self.id = id
        self.name = name
        self.key = key
        self.value = value
        self.optional = optional
        self.default = default
        self.doc = doc


class Struct:
    """An IDL struct (not an exception): its fields, resolved, with keys relative to the struct."""

    def __init__(self, name, doc):
        self.name = name
        self.doc = doc
        self.fields = []


class Error:
    """An exception a method declares: the result field it comes in, its AMP code and its message field."""

    def __init__(self, id, exception, code, message_id):
        self.id = id
        self.exception = exception
        self.code = code
        self.message_id = message_id


class Command:
    """One AMP command: a method under its AMP name, or one of its aliases, or a callback."""

    def __init__(self, name, service, function, arguments, result, errors, fixed=None, alias_of=None):
        self.name = name
        self.service = service
        self.method = function["name"]
        self.doc = function.get("doc")
        self.origin = "%s.%s" % (service, function["name"])
        self.arguments = arguments          # [Field]
        self.result = result                # Field or None (void)
        self.errors = errors                # [Error]
        self.fixed = fixed or []            # [(key, wire value)] (aliases)
        self.alias_of = alias_of            # the command an alias shares its method with

    def top_keys(self):
        """[(key, Field, label)] of the box's own keys: arguments, and a flattened struct's fields."""
        return top_keys(self.arguments)

    def response_keys(self):
        """[(key, Field, label)] of the answer: a struct result's fields, or the one result."""
        if self.result is None:
            return []
        if self.result.key is None:
            return [(f.key, f, f.name) for f in self.result.value.struct.fields]
        return [(self.result.key, self.result, None)]


def top_keys(fields):
    out = []
    for field in fields:
        if field.key is None:
            out += [(f.key, f, "%s.%s" % (field.name, f.name)) for f in field.value.struct.fields]
        else:
            out.append((field.key, field, field.name))
    return out


def wire_integer(value, thrift, where):
    low, high = INTEGER_RANGES[thrift]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SchemaError("%s: %r is not a valid %s (%d..%d)" % (where, value, thrift, low, high))
    return str(value)


def wire_float(value):
    """A double as its AMP text: Python's repr, as Twisted's amp.Float writes it."""
    return repr(float(value))


class Resolver:
    """Applies the mapping rules to the Model: every struct, and the commands of every service."""

    def __init__(self, model):
        self.model = model
        self.structs = {}          # name -> Struct, once resolved
        self.resolving = []        # the structs being resolved, outermost first (to find cycles)
        for name in model.structs:
            self.struct(name, name)

    def struct(self, name, where):
        if name in self.structs:
            return self.structs[name]
        if name in self.resolving:
            path = self.resolving[self.resolving.index(name):] + [name]
            raise SchemaError("struct %s contains itself (%s): no AMP mapping" % (name, " -> ".join(path)))
        self.resolving.append(name)
        node = self.model.structs[name]
        struct = Struct(name, node.get("doc"))
        for field in node["fields"]:
            field_where = "%s.%s" % (name, field["name"])
            value = self.value(*type_of(field), field_where)
            default = self.default(field, value, field_where)
            struct.fields.append(Field(field["key"], field["name"], amp_key(field), value,
                                       is_optional(field) or default is not None, default, field.get("doc")))
        self.resolving.pop()
        self.structs[name] = struct
        return struct

    def value(self, type_id, spec, where):
        if type_id in AMP_TYPES:
            return Value(type_id, AMP_TYPES[type_id][0])
        if type_id == "enum":
            enum, names = self.model.enum_names(spec, where)
            return Value("enum", "Enum", enum=enum, names=names)
        if type_id == "struct":
            return Value("struct", "Struct", struct=self.struct(self.model.struct_node(spec, where)["name"], where))
        if type_id == "list":
            elem_id, elem = type_of(spec, "elemTypeId", "elemType")
            if elem_id == "struct":
                element = Value("struct", "Struct", struct=self.struct(self.model.struct_node(elem, where)["name"],
                                                                       where))
                return Value("list", "AmpList", element=element)
            if elem_id in AMP_TYPES:
                return Value("list", "ListOf", element=Value(elem_id, AMP_TYPES[elem_id][1]))
            if elem_id == "enum":
                enum, names = self.model.enum_names(elem, where)
                return Value("list", "ListOf", element=Value("enum", "Enum", enum=enum, names=names))
            raise SchemaError("%s: a list of %s has no AMP mapping" % (where, elem_id))
        raise SchemaError("%s: type %s has no AMP mapping (maps, sets and lists of lists are not supported)"
                          % (where, type_id))

    def default(self, node, value, where):
        """The wire value of the IDL default (`= VALUE`) of a field or argument, or None."""
        if "default" not in node:
            return None
        if is_optional(node):
            raise SchemaError("%s: an optional field with a default has no AMP mapping (absent over AMP, it "
                              "could not also be the default): drop `optional` or the default" % where)
        default = node["default"]
        if value.thrift in INTEGER_RANGES:
            return wire_integer(default, value.thrift, where + " default")
        if value.thrift == "bool":
            if default not in (0, 1):  # True and False are 1 and 0
                raise SchemaError("%s: default %r is not a bool" % (where, default))
            return "True" if default else "False"
        if value.thrift == "double":
            if isinstance(default, bool) or not isinstance(default, (int, float)):
                raise SchemaError("%s: default %r is not a double" % (where, default))
            return wire_float(default)
        if value.thrift in ("string", "binary"):
            if not isinstance(default, str):
                raise SchemaError("%s: default %r is not a %s" % (where, default, value.thrift))
            return default
        if value.thrift == "enum":
            members = self.model.enums[value.enum]["members"]
            for member in members:
                if member["value"] == default:
                    return member["name"]
            raise SchemaError("%s: default %r is no member of %s" % (where, default, value.enum))
        raise SchemaError("%s: a default for a %s has no AMP mapping (only single values have one)"
                          % (where, value.thrift))

    # ---- methods

    def arguments(self, function, where):
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
                if "default" in argument:
                    raise SchemaError("%s: a default for a struct has no AMP mapping" % arg_where)
                # The struct itself is always sent: its keys are the box's own.
                out.append(Field(argument["key"], argument["name"], None, self.value(type_id, spec, arg_where),
                                 False, doc=argument.get("doc")))
                continue
            value = self.value(type_id, spec, arg_where)
            default = self.default(argument, value, arg_where)
            if value.thrift == "struct":
                # A struct all of whose keys may be left out may be left out as a whole.
                optional = all(f.optional for f in value.struct.fields)
            else:
                optional = is_optional(argument) or default is not None
            out.append(Field(argument["key"], argument["name"], amp_key(argument), value, optional, default,
                             argument.get("doc")))
        keys = [key for key, _, _ in top_keys(out)]
        check_unique(keys, where + " arguments")
        for key in keys:
            python_name = key.replace("-", "_")
            if not python_name.isidentifier():
                raise SchemaError("%s: argument key %r is not a Python identifier (nor is it after Twisted "
                                  "replaces '-' by '_'); Twisted could not pass it as a keyword" % (where, key))
        return out

    def result(self, function, where):
        type_id, spec = type_of(function, "returnTypeId", "returnType")
        name = annotation(function, "amp.response")
        if type_id == "void":
            if name is not None:
                raise SchemaError("%s: amp.response on a void method" % where)
            return None
        value = self.value(type_id, spec, where + " result")
        if value.thrift == "struct":
            if name is not None:
                raise SchemaError("%s: amp.response on a struct result (its fields are the keys)" % where)
            return Field(0, "success", None, value, False)
        return Field(0, "success", usable_key(name or "result", where + " amp.response"), value, False)

    def errors(self, function, where):
        errors = []
        for throw in function["exceptions"]:
            name = throw["type"]["class"]
            if name not in self.model.exceptions:
                raise SchemaError("%s: unknown exception %r" % (where, name))
            exception = self.model.exceptions[name]
            message = [f["key"] for f in exception["fields"] if f["name"] == "message" and f["typeId"] == "string"]
            errors.append(Error(throw["key"], name, exception_code(exception), message[0] if message else None))
        return errors

    def fixed_value(self, field, key, value, where):
        """Raises SchemaError unless `value` is what `field` accepts on the wire."""
        thrift = field.value.thrift
        if thrift in INTEGER_RANGES:
            ok = re.fullmatch(r"-?[0-9]+", value) is not None
            if ok:
                low, high = INTEGER_RANGES[thrift]
                ok = low <= int(value) <= high
        elif thrift == "double":
            ok = re.fullmatch(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|nan|-?inf", value) is not None
        elif thrift == "bool":
            ok = value in ("True", "False")
        elif thrift == "enum":
            if value not in field.value.names:
                raise SchemaError("%s: %s=%s: %r is not a name of %s (%s)"
                                  % (where, key, value, value, field.value.enum, ", ".join(field.value.names)))
            ok = True
        elif thrift in ("string", "binary"):
            ok = True
        else:
            raise SchemaError("%s: %s is a %s; only single values can be fixed" % (where, key, thrift))
        if not ok:
            raise SchemaError("%s: %s=%s: %r is not a valid %s" % (where, key, value, value, thrift))

    def alias(self, alias, text, arguments, where):
        """[(key, value)] of an amp.alias value "key=VALUE;...", checked against the method's keys."""
        where = "%s amp.alias.%s" % (where, alias)
        fields = {key: field for key, field, _ in top_keys(arguments)}
        fixed = []
        for part in text.split(";"):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key:
                raise SchemaError("%s: %r is not key=VALUE" % (where, part))
            if key not in fields:
                raise SchemaError("%s: %r is not an argument key of the method (keys: %s)"
                                  % (where, key, ", ".join(fields)))
            if key in dict(fixed):
                raise SchemaError("%s: %r fixed twice" % (where, key))
            self.fixed_value(fields[key], key, value, where)
            fixed.append((key, value))
        if not fixed:
            raise SchemaError("%s: fixes no argument" % where)
        return fixed

    def commands(self, service, callback=False):
        """The commands of one service's methods, in IDL order, each method's aliases after it."""
        commands = []
        for function in self.model.services[service]["functions"]:
            where = "%s.%s" % (service, function["name"])
            if function.get("oneway"):
                raise SchemaError("%s: oneway methods have no AMP mapping yet" % where)
            name = annotation(function, "amp.command", function["name"])
            arguments = self.arguments(function, where)
            result = self.result(function, where)
            errors = self.errors(function, where)
            commands.append(Command(name, service, function, arguments, result, errors))
            for key, text in (function.get("annotations") or {}).items():
                if not key.startswith("amp.alias."):
                    continue
                if callback:
                    # vitrine sends a callback under one name; a second name would never be used.
                    raise SchemaError("%s: amp.alias on a callback means nothing" % where)
                alias = key[len("amp.alias."):]
                fixed = self.alias(alias, text, arguments, where)
                commands.append(Command(alias, service, function, arguments, result, errors, fixed=fixed,
                                        alias_of=name))
        return commands


class Resolved:
    """Everything both outputs are written from: enums, structs, and the commands of every service.

    `served` are the commands a peer may send (the served service and those
    it extends), `callbacks` those vitrine sends; `commands` holds those of
    every service in IDL order (a Twisted class each).
    """

    def __init__(self, schema, serve, callbacks):
        model = Model(schema)
        resolver = Resolver(model)
        self.model = model
        self.enums = [(e["name"], e.get("doc"), [(m["name"], m["value"]) for m in e["members"]])
                      for e in schema["enums"]]
        self.structs = [resolver.structs[name] for name in model.structs]
        served_chain = model.chain(serve, "") if serve else []
        callback_chain = model.chain(callbacks, " (--callbacks)") if callbacks else []
        overlap = set(served_chain) & set(callback_chain)
        if overlap:
            raise SchemaError("service %s is both served and a callback" % ", ".join(sorted(overlap)))
        by_service = {name: resolver.commands(name, callback=name in callback_chain) for name in model.services}
        self.commands = [c for service in model.services for c in by_service[service]]
        self.served = [c for service in served_chain for c in by_service[service]]
        self.callbacks = [c for service in callback_chain for c in by_service[service]]
        self.exceptions = [(name, e.get("doc"), exception_code(e)) for name, e in model.exceptions.items()]

        names = [c.name for c in self.commands] + list(model.exceptions)
        for name in names:
            if names.count(name) > 1:
                raise SchemaError("two commands or exceptions are named %r" % name)
            if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED \
                    or name.endswith("_FIELDS") or name.startswith("_"):
                raise SchemaError("%r cannot be a class name in the generated module" % name)
        for command in self.served + self.callbacks:
            for where, nodes in (("arguments", command_json(command)["arguments"]),
                                 ("answer", [command_json(command)["result"] or {}])):
                check_unique(leaf_keys(nodes), "%s (%s) %s" % (command.name, command.origin, where))

    def struct_order(self):
        """The structs, in IDL order but each after the structs its fields use (for the FIELDS constants)."""
        order = []

        def visit(struct):
            if struct in order:
                return
            for field in struct.fields:
                for value in (field.value, field.value.element):
                    if value is not None and value.struct is not None:
                        visit(value.struct)
            order.append(struct)

        for struct in self.structs:
            visit(struct)
        return order


# ---------------------------------------------------------------- the resolved schema (JSON)

def value_json(value):
    node = {"thrift": value.thrift, "amp": value.amp}
    if value.enum is not None:
        node["enum"] = value.enum
    return node


def field_json(field, prefix, fixed):
    """The JSON of `field` whose key lies under `prefix`; `fixed` maps the box's own keys to their fixed values."""
    node = {"id": field.id, "name": field.name}
    node.update(value_json(field.value))
    value = field.value
    if value.thrift == "struct":
        key_prefix = prefix if field.key is None else prefix + field.key + "."
        node["struct"] = value.struct.name
        node["keyPrefix"] = key_prefix
        node["optional"] = field.optional
        node["fields"] = [field_json(f, key_prefix, fixed if key_prefix == "" else {}) for f in value.struct.fields]
        return node
    key = prefix + field.key
    node["key"] = key
    node["optional"] = field.optional
    if field.default is not None:
        node["default"] = field.default
    if key in fixed:
        node["fixed"] = fixed[key]
    if value.thrift == "list":
        element = value_json(value.element)
        if value.element.struct is not None:
            element["struct"] = value.element.struct.name
            element["fields"] = [field_json(f, "", {}) for f in value.element.struct.fields]
        node["element"] = element
    return node


def leaf_keys(nodes):
    """Every key the nodes put in their box (not inside AmpList rows)."""
    keys = []
    for node in nodes:
        if "fields" in node:
            keys += leaf_keys(node["fields"])
        elif "key" in node:
            keys.append(node["key"])
    return keys


def command_json(command):
    fixed = dict(command.fixed)
    return {
        "name": command.name,
        "service": command.service,
        "method": command.method,
        "arguments": [field_json(a, "", fixed) for a in command.arguments],
        "result": field_json(command.result, "", {}) if command.result else None,
        "errors": [{"id": e.id, "exception": e.exception, "code": e.code, "messageFieldId": e.message_id}
                   for e in command.errors],
    }


def schema_json(resolved, source_name):
    return {
        "format": SCHEMA_FORMAT,
        "version": SCHEMA_VERSION,
        "generatedFrom": "%s by scripts/gen_amp_commands.py: do not edit, run `make gen`" % source_name,
        "enums": [{"name": name, "members": [{"name": m, "value": v} for m, v in members]}
                  for name, _, members in resolved.enums],
        "commands": [command_json(c) for c in resolved.served],
        "callbacks": [command_json(c) for c in resolved.callbacks],
    }


def compact_json(value, indent=""):
    """JSON text with each object or list that fits one line (a key's node, an enum member) on one line."""
    one_line = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or len(indent) + len(one_line) <= 150:
        return one_line
    inner = indent + " "
    if isinstance(value, dict):
        items = ["%s%s: %s" % (inner, json.dumps(k, ensure_ascii=False), compact_json(v, inner).lstrip())
                 for k, v in value.items()]
        return "{\n%s\n%s}" % (",\n".join(items), indent)
    return "[\n%s\n%s]" % (",\n".join(inner + compact_json(v, inner) for v in value), indent)


def write_schema(resolved, source_name):
    return compact_json(schema_json(resolved, source_name)) + "\n"


# ---------------------------------------------------------------- the Twisted module

def py_bytes(text):
    """A bytes literal of text's UTF-8, in double quotes when it can be."""
    literal = repr(text.encode("utf-8"))
    if literal.startswith("b'") and '"' not in literal and "\\'" not in literal:
        literal = 'b"%s"' % literal[2:-1]
    return literal


def py_str(text):
    return json.dumps(text, ensure_ascii=False)


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


def py_type(value, optional):
    """Python source of the AMP argument type for `value`."""
    flag = ", optional=True" if optional else ""
    if value.amp == "Enum":
        return "Enum(%s, ENUMS[%s]%s)" % (py_str(value.enum), py_str(value.enum), flag)
    if value.amp == "Struct":
        return "Struct(%s%s)" % (fields_constant(value.struct.name), flag)
    if value.amp == "AmpList":
        return "amp.AmpList(%s%s)" % (fields_constant(value.element.struct.name), flag)
    if value.amp == "ListOf":
        return "amp.ListOf(%s%s)" % (py_type(value.element, False), flag)
    return "%s(%s)" % (PY_TYPES[value.amp], flag[2:])


def py_value(value, wire):
    """Python source of the value `wire` (a wire text) decodes to."""
    if value.amp == "Boolean":
        return wire
    if value.amp == "Integer":
        return str(int(wire))
    if value.amp == "Float":
        number = float(wire)
        return repr(number) if math.isfinite(number) else "float(%s)" % py_str(wire)
    if value.amp == "BigString":
        return py_bytes(wire)
    return py_str(wire)


def py_argument(field):
    """Python source of the AMP argument for `field`: its type, optional, or wrapped with its default."""
    if field.default is not None:
        return "Default(%s, %s)" % (py_type(field.value, False), py_value(field.value, field.default))
    return py_type(field.value, field.optional)


def type_label(node):
    """How a docstring names the type of a resolved-schema node."""
    amp = node["amp"]
    if amp == "Enum":
        return "%s name" % node["enum"]
    if amp == "ListOf":
        element = node["element"]
        return "ListOf(%s)" % ("%s name" % element["enum"] if element["amp"] == "Enum" else element["amp"])
    if amp == "AmpList":
        return "AmpList of %s: rows of the keys below" % node["element"]["struct"]
    if amp == "Struct":
        return "%s: a dict of the keys below" % node["struct"]
    return amp


def key_lines(nodes, indent=""):
    """(key, description, indent) for the nodes' keys, depth first; a struct or AmpList first has its own line."""
    out = []
    for node in nodes:
        notes = []
        if node.get("optional"):
            notes.append("optional")
        if "default" in node:
            notes.append("default %s" % node["default"])
        if "fixed" in node:
            notes = ["always %s (fixed)" % node["fixed"]]
        description = ", ".join([type_label(node)] + notes)
        if node["amp"] == "Struct":
            if node["keyPrefix"]:
                out.append((node["keyPrefix"][:-1], description, indent))
                out += key_lines(node["fields"], indent + "  ")
            else:  # a flattened argument or a struct result: its keys are the box's own
                out += key_lines(node["fields"], indent)
            continue
        out.append((node["key"], description, indent))
        if node["amp"] == "AmpList":
            out += key_lines(node["element"]["fields"], indent + "  ")
    return out


def key_table(title, nodes):
    lines = key_lines(nodes)
    if not lines:
        return "%s: none." % title
    width = max(len(indent + key) for key, _, indent in lines) + 2
    out = ["%s:" % title]
    for key, description, indent in lines:
        label = indent + key
        text = textwrap.wrap(description, width=max(30, 92 - width), break_long_words=False,
                             break_on_hyphens=False) or [""]
        out.append("    " + label.ljust(width) + text[0])
        out += ["    " + " " * width + more for more in text[1:]]
    return "\n".join(out)


def command_doc(command):
    """The docstring of a command's class: the IDL doc, what it calls, and its keys with their types."""
    doc = (command.doc or command.origin).strip()
    if command.fixed:
        fixed = ", ".join("%s=%s" % kv for kv in command.fixed)
        doc += "\n\nCalls %s (as %s does) with %s always sent." % (command.origin, command.alias_of, fixed)
    else:
        doc += "\n\nCalls %s." % command.origin
    resolved = command_json(command)
    doc += "\n\n" + key_table("Keys sent", resolved["arguments"])
    doc += "\n\n" + key_table("Answer keys", [resolved["result"]] if resolved["result"] else [])
    if command.errors:
        codes = []
        for error in command.errors:
            entry = "%s (%s)" % (error.code, error.exception)
            if entry not in codes:
                codes.append(entry)
        doc += "\n\n" + "\n".join(textwrap.wrap("Errors: %s." % ", ".join(codes), width=96,
                                                break_long_words=False, break_on_hyphens=False))
    return doc


def write_arglist(w, attribute, entries):
    if not entries:
        w("    %s = []\n" % attribute)
        return
    w("    %s = [\n" % attribute)
    for key, field, label in entries:
        w(comment(described(label, field.doc) if label else "", "        "))
        w("        (%s, %s),\n" % (py_bytes(key), py_argument(field)))
    w("    ]\n")


def write_module(resolved, source_name, with_xml):
    out = []
    w = out.append
    w("# Generated by scripts/gen_amp_commands.py from %s%s: do not edit, run `make gen`.\n"
      % (source_name, " (enum types from thrift --gen xml)" if with_xml else ""))
    w(MODULE_DOC)
    w("\nfrom twisted.protocols import amp\n\n")
    w("from vitrine._amp_runtime import (\n")
    w("\n".join(textwrap.wrap(", ".join(sorted(RUNTIME_NAMES)) + ",", width=96, initial_indent="    ",
                              subsequent_indent="    ", break_on_hyphens=False)))
    w("\n)\n")

    names = (RUNTIME_NAMES + [name for name, _, _ in resolved.exceptions] + ["ENUMS"]
             + [fields_constant(s.name) for s in resolved.struct_order()] + [c.name for c in resolved.commands]
             + ["COMMANDS", "ERRORS"])
    w("\n#: What `from vitrine.amp_commands import *` takes: every class and table below, and the runtime's types.\n")
    w("__all__ = [\n")
    w("\n".join(textwrap.wrap(", ".join(py_str(n) for n in names) + ",", width=96, initial_indent="    ",
                              subsequent_indent="    ", break_on_hyphens=False)))
    w("\n]\n")

    w("\n\n# ---------------------------------------------------------------- errors\n")
    for name, doc, code in resolved.exceptions:
        w("\n\nclass %s(VitrineAmpError):\n" % name)
        w(py_doc("%s\n\nAMP error code: %s." % ((doc or name).strip(), code), "    "))

    w("\n\n# ---------------------------------------------------------------- enums\n\n")
    w("#: Each IDL enum's member names, in IDL order: what an Enum argument sends and accepts.\n")
    w("ENUMS = {\n")
    for name, doc, members in resolved.enums:
        w(comment(one_line(doc), "    "))
        names = ", ".join(py_str(m) for m, _ in members)
        line = "    %s: (%s),\n" % (py_str(name), names)
        if len(line) > 101:
            wrapped = textwrap.wrap(names, width=92, break_long_words=False, break_on_hyphens=False)
            line = "    %s: (\n%s\n    ),\n" % (py_str(name), "\n".join("        " + x for x in wrapped))
        w(line)
    w("}\n")

    w("\n\n# ---------------------------------------------------------------- structs\n")
    w("# The fields of each struct, for Struct (keys `key.field`) and amp.AmpList (a sub-box per struct).\n")
    for struct in resolved.struct_order():
        w("\n")
        w(comment("%s: %s" % (struct.name, one_line(struct.doc)), ""))
        w("%s = [\n" % fields_constant(struct.name))
        for field in struct.fields:
            w(comment(one_line(field.doc), "    "))
            w("    (%s, %s),\n" % (py_bytes(field.key), py_argument(field)))
        w("]\n")

    w("\n\n# ---------------------------------------------------------------- commands\n")
    for command in resolved.commands:
        base = "AliasCommand" if command.fixed else "amp.Command"
        w("\n\nclass %s(%s):\n" % (command.name, base))
        w(py_doc(command_doc(command), "    "))
        w("\n    commandName = %s\n" % py_bytes(command.name))
        if command.fixed:
            w("    fixedArguments = {%s}\n" % ", ".join("%s: %s" % (py_bytes(k), py_bytes(v))
                                                      for k, v in command.fixed))
        fixed = dict(command.fixed)
        write_arglist(w, "arguments", [entry for entry in command.top_keys() if entry[0] not in fixed])
        write_arglist(w, "response", command.response_keys())
        errors = []
        for error in command.errors:
            if (error.exception, error.code) not in errors:
                errors.append((error.exception, error.code))
        if errors:
            w("    errors = {\n")
            for name, code in errors:
                w("        %s: %s,\n" % (name, py_bytes(code)))
            w("    }\n")

    w("\n\n#: Every command above by its wire name, in IDL order (aliases after their method).\n")
    w("COMMANDS = {\n")
    for command in resolved.commands:
        w("    %s: %s,\n" % (py_bytes(command.name), command.name))
    w("}\n")
    w("\n#: Every error class by its AMP error code.\n")
    w("ERRORS = {\n")
    for name, _, code in resolved.exceptions:
        w("    %s: %s,\n" % (py_bytes(code), name))
    w("}\n")
    return "".join(out)


MODULE_DOC = '''"""vitrine's commands as Twisted AMP commands, generated from the IDL.

Every method of the IDL's services (DisplayManager, the Vitrine service
that extends it, and the VitrineEvents callbacks vitrine sends) is one
amp.Command class here, and every `amp.alias.NAME` annotation one more.
Use them on any Twisted AMP connection to vitrine:

    from vitrine.amp_commands import StartInspect
    answer = await proto.callRemote(
        StartInspect, img={"width": 2, "height": 1, "mode": "RGB", "data": b"..."}, inspectable=True)
    answer["inspector_id"]

Each class's docstring lists the keys it sends and the keys of its answer,
with their types. The argument types (BigString, Enum, Struct, Default...)
are those of vitrine._amp_runtime.

The mapping. scripts/gen_amp_commands.py applies these rules once and
writes both this module and gen/amp/vitrine_amp.json, the resolved schema
that the server's AMP bridge reads; docs/amp.md explains them.

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
What may be left out:
    - a struct field, or a field of a flattened struct, that the IDL marks
      `optional`: decoded, an absent one is None;
    - a field or argument with an IDL default (`= VALUE`, e.g.
      Question.kind = TEXT): an absent one means that default, both ways
      (vitrine uses it, and decoding here gives it: a Default argument);
    - a struct argument all of whose fields may be left out: an absent one
      (no key `argument.`) is None.
Everything else is required. Optional values that are None or missing are
left out of the box, as Twisted does for its own arguments.

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


# ---------------------------------------------------------------- main

def resolve(schema, xml_text=None, serve="Vitrine", callbacks="VitrineEvents"):
    """The Resolved model of `schema` (the parsed JSON of thrift --gen json).

    With `xml_text`, first restores the enum types in `schema` (in place).
    `serve` names the service a peer calls (with those it extends) and
    `callbacks` the service whose methods vitrine sends; both may be None.
    """
    if xml_text is not None:
        restore_enum_types(schema, xml_text)
    if schema["enums"] and not mentions_enum_types(schema):
        raise SchemaError(
            "the schema declares enums but types no field, argument or result as one: Thrift's "
            "--gen json (0.17) writes enum types as i32. Pass --thrift-xml with `thrift --gen xml` "
            "of the same IDL so enums travel as their names")
    return Resolved(schema, serve, callbacks)


def generate(schema, xml_text=None, source_name="idl/vitrine.thrift", serve="Vitrine", callbacks="VitrineEvents"):
    """The Python module for `schema` (the parsed JSON), as text. See resolve()."""
    return write_module(resolve(schema, xml_text, serve, callbacks), source_name, xml_text is not None)


def generate_schema(schema, xml_text=None, source_name="idl/vitrine.thrift", serve="Vitrine",
                    callbacks="VitrineEvents"):
    """The resolved schema for `schema` (the parsed JSON), as JSON text. See resolve()."""
    return write_schema(resolve(schema, xml_text, serve, callbacks), source_name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", help="thrift --gen json of the IDL")
    parser.add_argument("--thrift-xml", help="thrift --gen xml of the same IDL (for enum types)")
    parser.add_argument("--serve", default="Vitrine", help="the service AMP peers call (default: Vitrine)")
    parser.add_argument("--callbacks", default="VitrineEvents",
                        help="the service whose methods vitrine sends to peers (default: VitrineEvents)")
    parser.add_argument("-o", "--output", help="where to write the Twisted module (default: stdout)")
    parser.add_argument("--resolved-schema", metavar="OUT.json",
                        help="also write the resolved schema, which the server reads, to OUT.json")
    parser.add_argument("--source-name", default="idl/vitrine.thrift",
                        help="how the outputs name their source")
    options = parser.parse_args(argv)
    with open(options.schema, encoding="utf-8") as f:
        schema = json.load(f)
    xml_text = None
    if options.thrift_xml:
        with open(options.thrift_xml, encoding="utf-8") as f:
            xml_text = f.read()
    try:
        resolved = resolve(schema, xml_text, options.serve or None, options.callbacks or None)
        text = write_module(resolved, options.source_name, xml_text is not None)
        resolved_schema = write_schema(resolved, options.source_name)
    except SchemaError as error:
        print("gen_amp_commands: %s" % error, file=sys.stderr)
        return 1
    if options.resolved_schema:
        with open(options.resolved_schema, "w", encoding="utf-8", newline="\n") as f:
            f.write(resolved_schema)
    if options.output:
        with open(options.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
