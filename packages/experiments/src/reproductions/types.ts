/** One line of a reproduction table: the source's number, the tolerance, what Orrery measured. */
export interface ReproductionRow {
  setting: string;
  source: string;
  tolerance: string;
  measured: string;
  pass: boolean;
}

export interface ReproductionOptions {
  /** Overrides each check's step count (smaller: faster, less faithful). */
  steps?: number;
  seeds?: number;
  /** Progress lines (one per finished run). */
  log?: (line: string) => void;
}

/** The full-size (CPU variant) numbers of one seed experiment, judged against EXPERIMENTS.md. */
export interface Reproduction {
  experiment: string;
  title: string;
  run(options: ReproductionOptions): ReproductionRow[];
}
