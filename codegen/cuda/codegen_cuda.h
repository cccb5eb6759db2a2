#pragma once
/// \file
/// CUDA C source from a GpuProgram: one `extern "C" __global__` function per
/// kernel, named after the function and its stage ("matmul_C"), with
/// `__restrict__` buffer pointers (const for inputs), `__launch_bounds__`
/// of its block size, loop variables named after the schedule's loops
/// (C.i.o -> C_i_o), half and bfloat16 through cuda_fp16.h/cuda_bf16.h
/// (arithmetic in float, as on the CPU), fast-math intrinsics (__expf,
/// __logf, __powf) and float4/float2 accesses where a vector is contiguous
/// and, checked at run time, aligned.

#include <string>

#include "codegen/cuda/gpu_program.h"

namespace kiln {

/// The whole translation unit for NVRTC.
std::string codegen_cuda(const GpuProgram& program, const Target& target);

}  // namespace kiln
