// Finding the field of a Thrift value that is over its DisplayLimits.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "service/display_limits.h"

namespace apache::thrift::protocol {
class TProtocol;
}

namespace vitrine {

/// A field over its limit: which one, how big it is, and the limit.
struct FieldOverLimit {
  /// A dotted path under the argument's name, with the index of a list
  /// element: "text", "options.actions", "question.choices[3]",
  /// "options.actions[2].label".
  std::string field;
  /// Its size: bytes for a string, entries for a list.
  std::size_t size = 0;
  /// The limit it is over.
  std::size_t limit = 0;
  /// The vitrine-server flag that sets the limit ("--max-label"), or the
  /// reason it is fixed ("fixed: Chromium's own limit").
  const char* setBy = "";
  /// True when `size` counts a list's entries, false when it counts bytes.
  bool counted = false;

  /// One sentence for the caller: "question.choices has 1000000 entries,
  /// over the limit of 100000 (--max-list-items)".
  std::string message() const;
};

/// The first field, in the order `write` writes them (as a generated
/// struct's write() does), that is over its limit in `limits`, or nullopt.
/// A field's limit follows from its name, the same in every struct of the
/// IDL: prompt and defaultText are texts (maxTextBytes); title, name, key,
/// label, directory and defaultName labels (maxLabelBytes), and so is each
/// element of choices and nameFilters; url a URL (kMaxUrlBytes); data an
/// HTML document (maxHtmlBytes; only string fields are looked at, so a
/// Picture's binary data is not); actions has at most maxActions entries
/// and every other list at most maxListItems. Other fields have no limit.
///
/// Costs one call per string and list element up to the first field over
/// its limit (a list's count is checked before its elements), and allocates
/// nothing but the answer: cheap next to what the value cost to read,
/// whatever its size. Pure; any thread.
std::optional<FieldOverLimit> firstFieldOverLimitWritten(
    const std::function<void(apache::thrift::protocol::TProtocol&)>& write, std::string_view name,
    const DisplayLimits& limits);

/// firstFieldOverLimitWritten for a generated struct `value` (an argument named `name`).
template <class Struct>
std::optional<FieldOverLimit> firstFieldOverLimit(const Struct& value, std::string_view name,
                                                  const DisplayLimits& limits) {
  return firstFieldOverLimitWritten(
      [&value](apache::thrift::protocol::TProtocol& protocol) { value.write(&protocol); }, name, limits);
}

/// The same for a string argument `text` named `name`, whose limit follows
/// from its name as for a struct's fields ("text" is a text).
std::optional<FieldOverLimit> firstFieldOverLimit(const std::string& text, std::string_view name,
                                                  const DisplayLimits& limits);

}  // namespace vitrine
