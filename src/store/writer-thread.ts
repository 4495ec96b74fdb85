import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { WRITE_STATEMENTS, type FromWriter, type ToWriter, type WriteName } from "./statements.js";

/**
 * The writer thread: owns the database's only write connection and commits each batch it receives
 * in one transaction, off the main thread (commits and checkpoints never stall requests in flight).
 * The main thread opened and migrated the file before starting it.
 */
const { file } = workerData as { file: string };
const db = new Database(file);
db.pragma("busy_timeout = 10000");
db.pragma("synchronous = NORMAL");
db.pragma("foreign_keys = ON");
const prepared = new Map<WriteName, Database.Statement>();
const statement = (name: WriteName) => {
  let s = prepared.get(name);
  if (!s) {
    s = db.prepare(WRITE_STATEMENTS[name]);
    prepared.set(name, s);
  }
  return s;
};

const port = parentPort!;
port.on("message", (message: ToWriter) => {
  if (message.type === "close") {
    db.close();
    port.postMessage({ type: "done", id: message.id } satisfies FromWriter);
    port.close();
    return;
  }
  try {
    db.transaction(() => {
      for (const op of message.ops) statement(op.name).run(op.params);
    })();
    port.postMessage({ type: "done", id: message.id } satisfies FromWriter);
  } catch (err) {
    const e = err as { message?: string; code?: string };
    port.postMessage({ type: "error", id: message.id, message: e.message ?? String(err), ...(e.code ? { code: e.code } : {}) } satisfies FromWriter);
  }
});
