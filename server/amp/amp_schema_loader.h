// Reads the resolved AMP schema (gen/amp/vitrine_amp.json, compiled into the server as the Qt resource
// :/vitrine/amp/vitrine_amp.json) into an AmpSchema.
//
// The schema is written by scripts/gen_amp_commands.py with every mapping rule already applied, so the
// loader only reads it: each member by name, with its JSON type checked, and each value checked against the
// few things the translations can do (the Thrift and AMP type pairs of docs/amp.md's table, defaults and
// fixed values the type accepts, keys unique within a box). Whatever it cannot read is refused, naming the
// place; a member it does not know is refused too, because it would be a rule this server does not apply.
#pragma once

#include <memory>
#include <string_view>

#include "amp/amp_schema.h"

namespace vitrine {

/// Stateless; its one function is safe on any thread (it uses QtCore's JSON parser, no event loop).
class AmpSchemaLoader {
 public:
  /// The format and version of the resolved schema this server reads.
  static constexpr std::string_view kFormat = "vitrine-amp-schema";
  static constexpr int kVersion = 1;

  /// Parses `json` and builds the command tables. Throws std::runtime_error starting "AMP schema: " and
  /// naming the place ("command StartInspect, argument picture, field mode: ...") when the text is no JSON
  /// object, is another format or version, lacks a member or has one of the wrong type or an unknown one,
  /// names a type pair or enum it cannot translate, has a default or fixed value its type does not accept,
  /// two keys with one name in one box, or two commands with one name. That is a build problem (gen/ and
  /// the server disagree), found at start-up and by the tests.
  static std::shared_ptr<const AmpSchema> load(std::string_view json);
};

}  // namespace vitrine
