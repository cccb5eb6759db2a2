#pragma once
/// \file
/// Gradient-boosted regression trees: the tuner's cost model. Small and
/// deterministic (exact greedy splits, no sampling): the same data gives
/// the same model. Squared loss; the tuner trains it on each measured
/// candidate's throughput relative to its workload's best, so one model
/// ranks candidates across workloads.
///
///   Gbdt model;
///   model.fit(features, targets);
///   double score = model.predict(x);

#include <cstdint>
#include <vector>

namespace kiln {

struct GbdtOptions {
  int trees = 120;
  int max_depth = 4;
  double learning_rate = 0.1;
  /// Fewest samples on each side of a split.
  int min_leaf = 3;
};

class Gbdt {
 public:
  explicit Gbdt(GbdtOptions options = {}) : options_(options) {}

  /// Replaces the model with one fitted to rows x (equal lengths) and
  /// targets y. With no rows, predict() returns 0.
  void fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y);
  double predict(const std::vector<double>& x) const;
  bool trained() const { return !trees_.empty(); }

 private:
  struct Node {
    int feature = -1;  ///< -1: a leaf
    double threshold = 0;  ///< go left when x[feature] <= threshold
    int left = -1, right = -1;
    double value = 0;  ///< a leaf's output
  };
  using Tree = std::vector<Node>;

  /// Grows a node over rows `idx` fitting `residual`; returns its index.
  int grow(Tree& tree, const std::vector<std::vector<double>>& x,
           const std::vector<double>& residual, std::vector<int>& idx, int depth) const;
  static double eval(const Tree& tree, const std::vector<double>& x);

  GbdtOptions options_;
  double base_ = 0;
  std::vector<Tree> trees_;
};

/// Spearman's rank correlation of two equally long lists (ties averaged).
double rank_correlation(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace kiln
