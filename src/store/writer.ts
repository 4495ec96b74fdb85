import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UserError } from "../util/errors.js";
import { describeSqliteError } from "./db.js";
import { displayPath } from "../util/display-path.js";
import type { FromWriter, ToWriter, WriteOp } from "./statements.js";

/** Where the stores send their writes: the writer thread, or nothing for a database opened read-only. */
export interface Writer {
  write(op: WriteOp, onCommitted?: () => void): void;
  /**
   * Backpressure: undefined while the writes not yet committed are under the backlog limit, else a
   * promise that resolves once commits have worked the backlog down (or the writer failed). A
   * producer that awaits it between writes never queues more than about the limit.
   */
  room(): Promise<void> | undefined;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** How much queued, uncommitted write text (approximate bytes) makes `room()` wait. */
export const BACKLOG_LIMIT = 256 * 1024;

/** A database opened for reading only (`runs`, `show` on a read-only file): every write is refused. */
export class ReadOnlyWriter implements Writer {
  constructor(private readonly file: string) {}
  write(): void {
    throw new UserError({ message: "cannot write to the dspx database: it is open read-only", pos: { file: displayPath(this.file) } });
  }
  room(): undefined {
    return undefined;
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * The main thread's side of the writer thread. `write` queues an operation; everything queued in
 * one event-loop turn goes over as one batch and is committed in one transaction. `flush` resolves
 * once everything written so far is committed — the barrier for checkpoints and for closing.
 * A failed batch is reported (as a UserError naming the file) by the next write, flush or close.
 * The writes not yet committed are counted (`backlog`) so that producers can wait for room: the
 * thread commits more slowly than a fast model produces results, and without that the queue (and
 * every row it holds) would grow with the dataset.
 */
export class StoreWriter implements Writer {
  private readonly worker: Worker;
  private queue: WriteOp[] = [];
  private queueBytes = 0;
  private posting = false;
  private nextId = 1;
  private commitCallbacks: (() => void)[] | undefined;
  private readonly waiting = new Map<number, { resolve: () => void; onDone?: () => void; bytes: number }>();
  private failure: UserError | undefined;
  private closed = false;
  private backlogBytes = 0;
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly backlogLimit = BACKLOG_LIMIT,
  ) {
    this.worker = startWriterThread(file);
    this.worker.on("message", (m: FromWriter) => this.onMessage(m));
    this.worker.on("error", (err) => this.fail(err.message));
    this.worker.on("exit", (code) => {
      if (!this.closed) this.fail(`the writer thread stopped (exit code ${code})`);
    });
    // Idle, the thread never keeps the process alive; with writes in flight it does (see post),
    // so nothing queued is lost to an exiting process. (After the listeners: attaching a message
    // listener references the thread again.)
    this.worker.unref();
  }

  /** Queues a write; `onCommitted` runs once it is in the database. */
  write(op: WriteOp, onCommitted?: () => void): void {
    this.throwIfFailed();
    if (this.closed) throw new Error("the store is closed");
    const bytes = sizeOf(op);
    this.queue.push(op);
    this.queueBytes += bytes;
    this.backlogBytes += bytes;
    if (onCommitted) (this.commitCallbacks ??= []).push(onCommitted);
    // A producer that never yields to the event loop (a fast model answering in microtasks) would
    // otherwise fill the whole backlog before the first batch left: send a large queue at once, so
    // the thread commits while the producer goes on.
    if (this.queueBytes >= this.backlogLimit / 4) this.post();
    else if (!this.posting) {
      this.posting = true;
      setImmediate(() => this.post());
    }
  }

  /** Approximate bytes of writes queued or in flight, not yet committed. */
  get backlog(): number {
    return this.backlogBytes;
  }

  room(): Promise<void> | undefined {
    if (this.backlogBytes < this.backlogLimit || this.failure || this.closed) return undefined;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves when every write queued so far is committed. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    this.post();
    const ids = [...this.waiting.keys()];
    await Promise.all(ids.map((id) => new Promise<void>((resolve) => this.chain(id, resolve))));
    this.throwIfFailed();
  }

  /** Commits what is left and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (!this.failure) {
        const id = this.nextId++;
        await new Promise<void>((resolve) => {
          this.waiting.set(id, { resolve, bytes: 0 });
          this.worker.ref();
          this.worker.postMessage({ type: "close", id } satisfies ToWriter);
        });
      }
      await this.worker.terminate();
    }
  }

  private post(): void {
    this.posting = false;
    if (this.queue.length === 0 || this.failure) return;
    const id = this.nextId++;
    const ops = this.queue;
    const callbacks = this.commitCallbacks;
    const bytes = this.queueBytes;
    this.queue = [];
    this.queueBytes = 0;
    this.commitCallbacks = undefined;
    this.waiting.set(id, { resolve: () => {}, bytes, ...(callbacks ? { onDone: () => callbacks.forEach((c) => c()) } : {}) });
    this.worker.ref();
    this.worker.postMessage({ type: "batch", id, ops } satisfies ToWriter);
  }

  /** Runs `then` after batch `id` is acknowledged. */
  private chain(id: number, then: () => void): void {
    const w = this.waiting.get(id);
    if (!w) return then();
    const prev = w.resolve;
    w.resolve = () => {
      prev();
      then();
    };
  }

  private onMessage(m: FromWriter): void {
    const w = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (this.waiting.size === 0 && !this.closed) this.worker.unref();
    if (m.type === "error") this.fail(describeSqliteError(Object.assign(new Error(m.message), m.code ? { code: m.code } : {})));
    else w?.onDone?.();
    w?.resolve();
    if (w) this.committed(w.bytes);
  }

  /** A batch is in: waiting producers go on once the backlog is down to half the limit (no flapping). */
  private committed(bytes: number): void {
    this.backlogBytes -= bytes;
    if (this.backlogBytes <= this.backlogLimit / 2) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const go of waiters) go();
  }

  private fail(message: string): void {
    this.failure ??= new UserError({ message: `cannot write to the dspx database: ${message}`, pos: { file: displayPath(this.file) } });
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.resolve();
    }
    // Producers waiting for room go on and meet the failure at their next write.
    this.releaseWaiters();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** What a write weighs in the backlog: its text (the rows' JSON, prompts, completions) and 8 per other value. */
function sizeOf(op: WriteOp): number {
  let bytes = 0;
  for (const key in op.params) {
    const value = op.params[key];
    bytes += typeof value === "string" ? value.length : 8;
  }
  return bytes;
}

/**
 * Starts the writer thread. Built code runs writer-thread.js; from TypeScript sources (tests) the
 * thread runs writer-thread.ts bundled to plain JavaScript once per process (booting every thread
 * through a TypeScript loader cost a third of a CPU second per opened database).
 */
function startWriterThread(file: string): Worker {
  if (!import.meta.url.endsWith(".ts")) {
    // No inherited Node flags: some (--input-type, --cpu-prof…) are invalid in a worker, and the
    // writer needs none.
    return new Worker(fileURLToPath(new URL("./writer-thread.js", import.meta.url)), { workerData: { file }, execArgv: [] });
  }
  return new Worker(sourceThread(), { eval: true, workerData: { file }, execArgv: [] });
}

let bundledThread: string | undefined;

/** writer-thread.ts and what it imports as one CommonJS script (esbuild, which tsx brings along). */
function sourceThread(): string {
  if (bundledThread === undefined) {
    const esbuild = createRequire(import.meta.resolve("tsx"))("esbuild") as typeof import("esbuild");
    const entry = fileURLToPath(new URL("./writer-thread.ts", import.meta.url));
    const out = esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: "node", format: "cjs", external: ["better-sqlite3"], write: false, logLevel: "silent" });
    // An eval'd worker resolves require() from the working directory; better-sqlite3 is dspx's own.
    bundledThread = `require = require("node:module").createRequire(${JSON.stringify(entry)});\n${out.outputFiles[0]!.text}`;
  }
  return bundledThread;
}
