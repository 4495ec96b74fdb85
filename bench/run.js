// `npm run bench`: every benchmark prints its figures; nothing is asserted (see README "Performance").
import * as evalOffline from "./eval-offline.js";

const suites = { "eval-offline": evalOffline };
const only = process.argv.slice(2);
for (const [name, suite] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  await suite.run();
}
