"""Many asks in flight on one connection: every one answered once, under its own tag, with its own answer.

AMP lets a peer send asks without waiting; vitrine serves them
concurrently, so a dialog that waits for a person holds up nothing else.
"""

import itertools

import pytest
from twisted.internet import defer

from conftest import TIMEOUT, encode_box, unique
from vitrine.amp_commands import PollInspect, Say, StartInspect, StopInspect, postHtml, ping, whatsLoaded

pytestmark = pytest.mark.usefixtures("tidy_windows")

NEVER_OPENED = 987654321


@pytest.fixture
def scene(peer):
    """Something on the stage and an open picture: returns (stage name, open window id)."""
    name = unique("pipelined")
    assert peer.call(postHtml, html={"name": name, "data": "<p>pipelined</p>"}) == {"result": "OK"}
    picture = {"width": 4, "height": 4, "mode": "L", "data": bytes(16)}
    return name, peer.call(StartInspect, img=picture)["inspector_id"]


def test_200_asks_sent_in_one_write_are_each_answered_under_their_own_tag(raw, scene):
    """200 raw boxes (ping, PollInspect of an open and of a never-opened window, whatsLoaded) in one write:
    200 answers come back, one per tag, each the answer to that tag's own command."""
    name, open_id = scene
    asks, expected = [], {}
    for number, kind in zip(range(200), itertools.cycle(["ping", "open", "never", "loaded"])):
        tag = b"%x-%s" % (number * 7919 % 4096, kind.encode())  # distinct, in no particular order
        if kind == "ping":
            asks.append({b"_command": b"ping", b"_ask": tag})
            expected[tag] = {b"_answer": tag}
        elif kind == "loaded":
            asks.append({b"_command": b"whatsLoaded", b"_ask": tag})
            expected[tag] = {b"_answer": tag, b"result": name.encode()}
        else:
            window_id = open_id if kind == "open" else NEVER_OPENED
            asks.append({b"_command": b"PollInspect", b"_ask": tag, b"inspector_id": b"%d" % window_id})
            expected[tag] = {b"_answer": tag, b"is_closed": b"False" if kind == "open" else b"True"}
    assert len(expected) == 200
    conn = raw()
    conn.send(*asks)
    answers = {}
    for _ in range(200):
        box = conn.receive()
        tag = box.get(b"_answer")
        assert tag in expected, "an answer to no ask of ours: %r" % box
        assert tag not in answers, "tag %r answered twice" % tag
        answers[tag] = box
    assert answers == expected


def test_200_twisted_call_remotes_at_once_all_get_their_answers(loop, peer, scene):
    """200 callRemotes issued together from Twisted all fire, each with its own command's answer."""
    name, open_id = scene
    calls = [
        (ping, {}, {}),
        (PollInspect, {"inspector_id": open_id}, {"is_closed": False}),
        (PollInspect, {"inspector_id": NEVER_OPENED}, {"is_closed": True}),
        (whatsLoaded, {}, {"result": name}),
    ] * 50

    def send_all():
        return defer.gatherResults([peer.protocol.callRemote(command, **arguments) for command, arguments, _ in calls],
                                   consumeErrors=True)

    answers = loop.call(send_all)
    assert answers == [expected for _, _, expected in calls]


def test_a_waiting_say_does_not_hold_up_a_later_ping_on_the_same_connection(connect):
    """With Say waiting for its popup, a ping sent after it on the same connection is answered first."""
    program, other = connect(), connect()
    before = other.open_window_ids("POPUP")
    said = program.submit(Say, text="still waiting")
    assert program.submit(ping).result(TIMEOUT) == {}
    popup_id = other.wait_for_new_window("POPUP", before)
    assert not said.done()
    other.call(StopInspect, inspector_id=popup_id)
    assert said.result(TIMEOUT) == {"result": ""}


def test_answers_come_back_out_of_order_under_their_tags(raw, connect):
    """Raw: Say (tag s) then ping (tag p) in one write: p is answered first, s once its popup is closed."""
    other = connect()
    before = other.open_window_ids("POPUP")
    conn = raw()
    conn.send({b"_command": b"Say", b"_ask": b"s", b"text": b"out of order"},
              {b"_command": b"ping", b"_ask": b"p"})
    assert conn.receive() == {b"_answer": b"p"}
    other.call(StopInspect, inspector_id=other.wait_for_new_window("POPUP", before))
    assert conn.receive() == {b"_answer": b"s", b"result": b""}


def test_two_waiting_dialogs_on_one_connection_answer_in_the_order_they_close(connect):
    """Two Says on one connection: the one closed first answers first, the other keeps waiting."""
    program, other = connect(), connect()
    before = other.open_window_ids("POPUP")
    first = program.submit(Say, text="first", options={"title": unique("first")})
    first_id = other.wait_for_new_window("POPUP", before)
    second = program.submit(Say, text="second", options={"title": unique("second")})
    second_id = other.wait_for_new_window("POPUP", before | {first_id})
    other.call(StopInspect, inspector_id=second_id)
    assert second.result(TIMEOUT) == {"result": ""}
    assert not first.done()
    other.call(StopInspect, inspector_id=first_id)
    assert first.result(TIMEOUT) == {"result": ""}


def test_two_peers_floods_are_served_in_turns(raw):
    """Two peers each pipeline 20000 asks at once: the server takes them in turns rather than serving
    one peer's whole flood first, so a busy peer does not hold up another. Each answer's callsServed
    says when it was served."""
    flood = 20000
    first, second = raw(), raw()
    # Encoded first, then written back to back: the server gets both floods at (nearly) the same time.
    floods = [b"".join(encode_box({b"_command": b"serverInfo", b"_ask": b"%s%d" % (name, i)}) for i in range(flood))
              for name in (b"a", b"b")]
    first.send_bytes(floods[0])
    second.send_bytes(floods[1])

    def served_at(peer, name):
        order = []
        for i in range(flood):
            box = peer.receive()
            assert box[b"_answer"] == b"%s%d" % (name, i)
            order.append(int(box[b"callsServed"]))
        return order

    first_served, second_served = served_at(first, b"a"), served_at(second, b"b")
    assert first_served == sorted(first_served) and second_served == sorted(second_served)  # each in order
    assert second_served[0] < first_served[-1]  # the second peer was served before the first was done
