#include "ui/picture_window.h"

#include <QAction>
#include <QGuiApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMouseEvent>
#include <QPainter>
#include <QScreen>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <cmath>

namespace vitrine {

namespace {
// The zoom steps of the View menu; 1 is actual size.
constexpr std::array kZoomSteps = {0.125, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0};
}  // namespace

PictureView::PictureView(QWidget* parent) : QWidget(parent) {
  setAttribute(Qt::WA_OpaquePaintEvent);
  repaintTimer_.setSingleShot(true);
  repaintTimer_.setTimerType(Qt::PreciseTimer);
  connect(&repaintTimer_, &QTimer::timeout, this, qOverload<>(&QWidget::update));
}

void PictureView::setImage(QImage image) {
  image_ = std::move(image);
  setFixedSize(std::max(1, static_cast<int>(std::lround(image_.width() * zoom_))),
               std::max(1, static_cast<int>(std::lround(image_.height() * zoom_))));
  scheduleRepaint();
}

void PictureView::scheduleRepaint() {
  if (repaintTimer_.isActive()) return;  // a repaint is due already: it will show this image
  const QScreen* display = screen();
  const qreal hertz = display && display->refreshRate() >= 1 ? display->refreshRate() : 60;
  const auto intervalMs = static_cast<qint64>(std::ceil(1000 / hertz));
  const qint64 elapsed = sinceLastPaint_.isValid() ? sinceLastPaint_.elapsed() : intervalMs;
  if (elapsed >= intervalMs) {
    update();
  } else {
    repaintTimer_.start(static_cast<int>(intervalMs - elapsed));
  }
}

void PictureView::setZoom(double zoom) {
  zoom_ = zoom;
  setImage(std::move(image_));
}

void PictureView::paintEvent(QPaintEvent* event) {
  sinceLastPaint_.start();
  QPainter painter(this);
  // Nearest neighbour when magnifying: an inspector shows pixels, not a blur.
  painter.setRenderHint(QPainter::SmoothPixmapTransform, zoom_ < 1.0);
  painter.setClipRect(event->rect());
  painter.drawImage(rect(), image_);
}

void PictureView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  const QPointF at = event->position() / zoom_;
  const int x = static_cast<int>(std::floor(at.x()));
  const int y = static_cast<int>(std::floor(at.y()));
  if (image_.valid(x, y)) Q_EMIT pixelClicked(x, y);
}

PictureWindow::PictureWindow(const QString& title, QImage image, bool inspectable, std::int64_t* pixelBytes)
    : ManagedWindow(title),
      view_(new PictureView),
      scroll_(new QScrollArea),
      status_(new QLabel),
      inspectable_(inspectable),
      pixelBytes_(pixelBytes) {
  auto* menus = new QMenuBar(this);
  QMenu* viewMenu = menus->addMenu(QStringLiteral("&View"));
  QAction* zoomIn = viewMenu->addAction(QStringLiteral("Zoom &In"), this, [this] { zoomBy(1); });
  zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence(Qt::Key_Plus)});
  QAction* zoomOut = viewMenu->addAction(QStringLiteral("Zoom &Out"), this, [this] { zoomBy(-1); });
  zoomOut->setShortcuts({QKeySequence::ZoomOut, QKeySequence(Qt::Key_Minus)});
  QAction* actual = viewMenu->addAction(QStringLiteral("&Actual Size"), this, [this] { zoomTo(1.0); });
  actual->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));

  scroll_->setWidget(view_);
  scroll_->setAlignment(Qt::AlignCenter);
  scroll_->setBackgroundRole(QPalette::Dark);
  scroll_->setFrameShape(QFrame::NoFrame);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->setMenuBar(menus);
  layout->addWidget(scroll_, 1);
  status_->setMargin(4);
  layout->addWidget(status_);

  connect(view_, &PictureView::pixelClicked, this, [this](int x, int y) {
    if (!inspectable_) return;
    const QColor color = view_->image().pixelColor(x, y);
    lastPixel_ = QStringLiteral("x %1, y %2:  r %3  g %4  b %5").arg(x).arg(y).arg(color.red()).arg(color.green()).arg(color.blue());
    if (view_->image().hasAlphaChannel()) lastPixel_ += QStringLiteral("  a %1").arg(color.alpha());
    showStatus();
    Q_EMIT pixelClicked(x, y, color);
  });
  setImage(std::move(image));

  // Open at actual size when the picture fits on the screen.
  const QSize available = QGuiApplication::primaryScreen()->availableSize() * 0.9;
  const QSize chrome(0, menus->sizeHint().height() + status_->sizeHint().height());
  resize((view_->size() + chrome).boundedTo(available).expandedTo(QSize(200, 120)));
}

PictureWindow::~PictureWindow() {
  if (pixelBytes_) *pixelBytes_ -= countedBytes_;
}

void PictureWindow::setImage(QImage image) {
  const std::int64_t bytes = image.sizeInBytes();
  if (pixelBytes_) *pixelBytes_ += bytes - countedBytes_;
  countedBytes_ = bytes;
  view_->setImage(std::move(image));
  showStatus();
}

double PictureWindow::zoom() const {
  return view_->zoom();
}

void PictureWindow::zoomBy(int steps) {
  const auto current = std::lower_bound(kZoomSteps.begin(), kZoomSteps.end(), view_->zoom() - 1e-9);
  const auto index = std::clamp<std::ptrdiff_t>(current - kZoomSteps.begin() + steps, 0, kZoomSteps.size() - 1);
  zoomTo(kZoomSteps[static_cast<std::size_t>(index)]);
}

void PictureWindow::zoomTo(double zoom) {
  view_->setZoom(zoom);
  showStatus();
}

void PictureWindow::showStatus() {
  const QImage& image = view_->image();
  QString text = QStringLiteral("%1 × %2   %3%").arg(image.width()).arg(image.height()).arg(view_->zoom() * 100);
  if (inspectable_) text += lastPixel_.isEmpty() ? QStringLiteral("   click a pixel to inspect it") : QStringLiteral("   ") + lastPixel_;
  status_->setText(text);
}

}  // namespace vitrine
