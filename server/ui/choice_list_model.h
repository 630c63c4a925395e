// The choices of a question, as a list model a view draws a screenful at a time.
#pragma once

#include <QAbstractListModel>
#include <string>
#include <vector>

namespace vitrine {

/// The rows of a CHOICE or MULTI_CHOICE question: each choice's label, and
/// for MULTI_CHOICE a check box per row.
///
/// Owns the labels as the client sent them (UTF-8 bytes, moved in, never
/// copied) and turns a label into a QString only when a view asks for that
/// row: a QListView with uniform item sizes asks for the rows it draws, so
/// 100,000 choices cost the GUI thread what a screenful does. The check
/// states are one byte a row. Bad rows (out of range) read as empty and
/// cannot be set. GUI thread only.
class ChoiceListModel : public QAbstractListModel {
  Q_OBJECT

 public:
  /// `labels` are valid UTF-8 (the service checked them); `checkable` gives every row a check box, unchecked.
  ChoiceListModel(std::vector<std::string> labels, bool checkable, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  /// Qt::CheckStateRole of a checkable row: checked or not (the view's Space and clicks come here).
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

  /// Checks `row` (checkable models only; an out-of-range row is ignored).
  void setChecked(int row, bool checked);
  /// The checked rows, in order.
  std::vector<int> checkedRows() const;
  /// The label of `row` as the client sent it; empty when out of range.
  const std::string& label(int row) const;

 private:
  bool valid(const QModelIndex& index) const;

  std::vector<std::string> labels_;
  bool checkable_;
  std::vector<char> checked_;  // one per row when checkable_, else empty
};

}  // namespace vitrine
