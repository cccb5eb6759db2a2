// Grouping spec entries into C functions. A function's checks and dispatch
// are written against its generic definition (every symbolic parameter
// free), so each kernel's definition must take the same arguments with
// the same dtypes and ranks; sizes are read from the inputs, which is also
// what lets the torch extension and the Python loader size outputs before
// the call.
#include "package/plan.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "base/error.h"
#include "schedule/schedule.h"

namespace kiln {

namespace {

std::string sizes_text(const Op& op, const OpSizes& fixed, const std::vector<std::string>& free) {
  std::ostringstream os;
  for (const OpParam& p : op.params()) {
    os << (os.tellp() > 0 ? "," : "") << p.name << "=";
    auto it = fixed.find(p.name);
    if (it != fixed.end()) {
      os << it->second;
    } else if (std::find(free.begin(), free.end(), p.name) != free.end()) {
      os << p.name;
    }
  }
  return os.str();
}

/// "dtype=f32,stride=2": options and structural parameters.
std::string settings_text(const OpOptions& options, const OpSizes& structural) {
  std::string s;
  for (const auto& [k, v] : options) s += (s.empty() ? "" : ",") + k + "=" + v;
  for (const auto& [k, v] : structural) s += (s.empty() ? "" : ",") + k + "=" + std::to_string(v);
  return s;
}

OpSizes structural_part(const Op& op, const OpSizes& fixed) {
  OpSizes s;
  for (const OpParam& p : op.params()) {
    if (!p.symbolic) s[p.name] = fixed.at(p.name);
  }
  return s;
}

/// Where each size var of def is read from: the first input dimension that
/// is the var plus a constant.
std::vector<SizeBinding> bind_sizes_from_inputs(const Op& op, const ComputeDef& def,
                                                const std::string& fn) {
  std::vector<SizeBinding> bindings;
  // In the op's parameter order, the order messages list sizes in.
  std::vector<std::string> vars;
  for (const OpParam& p : op.params()) {
    const std::vector<std::string> used = def.size_vars();
    if (std::find(used.begin(), used.end(), p.name) != used.end()) vars.push_back(p.name);
  }
  for (const std::string& var : vars) {
    bool found = false;
    for (size_t a = 0; a < def.inputs().size() && !found; a++) {
      const std::vector<Expr>& shape = def.inputs()[a].shape();
      for (size_t d = 0; d < shape.size() && !found; d++) {
        std::string name;
        int64_t at0 = 0, at100 = 0;
        if (!size_from_extent(shape[d], 0, &name, &at0) || name != var) continue;
        // Only var + c is read back; size_from_extent is linear in it.
        size_from_extent(shape[d], 100, &name, &at100);
        if (at100 != at0 + 100) continue;
        bindings.push_back({var, static_cast<int>(a), static_cast<int>(d), at0});
        found = true;
      }
    }
    if (!found) {
      user_error << "function " << fn << ": size " << var
                 << " is not a dimension of any input, so a call cannot know it; "
                 << "fix it to a number in the spec";
    }
  }
  return bindings;
}

/// Checks that a kernel's definition takes the arguments the function checks.
void check_same_arguments(const PackageFunction& fn, const ComputeDef& def, int entry) {
  const std::vector<Tensor> want = kernel_arguments(fn.generic);
  const std::vector<Tensor> got = kernel_arguments(def);
  bool same = want.size() == got.size();
  for (size_t i = 0; same && i < want.size(); i++) {
    same = want[i].name() == got[i].name() && want[i].dtype() == got[i].dtype() &&
           want[i].ndim() == got[i].ndim();
  }
  internal_assert(same) << "op " << fn.op->name() << " defines different arguments at the sizes "
                        << "of ops[" << entry << "] than with free sizes";
}

}  // namespace

const char* schedule_source_name(ScheduleSource s) {
  switch (s) {
    case ScheduleSource::Database: return "database";
    case ScheduleSource::Tuned: return "tuned";
    case ScheduleSource::Default: return "default";
  }
  return "default";
}

std::vector<Tensor> kernel_arguments(const ComputeDef& def) {
  std::vector<Tensor> args = def.inputs();
  args.insert(args.end(), def.outputs().begin(), def.outputs().end());
  return args;
}

PackagePlan plan_package(const PackageSpec& spec, const Target& target) {
  PackagePlan plan;
  plan.name = spec.name;
  plan.target = target;
  std::map<std::string, size_t> by_name;
  std::map<std::string, int> first_entry;  // function name -> entry that created it
  for (const PackageEntry& e : spec.entries) {
    const std::string fn_name = spec.name + "_" + e.function;
    const OpSizes structural = structural_part(*e.op, e.fixed);
    auto it = by_name.find(fn_name);
    if (it == by_name.end()) {
      PackageFunction fn;
      fn.name = fn_name;
      fn.op = e.op;
      fn.target = target;
      fn.options = e.options;
      fn.structural = structural;
      fn.generic = e.op->define_symbolic(structural, e.options);
      fn.bindings = bind_sizes_from_inputs(*e.op, fn.generic, fn_name);
      by_name[fn_name] = plan.functions.size();
      first_entry[fn_name] = e.index;
      plan.functions.push_back(std::move(fn));
      it = by_name.find(fn_name);
    }
    PackageFunction& fn = plan.functions[it->second];
    const std::string where = "ops[" + std::to_string(e.index) + "] (" + e.op->name() + ")";
    const std::string other = "ops[" + std::to_string(first_entry[fn_name]) + "]";
    if (fn.op != e.op) {
      user_error << where << " makes function " << fn_name << ", which " << other << " ("
                 << fn.op->name() << ") already makes; give one of them another \"name\"";
    }
    if (fn.options != e.options || fn.structural != structural) {
      user_error << where << " and " << other << " make one function " << fn_name
                 << " but differ in options or structural parameters (" << settings_text(e.options, structural)
                 << " vs " << settings_text(fn.options, fn.structural)
                 << "); a function has one of each, so give one entry another \"name\"";
    }
    for (const PackageKernel& k : fn.kernels) {
      if (k.fixed == e.fixed && k.free == e.free) {
        user_error << where << " repeats the sizes of ops[" << k.entry_index << "] ("
                   << sizes_text(*e.op, e.fixed, e.free) << "); remove one of them";
      }
    }

    PackageKernel k;
    k.fixed = e.fixed;
    for (const OpParam& p : e.op->params()) {
      if (std::find(e.free.begin(), e.free.end(), p.name) != e.free.end()) k.free.push_back(p.name);
    }
    k.def = k.free.empty() ? e.op->define(e.fixed, e.options)
                           : e.op->define_symbolic(e.fixed, e.options);
    check_same_arguments(fn, k.def, e.index);
    k.trace = target.kind == Target::Kind::CUDA ? e.op->default_gpu_schedule(k.def, target).trace()
                                                : e.op->default_schedule(k.def, target).trace();
    k.source = ScheduleSource::Default;
    k.source_note = k.free.empty() ? "no tuning database given" : "free sizes are not tuned";
    k.entry_index = e.index;
    fn.kernels.push_back(std::move(k));
  }
  for (PackageFunction& fn : plan.functions) {
    // Fewer free sizes first, so an exact specialization wins over a
    // kernel for any size; ties keep the spec's order.
    std::stable_sort(fn.kernels.begin(), fn.kernels.end(),
                     [](const PackageKernel& a, const PackageKernel& b) {
                       return a.free.size() < b.free.size();
                     });
    for (size_t i = 0; i < fn.kernels.size(); i++) {
      fn.kernels[i].symbol = spec.name + "__" + fn.name.substr(spec.name.size() + 1) + "_" +
                             std::to_string(i);
    }
  }
  return plan;
}

}  // namespace kiln
