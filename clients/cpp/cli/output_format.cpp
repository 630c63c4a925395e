// How the `vitrine` tool writes answers, windows and events (see
// output_format.h).
#include "output_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

namespace vitrine::cli {

namespace {

// Title and name go between tabs, one window a line.
std::string oneField(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return text;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// "2025-05-01T10:00:00.123Z" for milliseconds since the Unix epoch.
std::string utcTime(std::int64_t timeMs) {
  // Floor division, so times before 1970 keep 0..999 milliseconds.
  std::int64_t seconds = timeMs / 1000;
  std::int64_t millis = timeMs % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  if (::gmtime_r(&time, &parts) == nullptr) {
    return std::to_string(timeMs) + "ms";
  }
  char text[64];
  std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis));
  return text;
}

std::string jsonColor(const api::Color& color) {
  std::string out = "{\"r\":" + std::to_string(color.r) + ",\"g\":" + std::to_string(color.g) +
                    ",\"b\":" + std::to_string(color.b);
  if (color.__isset.a) {
    out += ",\"a\":" + std::to_string(color.a);
  }
  return out + "}";
}

template <class T, class Format>
std::string jsonArray(const std::vector<T>& items, Format format) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "" : ",") + format(items[i]);
  }
  return out + "]";
}

std::string jsonAnswer(const api::Answer& answer) {
  std::string out = "{\"kind\":" + jsonString(api::to_string(answer.kind));
  if (answer.__isset.text) {
    out += ",\"text\":" + jsonString(answer.text);
  }
  if (answer.__isset.integer) {
    out += ",\"integer\":" + std::to_string(answer.integer);
  }
  if (answer.__isset.number) {
    out += ",\"number\":" + jsonNumber(answer.number);
  }
  if (answer.__isset.choices) {
    out += ",\"choices\":" + jsonArray(answer.choices, [](const std::string& label) { return jsonString(label); });
  }
  if (answer.__isset.choiceIndices) {
    out += ",\"choiceIndices\":" + jsonArray(answer.choiceIndices, [](std::int32_t i) { return std::to_string(i); });
  }
  if (answer.__isset.yes) {
    out += std::string(",\"yes\":") + (answer.yes ? "true" : "false");
  }
  return out + "}";
}

// An answer as one value of an event line: what `ask` would print, but on
// one line and unambiguous.
std::string answerValue(const api::Answer& answer) {
  if (answer.__isset.text) {
    return jsonString(answer.text);
  }
  if (answer.__isset.integer) {
    return std::to_string(answer.integer);
  }
  if (answer.__isset.number) {
    return numberText(answer.number);
  }
  if (answer.__isset.choices) {
    return jsonArray(answer.choices, [](const std::string& label) { return jsonString(label); });
  }
  if (answer.__isset.yes) {
    return answer.yes ? "yes" : "no";
  }
  return "none";
}

}  // namespace

std::string jsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string numberText(double value) {
  if (std::isnan(value)) {
    return "nan";
  }
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  char text[64];
  auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc() ? std::string(text, end) : std::to_string(value);
}

std::string jsonNumber(double value) {
  return std::isfinite(value) ? numberText(value) : "null";
}

std::string colorHex(const api::Color& color, bool withAlpha) {
  auto channel = [](std::int32_t value) { return std::clamp(value, 0, 255); };
  char text[16];
  if (withAlpha) {
    std::snprintf(text, sizeof text, "#%02x%02x%02x%02x", channel(color.r), channel(color.g), channel(color.b),
                  channel(color.__isset.a ? color.a : 255));
  } else {
    std::snprintf(text, sizeof text, "#%02x%02x%02x", channel(color.r), channel(color.g), channel(color.b));
  }
  return text;
}

std::optional<api::Color> parseColorHex(std::string_view text) {
  if (text.starts_with('#')) {
    text.remove_prefix(1);
  }
  if (text.size() != 6 && text.size() != 8) {
    return std::nullopt;
  }
  int channels[4] = {0, 0, 0, 255};
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int high = hexDigit(text[i]);
    int low = hexDigit(text[i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    channels[i / 2] = high * 16 + low;
  }
  api::Color color;
  color.r = channels[0];
  color.g = channels[1];
  color.b = channels[2];
  if (text.size() == 8) {
    color.__set_a(channels[3]);
  }
  return color;
}

std::string answerText(const api::Answer& answer) {
  switch (answer.kind) {
    case api::QuestionKind::TEXT:
    case api::QuestionKind::PASSWORD:
      return answer.__isset.text ? answer.text + "\n" : "";
    case api::QuestionKind::INTEGER:
      return answer.__isset.integer ? std::to_string(answer.integer) + "\n" : "";
    case api::QuestionKind::NUMBER:
      return answer.__isset.number ? numberText(answer.number) + "\n" : "";
    case api::QuestionKind::CHOICE:
    case api::QuestionKind::MULTI_CHOICE: {
      std::string lines;
      for (const auto& label : answer.choices) {
        lines += label + "\n";
      }
      return lines;
    }
    case api::QuestionKind::YES_NO:
      return answer.__isset.yes ? (answer.yes ? "yes\n" : "no\n") : "";
  }
  return "";
}

std::string windowLine(const api::WindowInfo& window) {
  const auto& g = window.geometry;
  auto offset = [](std::int32_t value) { return (value < 0 ? "" : "+") + std::to_string(value); };
  return std::to_string(window.id) + '\t' + api::to_string(window.kind) + '\t' +
         (window.visible ? "visible" : "hidden") + '\t' + std::to_string(g.width) + 'x' + std::to_string(g.height) +
         offset(g.x) + offset(g.y) + '\t' + oneField(window.title) + '\t' + oneField(window.name);
}

std::string windowJson(const api::WindowInfo& window) {
  const auto& g = window.geometry;
  return "{\"id\":" + std::to_string(window.id) + ",\"kind\":" + jsonString(api::to_string(window.kind)) +
         ",\"title\":" + jsonString(window.title) + ",\"name\":" + jsonString(window.name) +
         ",\"visible\":" + (window.visible ? "true" : "false") + ",\"geometry\":{\"x\":" + std::to_string(g.x) +
         ",\"y\":" + std::to_string(g.y) + ",\"width\":" + std::to_string(g.width) +
         ",\"height\":" + std::to_string(g.height) + "}}";
}

std::string eventLine(const api::Event& event) {
  std::string line = std::to_string(event.sequence) + ' ' + utcTime(event.timeMs) + ' ' + api::to_string(event.kind) +
                     " window=" + std::to_string(event.windowId);
  if (event.__isset.closeReason) {
    line += " reason=" + api::to_string(event.closeReason);
  }
  if (event.__isset.action) {
    line += " action=" + jsonString(event.action);
  }
  if (event.__isset.x) {
    line += " x=" + std::to_string(event.x);
  }
  if (event.__isset.y) {
    line += " y=" + std::to_string(event.y);
  }
  if (event.__isset.color) {
    const bool translucent = event.color.__isset.a && event.color.a != 255;
    line += " color=" + colorHex(event.color, translucent);
  }
  if (event.__isset.answer) {
    line += " answer=" + answerValue(event.answer);
  }
  if (event.__isset.name) {
    line += " name=" + jsonString(event.name);
  }
  if (event.__isset.url) {
    line += " url=" + jsonString(event.url);
  }
  if (event.__isset.missed) {
    line += " missed=" + std::to_string(event.missed);
  }
  if (event.__isset.reason) {
    line += " reason=" + jsonString(event.reason);
  }
  if (event.__isset.windowKind) {
    line += " windowKind=" + api::to_string(event.windowKind);
  }
  if (event.__isset.pushResult) {
    line += " pushResult=" + api::to_string(event.pushResult);
  }
  return line;
}

std::string eventJson(const api::Event& event) {
  std::string out = "{\"sequence\":" + std::to_string(event.sequence) +
                    ",\"kind\":" + jsonString(api::to_string(event.kind)) +
                    ",\"windowId\":" + std::to_string(event.windowId) + ",\"timeMs\":" + std::to_string(event.timeMs);
  if (event.__isset.closeReason) {
    out += ",\"closeReason\":" + jsonString(api::to_string(event.closeReason));
  }
  if (event.__isset.action) {
    out += ",\"action\":" + jsonString(event.action);
  }
  if (event.__isset.x) {
    out += ",\"x\":" + std::to_string(event.x);
  }
  if (event.__isset.y) {
    out += ",\"y\":" + std::to_string(event.y);
  }
  if (event.__isset.color) {
    out += ",\"color\":" + jsonColor(event.color);
  }
  if (event.__isset.answer) {
    out += ",\"answer\":" + jsonAnswer(event.answer);
  }
  if (event.__isset.name) {
    out += ",\"name\":" + jsonString(event.name);
  }
  if (event.__isset.url) {
    out += ",\"url\":" + jsonString(event.url);
  }
  if (event.__isset.missed) {
    out += ",\"missed\":" + std::to_string(event.missed);
  }
  if (event.__isset.reason) {
    out += ",\"reason\":" + jsonString(event.reason);
  }
  if (event.__isset.windowKind) {
    out += ",\"windowKind\":" + jsonString(api::to_string(event.windowKind));
  }
  if (event.__isset.pushResult) {
    out += ",\"pushResult\":" + jsonString(api::to_string(event.pushResult));
  }
  return out + "}";
}

}  // namespace vitrine::cli
