// The model behind a question's list of choices (ui/choice_list_model.h).
#include "ui/choice_list_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitrine {
namespace {

TEST(ChoiceListModel, RowsAreTheLabelsAsText) {
  ChoiceListModel model({"tea", "caf\xc3\xa9", "water"}, false);
  EXPECT_EQ(model.rowCount(), 3);
  EXPECT_EQ(model.data(model.index(1)).toString(), QString::fromUtf8("caf\xc3\xa9"));
  EXPECT_EQ(model.label(1), "caf\xc3\xa9");
  EXPECT_FALSE(model.data(model.index(3)).isValid());
  EXPECT_EQ(model.label(3), "");
  EXPECT_EQ(model.label(-1), "");
}

TEST(ChoiceListModel, WithoutCheckBoxesNothingIsChecked) {
  ChoiceListModel model({"a", "b"}, false);
  EXPECT_FALSE(model.flags(model.index(0)).testFlag(Qt::ItemIsUserCheckable));
  EXPECT_FALSE(model.data(model.index(0), Qt::CheckStateRole).isValid());
  EXPECT_FALSE(model.setData(model.index(0), Qt::Checked, Qt::CheckStateRole));
  model.setChecked(0, true);
  EXPECT_TRUE(model.checkedRows().empty());
}

TEST(ChoiceListModel, CheckBoxesToggleThroughSetDataAsAViewDoes) {
  ChoiceListModel model({"a", "b", "c", "d"}, true);
  EXPECT_TRUE(model.flags(model.index(2)).testFlag(Qt::ItemIsUserCheckable));
  EXPECT_EQ(model.data(model.index(2), Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Unchecked);
  int changes = 0;
  QObject::connect(&model, &QAbstractItemModel::dataChanged, [&changes] { ++changes; });
  EXPECT_TRUE(model.setData(model.index(2), Qt::Checked, Qt::CheckStateRole));
  model.setChecked(0, true);
  model.setChecked(0, true);   // no change, no signal
  model.setChecked(99, true);  // out of range: ignored
  EXPECT_EQ(changes, 2);
  EXPECT_EQ(model.data(model.index(2), Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);
  EXPECT_EQ(model.checkedRows(), (std::vector<int>{0, 2}));
  EXPECT_TRUE(model.setData(model.index(0), Qt::Unchecked, Qt::CheckStateRole));
  EXPECT_EQ(model.checkedRows(), (std::vector<int>{2}));
}

TEST(ChoiceListModel, AHundredThousandRowsAreHeldAsGiven) {
  std::vector<std::string> labels;
  for (int i = 0; i < 100000; ++i) labels.push_back("choice " + std::to_string(i));
  ChoiceListModel model(std::move(labels), true);
  EXPECT_EQ(model.rowCount(), 100000);
  EXPECT_EQ(model.data(model.index(99999)).toString(), QStringLiteral("choice 99999"));
  model.setChecked(99999, true);
  EXPECT_EQ(model.checkedRows(), (std::vector<int>{99999}));
}

}  // namespace
}  // namespace vitrine
