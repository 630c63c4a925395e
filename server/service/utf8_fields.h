// Finding the string fields of a Thrift value that are not UTF-8.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace apache::thrift::protocol {
class TProtocol;
}

namespace vitrine {

/// Whether `bytes` is well-formed UTF-8 as Python's strict decoder sees it
/// (and so AMP's Unicode): no overlong forms, no surrogates (U+D800..U+DFFF),
/// nothing over U+10FFFF. Allocates nothing. Pure; any thread.
bool isValidUtf8(std::string_view bytes);

/// The name of the first string written by `write` (which writes one value
/// with a Thrift protocol, as a generated struct's write() does) that is not
/// UTF-8, as a dotted path under `name`: "options.title",
/// "question.choices", "options.actions.key". nullopt when every string is
/// UTF-8. `binary` fields are bytes, not text, and are not looked at.
/// Thrift's own readers hand such strings over as they are; the service
/// refuses them (InvalidArgument naming the field) rather than show
/// replacement characters. Pure; any thread.
std::optional<std::string> firstNonUtf8FieldWritten(
    const std::function<void(apache::thrift::protocol::TProtocol&)>& write, std::string_view name);

/// firstNonUtf8FieldWritten for a generated struct `value` (an argument named `name`).
template <class Struct>
std::optional<std::string> firstNonUtf8Field(const Struct& value, std::string_view name) {
  return firstNonUtf8FieldWritten([&value](apache::thrift::protocol::TProtocol& protocol) { value.write(&protocol); },
                                  name);
}

/// `name` when the string argument `text` is not UTF-8, else nullopt.
inline std::optional<std::string> firstNonUtf8Field(const std::string& text, std::string_view name) {
  if (isValidUtf8(text)) return std::nullopt;
  return std::string(name);
}

}  // namespace vitrine
