// Drives the admin page (/herald/admin/) in headless Chromium against a deployed herald.war; exits 0 when every
// check passed, saving screenshots into SHOTS_DIR.
//   node admin-check.js BASE_URL API_KEY TOKEN SHOTS_DIR   (BASE_URL ends with the context root, e.g. .../herald/)
// TOKEN is a user's; the deployment's test authorizer opens probe: channels. Every wait is bounded.
const { chromium } = require("playwright-core");
const path = require("path");

const [base, apiKey, token, shots] = process.argv.slice(2);
const WAIT = { timeout: 15000 };

function check(condition, what) {
  if (!condition) {
    throw new Error("check failed: " + what);
  }
  console.log("ok - " + what);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await admin.goto(base + "admin/");
    check((await admin.textContent("#state")) === "not signed in", "the page asks for the key first");
    check(await admin.isHidden("#overview"), "nothing is shown before signing in");

    await admin.fill("#key", "not-the-right-key-at-all");
    await admin.click("#login button");
    await admin.waitForFunction(() => document.getElementById("error").textContent === "Wrong key.", null, WAIT);
    check(await admin.isHidden("#overview"), "a wrong key shows nothing");
    await admin.screenshot({ path: path.join(shots, "admin-wrong-key.png") });

    await admin.fill("#key", apiKey);
    await admin.click("#login button");
    await admin.waitForSelector("#overview:not([hidden])", WAIT);
    await admin.waitForFunction(() => document.querySelectorAll("#nodes tbody tr").length >= 1, null, WAIT);
    const nodeRow = await admin.textContent("#nodes tbody tr");
    check(nodeRow.includes("(this node)"), "the live nodes include this one: " + nodeRow);
    check((await admin.textContent("#state")) === "receiving", "the node receives from its engine");
    const before = Number(await admin.textContent("#sessions"));
    check(Number.isInteger(before), "the sessions online are a number: " + before);
    await admin.screenshot({ path: path.join(shots, "admin-signed-in.png"), fullPage: true });

    // A client connects and joins a channel: the page updates by itself.
    const client = await browser.newPage();
    await client.goto(base + "admin/");
    const esm = await client.evaluate(async (b) => {
      const m = await import(b + "herald.mjs");
      return typeof m.HeraldClient === "function" && m.default === m.HeraldClient
          && typeof new m.HeraldClient({ storage: null }).subscribe === "function";
    }, base);
    check(esm, "herald.mjs imports as an ES module and exports HeraldClient");
    await client.evaluate(([wsUrl, t]) => new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      window.adminCheckSocket = ws;
      ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: t }));
      ws.onmessage = (m) => {
        const frame = JSON.parse(m.data);
        if (frame.type === "welcome") ws.send(JSON.stringify({ type: "subscribe", channel: "probe:admin-room" }));
        if (frame.type === "subscribed") resolve();
      };
      ws.onerror = () => reject(new Error("the client's socket failed"));
      setTimeout(() => reject(new Error("no subscribed within 10 s")), 10000);
    }), [base.replace(/^http/, "ws") + "ws", token]);
    await admin.waitForFunction((n) => Number(document.getElementById("sessions").textContent) > n, before, WAIT);
    check(true, "the sessions online went up by themselves");
    await admin.waitForFunction(() => document.getElementById("channels").textContent.includes("probe:admin-room"),
        null, WAIT);
    check(true, "the busiest channels show the client's channel");

    for (let i = 0; i < 3; i++) {
      const r = await fetch(base + "api/notices", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + apiKey },
        body: JSON.stringify({ to: { channel: "probe:admin-room" }, event: "admin.check", data: i }),
      });
      check(r.status === 202, "a notice is published: " + r.status);
    }
    await admin.waitForFunction(() => Number(document.getElementById("rate-in").textContent) > 0
        || Number(document.getElementById("rate-out").textContent) > 0, null, WAIT);
    check(true, "the notice rates show traffic");
    await admin.screenshot({ path: path.join(shots, "admin-updated.png"), fullPage: true });
    console.log("all admin page checks passed");
  } finally {
    await browser.close();
  }
}

const deadline = setTimeout(() => {
  console.error("admin-check.js did not finish within 90 s");
  process.exit(2);
}, 90000);
main().then(() => {
  clearTimeout(deadline);
  process.exit(0);
}, (e) => {
  clearTimeout(deadline);
  console.error(e.stack || String(e));
  process.exit(1);
});
