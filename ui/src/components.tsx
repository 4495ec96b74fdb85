import type { ComponentChildren } from "preact";
import { asText } from "./format.js";

/** Any value from data, shown as text (never as markup). */
export function Value({ value, testid }: { value: unknown; testid?: string }) {
  return (
    <pre class="value" data-testid={testid}>
      {asText(value)}
    </pre>
  );
}

export function KeyValues({ values, empty = "none" }: { values: Record<string, unknown> | null | undefined; empty?: string }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <p class="muted">{empty}</p>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <Value value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function Section({ title, children, testid }: { title: string; children: ComponentChildren; testid?: string }) {
  return (
    <section class="card" data-testid={testid}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function ErrorBox({ message }: { message: string }) {
  return (
    <div class="error" role="alert">
      {message}
    </div>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

export function StatusBadge({ status, live }: { status: string; live: boolean }) {
  return (
    <span class={`badge status-${status}${live ? " live" : ""}`} data-testid={live ? "live-badge" : undefined}>
      {live ? "● live" : status}
    </span>
  );
}
