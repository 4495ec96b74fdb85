import type { Example } from "../program/example.js";

/**
 * Examples by position: an array, or a dataset's `DatasetRows`, which reads each example again from
 * the file when it is asked for (so a large evaluation does not hold its examples).
 */
export interface ExampleList {
  readonly length: number;
  at(index: number): Example | undefined;
}
