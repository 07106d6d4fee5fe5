import { TERMINAL_STATES, type Intervention, type MeasureKind, type NamedTensor, type RunState } from "@orrery/protocol";
import { applyIntervention, type InterventionSources, type StepResult, type Trainer, type TrainerState } from "@orrery/experiments";

/** Where a run's side effects go (the manager stores and streams them); the run only trains. */
export interface RunEvents {
  metrics(step: number, values: Record<string, number>): void;
  snapshot(step: number, tensors: NamedTensor[]): void;
  state(step: number, state: RunState, reason: string | null): void;
}

export interface RunOptions {
  totalSteps: number;
  snapshotEvery: number;
  /** Longest stretch of synchronous training before yielding to the event loop. */
  sliceMs?: number;
}

/**
 * One training run's state machine: created → running ⇄ paused → stopped | finished.
 * The loop trains in short slices and yields with setImmediate, so commands, sockets and timers are served
 * between steps; a command therefore always lands between two steps.
 */
export class Run {
  state: RunState = "created";
  reason: string | null = null;
  /** Steps still owed to `step(n)` while paused. */
  private stepBudget = 0;
  /** A measurement in progress: advanced before any training, in the same slices. */
  private measurement: {
    what: MeasureKind;
    steps: Generator<void, { value: number }, void>;
    resolve: (value: number) => void;
    reject: (e: Error) => void;
  } | null = null;
  private scheduled = false;

  constructor(
    readonly runId: string,
    private readonly trainer: Trainer,
    private readonly events: RunEvents,
    private readonly opts: RunOptions,
  ) {}

  get step(): number {
    return this.trainer.step;
  }

  get isTerminal(): boolean {
    return TERMINAL_STATES.includes(this.state);
  }

  /** Announces the run and its initial parameters. */
  init(): void {
    this.events.state(this.step, this.state, null);
    this.takeSnapshot();
  }

  /** Announces a run rebuilt from a checkpoint: paused, with why. */
  initRestored(reason: string): void {
    this.transition("paused", reason);
    this.takeSnapshot();
  }

  /** The state to checkpoint; between steps by construction (steps run in macrotasks, this in microtasks). */
  saveState(): Promise<TrainerState> {
    return this.trainer.saveState();
  }

  start(): void {
    this.expect(["created", "paused"], "start");
    this.transition("running", null);
    this.schedule();
  }

  resume(): void {
    this.expect(["paused"], "resume");
    this.start();
  }

  pause(reason: string | null = null): void {
    this.expect(["running", "paused"], "pause");
    this.stepBudget = 0;
    if (this.state === "paused" && reason === this.reason) return;
    this.transition("paused", reason);
    this.snapshotIfStale();
  }

  /** Exactly `n` more steps (capped at the run's length), then paused again. */
  stepBy(n: number): void {
    this.expect(["created", "paused"], "step");
    if (this.state === "created") this.transition("paused", null);
    this.stepBudget += n;
    this.schedule();
  }

  /**
   * Measures `what` at the current parameters and records it as a metric point at the current step. The
   * measurement runs in the loop's slices, one piece at a time, and training waits for it: it lands between
   * two steps, changes nothing training sees, and the daemon stays responsive meanwhile.
   */
  measure(what: MeasureKind): Promise<number> {
    if (this.isTerminal) throw new RunStateError(`cannot measure run ${this.runId}: it is ${this.state}`);
    if (this.measurement) throw new RunStateError(`run ${this.runId} is already measuring ${this.measurement.what}`);
    return new Promise((resolve, reject) => this.startMeasurement(what, resolve, reject));
  }

  private startMeasurement(what: MeasureKind, resolve: (value: number) => void = () => {}, reject: (e: Error) => void = () => {}): void {
    this.measurement = { what, steps: this.trainer.sharpnessSteps(), resolve, reject };
    this.schedule();
  }

  /** Applies an intervention between two steps; returns the log's summary (InterventionError: nothing changed). */
  intervene(intervention: Intervention, sources?: InterventionSources): string {
    if (this.isTerminal) throw new RunStateError(`cannot intervene in run ${this.runId}: it is ${this.state}`);
    if (this.measurement) throw new RunStateError(`run ${this.runId} is measuring ${this.measurement.what}; try again in a moment`);
    return applyIntervention(this.trainer, intervention, sources);
  }

  /** The trainer, read-only use: what a checkpoint must fit. */
  get trainerForChecks(): Trainer {
    return this.trainer;
  }

  parameters(): { groups: { name: string; shape: number[]; frozen: boolean }[]; lr: number; weightDecay: number } {
    const { params } = this.trainer.problem;
    const { lr, weightDecay } = this.trainer.settings;
    const groups = this.trainer.groups.map((name) => ({ name, shape: [...params[name]!.shape], frozen: this.trainer.isFrozen(name) }));
    return { groups, lr, weightDecay };
  }

  /** A snapshot at the current step now (after an intervention): it replaces any earlier one at this step. */
  snapshotNow(): void {
    this.takeSnapshot();
  }

  /** The problem's view of a typed input at the current parameters (between two steps, like every command). */
  inspect(input: string): NamedTensor[] {
    if (this.isTerminal) throw new RunStateError(`cannot inspect run ${this.runId}: it is ${this.state}`);
    const { problem } = this.trainer;
    if (!problem.inspect) throw new RunStateError(`run ${this.runId}'s experiment has nothing to inspect`);
    return problem.inspect(input);
  }

  stop(reason: string | null = null): void {
    if (this.isTerminal) throw new RunStateError(`run ${this.runId} is already ${this.state}`);
    this.end("stopped", reason);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.slice();
    });
  }

  private wantsStep(): boolean {
    return this.state === "running" || (this.state === "paused" && this.stepBudget > 0);
  }

  private slice(): void {
    const deadline = performance.now() + (this.opts.sliceMs ?? 10);
    if (this.measurement) {
      this.advanceMeasurement(deadline);
      if (this.measurement) return this.schedule();
    }
    while (this.wantsStep() && !this.measurement && performance.now() < deadline) {
      if (this.state === "paused") this.stepBudget -= 1;
      this.trainOne();
    }
    if (this.wantsStep() || this.measurement) this.schedule();
    else if (this.state === "paused" && this.stepBudget === 0 && !this.isTerminal) this.snapshotIfStale();
  }

  private advanceMeasurement(deadline: number): void {
    const m = this.measurement!;
    try {
      for (;;) {
        const next = m.steps.next();
        if (next.done) {
          this.measurement = null;
          this.events.metrics(this.step, { [m.what]: next.value.value });
          return m.resolve(next.value.value);
        }
        if (performance.now() >= deadline) return;
      }
    } catch (e) {
      this.measurement = null;
      m.reject(e as Error);
    }
  }

  private abandonMeasurement(why: string): void {
    const m = this.measurement;
    if (!m) return;
    this.measurement = null;
    m.steps.return({ value: NaN }); // runs its finally: parameters restored
    m.reject(new RunStateError(`measurement of ${m.what} abandoned: ${why}`));
  }

  private lastSnapshotStep = -1;

  private trainOne(): void {
    let result: StepResult;
    try {
      result = this.trainer.trainStep({ deferSharpness: true });
    } catch (e) {
      this.end("failed", `step ${this.step + 1} threw: ${(e as Error).message}`);
      return;
    }
    this.events.metrics(result.step, result.metrics);
    if (!Number.isFinite(result.loss)) {
      this.pause(`loss became ${result.loss} at step ${result.step}; run paused`);
      return;
    }
    if (result.step >= this.opts.totalSteps) {
      // The run ends now, so its last scheduled measurement cannot wait for later slices.
      if (this.trainer.sharpnessDue) this.events.metrics(result.step, { sharpness: this.trainer.measureSharpness() });
      this.end("finished", null);
      return;
    }
    if (result.step % this.opts.snapshotEvery === 0) this.takeSnapshot();
    // Scheduled like any measurement: in pieces, before the next step, without holding up the daemon.
    if (this.trainer.sharpnessDue && !this.measurement) this.startMeasurement("sharpness");
  }

  private takeSnapshot(): void {
    this.lastSnapshotStep = this.step;
    this.events.snapshot(this.step, this.trainer.problem.snapshot());
  }

  private snapshotIfStale(): void {
    if (this.lastSnapshotStep !== this.step) this.takeSnapshot();
  }

  private end(state: "stopped" | "finished" | "failed", reason: string | null): void {
    this.abandonMeasurement(`the run ${state}`);
    this.stepBudget = 0;
    this.snapshotIfStale();
    this.transition(state, reason);
    this.trainer.dispose();
  }

  private transition(state: RunState, reason: string | null): void {
    this.state = state;
    this.reason = reason;
    this.events.state(this.step, state, reason);
  }

  private expect(states: RunState[], action: string): void {
    if (!states.includes(this.state)) {
      throw new RunStateError(`cannot ${action} run ${this.runId}: it is ${this.state} (needs ${states.join(" or ")})`);
    }
  }
}

export class RunStateError extends Error {
  override name = "RunStateError";
}
