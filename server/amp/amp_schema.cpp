// The command tables of the resolved AMP schema (see amp_schema.h).
#include "amp/amp_schema.h"

#include <climits>
#include <set>
#include <stdexcept>

namespace vitrine {

AmpSchema::AmpSchema(std::vector<AmpCommand> commands, std::vector<AmpCommand> callbacks)
    : commands_(std::move(commands)), callbacks_(std::move(callbacks)) {
  // A peer sees both directions, and Twisted keeps one class per name: one name, one command.
  std::set<std::string, std::less<>> names;
  const auto claim = [&names](const AmpCommand& command) {
    if (!names.insert(command.name).second) {
      throw std::runtime_error("AMP schema: two commands are named '" + command.name + "'");
    }
  };
  for (std::size_t i = 0; i < commands_.size(); ++i) {
    claim(commands_[i]);
    commandIndex_.emplace(commands_[i].name, i);
  }
  for (std::size_t i = 0; i < callbacks_.size(); ++i) {
    claim(callbacks_[i]);
    if (!callbackIndex_.emplace(callbacks_[i].method, i).second) {
      throw std::runtime_error("AMP schema: two callbacks call the method '" + callbacks_[i].method + "'");
    }
  }
}

const AmpCommand* AmpSchema::find(std::string_view name) const {
  const auto it = commandIndex_.find(name);
  return it == commandIndex_.end() ? nullptr : &commands_[it->second];
}

const AmpCommand* AmpSchema::findCallback(std::string_view method) const {
  const auto it = callbackIndex_.find(method);
  return it == callbackIndex_.end() ? nullptr : &callbacks_[it->second];
}

std::string integerRangeError(ThriftType type, std::int64_t value) {
  std::int64_t low = INT64_MIN;
  std::int64_t high = INT64_MAX;
  const char* name = "i64";
  switch (type) {
    case ThriftType::I8:
      low = INT8_MIN, high = INT8_MAX, name = "i8";
      break;
    case ThriftType::I16:
      low = INT16_MIN, high = INT16_MAX, name = "i16";
      break;
    case ThriftType::I32:
      low = INT32_MIN, high = INT32_MAX, name = "i32";
      break;
    default:
      break;
  }
  if (value >= low && value <= high) return {};
  return std::string("outside the ") + name + " range " + std::to_string(low) + ".." + std::to_string(high);
}

}  // namespace vitrine
