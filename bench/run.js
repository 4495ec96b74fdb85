// `npm run bench [suite…]`: every benchmark prints its figures; nothing is asserted (see README
// "Performance"). Suites: eval-offline, eval-memory, read-dataset, overhead, limit-tracking, 429-recovery, cache, optimizers, resume,
// signals, housekeeping, startup, agent, traces, view, view-render.
import * as agent from "./agent.js";
import * as evalMemory from "./eval-memory.js";
import * as evalOffline from "./eval-offline.js";
import * as housekeeping from "./housekeeping.js";
import * as optimizers from "./optimizers.js";
import * as providers from "./providers.js";
import * as readDataset from "./read-dataset.js";
import * as resume from "./resume.js";
import * as signals from "./signals.js";
import * as startup from "./startup.js";
import * as view from "./view.js";
import * as traces from "./traces.js";
import * as viewRender from "./view-render.js";

const only = process.argv.slice(2);
const wants = (name) => only.length === 0 || only.includes(name);
if (wants("eval-offline")) await evalOffline.run();
if (wants("eval-memory")) await evalMemory.run();
if (wants("read-dataset")) await readDataset.run();
const providerParts = ["overhead", "limit-tracking", "429-recovery", "cache"].filter(wants);
if (providerParts.length > 0) await providers.run(providerParts);
if (wants("optimizers")) await optimizers.run();
if (wants("resume")) await resume.run();
if (wants("signals")) await signals.run();
if (wants("housekeeping")) await housekeeping.run();
if (wants("startup")) await startup.run();
if (wants("agent")) await agent.run();
if (wants("view")) await view.run();
if (wants("traces")) await traces.run();
if (wants("view-render")) await viewRender.run();
