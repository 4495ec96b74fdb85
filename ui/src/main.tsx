import "uplot/dist/uPlot.min.css";
import "../app.css";
import { render } from "preact";
import { httpSource, pageToken } from "./api.js";
import type { ApiSource } from "./source.js";
import { ErrorBox } from "./components.js";
import { SourceContext, useRoute } from "./hooks.js";
import { readReport, reportSource } from "./report-source.js";
import { href } from "./route.js";
import { Examples } from "./views/Examples.js";
import { ExampleView } from "./views/ExampleView.js";
import { RunPage } from "./views/RunPage.js";
import { RunsList } from "./views/RunsList.js";

function App({ report }: { report: { run: string; omitted: number; total: number } | null }) {
  const route = useRoute();
  return (
    <>
      <header class="top">
        <a href={report ? href({ view: "run", run: report.run }) : href({ view: "runs" })} class="brand">
          dspx
        </a>
        {!report && <a href={href({ view: "runs" })}>Runs</a>}
        {report && (
          <span class="muted small" data-testid="report-note">
            report of run {report.run}
            {report.omitted > 0 ? ` · ${report.omitted} of ${report.total} examples left out of this file` : ""}
          </span>
        )}
      </header>
      <main>
        {route.view === "runs" && <RunsList />}
        {route.view === "run" && <RunPage key={route.run} runId={route.run} {...(route.candidate ? { candidate: route.candidate } : {})} />}
        {route.view === "examples" && <Examples runId={route.run} query={route.query} />}
        {route.view === "example" && <ExampleView runId={route.run} exampleId={route.example} query={route.query} side={route.side ?? "b"} />}
      </main>
    </>
  );
}

function start(): void {
  const root = document.getElementById("app") ?? document.body.appendChild(document.createElement("div"));
  let source: ApiSource;
  let report: { run: string; omitted: number; total: number } | null = null;
  try {
    const data = readReport(document);
    if (data) {
      source = reportSource(data);
      report = { run: data.run, omitted: data.omittedExamples, total: data.totalExamples };
      if (location.hash === "" || location.hash === "#" || location.hash === "#/") location.hash = href({ view: "run", run: data.run, ...(data.candidate ? { candidate: data.candidate } : {}) });
    } else {
      source = httpSource(pageToken(location));
    }
  } catch (e) {
    render(<ErrorBox message={e instanceof Error ? e.message : String(e)} />, root);
    return;
  }
  render(
    <SourceContext.Provider value={source}>
      <App report={report} />
    </SourceContext.Provider>,
    root,
  );
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
