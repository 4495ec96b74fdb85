import { z } from "zod";

/** Beam search's settings: the program's `optimize.beam:` section. */
export const beamSettings = z.strictObject({
  width: z.number().int().min(1).default(3).describe("candidates kept after each iteration"),
  proposals: z.number().int().min(1).default(3).describe("instruction rewrites asked for per beam member and iteration"),
  minibatch: z.number().int().min(1).default(40).describe("train examples every candidate of an iteration is scored on"),
  demos: z.number().int().min(0).default(4).describe("labeled demos in a fresh demo set (per rewritten step); 0 keeps demos as they are"),
  iterations: z.number().int().min(0).default(0).describe("iterations to run; 0: as many as the budget buys"),
  patience: z.number().int().min(0).default(2).describe("stop after this many iterations in a row in which no child beats its parent; 0: never"),
});

export type BeamSettings = z.output<typeof beamSettings>;
