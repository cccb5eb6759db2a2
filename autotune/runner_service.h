#pragma once
/// \file
/// The runner process: the measuring half of the GPU tuner, started fresh
/// with exec (`kiln-runner`, runner/kiln_runner.cpp) so nothing the tuner
/// did before (NVRTC compiles, threads, its own CUDA use) reaches it; a
/// process forked after NVRTC cannot initialize CUDA (see DEVICE.md).
///
/// It talks to the tuner (autotune/gpu_runner.h) over the socket passed as
/// a file descriptor, in runner_wire.h frames:
///
///   runner -> tuner   hello   {device, sm, driver} or {error}
///   tuner -> runner   setup   {op, sizes, options}, blobs: the reference
///                             outputs (none: the runner checks with op.check)
///   runner -> tuner   ready   {} or {error}
///   tuner -> runner   measure {plan, check, timing, repeat, budget_ms,
///                             fault}, blob: the module (PTX or cubin)
///   runner -> tuner   result  {status, error, median_ms, min_ms, repeats,
///                             max_rel_err, context_lost}
///   tuner -> runner   quit
///
/// It keeps its CUDA context and the workload's device buffers (inputs from
/// random_inputs, outputs reset to garbage before each check) across
/// candidates. After a fault that loses the context it answers, then exits;
/// the tuner starts another. It dies with the process that started it
/// (PR_SET_PDEATHSIG) and exits when the socket closes. With
/// KILN_RUNNER_TRACE set it prints each measurement's phases to stderr.

namespace kiln {

/// The runner's main: `kiln-runner --socket-fd N --parent-pid P
/// [--device cuda|fake]`. Returns the exit code.
int runner_main(int argc, char** argv);

}  // namespace kiln
