// `npm run bench [suite…]`: every benchmark prints its figures; nothing is asserted (see README
// "Performance"). Suites: eval-offline, overhead, limit-tracking, cache.
import * as evalOffline from "./eval-offline.js";
import * as providers from "./providers.js";

const only = process.argv.slice(2);
if (only.length === 0 || only.includes("eval-offline")) await evalOffline.run();
const providerParts = ["overhead", "limit-tracking", "cache"];
const wanted = only.length === 0 ? [] : only.filter((o) => providerParts.includes(o));
if (only.length === 0 || wanted.length > 0) await providers.run(wanted);
