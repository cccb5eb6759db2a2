// Relative throughput per workload, then one boosted model over all rows.
#include "autotune/cost_model.h"

#include <algorithm>

namespace kiln {

void CostModel::add(const std::string& workload_key, std::vector<double> features,
                    double speed) {
  rows_.push_back({workload_key, std::move(features), std::max(0.0, speed)});
}

void CostModel::train() {
  std::map<std::string, double> best;
  for (const Row& r : rows_) best[r.workload] = std::max(best[r.workload], r.speed);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const Row& r : rows_) {
    x.push_back(r.features);
    y.push_back(best[r.workload] > 0 ? r.speed / best[r.workload] : 0.0);
  }
  // Too few rows to learn from: stay untrained (the search samples at random).
  if (x.size() < 8) return;
  model_.fit(x, y);
}

double CostModel::score(const std::vector<double>& features) const {
  return model_.predict(features);
}

}  // namespace kiln
