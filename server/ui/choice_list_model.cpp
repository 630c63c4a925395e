#include "ui/choice_list_model.h"

namespace vitrine {

ChoiceListModel::ChoiceListModel(std::vector<std::string> labels, bool checkable, QObject* parent)
    : QAbstractListModel(parent),
      labels_(std::move(labels)),
      checkable_(checkable),
      checked_(checkable ? labels_.size() : 0, 0) {}

int ChoiceListModel::rowCount(const QModelIndex& parent) const {
  // A list: only the invisible root has rows. The service bounds the count far below INT_MAX.
  return parent.isValid() ? 0 : static_cast<int>(labels_.size());
}

bool ChoiceListModel::valid(const QModelIndex& index) const {
  return index.isValid() && index.model() == this && index.row() >= 0 &&
         static_cast<std::size_t>(index.row()) < labels_.size();
}

QVariant ChoiceListModel::data(const QModelIndex& index, int role) const {
  if (!valid(index)) return {};
  const std::size_t row = static_cast<std::size_t>(index.row());
  switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:  // a label wider than the list can still be read whole
      return QString::fromUtf8(labels_[row].data(), static_cast<qsizetype>(labels_[row].size()));
    case Qt::CheckStateRole:
      if (!checkable_) return {};
      return checked_[row] ? Qt::Checked : Qt::Unchecked;
    default:
      return {};
  }
}

Qt::ItemFlags ChoiceListModel::flags(const QModelIndex& index) const {
  if (!valid(index)) return Qt::NoItemFlags;
  Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
  if (checkable_) flags |= Qt::ItemIsUserCheckable;
  return flags;
}

bool ChoiceListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkable_ || role != Qt::CheckStateRole || !valid(index)) return false;
  setChecked(index.row(), value.value<Qt::CheckState>() == Qt::Checked);
  return true;
}

void ChoiceListModel::setChecked(int row, bool checked) {
  if (!checkable_ || row < 0 || static_cast<std::size_t>(row) >= checked_.size()) return;
  if (static_cast<bool>(checked_[static_cast<std::size_t>(row)]) == checked) return;
  checked_[static_cast<std::size_t>(row)] = checked ? 1 : 0;
  const QModelIndex changed = index(row);
  Q_EMIT dataChanged(changed, changed, {Qt::CheckStateRole});
}

std::vector<int> ChoiceListModel::checkedRows() const {
  std::vector<int> rows;
  for (std::size_t row = 0; row < checked_.size(); ++row) {
    if (checked_[row]) rows.push_back(static_cast<int>(row));
  }
  return rows;
}

const std::string& ChoiceListModel::label(int row) const {
  static const std::string kNone;
  if (row < 0 || static_cast<std::size_t>(row) >= labels_.size()) return kNone;
  return labels_[static_cast<std::size_t>(row)];
}

}  // namespace vitrine
