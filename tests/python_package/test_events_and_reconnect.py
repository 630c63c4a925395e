"""Client.events(), and a client outliving its server's restart."""

import pytest

import vitrine
from vitrine import _calls
from vitrine._values import Event


def test_events_yields_what_happens_after_the_call(vitrine_client):
    before = vitrine_client.say("before", name="before")
    vitrine_client.close(before)
    stream = vitrine_client.events(timeout=30)  # "from now": resolved here, not at the first next()
    popup = vitrine_client.say("during", name="during")
    vitrine_client.close(popup)
    assert vitrine_client.post_html("<p>loaded</p>", name="events page") is vitrine.PushResult.OK
    seen = []
    for event in stream:
        assert event.window_id != before
        seen.append(event)
        if event.kind == "PAGE_LOADED":
            break
    closed = [e for e in seen if e.kind == "WINDOW_CLOSED"]
    assert [(e.window_id, e.close_reason) for e in closed] == [(popup, "CLOSED_BY_CLIENT")]
    assert seen[-1].name == "events page" and seen[-1].url.startswith("vitrine:")
    sequences = [e.sequence for e in seen]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(e.time > 1.6e9 for e in seen)  # seconds since the epoch


def test_events_from_the_oldest_kept_and_an_iterator_that_ends(vitrine_client):
    popup = vitrine_client.say("x")
    vitrine_client.close(popup)
    everything = list(vitrine_client.events(after=0, timeout=0.2))  # ends at its deadline
    assert everything and everything[0].sequence >= 1
    assert any(e.window_id == popup and e.kind == "WINDOW_CLOSED" for e in everything)
    assert vitrine_client.last_sequence() == everything[-1].sequence
    assert vitrine_client.wait_events(after=everything[-1].sequence, timeout=0) == []


def _event(sequence, kind="WINDOW_CLOSED", **fields):
    return Event(sequence=sequence, kind=kind, window_id=1, time=0.0, **fields)


def test_an_events_missed_event_is_passed_on_and_not_taken_as_a_position():
    # The server's bounded log dropped events 11..14 before the reader asked
    # for them: its answer starts with EVENTS_MISSED (sequence 0).
    cursor = _calls.EventCursor(after=10, deadline=None)
    call = cursor.next_call(now=0.0)
    assert call.method == "waitEvents" and call.args == (10, 60000)
    batch = [_event(0, "EVENTS_MISSED", missed=4), _event(15), _event(16)]
    assert cursor.take(batch) == batch
    assert cursor.after == 16
    assert cursor.next_call(now=0.0).args[0] == 16


def test_an_event_cursor_stops_at_its_deadline_and_never_waits_past_it():
    cursor = _calls.EventCursor(after=3, deadline=100.0)
    assert cursor.next_call(now=99.5).args == (3, 500)
    assert cursor.next_call(now=100.0) is None


def test_the_newest_sequence_is_found_by_paging():
    full_page = [_event(n) for n in range(1, _calls.MAX_EVENT_BATCH + 1)]
    assert _calls.newest_sequence_step(0, full_page) == (_calls.MAX_EVENT_BATCH, False)
    assert _calls.newest_sequence_step(1000, [_event(1001), _event(1002)]) == (1002, True)
    assert _calls.newest_sequence_step(7, []) == (7, True)


def test_a_client_outlives_a_server_restart(scratch_server):
    first = scratch_server()
    client = vitrine.Client(first.address)
    assert client.server_info().pid == first.pid
    first.stop()
    with pytest.raises(vitrine.ServerNotRunning):
        client.ping()
    second = scratch_server()  # the same socket path
    assert client.server_info().pid == second.pid  # reconnected by itself
    second.stop()
    third = scratch_server()
    # An idle connection the server closed is noticed before the call is sent.
    assert client.connected
    assert client.post_html("<p>third</p>", name="third") is vitrine.PushResult.OK
    assert client.server_info().pid == third.pid
    client.disconnect()
