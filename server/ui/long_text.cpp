#include "ui/long_text.h"

#include <QFontMetrics>
#include <QPlainTextEdit>
#include <QScreen>
#include <QWidget>
#include <algorithm>

namespace vitrine {

namespace {

constexpr qsizetype kLabelMaxCharacters = 2000;
constexpr qsizetype kLabelMaxLines = 30;
// The width a long text is shown at first, in average characters.
constexpr int kPageColumns = 100;

}  // namespace

bool fitsALabel(const QString& text) {
  return text.size() <= kLabelMaxCharacters && text.count(QLatin1Char('\n')) < kLabelMaxLines;
}

QPlainTextEdit* newLongTextView(const QString& text, QWidget* parent) {
  auto* view = new QPlainTextEdit(parent);
  view->setPlainText(text);  // plain: a client's text is shown, never interpreted
  view->setReadOnly(true);
  view->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  view->setFrameShape(QFrame::NoFrame);
  // The window's own colour, as a label's: a message to read, not a field to fill in.
  view->viewport()->setBackgroundRole(QPalette::Window);
  view->viewport()->setAutoFillBackground(false);
  const QFontMetrics metrics = view->fontMetrics();
  view->setMinimumSize(metrics.averageCharWidth() * kPageColumns / 2, metrics.lineSpacing() * 4);
  return view;
}

void showAPageOf(QPlainTextEdit* view, int lines, QWidget* window) {
  // A scroll view's own size hint is a small fixed one: the window's hint with
  // it, plus what the page needs beyond it.
  const QFontMetrics metrics = view->fontMetrics();
  const QSize hint = window->sizeHint();
  const int width = std::min(metrics.averageCharWidth() * kPageColumns, window->screen()->availableSize().width() * 2 / 3);
  const int height = hint.height() - view->sizeHint().height() + metrics.lineSpacing() * lines;
  window->resize(hint.expandedTo(QSize(width, height)));
}

}  // namespace vitrine
