#pragma once
/// \file
/// The tuner's learned cost model: kernel features (autotune/features.h,
/// followed by the candidate's knob values) -> predicted relative throughput, a Gbdt trained on measured records of
/// any number of workloads. Each record's target is its GFLOP/s divided by
/// the best measured for its workload, so workloads of different sizes
/// (and speeds) share one scale; failed candidates count as 0.

#include <map>
#include <string>
#include <vector>

#include "autotune/gbdt.h"

namespace kiln {

class CostModel {
 public:
  /// Adds one measured record: its speed (GFLOP/s, runs per second, any
  /// measure where higher is faster; 0 for a failure).
  void add(const std::string& workload_key, std::vector<double> features, double speed);
  /// Refits the model to every record added so far.
  void train();
  /// The predicted relative throughput (higher is better); 0 untrained.
  double score(const std::vector<double>& features) const;
  bool trained() const { return model_.trained(); }
  size_t size() const { return rows_.size(); }

 private:
  struct Row {
    std::string workload;
    std::vector<double> features;
    double speed;
  };
  std::vector<Row> rows_;
  Gbdt model_;
};

}  // namespace kiln
