#include "ui/chooser_windows.h"

#include <QColorDialog>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QVBoxLayout>

namespace vitrine {

/// A QFileDialog whose accept() never opens a modal message box: the
/// owning window decides what an acceptable choice is.
class EmbeddedFileDialog : public QFileDialog {
 public:
  using QFileDialog::QFileDialog;
  std::function<void()> onAccept;

  void accept() override {
    if (onAccept) onAccept();
  }
  void reject() override {
    Q_EMIT rejected();
  }
};

FileChooserWindow::FileChooserWindow(const FileChooserSpec& spec)
    : ManagedWindow(spec.title), mode_(spec.mode), dialog_(new EmbeddedFileDialog(this)), problem_(new QLabel(this)) {
  using Mode = FileChooserSpec::Mode;
  dialog_->setWindowFlags(Qt::Widget);  // a part of this window, not a window of its own
  dialog_->setOptions(QFileDialog::DontUseNativeDialog | QFileDialog::DontConfirmOverwrite |
                      QFileDialog::DontUseCustomDirectoryIcons);
  dialog_->setFileMode(mode_ == Mode::Directory ? QFileDialog::Directory
                       : mode_ == Mode::Open    ? QFileDialog::ExistingFile
                                                : QFileDialog::AnyFile);
  if (mode_ == Mode::Directory) dialog_->setOption(QFileDialog::ShowDirsOnly);
  dialog_->setAcceptMode(mode_ == Mode::Save ? QFileDialog::AcceptSave : QFileDialog::AcceptOpen);
  dialog_->setDirectory(spec.directory.isEmpty() ? QDir::currentPath() : spec.directory);
  if (!spec.nameFilters.isEmpty()) dialog_->setNameFilters(spec.nameFilters);
  if (!spec.defaultName.isEmpty()) dialog_->selectFile(spec.defaultName);
  dialog_->onAccept = [this] { tryAccept(); };
  connect(dialog_, &QFileDialog::rejected, this, [this] { closeFor(CloseReason::Canceled); });

  problem_->setStyleSheet(QStringLiteral("color: #b00020"));
  problem_->hide();
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(dialog_);
  layout->addWidget(problem_);
  dialog_->show();
  resize(720, 480);
}

void FileChooserWindow::tryAccept() {
  using Mode = FileChooserSpec::Mode;
  const QStringList selected = dialog_->selectedFiles();
  if (selected.isEmpty()) return;
  const QFileInfo info(selected.first());
  QString why;
  if (info.isDir() && mode_ != Mode::Directory) {
    dialog_->setDirectory(info.absoluteFilePath());  // Enter on a folder opens it
    return;
  }
  if (mode_ == Mode::Open && !info.isFile()) {
    why = QStringLiteral("There is no file %1.").arg(info.fileName());
  } else if (mode_ == Mode::Directory && !info.isDir()) {
    why = QStringLiteral("There is no folder %1.").arg(info.fileName());
  } else if (mode_ == Mode::Save && !info.dir().exists()) {
    why = QStringLiteral("The folder %1 does not exist.").arg(info.dir().path());
  }
  problem_->setText(why);
  problem_->setVisible(!why.isEmpty());
  if (!why.isEmpty() || isClosing()) return;
  Q_EMIT chosen(info.absoluteFilePath());
  closeFor(CloseReason::Answered);
}

ColorChooserWindow::ColorChooserWindow(const QString& title, const QColor& initial, bool withAlpha)
    : ManagedWindow(title), dialog_(new QColorDialog(initial, this)) {
  dialog_->setWindowFlags(Qt::Widget);
  QColorDialog::ColorDialogOptions options = QColorDialog::DontUseNativeDialog;
  if (withAlpha) options |= QColorDialog::ShowAlphaChannel;
  dialog_->setOptions(options);
  connect(dialog_, &QColorDialog::colorSelected, this, [this](const QColor& color) {
    if (isClosing()) return;
    Q_EMIT chosen(color);
    closeFor(CloseReason::Answered);
  });
  connect(dialog_, &QColorDialog::rejected, this, [this] { closeFor(CloseReason::Canceled); });
  // Return must press OK. Left alone, the first auto-default button ("Pick
  // Screen Color", which grabs mouse and keyboard) becomes the default once
  // the dialog is embedded.
  for (QPushButton* button : dialog_->findChildren<QPushButton*>()) button->setAutoDefault(false);
  if (auto* box = dialog_->findChild<QDialogButtonBox*>()) {
    if (QPushButton* ok = box->button(QDialogButtonBox::Ok)) ok->setDefault(true);
  }
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(dialog_);
  dialog_->show();
}

}  // namespace vitrine
