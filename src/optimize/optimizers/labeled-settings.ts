import { z } from "zod";

/** `optimize.labeled:`. */
export const labeledSettings = z.strictObject({
  k: z.number().int().min(0).default(4).describe("labeled demos per LM step, drawn from train with the seed"),
});
