"""What a peer gets back for a command the server cannot run, and that the connection carries on after it.

The codes are checked on the wire (a raw socket sees `_error_code` and
`_error_description` as sent) and through Twisted, as a program sees them.
"""

import re

import pytest
from twisted.protocols import amp

from vitrine.amp_commands import InvalidArgument, PollInspect, StartInspect, ping, whatsLoaded

pytestmark = pytest.mark.usefixtures("tidy_windows")


def ask_raw(conn, tag, command, **arguments):
    """Sends `command` with tag `tag` and the given (bytes) arguments; returns the box that answers it."""
    box = {b"_command": command, b"_ask": tag}
    box.update({key.encode(): value for key, value in arguments.items()})
    conn.send(box)
    answer, before = conn.receive_answer(tag)
    assert not before, "boxes that answer nothing asked: %r" % before
    return answer


def assert_error(box, tag, code, *words):
    """`box` is exactly an error for `tag` with `code`, and its description contains each of `words`."""
    assert set(box) == {b"_error", b"_error_code", b"_error_description"}, box
    assert (box[b"_error"], box[b"_error_code"]) == (tag, code), box
    description = box[b"_error_description"].decode("utf-8")
    for word in words:
        assert word in description, "%r does not mention %r" % (description, word)
    return description


def assert_still_usable(conn, tag=b"ok"):
    assert ask_raw(conn, tag, b"ping") == {b"_answer": tag}


# ---------------------------------------------------------------- unknown commands

def test_an_unknown_command_is_unhandled_with_twisteds_description(raw):
    """An unknown command answers UNHANDLED "Unhandled Command: 'Foo'", as Twisted's own AMP does."""
    conn = raw()
    error = ask_raw(conn, b"1", b"Foo")
    assert assert_error(error, b"1", b"UNHANDLED") == "Unhandled Command: 'Foo'"
    assert_still_usable(conn)


def test_a_twisted_program_sees_an_unknown_command_as_unhandled_command(peer):
    """Through Twisted, an unknown command fails with amp.UnhandledCommand carrying the code and description."""

    class NoSuchThing(amp.Command):
        arguments = [(b"what", amp.Unicode())]
        response = []

    with pytest.raises(amp.UnhandledCommand) as raised:
        peer.call(NoSuchThing, what="anything")
    assert raised.value.args == (b"UNHANDLED", "Unhandled Command: 'NoSuchThing'")
    assert peer.call(ping) == {}


def test_command_names_are_case_sensitive(raw):
    """`startinspect` is not StartInspect (and `Ping` not ping): both are UNHANDLED."""
    conn = raw()
    assert_error(ask_raw(conn, b"1", b"startinspect"), b"1", b"UNHANDLED", "startinspect")
    assert_error(ask_raw(conn, b"2", b"Ping"), b"2", b"UNHANDLED", "Ping")
    assert_still_usable(conn)


# ---------------------------------------------------------------- missing arguments

def test_a_missing_argument_is_invalid_argument_naming_the_key(raw):
    """PollInspect without inspector_id answers INVALID_ARGUMENT whose description names inspector_id."""
    conn = raw()
    assert_error(ask_raw(conn, b"1", b"PollInspect"), b"1", b"INVALID_ARGUMENT", "inspector_id")
    assert_still_usable(conn)


def test_a_missing_picture_field_is_invalid_argument_naming_the_field_key(raw):
    """StartInspect without img.data answers INVALID_ARGUMENT naming img.data."""
    conn = raw()
    error = ask_raw(conn, b"1", b"StartInspect", **{"img.width": b"1", "img.height": b"1", "img.mode": b"RGB"})
    assert_error(error, b"1", b"INVALID_ARGUMENT", "img.data")
    assert_still_usable(conn)


def test_a_twisted_program_sees_a_missing_argument_as_the_generated_invalid_argument(peer):
    """A StartInspect sent without its img.mode fails with vitrine.amp_commands.InvalidArgument naming img.mode."""

    class StartInspectWithoutMode(StartInspect):
        commandName = b"StartInspect"
        arguments = [(b"img.width", amp.Integer()), (b"img.height", amp.Integer()), (b"img.data", amp.String())]

    with pytest.raises(InvalidArgument) as raised:
        peer.call(StartInspectWithoutMode, **{"img.width": 1, "img.height": 1, "img.data": b"abc"})
    assert "img.mode" in str(raised.value)
    assert peer.call(ping) == {}


# ---------------------------------------------------------------- malformed arguments

@pytest.mark.parametrize("command, arguments, key", [
    (b"PollInspect", {"inspector_id": b"abc"}, "inspector_id"),
    (b"PollInspect", {"inspector_id": b""}, "inspector_id"),
    (b"PollInspect", {"inspector_id": b"99999999999999999999999"}, "inspector_id"),
    (b"StartInspect", {"img.width": b"1", "img.height": b"1", "img.mode": b"RGB", "img.data": b"abc",
                       "inspectable": b"true"}, "inspectable"),
    (b"StartInspect", {"img.width": b"1", "img.height": b"1", "img.mode": b"BGR", "img.data": b"abc"}, "img.mode"),
    (b"StartInspect", {"img.width": b"one", "img.height": b"1", "img.mode": b"RGB", "img.data": b"abc"},
     "img.width"),
    (b"AskColor", {"r": b"1.5", "g": b"0", "b": b"0"}, "r"),
], ids=["integer-letters", "integer-empty", "integer-too-big", "boolean-lowercase", "enum-unknown-name",
        "struct-field-integer", "integer-float"])
def test_a_malformed_argument_is_invalid_argument_naming_the_key(raw, command, arguments, key):
    """A value the argument's type cannot read answers INVALID_ARGUMENT naming its key; the connection carries on."""
    conn = raw()
    description = assert_error(ask_raw(conn, b"x1", command, **arguments), b"x1", b"INVALID_ARGUMENT")
    assert re.search(r"(?<![\w.])%s(?![\w.])" % re.escape(key), description), \
        "%r does not name the key %r" % (description, key)
    assert_still_usable(conn)


def test_an_invalid_value_of_the_right_type_is_invalid_argument_from_the_service(raw):
    """A picture whose data has the wrong length is refused by the service: INVALID_ARGUMENT saying what it needs."""
    conn = raw()
    error = ask_raw(conn, b"1", b"StartInspect", **{"img.width": b"2", "img.height": b"2", "img.mode": b"RGB",
                                                    "img.data": b"abc"})
    assert_error(error, b"1", b"INVALID_ARGUMENT", "12")
    assert_still_usable(conn)


def test_errors_and_answers_interleave_on_one_connection(raw):
    """After a string of failing asks the connection still answers everything else right."""
    conn = raw()
    conn.send({b"_command": b"Foo", b"_ask": b"1"},
              {b"_command": b"PollInspect", b"_ask": b"2"},
              {b"_command": b"PollInspect", b"_ask": b"3", b"inspector_id": b"abc"},
              {b"_command": b"PollInspect", b"_ask": b"4", b"inspector_id": b"987654321"},
              {b"_command": b"whatsLoaded", b"_ask": b"5"})
    boxes = {}
    for _ in range(5):
        box = conn.receive()
        boxes[box.get(b"_answer") or box.get(b"_error")] = box
    assert boxes[b"1"][b"_error_code"] == b"UNHANDLED"
    assert boxes[b"2"][b"_error_code"] == b"INVALID_ARGUMENT"
    assert boxes[b"3"][b"_error_code"] == b"INVALID_ARGUMENT"
    assert boxes[b"4"] == {b"_answer": b"4", b"is_closed": b"True"}
    assert set(boxes[b"5"]) == {b"_answer", b"result"}


def test_a_twisted_program_keeps_its_connection_after_errors(peer):
    """Twisted's callRemote fails for one ask and the very next asks on the connection succeed."""
    with pytest.raises(InvalidArgument):
        peer.call(StartInspect, img={"width": -1, "height": 1, "mode": "RGB", "data": b""})
    assert peer.call(PollInspect, inspector_id=987654321) == {"is_closed": True}
    assert "result" in peer.call(whatsLoaded)
