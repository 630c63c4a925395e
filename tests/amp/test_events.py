"""Events pushed to an AMP peer: subscribeEvents, the generated Event command, unsubscribeEvents.

A Twisted peer answers each pushed `Event` with a responder for
vitrine.amp_commands.Event (conftest.VitrinePeer); a raw peer shows the
boxes themselves and the limit of 64 unanswered events.
"""

import pytest

from conftest import unique
from vitrine.amp_commands import (
    InvalidArgument, StartInspect, StopInspect, currentUrl, ping, postHtml, subscribeEvents, unsubscribeEvents)
from vitrine_thrift.ttypes import InvalidArgument as ThriftInvalidArgument
from vitrine_thrift.ttypes import Picture, PictureOptions, PixelFormat

pytestmark = pytest.mark.usefixtures("tidy_windows")

SMALL_PICTURE = {"width": 2, "height": 2, "mode": "L", "data": bytes(4)}


def closed(window_id):
    return lambda event: event["kind"] == "WINDOW_CLOSED" and event["windowId"] == window_id


def open_and_close_a_picture(peer):
    """Opens a picture window and closes it through `peer`; returns its id."""
    window_id = peer.call(StartInspect, img=SMALL_PICTURE)["inspector_id"]
    peer.call(StopInspect, inspector_id=window_id)
    return window_id


def test_a_subscriber_gets_window_closed_with_its_reason(peer):
    """After subscribeEvents(-1), closing a picture window pushes WINDOW_CLOSED with windowId and
    closeReason CLOSED_BY_CLIENT, sent as an ask, with the fields that do not apply left out."""
    assert peer.call(subscribeEvents, afterSequence=-1) == {}
    window_id = open_and_close_a_picture(peer)
    event = peer.next_event(closed(window_id))
    assert event["closeReason"] == "CLOSED_BY_CLIENT"
    assert event["sequence"] >= 1
    assert event["timeMs"] > 1_500_000_000_000  # milliseconds since the epoch, not seconds
    assert all(event[key] is None for key in ("action", "x", "y", "color", "answer", "name", "url", "missed"))
    boxes = peer.protocol.event_boxes
    assert boxes and all(b"_ask" in box for box in boxes), "Event pushed without _ask: %r" % boxes


def test_events_come_in_sequence_order(peer):
    """Three closes arrive as three WINDOW_CLOSED events with increasing sequence numbers, in close order."""
    peer.call(subscribeEvents, afterSequence=-1)
    ids = [open_and_close_a_picture(peer) for _ in range(3)]
    events = [peer.next_event(closed(window_id)) for window_id in ids]
    sequences = [event["sequence"] for event in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3


def test_page_loaded_carries_the_name_and_the_url(peer):
    """postHtml pushes PAGE_LOADED for the stage (window 0) with the push's name and the stage's URL."""
    peer.call(subscribeEvents, afterSequence=-1)
    name = unique("page")
    peer.call(postHtml, html={"name": name, "data": "<p>event</p>"})
    event = peer.next_event(lambda e: e["kind"] == "PAGE_LOADED" and e["name"] == name)
    assert event["windowId"] == 0
    assert event["url"] == peer.call(currentUrl)["result"]


def test_events_of_another_connections_windows_reach_a_subscriber(connect):
    """A subscriber sees what happens to windows other connections open and close."""
    watcher, actor = connect(), connect()
    watcher.call(subscribeEvents, afterSequence=-1)
    window_id = open_and_close_a_picture(actor)
    assert watcher.next_event(closed(window_id))["closeReason"] == "CLOSED_BY_CLIENT"


def test_unsubscribe_stops_the_pushes(connect):
    """After unsubscribeEvents nothing more is pushed: a close that a still-subscribed witness sees
    has not reached the unsubscribed peer by the time two later round trips on it are answered."""
    subscriber, witness = connect(), connect()
    for peer in (subscriber, witness):
        peer.call(subscribeEvents, afterSequence=-1)
    first = open_and_close_a_picture(witness)
    subscriber.next_event(closed(first))  # it was subscribed
    assert subscriber.call(unsubscribeEvents) == {}
    second = open_and_close_a_picture(witness)
    witness.next_event(closed(second))
    subscriber.call(ping)
    subscriber.call(ping)
    late = [event for event in subscriber.drain_events() if event["windowId"] == second]
    assert late == [], "pushed after unsubscribeEvents: %r" % late


def test_unsubscribe_without_a_subscription_does_nothing(peer):
    """unsubscribeEvents when not subscribed answers {} and the connection carries on."""
    assert peer.call(unsubscribeEvents) == {}
    assert peer.call(ping) == {}


def test_subscribing_after_a_sequence_number_replays_the_events_after_it(connect):
    """A peer that subscribes with afterSequence = N - 1 first gets event N again, then newer ones."""
    first, late = connect(), connect()
    first.call(subscribeEvents, afterSequence=-1)
    window_id = open_and_close_a_picture(first)
    seen = first.next_event(closed(window_id))
    late.call(subscribeEvents, afterSequence=seen["sequence"] - 1)
    replayed = late.next_event()
    assert (replayed["sequence"], replayed["kind"], replayed["windowId"]) == \
        (seen["sequence"], "WINDOW_CLOSED", window_id)


def test_subscribe_below_minus_one_is_invalid_argument(peer):
    """afterSequence -2 is refused with the generated InvalidArgument."""
    with pytest.raises(InvalidArgument):
        peer.call(subscribeEvents, afterSequence=-2)


def test_subscribe_over_thrift_is_invalid_argument(thrift):
    """A Thrift connection cannot be called back: subscribeEvents there raises InvalidArgument."""
    with pytest.raises(ThriftInvalidArgument):
        thrift.subscribeEvents(-1)
    thrift.ping()


def test_at_most_64_pushed_events_wait_for_an_answer(raw, thrift):
    """A raw subscriber that answers nothing gets 64 Event asks (distinct tags) and no more; once it
    answers them, the other events of its 70 (35 windows opened and closed) follow, all in sequence order."""
    conn = raw()
    conn.send({b"_command": b"subscribeEvents", b"_ask": b"sub", b"afterSequence": b"-1"})
    assert conn.receive_answer(b"sub")[0] == {b"_answer": b"sub"}
    picture = Picture(2, 2, PixelFormat.L, bytes(4))
    ids = []
    for _ in range(35):
        ids.append(thrift.showPicture(picture, PictureOptions()))
        thrift.closeWindow(ids[-1])

    pushed = []

    def take_events_until_answer(tag):
        conn.send({b"_command": b"ping", b"_ask": tag})
        answer, before = conn.receive_answer(tag)
        assert answer == {b"_answer": tag}
        assert all(box.get(b"_command") == b"Event" for box in before), before
        pushed.extend(before)

    take_events_until_answer(b"p1")
    while len(pushed) < 64:  # the rest of the first 64 may still be on their way
        box = conn.receive()
        assert box.get(b"_command") == b"Event", box
        pushed.append(box)
    take_events_until_answer(b"p2")
    assert len(pushed) == 64, "%d events pushed with none answered" % len(pushed)
    tags = [box[b"_ask"] for box in pushed]
    assert len(set(tags)) == 64

    conn.send(*({b"_answer": tag} for tag in tags))
    while len(pushed) < 70:
        box = conn.receive()
        assert box.get(b"_command") == b"Event", box
        pushed.append(box)
        conn.send({b"_answer": box[b"_ask"]})
    assert [int(box[b"windowId"]) for box in pushed] == [window for window in ids for _ in range(2)]
    assert [box[b"kind"] for box in pushed] == [b"WINDOW_OPENED", b"WINDOW_CLOSED"] * 35
    sequences = [int(box[b"sequence"]) for box in pushed]
    assert sequences == sorted(sequences)
