#include "ui/question_window.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

#include "ui/choice_list_model.h"
#include "ui/long_text.h"

namespace vitrine {

namespace {

// A long prompt's view shows this many lines at first, above the input.
constexpr int kPromptPageLines = 12;

QString formatBound(double value) {
  return QString::number(value, 'g', 15);
}

}  // namespace

QuestionWindow::QuestionWindow(QuestionSpec spec) : ManagedWindow(spec.title), spec_(std::move(spec)) {
  using Kind = QuestionSpec::Kind;
  auto* layout = new QVBoxLayout(this);
  // A long prompt scrolls, as a popup's long text does (ui/long_text.h).
  QPlainTextEdit* longPrompt = fitsALabel(spec_.prompt) ? nullptr : newLongTextView(spec_.prompt, this);
  if (longPrompt) {
    layout->addWidget(longPrompt);
  } else {
    auto* prompt = new QLabel(spec_.prompt, this);
    prompt->setTextFormat(Qt::PlainText);
    prompt->setWordWrap(true);
    prompt->setMinimumWidth(280);
    layout->addWidget(prompt);
  }

  auto* buttons = new QDialogButtonBox(this);
  switch (spec_.kind) {
    case Kind::Text:
    case Kind::Password:
    case Kind::Integer:
    case Kind::Number: {
      line_ = new QLineEdit(this);
      if (spec_.kind == Kind::Password) line_->setEchoMode(QLineEdit::Password);
      if (spec_.kind == Kind::Integer && spec_.defaultInteger) line_->setText(QString::number(*spec_.defaultInteger));
      if (spec_.kind == Kind::Number && spec_.defaultNumber) line_->setText(formatBound(*spec_.defaultNumber));
      if (spec_.kind == Kind::Text || spec_.kind == Kind::Password) line_->setText(spec_.defaultText);
      line_->selectAll();  // typing replaces the default
      if (spec_.kind == Kind::Integer || spec_.kind == Kind::Number) {
        QStringList range;
        if (spec_.minimum) range << QStringLiteral("from %1").arg(formatBound(*spec_.minimum));
        if (spec_.maximum) range << QStringLiteral("to %1").arg(formatBound(*spec_.maximum));
        line_->setPlaceholderText((spec_.kind == Kind::Integer ? QStringLiteral("a whole number ")
                                                                : QStringLiteral("a number ")) +
                                  range.join(QLatin1Char(' ')));
      }
      layout->addWidget(line_);
      problem_ = new QLabel(this);
      problem_->setStyleSheet(QStringLiteral("color: #b00020"));
      problem_->hide();
      layout->addWidget(problem_);
      break;
    }
    case Kind::Choice:
    case Kind::MultiChoice: {
      const bool multi = spec_.kind == Kind::MultiChoice;
      choices_ = new ChoiceListModel(std::move(spec_.choices), multi, this);
      spec_.choices.clear();
      // Checked before a view watches: 100,000 defaults are 100,000 bytes set, not as many repaints asked for.
      if (multi) {
        for (int index : spec_.defaultChoices) choices_->setChecked(index, true);
      }
      const int current = !multi && !spec_.defaultChoices.empty() ? spec_.defaultChoices.front() : 0;
      list_ = new QListView(this);
      // Every row as high as the first: the view never measures the rows it does not draw.
      list_->setUniformItemSizes(true);
      list_->setSelectionMode(QAbstractItemView::SingleSelection);
      list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
      list_->setModel(choices_);
      // The view scrolls to the current row when it is shown.
      if (choices_->rowCount() > 0) {
        list_->selectionModel()->setCurrentIndex(choices_->index(current), QItemSelectionModel::ClearAndSelect);
      }
      // Space toggles the current row's check box (the view's own key handling); Enter answers.
      connect(list_, &QListView::activated, this, [this] {
        if (spec_.kind == QuestionSpec::Kind::Choice) submit();
      });
      layout->addWidget(list_);
      break;
    }
    case Kind::YesNo: {
      QPushButton* yes = buttons->addButton(QDialogButtonBox::Yes);
      QPushButton* no = buttons->addButton(QDialogButtonBox::No);
      const auto answerYes = [this](bool saidYes) {
        QuestionAnswer result;
        result.yes = saidYes;
        answer(result);
      };
      connect(yes, &QPushButton::clicked, this, [answerYes] { answerYes(true); });
      connect(no, &QPushButton::clicked, this, [answerYes] { answerYes(false); });
      (spec_.defaultYes ? yes : no)->setDefault(true);
      (spec_.defaultYes ? yes : no)->setFocus();
      break;
    }
  }
  if (spec_.kind != Kind::YesNo) {
    QPushButton* ok = buttons->addButton(QDialogButtonBox::Ok);
    ok->setDefault(true);
    connect(ok, &QPushButton::clicked, this, &QuestionWindow::submit);
  }
  QPushButton* cancel = buttons->addButton(QDialogButtonBox::Cancel);
  connect(cancel, &QPushButton::clicked, this, [this] { closeFor(CloseReason::Canceled); });
  layout->addWidget(buttons);
  if (line_) line_->setFocus();
  if (list_) list_->setFocus();
  if (longPrompt) showAPageOf(longPrompt, kPromptPageLines, this);
}

bool QuestionWindow::readNumber(QuestionAnswer& result) {
  const QString text = line_->text().trimmed();
  bool ok = false;
  double value = 0;
  if (spec_.kind == QuestionSpec::Kind::Integer) {
    result.integer = text.toLongLong(&ok);
    value = static_cast<double>(result.integer);
  } else {
    result.number = text.toDouble(&ok);
    value = result.number;
    ok = ok && std::isfinite(value);
  }
  QString why;
  if (!ok) {
    why = spec_.kind == QuestionSpec::Kind::Integer ? QStringLiteral("Please enter a whole number.")
                                                    : QStringLiteral("Please enter a number.");
  } else if (spec_.minimum && value < *spec_.minimum) {
    why = QStringLiteral("The smallest allowed is %1.").arg(formatBound(*spec_.minimum));
  } else if (spec_.maximum && value > *spec_.maximum) {
    why = QStringLiteral("The largest allowed is %1.").arg(formatBound(*spec_.maximum));
  }
  problem_->setText(why);
  problem_->setVisible(!why.isEmpty());
  return why.isEmpty();
}

void QuestionWindow::submit() {
  using Kind = QuestionSpec::Kind;
  QuestionAnswer result;
  switch (spec_.kind) {
    case Kind::Text:
    case Kind::Password:
      result.text = line_->text();
      break;
    case Kind::Integer:
    case Kind::Number:
      if (!readNumber(result)) return;
      break;
    case Kind::Choice: {
      const QModelIndex current = list_->currentIndex();
      if (!current.isValid()) return;
      result.choiceIndices = {current.row()};
      break;
    }
    case Kind::MultiChoice:
      result.choiceIndices = choices_->checkedRows();
      break;
    case Kind::YesNo:
      return;  // answered by its own buttons
  }
  answer(result);
}

void QuestionWindow::answer(QuestionAnswer result) {
  if (isClosing()) return;
  if (choices_) {
    result.choiceLabels.reserve(result.choiceIndices.size());
    for (int row : result.choiceIndices) result.choiceLabels.push_back(choices_->label(row));
  }
  Q_EMIT answered(result);
  closeFor(CloseReason::Answered);
}

}  // namespace vitrine
