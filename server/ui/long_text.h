// A client's text in a window: a label when short, a scrolling view when long.
#pragma once

#include <QString>

class QPlainTextEdit;
class QWidget;

namespace vitrine {

/// Whether `text` may be shown as a QLabel: at most 2000 characters and 30
/// lines. A label lays out its whole text whenever its window asks it for a
/// size, several times before the first paint: nothing for a note, a
/// quarter of a second for 64 KiB (and a window taller than the screen).
/// Pure; any thread.
bool fitsALabel(const QString& text);

/// A read-only, word-wrapped, selectable view of the plain text `text`
/// (never interpreted), in the window's colours, that scrolls and lays out
/// only the paragraphs it shows: what a window shows instead of a label
/// when the text does not fit one. Owned by `parent`. GUI thread only.
QPlainTextEdit* newLongTextView(const QString& text, QWidget* parent);

/// Resizes `window`, whose layout holds `view` (from newLongTextView), so
/// that the view shows about `lines` lines of about 100 characters (at most
/// two thirds of the screen's width); the window stays resizable. Call it
/// once the layout is complete. GUI thread only.
void showAPageOf(QPlainTextEdit* view, int lines, QWidget* window);

}  // namespace vitrine
