// ask(): one question of a given kind, answered or canceled.
#pragma once

#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "ui/managed_window.h"

class QLabel;
class QLineEdit;
class QListView;

namespace vitrine {

class ChoiceListModel;

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
  /// The options of Choice and MultiChoice, as the client sent them (UTF-8).
  std::vector<std::string> choices;
  std::vector<int> defaultChoices;
  bool defaultYes = true;
};

/// The person's answer: the member for the question's kind is set.
struct QuestionAnswer {
  QString text;
  qint64 integer = 0;
  double number = 0;
  std::vector<int> choiceIndices;
  /// The labels of choiceIndices, in the same order, as the client sent them.
  std::vector<std::string> choiceLabels;
  bool yes = false;
};

/// A dialog with the prompt (a label, or a scrolling view when long: see
/// ui/long_text.h) and an input suited to the kind: a line edit
/// (text, password, integer, number: Enter answers, an invalid number shows
/// why under the input), a list (choice: one selected, the first default or
/// else the first row; multi: check boxes, the defaults checked, Space
/// toggles the current row), or Yes/No buttons. OK/Enter answers
/// (answered(), then closes with Answered); Cancel/Escape closes with
/// Canceled; the close button with UserClosed.
///
/// The list is a QListView over a ChoiceListModel with uniform row heights:
/// opening, scrolling and answering cost what the rows on screen cost, not
/// what the whole list would, so a question of 100,000 choices opens in
/// about a frame (most of it the reading of the request). GUI thread only.
class QuestionWindow : public ManagedWindow {
  Q_OBJECT

 public:
  explicit QuestionWindow(QuestionSpec spec);

 Q_SIGNALS:
  void answered(const vitrine::QuestionAnswer& answer);

 private:
  void submit();
  /// Emits answered(result), with the labels of its choices, and closes; nothing once closing.
  void answer(QuestionAnswer result);
  /// Parses the line edit for Integer/Number; shows the problem and returns false when invalid.
  bool readNumber(QuestionAnswer& answer);

  QuestionSpec spec_;
  QLineEdit* line_ = nullptr;
  QListView* list_ = nullptr;
  ChoiceListModel* choices_ = nullptr;
  QLabel* problem_ = nullptr;
};

}  // namespace vitrine

Q_DECLARE_METATYPE(vitrine::QuestionAnswer)
