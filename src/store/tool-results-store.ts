import type Database from "better-sqlite3";
import { sha256 } from "../util/canonical.js";
import type { Writer } from "./writer.js";

/** A tool call's recorded result (the type lives here: the store knows nothing of tools). */
export interface ToolResultRecord {
  /** The tool's identity (its source: module + export + content hash, or server command + tool + schema hash). */
  identity: string;
  /** The arguments, as canonical JSON. */
  args: string;
  /** The result as the model was shown it, before truncation. */
  result: string;
  latencyMs: number;
  createdAt: number;
}

/** What tool replay asks of the store. */
export interface ToolResults {
  get(identity: string, args: string): ToolResultRecord | undefined;
  put(record: ToolResultRecord): void;
}

/**
 * The `tool_results` table: lookups read on this thread; new rows go to the writer thread, and rows
 * not yet committed are answered from memory until they are.
 */
export class ToolResultsStore implements ToolResults {
  private readonly getStmt: Database.Statement<[Buffer], { result: string; latency_ms: number; created_at: number }>;
  private readonly pending = new Map<string, ToolResultRecord>();

  /** @internal Made by `Store.open`. */
  constructor(
    db: Database.Database,
    private readonly writer: Writer,
  ) {
    this.getStmt = db.prepare("SELECT result, latency_ms, created_at FROM tool_results WHERE key = ?");
  }

  get(identity: string, args: string): ToolResultRecord | undefined {
    const key = keyOf(identity, args);
    const pending = this.pending.get(key);
    if (pending) return pending;
    const row = this.getStmt.get(Buffer.from(key, "hex"));
    return row ? { identity, args, result: row.result, latencyMs: row.latency_ms, createdAt: row.created_at } : undefined;
  }

  put(record: ToolResultRecord): void {
    const key = keyOf(record.identity, record.args);
    this.pending.set(key, record);
    this.writer.write(
      { name: "tool.put", params: { key, identity: record.identity, args: record.args, result: record.result, latencyMs: record.latencyMs, createdAt: record.createdAt } },
      () => this.pending.delete(key),
    );
  }
}

function keyOf(identity: string, args: string): string {
  return sha256(`${identity}\n${args}`);
}
