#include "service/field_limits.h"

#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TTransportUtils.h>

#include <array>
#include <memory>

namespace vitrine {

namespace {

using apache::thrift::protocol::TType;

// A limit on bytes or entries; `max` 0 means none.
struct Limit {
  std::size_t max = 0;
  const char* setBy = "";
};

bool is(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view candidate : names) {
    if (name == candidate) return true;
  }
  return false;
}

// The limit on the bytes of a string field, or of each string element of a list field, called `name`.
Limit bytesLimit(std::string_view name, const DisplayLimits& limits) {
  if (is(name, {"text", "prompt", "defaultText"})) return {limits.maxTextBytes, "--max-text"};
  if (is(name, {"title", "name", "key", "label", "directory", "defaultName", "choices", "nameFilters"})) {
    return {limits.maxLabelBytes, "--max-label"};
  }
  if (name == "url") return {DisplayLimits::kMaxUrlBytes, "fixed: Chromium's own limit"};
  if (name == "data") return {limits.maxHtmlBytes, "--max-html"};
  return {};
}

// The limit on the entries of a list field called `name`.
Limit entriesLimit(std::string_view name, const DisplayLimits& limits) {
  if (name == "actions") return {limits.maxActions, "--max-actions"};
  return {limits.maxListItems, "--max-list-items"};
}

// A protocol that writes nothing: it follows the field names down the value,
// as utf8_fields' finder does, and stops at the first string or list over its
// limit (throwing Found out of the value's write()). The path is kept as the
// generated code's own field-name literals and list indices, and spelled out
// only for the field found.
class LimitFinder : public apache::thrift::protocol::TVirtualProtocol<LimitFinder> {
 public:
  LimitFinder(std::string_view name, const DisplayLimits& limits)
      : TVirtualProtocol(nullTransport()), root_(name), limits_(limits) {}

  /// Thrown when a field over its limit is found: the rest of the value (a million choices) is not walked.
  struct Found {};

  const std::optional<FieldOverLimit>& found() const { return found_; }

  uint32_t writeStructBegin(const char*) { return 0; }
  uint32_t writeStructEnd() {
    if (Frame* list = innermost(); list && list->index >= 0) ++list->index;  // an element of a list of structs
    return 0;
  }
  uint32_t writeFieldBegin(const char* name, const TType, const int16_t) {
    if (depth_ < frames_.size()) frames_[depth_] = Frame{name, -1, {}};
    ++depth_;
    return 0;
  }
  uint32_t writeFieldEnd() {
    --depth_;
    return 0;
  }
  uint32_t writeFieldStop() { return 0; }
  uint32_t writeMapBegin(const TType, const TType, const uint32_t) { return 0; }
  uint32_t writeMapEnd() { return 0; }
  uint32_t writeListBegin(const TType, const uint32_t size) {
    Frame* list = innermost();
    if (!list) return 0;
    check(size, entriesLimit(list->name, limits_), true);
    list->index = 0;
    list->elementLimit = bytesLimit(list->name, limits_);
    return 0;
  }
  uint32_t writeListEnd() {
    if (Frame* list = innermost()) list->index = -1;
    return 0;
  }
  uint32_t writeSetBegin(const TType, const uint32_t) { return 0; }
  uint32_t writeSetEnd() { return 0; }
  uint32_t writeBool(const bool) { return step(); }
  uint32_t writeByte(const int8_t) { return step(); }
  uint32_t writeI16(const int16_t) { return step(); }
  uint32_t writeI32(const int32_t) { return step(); }
  uint32_t writeI64(const int64_t) { return step(); }
  uint32_t writeDouble(const double) { return step(); }
  uint32_t writeString(const std::string& text) {
    Frame* field = innermost();
    if (!field) return 0;
    if (field->index >= 0) {
      check(text.size(), field->elementLimit, false);
      ++field->index;
    } else {
      check(text.size(), bytesLimit(field->name, limits_), false);
    }
    return 0;
  }
  uint32_t writeBinary(const std::string&) { return step(); }

 private:
  // A field being written; `index` counts the elements written so far while it is a list, -1 otherwise.
  struct Frame {
    const char* name;
    std::int64_t index;
    Limit elementLimit;
  };

  static std::shared_ptr<apache::thrift::transport::TNullTransport> nullTransport() {
    static const auto transport = std::make_shared<apache::thrift::transport::TNullTransport>();
    return transport;
  }

  // The field being written; nullptr outside every field (or, which the IDL never does, nested too deep).
  Frame* innermost() { return depth_ > 0 && depth_ <= frames_.size() ? &frames_[depth_ - 1] : nullptr; }

  // A scalar element of a list counts too, for the index of what follows.
  uint32_t step() {
    if (Frame* list = innermost(); list && list->index >= 0) ++list->index;
    return 0;
  }

  void check(std::size_t size, Limit limit, bool counted) {
    if (limit.max == 0 || size <= limit.max) return;
    std::string path(root_);
    for (std::size_t i = 0; i < depth_ && i < frames_.size(); ++i) {
      path += '.';
      path += frames_[i].name;
      if (frames_[i].index >= 0) path += '[' + std::to_string(frames_[i].index) + ']';
    }
    found_ = FieldOverLimit{std::move(path), size, limit.max, limit.setBy, counted};
    throw Found{};
  }

  std::string_view root_;
  const DisplayLimits& limits_;
  // The IDL's arguments nest three fields deep at most (options.actions[i].key).
  std::array<Frame, 8> frames_{};
  std::size_t depth_ = 0;
  std::optional<FieldOverLimit> found_;
};

}  // namespace

std::string FieldOverLimit::message() const {
  return field + (counted ? " has " + std::to_string(size) + " entries" : " is " + std::to_string(size) + " bytes") +
         ", over the limit of " + std::to_string(limit) + " (" + setBy + ")";
}

std::optional<FieldOverLimit> firstFieldOverLimitWritten(
    const std::function<void(apache::thrift::protocol::TProtocol&)>& write, std::string_view name,
    const DisplayLimits& limits) {
  LimitFinder finder(name, limits);
  try {
    write(finder);
  } catch (const LimitFinder::Found&) {
    // finder.found() says which
  }
  return finder.found();
}

std::optional<FieldOverLimit> firstFieldOverLimit(const std::string& text, std::string_view name,
                                                  const DisplayLimits& limits) {
  const Limit limit = bytesLimit(name, limits);
  if (limit.max == 0 || text.size() <= limit.max) return std::nullopt;
  return FieldOverLimit{std::string(name), text.size(), limit.max, limit.setBy, false};
}

}  // namespace vitrine
