// ask(): one question of a given kind, answered or canceled.
#pragma once

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

#include "ui/managed_window.h"

class QLabel;
class QLineEdit;
class QListWidget;

namespace vitrine {

/// What a QuestionWindow asks (validated by the caller: CHOICE has choices,
/// minimum <= maximum, defaults within bounds).
struct QuestionSpec {
  enum class Kind { Text, Password, Integer, Number, Choice, MultiChoice, YesNo };
  Kind kind = Kind::Text;
  QString prompt;
  QString title;
  QString defaultText;
  std::optional<qint64> defaultInteger;
  std::optional<double> defaultNumber;
  std::optional<double> minimum;
  std::optional<double> maximum;
  QStringList choices;
  std::vector<int> defaultChoices;
  bool defaultYes = true;
};

/// The person's answer: the member for the question's kind is set.
struct QuestionAnswer {
  QString text;
  qint64 integer = 0;
  double number = 0;
  std::vector<int> choiceIndices;
  bool yes = false;
};

/// A dialog with the prompt and an input suited to the kind: a line edit
/// (text, password, integer, number: Enter answers, an invalid number shows
/// why under the input), a list (choice: one selected; multi: check boxes),
/// or Yes/No buttons. OK/Enter answers (answered(), then closes with
/// Answered); Cancel/Escape closes with Canceled; the close button with
/// UserClosed. GUI thread only.
class QuestionWindow : public ManagedWindow {
  Q_OBJECT

 public:
  explicit QuestionWindow(QuestionSpec spec);

 Q_SIGNALS:
  void answered(const vitrine::QuestionAnswer& answer);

 private:
  void submit();
  void answer(const QuestionAnswer& answer);
  /// Parses the line edit for Integer/Number; shows the problem and returns false when invalid.
  bool readNumber(QuestionAnswer& answer);

  QuestionSpec spec_;
  QLineEdit* line_ = nullptr;
  QListWidget* list_ = nullptr;
  QLabel* problem_ = nullptr;
};

}  // namespace vitrine

Q_DECLARE_METATYPE(vitrine::QuestionAnswer)
