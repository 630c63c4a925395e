#include "ui/question_window.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

namespace vitrine {

namespace {

QString formatBound(double value) {
  return QString::number(value, 'g', 15);
}

}  // namespace

QuestionWindow::QuestionWindow(QuestionSpec spec) : ManagedWindow(spec.title), spec_(std::move(spec)) {
  using Kind = QuestionSpec::Kind;
  auto* layout = new QVBoxLayout(this);
  auto* prompt = new QLabel(spec_.prompt, this);
  prompt->setTextFormat(Qt::PlainText);
  prompt->setWordWrap(true);
  prompt->setMinimumWidth(280);
  layout->addWidget(prompt);

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
      list_ = new QListWidget(this);
      for (int i = 0; i < spec_.choices.size(); ++i) {
        auto* item = new QListWidgetItem(spec_.choices[i], list_);
        if (spec_.kind == Kind::MultiChoice) {
          item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
          item->setCheckState(Qt::Unchecked);
        }
      }
      for (int index : spec_.defaultChoices) {
        if (spec_.kind == Kind::MultiChoice) {
          list_->item(index)->setCheckState(Qt::Checked);
        } else if (list_->currentRow() < 0) {
          list_->setCurrentRow(index);
        }
      }
      if (spec_.kind == Kind::Choice && list_->currentRow() < 0) list_->setCurrentRow(0);
      if (spec_.kind == Kind::MultiChoice) {
        list_->setCurrentRow(0);
        // Space toggles the current item (the list's own key handling), Enter answers.
      }
      connect(list_, &QListWidget::itemActivated, this, [this] {
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
    case Kind::Choice:
      if (list_->currentRow() < 0) return;
      result.choiceIndices = {list_->currentRow()};
      break;
    case Kind::MultiChoice:
      for (int i = 0; i < list_->count(); ++i) {
        if (list_->item(i)->checkState() == Qt::Checked) result.choiceIndices.push_back(i);
      }
      break;
    case Kind::YesNo:
      return;  // answered by its own buttons
  }
  answer(result);
}

void QuestionWindow::answer(const QuestionAnswer& result) {
  if (isClosing()) return;
  Q_EMIT answered(result);
  closeFor(CloseReason::Answered);
}

}  // namespace vitrine
