"""Plain Python values for what the server answers: PushResult, Window, ServerInfo, Event.

Enumerations of the IDL other than PushResult (window kinds, close reasons,
event kinds) are given as their names, e.g. "TIMED_OUT", so they print and
compare as themselves.
"""

import enum
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple, overload

from vitrine_thrift import ttypes


@overload
def enum_name(thrift_enum: Any, value: int) -> str: ...


@overload
def enum_name(thrift_enum: Any, value: Optional[int]) -> Optional[str]: ...


def enum_name(thrift_enum: Any, value: Optional[int]) -> Optional[str]:
    """The IDL name of `value` in a generated enum class, e.g. "CLOSED_BY_CLIENT"; None stays None."""
    if value is None:
        return None
    name: str = thrift_enum._VALUES_TO_NAMES.get(value, str(value))
    return name


class PushResult(enum.Enum):
    """What happened to fetch_url / post_html. Only OK is true in a boolean context:

        if not screen.fetch_url(url):
            print("not shown")
    """

    OK = ttypes.PushResult.OK
    """The content is loaded and rendered on the stage."""
    LOAD_FAILED = ttypes.PushResult.LOAD_FAILED
    """The page could not be loaded (unreachable, HTTP error)."""
    INVALID_ARGUMENT = ttypes.PushResult.INVALID_ARGUMENT
    """Refused before loading: malformed URL, forbidden scheme, empty name."""
    TIMED_OUT = ttypes.PushResult.TIMED_OUT
    """The page did not finish loading in time; the stage keeps what it had."""
    SUPERSEDED = ttypes.PushResult.SUPERSEDED
    """A newer push replaced this one before it finished loading."""

    def __bool__(self) -> bool:
        return self is PushResult.OK

    def __str__(self) -> str:
        return self.name


Color = Tuple[int, ...]
"""(r, g, b) or (r, g, b, a), each 0..255."""


def color_tuple(color: Optional[ttypes.Color]) -> Optional[Color]:
    if color is None:
        return None
    if color.a is None:
        return (color.r, color.g, color.b)
    return (color.r, color.g, color.b, color.a)


@dataclass(frozen=True)
class Window:
    """One open window (see Client.windows())."""

    id: int
    """Its id; 0 is the stage."""
    kind: str
    """"STAGE", "PICTURE", "POPUP", "QUESTION", "FILE_CHOOSER" or "COLOR_CHOOSER"."""
    title: str
    name: str
    """The label the client gave it (the stage: the name of what it shows)."""
    geometry: Tuple[int, int, int, int]
    """(x, y, width, height) in pixels."""
    visible: bool

    @classmethod
    def from_thrift(cls, info: ttypes.WindowInfo) -> "Window":
        g = info.geometry or ttypes.Geometry(0, 0, 0, 0)
        return cls(id=info.id, kind=enum_name(ttypes.WindowKind, info.kind), title=info.title or "",
                   name=info.name or "", geometry=(g.x, g.y, g.width, g.height), visible=bool(info.visible))


@dataclass(frozen=True)
class ServerInfo:
    """Version, uptime and counters of the running server (see Client.server_info())."""

    version: str
    uptime: float
    """Seconds since the server started."""
    connections: int
    calls_served: int
    windows: int
    listeners: List[str]
    platform: str
    qt_version: str
    pid: int
    longest_turn: float = 0.0
    """Seconds: the longest the server's GUI thread worked at a stretch (every client waited), since it
    started or since the last reset_longest_turn()."""
    longest_turn_cause: str = ""
    """What that turn served, e.g. "Vitrine.say"."""
    slow_turns: int = 0
    """Turns over the server's --slow-turn since it started."""
    picture_bytes: int = 0
    """Bytes of pixels open pictures hold (at most the server's --max-picture-memory)."""
    unsent_bytes: int = 0
    """Bytes of answers waiting for their clients to read them (at most --max-unsent)."""

    @classmethod
    def from_thrift(cls, info: ttypes.ServerInfo) -> "ServerInfo":
        return cls(version=info.version, uptime=(info.uptimeMs or 0) / 1000.0, connections=info.connections,
                   calls_served=info.callsServed, windows=info.windows, listeners=list(info.listeners or []),
                   platform=info.platform, qt_version=info.qtVersion, pid=info.pid,
                   longest_turn=(info.longestTurnUs or 0) / 1e6, longest_turn_cause=info.longestTurnCause or "",
                   slow_turns=info.slowTurns or 0, picture_bytes=info.pictureBytes or 0,
                   unsent_bytes=info.unsentBytes or 0)


def answer_value(answer: Optional[ttypes.Answer]) -> Any:
    """The Python value of an Answer: str (TEXT, PASSWORD, CHOICE), int, float, list of str, or bool."""
    if answer is None:
        return None
    kind = answer.kind
    if kind in (ttypes.QuestionKind.TEXT, ttypes.QuestionKind.PASSWORD):
        return answer.text if answer.text is not None else ""
    if kind == ttypes.QuestionKind.INTEGER:
        return answer.integer
    if kind == ttypes.QuestionKind.NUMBER:
        return answer.number
    if kind == ttypes.QuestionKind.CHOICE:
        return answer.choices[0] if answer.choices else None
    if kind == ttypes.QuestionKind.MULTI_CHOICE:
        return list(answer.choices or [])
    if kind == ttypes.QuestionKind.YES_NO:
        return bool(answer.yes)
    return answer


@dataclass(frozen=True)
class Event:
    """Something that happened on the server (see Client.events()).

    `kind` says which fields are set: "WINDOW_CLOSED" (close_reason),
    "ACTION_INVOKED" (action), "PIXEL_CLICKED" (x, y, color),
    "ANSWER_GIVEN" (answer, as ask() returns it), "PAGE_LOADED" (name, url),
    "EVENTS_MISSED" (missed: how many events are gone because the reader
    fell behind the server's bounded log; its sequence is 0),
    "RENDERER_RESTARTED" (name, url of the page shown again; reason: how the
    stage's web renderer ended), "WINDOW_OPENED" (window_kind, name: the label
    its client gave it), "PUSH_FAILED" (push_result: what the push answered,
    e.g. "TIMED_OUT"; name, url of the page that was not shown).
    """

    sequence: int
    kind: str
    window_id: int
    time: float
    """Seconds since the Unix epoch (as time.time())."""
    close_reason: Optional[str] = None
    action: Optional[str] = None
    x: Optional[int] = None
    y: Optional[int] = None
    color: Optional[Color] = None
    answer: Any = None
    name: Optional[str] = None
    url: Optional[str] = None
    missed: Optional[int] = None
    reason: Optional[str] = None
    window_kind: Optional[str] = None
    push_result: Optional[str] = None
    raw: Optional[ttypes.Event] = field(default=None, repr=False, compare=False)
    """The generated Event it was made from."""

    @classmethod
    def from_thrift(cls, event: ttypes.Event) -> "Event":
        return cls(sequence=event.sequence or 0, kind=enum_name(ttypes.EventKind, event.kind),
                   window_id=event.windowId or 0, time=(event.timeMs or 0) / 1000.0,
                   close_reason=enum_name(ttypes.CloseReason, event.closeReason), action=event.action,
                   x=event.x, y=event.y, color=color_tuple(event.color), answer=answer_value(event.answer),
                   name=event.name, url=event.url, missed=event.missed, reason=event.reason,
                   window_kind=enum_name(ttypes.WindowKind, event.windowKind),
                   push_result=enum_name(ttypes.PushResult, event.pushResult), raw=event)
