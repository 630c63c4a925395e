// chooseFile() and chooseColor(): Qt's own dialogs, embedded in a ManagedWindow.
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>

#include "ui/managed_window.h"

class QColorDialog;
class QLabel;

namespace vitrine {

class EmbeddedFileDialog;

/// What a FileChooserWindow picks.
struct FileChooserSpec {
  enum class Mode { Open, Save, Directory };
  Mode mode = Mode::Open;
  QString title;
  QString directory;
  QStringList nameFilters;
  QString defaultName;
};

/// Qt's non-native file dialog (works offscreen and under Xvfb), with the
/// checks that QFileDialog would do through nested modal message boxes done
/// inline instead: a missing file (Open) or directory shows a line of text
/// under the dialog; an existing file (Save) is simply chosen. Choosing
/// emits chosen(absolute path) and closes with Answered. GUI thread only.
class FileChooserWindow : public ManagedWindow {
  Q_OBJECT

 public:
  explicit FileChooserWindow(const FileChooserSpec& spec);

 Q_SIGNALS:
  void chosen(const QString& path);

 private:
  void tryAccept();

  FileChooserSpec::Mode mode_;
  EmbeddedFileDialog* dialog_;
  QLabel* problem_;
};

/// Qt's non-native colour dialog. OK emits chosen(colour) and closes with
/// Answered; Cancel/Escape closes with Canceled. GUI thread only.
class ColorChooserWindow : public ManagedWindow {
  Q_OBJECT

 public:
  ColorChooserWindow(const QString& title, const QColor& initial, bool withAlpha);

 Q_SIGNALS:
  void chosen(const QColor& color);

 private:
  QColorDialog* dialog_;
};

}  // namespace vitrine
