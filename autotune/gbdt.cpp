// Gradient boosting with squared loss: each tree fits the residuals of the
// model so far, and its leaves are shrunk by the learning rate. Splits are
// exact: every feature's sorted values are scanned for the threshold that
// most reduces the sum of squared residuals.
#include "autotune/gbdt.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"

namespace kiln {

void Gbdt::fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  internal_assert(x.size() == y.size()) << "gbdt: " << x.size() << " rows but " << y.size()
                                        << " targets";
  trees_.clear();
  base_ = 0;
  if (x.empty()) return;
  base_ = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  std::vector<double> prediction(y.size(), base_), residual(y.size());
  for (int t = 0; t < options_.trees; ++t) {
    for (size_t i = 0; i < y.size(); ++i) residual[i] = y[i] - prediction[i];
    std::vector<int> idx(y.size());
    std::iota(idx.begin(), idx.end(), 0);
    Tree tree;
    grow(tree, x, residual, idx, 0);
    for (size_t i = 0; i < y.size(); ++i) prediction[i] += eval(tree, x[i]);
    trees_.push_back(std::move(tree));
  }
}

int Gbdt::grow(Tree& tree, const std::vector<std::vector<double>>& x,
               const std::vector<double>& residual, std::vector<int>& idx, int depth) const {
  const int self = static_cast<int>(tree.size());
  tree.emplace_back();
  double sum = 0;
  for (int i : idx) sum += residual[i];
  const double n = static_cast<double>(idx.size());
  tree[self].value = options_.learning_rate * sum / std::max(1.0, n);
  if (depth >= options_.max_depth || static_cast<int>(idx.size()) < 2 * options_.min_leaf) {
    return self;
  }

  // The best split maximizes sum_left^2 / n_left + sum_right^2 / n_right.
  const double base_score = sum * sum / n;
  double best_gain = 1e-12;
  int best_feature = -1;
  double best_threshold = 0;
  const size_t features = x[idx[0]].size();
  std::vector<int> order = idx;
  for (size_t f = 0; f < features; ++f) {
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return x[a][f] < x[b][f] || (x[a][f] == x[b][f] && a < b);
    });
    double left = 0;
    for (size_t k = 0; k + 1 < order.size(); ++k) {
      left += residual[order[k]];
      const double v = x[order[k]][f], next = x[order[k + 1]][f];
      const int nl = static_cast<int>(k + 1), nr = static_cast<int>(order.size()) - nl;
      if (v == next || nl < options_.min_leaf || nr < options_.min_leaf) continue;
      const double right = sum - left;
      const double gain = left * left / nl + right * right / nr - base_score;
      if (gain > best_gain) {
        best_gain = gain;
        best_feature = static_cast<int>(f);
        best_threshold = 0.5 * (v + next);
      }
    }
  }
  if (best_feature < 0) return self;

  std::vector<int> left_idx, right_idx;
  for (int i : idx) (x[i][best_feature] <= best_threshold ? left_idx : right_idx).push_back(i);
  const int l = grow(tree, x, residual, left_idx, depth + 1);
  const int r = grow(tree, x, residual, right_idx, depth + 1);
  tree[self].feature = best_feature;
  tree[self].threshold = best_threshold;
  tree[self].left = l;
  tree[self].right = r;
  return self;
}

double Gbdt::eval(const Tree& tree, const std::vector<double>& x) {
  int n = 0;
  while (tree[n].feature >= 0) {
    n = x[tree[n].feature] <= tree[n].threshold ? tree[n].left : tree[n].right;
  }
  return tree[n].value;
}

double Gbdt::predict(const std::vector<double>& x) const {
  double y = base_;
  for (const Tree& t : trees_) y += eval(t, x);
  return y;
}

namespace {

/// Ranks from 1, ties given their average rank.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<int> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[order[k]] = 0.5 * (i + j) + 1;
    i = j + 1;
  }
  return r;
}

}  // namespace

double rank_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  internal_assert(a.size() == b.size()) << "rank_correlation of lists of different lengths";
  if (a.size() < 2) return 0;
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double mean = 0.5 * (a.size() + 1);
  double cov = 0, va = 0, vb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : 0;
}

}  // namespace kiln
