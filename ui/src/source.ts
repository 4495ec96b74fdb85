import type { Params } from "./query.js";

/** Where the UI's data comes from: the viewer's HTTP API, or the responses a report file carries. */
export interface ApiSource {
  get<T>(path: string, params?: Params): Promise<T>;
  /** True for a report file: nothing changes, so nothing is polled. */
  readonly static: boolean;
}
