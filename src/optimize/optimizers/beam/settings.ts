/** Beam search's settings (the program's `optimize.beam:` section overrides them). */
export interface BeamSettings {
  /** Candidates kept after each iteration. */
  width: number;
  /** Instruction rewrites asked for per beam member and iteration. */
  proposals: number;
  /** Train examples every candidate of an iteration is scored on. */
  minibatch: number;
  /** Labeled demos in a fresh demo set (per rewritten step); 0 keeps demos as they are. */
  demos: number;
  /** Iterations to run; 0 = as many as the budget buys. */
  iterations: number;
  /** Stop after this many iterations in a row where no child beats its parent on the minibatch; 0 = never. */
  patience: number;
}

export const BEAM_DEFAULTS: BeamSettings = {
  width: 3,
  proposals: 3,
  minibatch: 40,
  demos: 4,
  iterations: 0,
  patience: 2,
};

/** The settings with defaults filled in, as whole numbers (width, proposals and minibatch at least 1). */
export function readSettings(raw: Record<string, unknown>): BeamSettings {
  const num = (key: keyof BeamSettings, min: number): number => {
    const v = raw[key];
    const n = typeof v === "number" && Number.isFinite(v) ? Math.floor(v) : BEAM_DEFAULTS[key];
    return Math.max(min, n);
  };
  return {
    width: num("width", 1),
    proposals: num("proposals", 1),
    minibatch: num("minibatch", 1),
    demos: num("demos", 0),
    iterations: num("iterations", 0),
    patience: num("patience", 0),
  };
}
