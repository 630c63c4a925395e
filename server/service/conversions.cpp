#include "service/conversions.h"

#include <cmath>

namespace vitrine {

namespace {

bool outside(double value, const std::optional<double>& minimum, const std::optional<double>& maximum) {
  return (minimum && value < *minimum) || (maximum && value > *maximum);
}

}  // namespace

std::optional<QuestionSpec> toQuestionSpec(api::Question&& question, QString* why) {
  using Kind = QuestionSpec::Kind;
  QuestionSpec spec;
  switch (question.kind) {
    case api::QuestionKind::TEXT: spec.kind = Kind::Text; break;
    case api::QuestionKind::PASSWORD: spec.kind = Kind::Password; break;
    case api::QuestionKind::INTEGER: spec.kind = Kind::Integer; break;
    case api::QuestionKind::NUMBER: spec.kind = Kind::Number; break;
    case api::QuestionKind::CHOICE: spec.kind = Kind::Choice; break;
    case api::QuestionKind::MULTI_CHOICE: spec.kind = Kind::MultiChoice; break;
    case api::QuestionKind::YES_NO: spec.kind = Kind::YesNo; break;
    default:
      *why = QStringLiteral("unknown question kind %1").arg(static_cast<int>(question.kind));
      return std::nullopt;
  }
  spec.prompt = fromUtf8(question.prompt);
  spec.title = question.__isset.title ? fromUtf8(question.title) : QStringLiteral("vitrine");
  spec.defaultText = fromUtf8(question.defaultText);
  if (question.__isset.minimum) spec.minimum = question.minimum;
  if (question.__isset.maximum) spec.maximum = question.maximum;
  if ((spec.minimum && !std::isfinite(*spec.minimum)) || (spec.maximum && !std::isfinite(*spec.maximum))) {
    *why = QStringLiteral("minimum and maximum must be finite numbers");
    return std::nullopt;
  }
  if (spec.minimum && spec.maximum && *spec.minimum > *spec.maximum) {
    *why = QStringLiteral("minimum %1 is above maximum %2").arg(*spec.minimum).arg(*spec.maximum);
    return std::nullopt;
  }
  if (question.__isset.defaultInteger) {
    if (outside(static_cast<double>(question.defaultInteger), spec.minimum, spec.maximum)) {
      *why = QStringLiteral("defaultInteger %1 is outside minimum..maximum").arg(question.defaultInteger);
      return std::nullopt;
    }
    spec.defaultInteger = question.defaultInteger;
  }
  if (question.__isset.defaultNumber) {
    if (!std::isfinite(question.defaultNumber) || outside(question.defaultNumber, spec.minimum, spec.maximum)) {
      *why = QStringLiteral("defaultNumber %1 is outside minimum..maximum").arg(question.defaultNumber);
      return std::nullopt;
    }
    spec.defaultNumber = question.defaultNumber;
  }
  const std::size_t choiceCount = question.choices.size();
  if (spec.kind == Kind::Choice && choiceCount == 0) {
    *why = QStringLiteral("a CHOICE question needs at least one choice");
    return std::nullopt;
  }
  for (std::int32_t index : question.defaultChoices) {
    if (index < 0 || static_cast<std::size_t>(index) >= choiceCount) {
      *why = QStringLiteral("defaultChoices index %1 is outside the %2 choices").arg(index).arg(choiceCount);
      return std::nullopt;
    }
    spec.defaultChoices.push_back(index);
  }
  if (question.__isset.defaultYes) spec.defaultYes = question.defaultYes;
  // Last, once nothing can fail: a refused question keeps its choices.
  spec.choices = std::move(question.choices);
  return spec;
}

api::Answer toApiAnswer(const QuestionAnswer& answer, QuestionSpec::Kind kind) {
  using Kind = QuestionSpec::Kind;
  api::Answer out;
  switch (kind) {
    case Kind::Text:
      out.kind = api::QuestionKind::TEXT;
      out.__set_text(answer.text.toStdString());
      break;
    case Kind::Password:
      out.kind = api::QuestionKind::PASSWORD;
      out.__set_text(answer.text.toStdString());
      break;
    case Kind::Integer:
      out.kind = api::QuestionKind::INTEGER;
      out.__set_integer(answer.integer);
      break;
    case Kind::Number:
      out.kind = api::QuestionKind::NUMBER;
      out.__set_number(answer.number);
      break;
    case Kind::Choice:
    case Kind::MultiChoice: {
      out.kind = kind == Kind::Choice ? api::QuestionKind::CHOICE : api::QuestionKind::MULTI_CHOICE;
      out.__set_choices(answer.choiceLabels);
      out.__set_choiceIndices(std::vector<std::int32_t>(answer.choiceIndices.begin(), answer.choiceIndices.end()));
      break;
    }
    case Kind::YesNo:
      out.kind = api::QuestionKind::YES_NO;
      out.__set_yes(answer.yes);
      break;
  }
  return out;
}

FileChooserSpec toFileChooserSpec(const api::FileChooser& chooser) {
  FileChooserSpec spec;
  switch (chooser.mode) {
    case api::FileChooserMode::SAVE: spec.mode = FileChooserSpec::Mode::Save; break;
    case api::FileChooserMode::DIRECTORY: spec.mode = FileChooserSpec::Mode::Directory; break;
    default: spec.mode = FileChooserSpec::Mode::Open; break;
  }
  spec.title = chooser.__isset.title ? fromUtf8(chooser.title)
               : spec.mode == FileChooserSpec::Mode::Save      ? QStringLiteral("Save as")
               : spec.mode == FileChooserSpec::Mode::Directory ? QStringLiteral("Choose a folder")
                                                               : QStringLiteral("Open");
  spec.directory = fromUtf8(chooser.directory);
  for (const std::string& filter : chooser.nameFilters) spec.nameFilters << fromUtf8(filter);
  spec.defaultName = fromUtf8(chooser.defaultName);
  return spec;
}

std::optional<QColor> toQColor(const api::Color& color, QString* why) {
  const int alpha = color.__isset.a ? color.a : 255;
  for (int channel : {color.r, color.g, color.b, alpha}) {
    if (channel < 0 || channel > 255) {
      *why = QStringLiteral("colour channel %1 is outside 0..255").arg(channel);
      return std::nullopt;
    }
  }
  return QColor(color.r, color.g, color.b, alpha);
}

api::Color toApiColor(const QColor& color, bool withAlpha) {
  api::Color out;
  out.r = color.red();
  out.g = color.green();
  out.b = color.blue();
  if (withAlpha) out.__set_a(color.alpha());
  return out;
}

std::chrono::milliseconds optionalTimeout(bool isSet, std::int32_t timeoutMs) {
  return std::chrono::milliseconds(isSet && timeoutMs > 0 ? timeoutMs : 0);
}

}  // namespace vitrine
