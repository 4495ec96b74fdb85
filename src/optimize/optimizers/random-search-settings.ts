import { z } from "zod";
import { bootstrapShape } from "./bootstrap/settings.js";

/** `optimize.random_search:`: bootstrap's settings and how many shuffled sets to try. */
export const randomSearchSettings = z.strictObject({
  ...bootstrapShape,
  candidates: z.number().int().min(0).default(8).describe("bootstrapped demo sets from seeded shuffles, besides labeled-only and train order"),
});
