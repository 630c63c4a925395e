// How the `vitrine` tool writes answers, windows and events: as text lines
// for people and shell scripts, and as JSON. Pure functions of their
// arguments, callable from any thread. Formats are documented in
// docs/cli.md; scripts rely on them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vitrine/api/vitrine_types.h"

namespace vitrine::cli {

/// `text` as a JSON string literal, quotes included. Bytes are passed
/// through as they are (the server sends UTF-8); quotes, backslashes and
/// control characters are escaped, so the result is always one line.
std::string jsonString(std::string_view text);

/// The shortest decimal that reads back as `value` (e.g. "0.1", "42",
/// "1e+300"); "nan", "inf" or "-inf" for those.
std::string numberText(double value);

/// `value` as a JSON number; `null` for NaN and infinities, which JSON
/// cannot hold.
std::string jsonNumber(double value);

/// "#rrggbb" (lower-case hex), or "#rrggbbaa" when `withAlpha`; an unset
/// alpha is opaque (ff). Channels outside 0..255 are clamped.
std::string colorHex(const api::Color& color, bool withAlpha);

/// Parses "#rrggbb" or "#rrggbbaa" (hex digits of either case; the "#" may
/// be left out). Alpha is set only when given. Nothing for anything else.
std::optional<api::Color> parseColorHex(std::string_view text);

/// What `vitrine ask` prints for `answer`, each line ending in "\n": the
/// text; the integer; the number (numberText); the chosen labels, one a
/// line (nothing when none was chosen); "yes" or "no". Empty for an answer
/// that has no field for its kind.
std::string answerText(const api::Answer& answer);

/// One line of `vitrine windows`, without the newline: id, kind, "visible"
/// or "hidden", WIDTHxHEIGHT+X+Y (X and Y signed), title, name, separated
/// by tabs. Tabs and line breaks inside the title or name become spaces.
std::string windowLine(const api::WindowInfo& window);

/// One window as a JSON object on one line: id, kind, title, name,
/// visible, geometry {x, y, width, height}.
std::string windowJson(const api::WindowInfo& window);

/// One event as one line for people, without the newline: sequence, UTC
/// time (ISO 8601, milliseconds), kind, `window=ID`, then the fields the
/// kind sets as key=value (strings as JSON literals), e.g.
///   12 2025-05-01T10:00:00.123Z WINDOW_CLOSED window=3 reason=CLOSED_BY_CLIENT
std::string eventLine(const api::Event& event);

/// One event as a JSON object on one line, keys as the IDL's Event fields,
/// enums by name, only the fields that are set.
std::string eventJson(const api::Event& event);

}  // namespace vitrine::cli
