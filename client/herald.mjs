// herald.js as an ES module: import { HeraldClient } from "./herald.mjs". It runs herald.js, which also defines
// globalThis.HeraldClient, and exports that class; herald.js has no dependency, so neither has this.
import "./herald.js";

export const HeraldClient = globalThis.HeraldClient;
export default HeraldClient;
