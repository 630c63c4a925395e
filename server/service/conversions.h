// Between the IDL's types and the UI's: validation of what clients ask for.
#pragma once

#include <QColor>
#include <QString>
#include <optional>

#include "ui/chooser_windows.h"
#include "ui/question_window.h"
#include "vitrine/api/vitrine_types.h"

namespace vitrine {

/// Checks `question` and turns it into what QuestionWindow shows: nullopt
/// and one sentence in *why for a CHOICE without choices, minimum above
/// maximum, a default out of bounds or a default choice index out of range,
/// an unknown kind. The choices are moved, not copied, into the spec (the
/// rest of `question` is left as it was). Its sizes must have been checked
/// against DisplayLimits first. Pure; any thread.
std::optional<QuestionSpec> toQuestionSpec(api::Question&& question, QString* why);

/// The Answer for `answer` to a question of `kind`.
api::Answer toApiAnswer(const QuestionAnswer& answer, QuestionSpec::Kind kind);

/// The FileChooserWindow spec of `chooser` (unknown modes are Open).
FileChooserSpec toFileChooserSpec(const api::FileChooser& chooser);

/// `color` as a QColor; nullopt and *why when a channel is outside 0..255.
std::optional<QColor> toQColor(const api::Color& color, QString* why);
/// `color` in the IDL's form; alpha set only when `withAlpha`.
api::Color toApiColor(const QColor& color, bool withAlpha);

/// A milliseconds timeout field, or zero (= none) when unset or not positive.
std::chrono::milliseconds optionalTimeout(bool isSet, std::int32_t timeoutMs);

/// UTF-8 bytes from Thrift as a QString.
inline QString fromUtf8(const std::string& text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

}  // namespace vitrine
