"""Every call of the Python API as a Call: arguments checked and turned into the IDL's
structs, and the answer turned into a plain Python value. The sync and asyncio
clients only differ in how they send a Call and wait for its answer.
"""

import math
import os
from collections.abc import Mapping
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

from vitrine_thrift import ttypes

from . import _pictures
from ._values import Event, PushResult, ServerInfo, Window, answer_value, color_tuple
from ._wire import Call
from .errors import InvalidArgument

# The server's longest long-poll (EventLog::kMaxWait) and largest batch.
MAX_EVENT_WAIT = 60.0
MAX_EVENT_BATCH = 1000
_MAX_MS = 2**31 - 1

ColorLike = Union[Tuple[int, int, int], Tuple[int, int, int, int], str]
ActionsLike = Union[Mapping[str, str], Iterable[Union[str, Tuple[str, str]]]]


def milliseconds(seconds: Optional[float], what: str = "timeout") -> Optional[int]:
    """A positive number of seconds as i32 milliseconds (at least 1); None stays None."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("%s must be a number of seconds or None, not %s" % (what, type(seconds).__name__))
    if not seconds > 0 or math.isinf(seconds):
        raise InvalidArgument("%s must be a positive number of seconds or None, not %r" % (what, seconds))
    ms = max(1, math.ceil(seconds * 1000))
    if ms > _MAX_MS:
        raise InvalidArgument("%s of %r seconds is too long (at most %d)" % (what, seconds, _MAX_MS // 1000))
    return ms


def _own_wait(seconds: Optional[float]) -> float:
    """How long a dialog may keep its caller waiting: its own timeout, else for ever."""
    return math.inf if seconds is None else float(seconds)


def _window_id(window_id: int) -> int:
    if isinstance(window_id, bool) or not isinstance(window_id, int):
        raise TypeError("a window id is an int (as show() and say() return), not %s" % type(window_id).__name__)
    return window_id


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    return value


# ---------------------------------------------------------------- stage

def fetch_url(url: str, name: Optional[str], timeout: Optional[float]) -> "Call[PushResult]":
    push = ttypes.PushUrl(name=_text(url if name is None else name, "name"), url=_text(url, "url"),
                          timeoutMs=milliseconds(timeout))
    return Call("fetchUrl", (push,), PushResult, wait=timeout)


def post_html(html: str, name: str, timeout: Optional[float]) -> "Call[PushResult]":
    push = ttypes.PushHtml(name=_text(name, "name"), data=_text(html, "html"), timeoutMs=milliseconds(timeout))
    return Call("postHtml", (push,), PushResult, wait=timeout)


def whats_loaded() -> "Call[str]":
    return Call("whatsLoaded")


def current_url() -> "Call[str]":
    return Call("currentUrl")


def ping() -> "Call[None]":
    return Call("ping")


def server_info() -> "Call[ServerInfo]":
    return Call("serverInfo", (), ServerInfo.from_thrift)


def reset_longest_turn() -> "Call[None]":
    return Call("resetLongestTurn")


def screenshot(window_id: int) -> "Call[bytes]":
    return Call("screenshot", (_window_id(window_id),))


# ---------------------------------------------------------------- popups

def _actions(actions: Optional[ActionsLike]) -> Optional[List[ttypes.Action]]:
    if actions is None:
        return None
    if isinstance(actions, str):
        raise TypeError("actions is a dict {key: label} or a list of keys or (key, label) pairs, not a str")
    pairs = actions.items() if isinstance(actions, Mapping) else actions
    result = []
    for item in pairs:
        key, label = (item, item) if isinstance(item, str) else item
        result.append(ttypes.Action(key=_text(key, "an action's key"), label=_text(label, "an action's label")))
    return result


def _say_options(title: Optional[str], timeout: Optional[float], actions: Optional[ActionsLike],
                 name: Optional[str]) -> ttypes.SayOptions:
    return ttypes.SayOptions(title=title, timeoutMs=milliseconds(timeout), actions=_actions(actions), name=name)


def say(text: str, title: Optional[str], timeout: Optional[float], actions: Optional[ActionsLike],
        name: Optional[str]) -> "Call[int]":
    return Call("say", (_text(text, "text"), _say_options(title, timeout, actions, name)))


def say_and_wait(text: str, title: Optional[str], timeout: Optional[float], actions: Optional[ActionsLike],
                 name: Optional[str]) -> "Call[Optional[str]]":
    return Call("sayAndWait", (_text(text, "text"), _say_options(title, timeout, actions, name)),
                _key_or_none, wait=_own_wait(timeout))


def _key_or_none(key: str) -> Optional[str]:
    """sayAndWait's answer: the key of the action chosen, None for none (an empty key)."""
    return key or None


# ---------------------------------------------------------------- questions

QUESTION_KINDS = {
    "text": ttypes.QuestionKind.TEXT,
    "password": ttypes.QuestionKind.PASSWORD,
    "integer": ttypes.QuestionKind.INTEGER,
    "number": ttypes.QuestionKind.NUMBER,
    "choice": ttypes.QuestionKind.CHOICE,
    "multi_choice": ttypes.QuestionKind.MULTI_CHOICE,
    "yes_no": ttypes.QuestionKind.YES_NO,
}


def _choice_index(choices: Sequence[str], value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a default choice is a label (str) or an index (int), not a bool")
    if isinstance(value, int):
        if not 0 <= value < len(choices):
            raise InvalidArgument("default choice index %d is outside 0..%d" % (value, len(choices) - 1))
        return value
    if isinstance(value, str):
        try:
            return list(choices).index(value)
        except ValueError:
            raise InvalidArgument("default choice %r is not one of the choices %r" % (value, list(choices))) from None
    raise TypeError("a default choice is a label (str) or an index (int), not %s" % type(value).__name__)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s" % (what, type(value).__name__))
    return float(value)


def question(prompt: str, kind: str = "text", default: Any = None, minimum: Optional[float] = None,
             maximum: Optional[float] = None, choices: Optional[Sequence[str]] = None,
             title: Optional[str] = None, timeout: Optional[float] = None) -> ttypes.Question:
    """The IDL's Question for ask()'s arguments (checked: InvalidArgument or TypeError say what is wrong)."""
    if not isinstance(kind, str) or kind.lower().replace("-", "_") not in QUESTION_KINDS:
        raise InvalidArgument("kind must be one of %s, not %r" % (", ".join(map(repr, QUESTION_KINDS)), kind))
    kind = kind.lower().replace("-", "_")
    q = ttypes.Question(prompt=_text(prompt, "prompt"), kind=QUESTION_KINDS[kind], title=title,
                        timeoutMs=milliseconds(timeout))
    if (minimum is not None or maximum is not None) and kind not in ("integer", "number"):
        raise InvalidArgument("minimum and maximum apply to kind 'integer' and 'number', not %r" % kind)
    if minimum is not None:
        q.minimum = _number(minimum, "minimum")
    if maximum is not None:
        q.maximum = _number(maximum, "maximum")
    if choices is not None:
        if kind not in ("choice", "multi_choice"):
            raise InvalidArgument("choices apply to kind 'choice' and 'multi_choice', not %r" % kind)
        if isinstance(choices, str):
            raise TypeError("choices is a list of str, not a str")
        q.choices = [_text(c, "a choice") for c in choices]
    if default is None:
        return q
    if kind in ("text", "password"):
        q.defaultText = _text(default, "the default of a %s question" % kind)
    elif kind == "integer":
        if isinstance(default, bool) or not isinstance(default, int):
            raise TypeError("the default of an integer question must be an int, not %s" % type(default).__name__)
        q.defaultInteger = default
    elif kind == "number":
        q.defaultNumber = _number(default, "the default of a number question")
    elif kind == "choice":
        q.defaultChoices = [_choice_index(q.choices or [], default)]
    elif kind == "multi_choice":
        if isinstance(default, (str, int)):
            default = [default]
        q.defaultChoices = [_choice_index(q.choices or [], d) for d in default]
    elif kind == "yes_no":
        if not isinstance(default, bool):
            raise TypeError("the default of a yes_no question must be True or False, not %r" % (default,))
        q.defaultYes = default
    return q


def ask(prompt: str, kind: str, default: Any, minimum: Optional[float], maximum: Optional[float],
        choices: Optional[Sequence[str]], title: Optional[str], timeout: Optional[float]) -> "Call[Any]":
    q = question(prompt, kind, default, minimum, maximum, choices, title, timeout)
    return Call("ask", (q,), answer_value, wait=_own_wait(timeout))


# ---------------------------------------------------------------- choosers

FILE_MODES = {"open": ttypes.FileChooserMode.OPEN, "save": ttypes.FileChooserMode.SAVE,
              "directory": ttypes.FileChooserMode.DIRECTORY}


def choose_file(mode: str, directory: "Optional[Union[str, os.PathLike[str]]]",
                filters: Optional[Union[str, Sequence[str]]], title: Optional[str], default_name: Optional[str],
                timeout: Optional[float]) -> "Call[str]":
    if mode not in FILE_MODES:
        raise InvalidArgument("mode must be 'open', 'save' or 'directory', not %r" % (mode,))
    if isinstance(filters, str):
        filters = [filters]
    chooser = ttypes.FileChooser(
        mode=FILE_MODES[mode],
        # The server resolves a relative directory against its own working
        # directory; the caller means theirs.
        directory=os.path.abspath(os.fspath(directory)) if directory is not None else None,
        nameFilters=[_text(f, "a filter") for f in filters] if filters is not None else None,
        title=title, defaultName=default_name, timeoutMs=milliseconds(timeout))
    return Call("chooseFile", (chooser,), wait=_own_wait(timeout))


def to_color(color: ColorLike) -> ttypes.Color:
    """The IDL's Color from (r, g, b), (r, g, b, a) or "#rrggbb" / "#rrggbbaa"."""
    if isinstance(color, str):
        text = color[1:] if color.startswith("#") else color
        if len(text) not in (6, 8) or any(c not in "0123456789abcdefABCDEF" for c in text):
            raise InvalidArgument("a colour string is '#rrggbb' or '#rrggbbaa', not %r" % color)
        parsed: Tuple[int, ...] = tuple(int(text[i:i + 2], 16) for i in range(0, len(text), 2))
    else:
        parsed = color
    try:
        channels = tuple(parsed)
    except TypeError:
        raise TypeError("a colour is (r, g, b), (r, g, b, a) or '#rrggbb', not %s" % type(color).__name__) from None
    if len(channels) not in (3, 4):
        raise InvalidArgument("a colour has 3 or 4 channels, not %d: %r" % (len(channels), color))
    for c in channels:
        if isinstance(c, bool) or not isinstance(c, int):
            raise TypeError("colour channels are ints from 0 to 255, not %r" % (c,))
    return ttypes.Color(*channels)  # the server checks the range (InvalidArgument)


def choose_color(initial: ColorLike, title: Optional[str], timeout: Optional[float],
                 alpha: bool) -> "Call[Tuple[int, ...]]":
    options = ttypes.ColorChooser(title=title, timeoutMs=milliseconds(timeout), withAlpha=bool(alpha) or None)

    def convert(color: ttypes.Color) -> Tuple[int, ...]:
        rgba = color_tuple(color)
        assert rgba is not None  # the server always answers a colour
        if alpha:
            return rgba if len(rgba) == 4 else rgba + (255,)
        return rgba[:3]

    return Call("chooseColor", (to_color(initial), options), convert, wait=_own_wait(timeout))


# ---------------------------------------------------------------- pictures and windows

def show(picture: Any, title: Optional[str], inspectable: bool, name: Optional[str]) -> "Call[int]":
    options = ttypes.PictureOptions(title=title, inspectable=bool(inspectable) or None, name=name)
    return Call("showPicture", (_pictures.to_picture(picture), options))


def update(window_id: int, picture: Any) -> "Call[None]":
    return Call("updatePicture", (_window_id(window_id), _pictures.to_picture(picture)))


def close(window_id: int) -> "Call[None]":
    return Call("closeWindow", (_window_id(window_id),))


def is_closed(window_id: int) -> "Call[bool]":
    return Call("isClosed", (_window_id(window_id),))


def windows() -> "Call[List[Window]]":
    return Call("listWindows", (), lambda infos: [Window.from_thrift(i) for i in infos])


# ---------------------------------------------------------------- events

def wait_events(after: int, wait: float) -> "Call[List[Event]]":
    """Events after sequence `after`, waiting up to `wait` seconds (0..60) for the first."""
    if isinstance(after, bool) or not isinstance(after, int):
        raise TypeError("after is a sequence number (int), not %s" % type(after).__name__)
    wait = min(max(0.0, float(wait)), MAX_EVENT_WAIT)
    return Call("waitEvents", (after, int(wait * 1000)), lambda events: [Event.from_thrift(e) for e in events],
                wait=wait)


class EventCursor:
    """Where an event stream is: what to ask next, and what to make of each batch.

    The logic of Client.events() and its asyncio twin, without I/O: ask
    `next_call()`, feed its answer to `take()`, yield what it returns, and
    stop when `next_call()` returns None (the deadline passed).
    """

    def __init__(self, after: int, deadline: Optional[float]):
        self.after = after
        self.deadline = deadline

    def next_call(self, now: float) -> "Optional[Call[List[Event]]]":
        if self.deadline is None:
            return wait_events(self.after, MAX_EVENT_WAIT)
        remaining = self.deadline - now
        if remaining <= 0:
            return None
        return wait_events(self.after, min(remaining, MAX_EVENT_WAIT))

    def take(self, batch: List[Event]) -> List[Event]:
        """Moves past `batch` and returns it. EVENTS_MISSED (sequence 0) is passed on, not followed."""
        for event in batch:
            if event.kind != "EVENTS_MISSED":
                self.after = max(self.after, event.sequence)
        return batch


def newest_sequence_step(after: int, batch: List[Event]) -> Tuple[int, bool]:
    """One step of finding the newest event's sequence number by paging through the log.

    Returns (the newest sequence seen so far, whether that was the last page).
    """
    for event in batch:
        if event.kind != "EVENTS_MISSED":
            after = max(after, event.sequence)
    return after, len(batch) < MAX_EVENT_BATCH
