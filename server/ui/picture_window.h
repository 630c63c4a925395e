// showPicture(): a picture with PyGraphics' inspector (zoom, click to read a pixel).
#pragma once

#include <QColor>
#include <QElapsedTimer>
#include <QImage>
#include <QTimer>
#include <QWidget>

#include "ui/managed_window.h"

class QLabel;
class QScrollArea;

namespace vitrine {

/// Paints an image scaled by a zoom factor, pixels as crisp squares, and
/// reports clicks in image coordinates.
///
/// Repaints are paced to the screen's refresh rate: a client that replaces
/// the picture faster than the screen can show it gets every call applied
/// (image() is always the latest) but at most one paint per refresh
/// interval, the last picture included. GUI thread only.
class PictureView : public QWidget {
  Q_OBJECT

 public:
  explicit PictureView(QWidget* parent = nullptr);
  void setImage(QImage image);
  const QImage& image() const { return image_; }
  /// The image shown, for decodePicture() to write the next picture into in
  /// place; setImage() the result afterwards, which schedules the repaint.
  QImage* reusableImage() { return &image_; }
  void setZoom(double zoom);
  double zoom() const { return zoom_; }

 Q_SIGNALS:
  /// A left click on pixel (x, y) of the image.
  void pixelClicked(int x, int y);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  /// update() now, or when a refresh interval has passed since the last paint.
  void scheduleRepaint();

  QImage image_;
  double zoom_ = 1.0;
  /// Started at each paint.
  QElapsedTimer sinceLastPaint_;
  /// Fires the deferred update() of scheduleRepaint().
  QTimer repaintTimer_;
};

/// A picture window: View menu with Zoom In (Ctrl++), Zoom Out (Ctrl+-) and
/// Actual Size (Ctrl+0); when inspectable, a click shows "x, y: r, g, b" in
/// the status line and emits pixelClicked. Escape does not close it.
/// The bytes of the picture it shows are counted in `pixelBytes` (may be
/// null; must outlive the window) from setImage() until it is destroyed, so
/// the server can bound what all pictures hold together. GUI thread only.
class PictureWindow : public ManagedWindow {
  Q_OBJECT

 public:
  PictureWindow(const QString& title, QImage image, bool inspectable, std::int64_t* pixelBytes = nullptr);
  ~PictureWindow() override;

  /// Bytes of the picture's pixels.
  std::int64_t imageBytes() const { return countedBytes_; }

  /// Replaces the picture, keeping the zoom.
  void setImage(QImage image);
  /// See PictureView::reusableImage().
  QImage* reusableImage() { return view_->reusableImage(); }
  double zoom() const;

 Q_SIGNALS:
  void pixelClicked(int x, int y, const QColor& color);

 protected:
  std::optional<CloseReason> escapeReason() const override { return std::nullopt; }

 private:
  void zoomBy(int steps);
  void zoomTo(double zoom);
  void showStatus();

  PictureView* view_;
  QScrollArea* scroll_;
  QLabel* status_;
  bool inspectable_;
  QString lastPixel_;
  std::int64_t* pixelBytes_;
  /// What this window has added to *pixelBytes_.
  std::int64_t countedBytes_ = 0;
};

}  // namespace vitrine
