"""PyTorch reference runner for `npm run bench -- torch` (scripts/bench-vs-torch.ts): the same model, data and
optimizer as an Orrery experiment's resolved config, trained and timed with PyTorch on the CPU.

  bench.py EXPERIMENT CONFIG_JSON [--seconds S] [--repeats R] [--warmup W] [--torch-threads T] [--blas-threads B]
  bench.py EXPERIMENT CONFIG_JSON --check N [--ops]   (no timing: the loss of each of N steps, Orrery's data streams)
  bench.py --jobs '[{"experiment": ..., "config": {...}}, ...]' [options]    (several experiments, one process)

Prints one JSON line per experiment: {experiment, stepsPerSecond, windows, threads, loss_first, loss_last, steps}
or, with --check, {experiment, losses[, opsPerStep]}. A step is what Orrery's Trainer.trainStep does: forward, backward,
optimizer step, weight decay, data sampling, and reading the loss back (loss.item()). Orrery's periodic
evaluations (edge recovery, path accuracy, ...) have no counterpart here.

Initial parameters are drawn from a port of Orrery's own Rng, so both sides start from the same numbers. The
timed data streams use torch/numpy generators; --check replays Orrery's data streams draw for draw, so that
its losses can be compared with Orrery's step for step (test/science/torch-reference.test.ts).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repo


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiment", nargs="?")
    ap.add_argument("config", nargs="?", help="resolved config as JSON (Orrery's experiment.resolveConfig({}))")
    ap.add_argument("--jobs", help="JSON list of {experiment, config}")
    ap.add_argument("--seconds", type=float, default=3.0, help="length of one timed window")
    ap.add_argument("--repeats", type=int, default=3, help="timed windows; stepsPerSecond is their median")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first (Orrery's bench: 20)")
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=1, help="OPENBLAS_NUM_THREADS, set before torch loads")
    ap.add_argument("--check", type=int, default=0, help="instead of timing, print the losses of N steps")
    ap.add_argument("--ops", action="store_true", help="with --check: count the ops of one more step (profiler)")
    ap.add_argument("--live-rows", action="store_true",
                    help="graph-transformer: compute only the positions its loss reads, as Orrery does (liveParts)")
    a = ap.parse_args()
    if a.jobs:
        a.jobs = json.loads(a.jobs)
    elif a.experiment and a.config:
        a.jobs = [{"experiment": a.experiment, "config": json.loads(a.config)}]
    else:
        ap.error("give EXPERIMENT CONFIG_JSON or --jobs")
    return a


ARGS = parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.torch_threads)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402  (after the thread settings)

import bigrams  # noqa: E402
import graph_transformer  # noqa: E402
import graphs  # noqa: E402
import induction  # noqa: E402

torch.set_num_threads(ARGS.torch_threads)
BUILDERS = {**bigrams.BUILDERS, **graphs.BUILDERS, **graph_transformer.BUILDERS, **induction.BUILDERS}


def learning_rate(opt, step):
    """Orrery's Trainer.learningRateAt: constant, cosine to lr·min_lr_factor, or warmup-decay."""
    lr, schedule = opt["lr"], opt.get("schedule", "constant")
    total, floor = opt.get("total_steps"), opt.get("min_lr_factor", 0.1)
    if schedule == "warmup-decay":
        warmup, decay = opt.get("warmup_steps", 0), opt.get("decay_steps", 0)
        if step < warmup:
            return lr * (step + 1) / warmup
        start = total - decay
        if decay <= 0 or step < start:
            return lr
        return lr * (1 - (1 - floor) * min((step - start + 1) / decay, 1))
    if schedule != "cosine" or not total:
        return lr
    progress = min(step / total, 1)
    return lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


class Reference:
    def __init__(self, experiment, config, exact):
        live = {"live": True} if ARGS.live_rows and experiment == "graph-transformer" else {}
        params, self.loss_fn, self.opt_spec = BUILDERS[experiment](config, exact, **live)
        self.trained = [p for p in params.values() if p.requires_grad]
        o = self.opt_spec
        if o["kind"] == "sgd":
            self.optimizer = torch.optim.SGD(self.trained, lr=o["lr"])
        else:
            # tfjs's Adam: ε defaults to the backend's 1e-7 (torch's is 1e-8); ε is added to √v̂ as in torch.
            self.optimizer = torch.optim.Adam(self.trained, lr=o["lr"], betas=o.get("betas", (0.9, 0.999)), eps=o.get("eps", 1e-7))
        self.weight_decay = o.get("weight_decay", 0)
        self.constant = o.get("schedule", "constant") == "constant"
        self.step_count = 0

    def step(self):
        lr = learning_rate(self.opt_spec, self.step_count)
        if not self.constant:
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn()
        loss.backward()
        self.optimizer.step()
        if self.weight_decay:  # Orrery's decoupled decay, after the Adam update: w ← w·(1 − lr_t·wd)
            with torch.no_grad():
                torch._foreach_mul_(self.trained, 1 - lr * self.weight_decay)
        self.step_count += 1
        return loss.item()


def run(job):
    experiment, config = job["experiment"], job["config"]
    if experiment not in BUILDERS:
        return {"experiment": experiment, "error": f"no PyTorch reference for {experiment}"}
    torch.manual_seed(config.get("seed", 0))
    if ARGS.check:
        ref = Reference(experiment, config, exact=True)
        out = {"experiment": experiment, "losses": [ref.step() for _ in range(ARGS.check)]}
        if ARGS.ops:  # the profiler's top-level events of one more step: ops called from Python, autograd nodes, optimizer ops
            with torch.autograd.profiler.profile() as prof:
                ref.step()
            out["opsPerStep"] = sum(1 for e in prof.function_events if e.cpu_parent is None)
        return out
    ref = Reference(experiment, config, exact=False)
    losses = [ref.step() for _ in range(ARGS.warmup)]
    windows, steps = [], 0
    for _ in range(ARGS.repeats):
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < ARGS.seconds:
            last = ref.step()
            n += 1
        windows.append(n / (time.perf_counter() - start))
        steps += n
    return {
        "experiment": experiment,
        "stepsPerSecond": statistics.median(windows),
        "windows": windows,
        "threads": {"torch": torch.get_num_threads(), "blas": ARGS.blas_threads},
        "loss_first": losses[0] if losses else None,
        "loss_last": last,
        "steps": ARGS.warmup + steps,
        "torch": torch.__version__,
    }


for job in ARGS.jobs:
    print(json.dumps(run(job)), flush=True)
