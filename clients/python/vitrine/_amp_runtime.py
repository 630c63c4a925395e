"""The AMP argument types behind vitrine.amp_commands (Twisted).

vitrine.amp_commands is generated from the IDL by scripts/gen_amp_commands.py
(`make gen`); it holds one amp.Command class per command and imports what
they are made of from here: the argument types for chunked bytes and text
(BigString, BigUnicode), IDL enums by name (Enum), structs as `key.field`
keys (Struct), IDL defaults (Default), commands with fixed keys
(AliasCommand) and the base class of the IDL's errors (VitrineAmpError).
docs/amp.md describes the mapping they implement.

Twisted is needed to import this module; the rest of the vitrine package
does not need it.
"""

import keyword
from collections.abc import Mapping
from typing import Any, ClassVar, Dict, Iterable, List, MutableMapping, Sequence, Tuple

from twisted.protocols import amp

# The shapes Twisted's Argument methods are called with: the box's wire
# strings, the Python values by keyword, and the protocol (unused here).
Strings = MutableMapping[bytes, bytes]
Objects = MutableMapping[str, Any]

__all__ = [
    "MAX_VALUE_LENGTH", "AliasCommand", "BigString", "BigUnicode", "Default", "Enum", "Struct", "UnknownEnumName",
    "VitrineAmpError",
]

#: The longest value AMP can carry; BigString splits longer ones.
MAX_VALUE_LENGTH = amp.MAX_VALUE_LENGTH


def _python_name(key: bytes) -> str:
    """The keyword Twisted uses for wire key `key` (its own rule: '-' becomes '_', a keyword is title-cased)."""
    name = key.replace(b"-", b"_").decode("utf-8")
    return name.title() if keyword.iskeyword(name) else name


class VitrineAmpError(Exception):
    """Base class of the errors the IDL declares, as AMP errors.

    Only the message travels (as `_error_description`); the IDL exception's
    other fields do not.
    """


class BigString(amp.Argument):
    """Bytes of any length: chunks of at most 65535 bytes under `key`, `key.2`, `key.3`, ...

    Reading takes `key`, then `key.2`, `key.3`, ... up to the first missing
    key (the recipe PyGraphics' mediawindows protocol uses). An empty value
    is one empty `key`.
    """

    def toBytes(self, value: Any) -> bytes:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError("expected bytes, got %s" % type(value).__name__)
        return bytes(value)

    def fromBytes(self, data: bytes) -> Any:
        return data

    def fromBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
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

    def toBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
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

    def toBytes(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError("expected str, got %s" % type(value).__name__)
        return value.encode("utf-8")

    def fromBytes(self, data: bytes) -> Any:
        return data.decode("utf-8")


class UnknownEnumName(ValueError):
    """A value of an enum argument is not one of the enum's names (the message names the key)."""


class Enum(amp.Argument):
    """A member of an IDL enum, by its NAME: `"RGB"` in Python and on the wire.

    `enum` is the IDL enum's name and `names` its members' names (the
    generated module's ENUMS[enum]). Both directions accept only those
    names; anything else raises UnknownEnumName.
    """

    def __init__(self, enum: str, names: Iterable[str], optional: bool = False) -> None:
        amp.Argument.__init__(self, optional)
        self.enum = enum
        self.names: Tuple[str, ...] = tuple(names)

    def _unknown(self, value: Any) -> UnknownEnumName:
        return UnknownEnumName("%r is not a %s (one of %s)" % (value, self.enum, ", ".join(self.names)))

    def fromString(self, inString: bytes) -> str:
        name = inString.decode("utf-8", "replace")
        if name not in self.names:
            raise self._unknown(inString)
        return name

    def toString(self, inObject: Any) -> bytes:
        if not isinstance(inObject, str) or inObject not in self.names:
            raise self._unknown(inObject)
        return inObject.encode("utf-8")

    def fromBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
        try:
            amp.Argument.fromBox(self, name, strings, objects, proto)
        except UnknownEnumName as error:
            raise UnknownEnumName("%s: %s" % (name.decode("utf-8"), error)) from None

    def toBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
        try:
            amp.Argument.toBox(self, name, strings, objects, proto)
        except UnknownEnumName as error:
            raise UnknownEnumName("%s: %s" % (name.decode("utf-8"), error)) from None


class Default(amp.Argument):
    """A value with an IDL default (`= VALUE`): it may be left out, and then it is that default.

    Wraps the value's own argument type (`argument`, made optional). Sending,
    None or a missing value leaves the key out (the receiver takes the
    default: vitrine does). Receiving, an absent key decodes as `default`
    (the Python value: "TEXT" for an enum, 0 for an integer...).
    """

    def __init__(self, argument: Any, default: Any) -> None:
        amp.Argument.__init__(self, optional=True)
        argument.optional = True
        self.argument = argument
        self.default = default

    def fromBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
        self.argument.fromBox(name, strings, objects, proto)
        python_name = _python_name(name)
        if objects.get(python_name) is None:
            objects[python_name] = self.default

    def toBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
        self.argument.toBox(name, strings, objects, proto)


class Struct(amp.Argument):
    """An IDL struct as keys `key.field` (nested structs: `key.field.sub`); a dict in Python.

    `fields` lists (field key, Argument) as in Command.arguments. Encoding
    takes a dict {field key: value}: optional fields (and fields with a
    default) may be missing or None; a required one missing, or a key that
    is no field, raises amp.InvalidSignature. Decoding gives a dict of every
    field: None for an absent optional one (as Twisted does for arguments
    and AmpList rows), the default for an absent one that has a default. An
    optional Struct is absent (None) when the box has no `key.` key.
    """

    def __init__(self, fields: Sequence[Tuple[bytes, Any]], optional: bool = False) -> None:
        amp.Argument.__init__(self, optional)
        self.fields = fields

    def fromBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
        prefix = name + b"."
        if self.optional and not any(key.startswith(prefix) for key in strings):
            objects[_python_name(name)] = None
            return
        value: Dict[str, Any] = {}
        for field, argument in self.fields:
            out: Dict[str, Any] = {}
            argument.fromBox(prefix + field, strings, out, proto)
            (value[field.decode("utf-8")],) = out.values()
        objects[_python_name(name)] = value

    def toBox(self, name: bytes, strings: Strings, objects: Objects, proto: Any) -> None:
        value = self.retrieve(objects, _python_name(name), proto)
        label = name.decode("utf-8")
        if value is None:
            if self.optional:
                return
            raise amp.InvalidSignature("%s: a dict of fields is required, not None" % label)
        if not isinstance(value, Mapping):
            raise TypeError("%s: expected a dict of fields, got %s" % (label, type(value).__name__))
        known: List[str] = [field.decode("utf-8") for field, _ in self.fields]
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

    fixedArguments: ClassVar[Dict[bytes, bytes]] = {}

    @classmethod
    def makeArguments(cls, objects: Objects, proto: Any) -> Any:
        box = super().makeArguments(objects, proto)
        box.update(cls.fixedArguments)
        return box
