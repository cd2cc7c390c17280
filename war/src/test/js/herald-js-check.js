// Drives herald.js in headless Chromium against a deployed herald.war; exits 0 when every check passed.
//   node herald-js-check.js BASE_URL TOKEN API_KEY FRIEND_TOKEN   (BASE_URL ends with the context root, e.g. .../herald/)
// TOKEN is browser-user's, FRIEND_TOKEN browser-friend's. The deployment's test authorizer opens probe: channels.
// Chromium: $CHROMIUM, else /usr/bin/chromium. Every wait is bounded; the whole run stops within 90 s.
const { chromium } = require("playwright-core");

const [base, token, apiKey, friendToken] = process.argv.slice(2);
const WAIT = { timeout: 15000 };

function check(condition, what) {
  if (!condition) {
    throw new Error("check failed: " + what);
  }
  console.log("ok - " + what);
}

async function publishRest(notice) {
  const response = await fetch(base + "api/notices", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + apiKey },
    body: JSON.stringify(notice),
  });
  check(response.status === 202, "REST publish accepted: " + response.status);
}

async function recorded(page, kind, channel) {
  return page.evaluate(([k, c]) => window.events.filter((e) => e.kind === k && e.channel === c), [kind, channel]);
}

async function until(page, kind, channel, count) {
  await page.waitForFunction(([k, c, n]) => window.events.filter((e) => e.kind === k && e.channel === c).length >= n,
      [kind, channel, count], WAIT);
}

async function statuses(page) {
  return page.evaluate(() => window.events.filter((e) => e.kind === "status"));
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    const sockets = [];
    page.on("websocket", (ws) => {
      const seen = { url: ws.url(), sent: [] };
      sockets.push(seen);
      ws.on("framesent", (frame) => seen.sent.push(String(frame.payload)));
    });
    await page.goto(base + "herald-test.html#token=" + encodeURIComponent(token));
    await page.waitForFunction(() => window.events.some((e) => e.status === "open"), null, WAIT);
    const first = (await statuses(page)).find((s) => s.status === "open");
    check(first.user === "browser-user", "welcome names the token's user: " + first.user);
    check(sockets.length === 1 && !sockets[0].url.includes("token"), "the token is not in the URL: " + sockets[0].url);
    check(JSON.parse(sockets[0].sent[0]).type === "auth" && JSON.parse(sockets[0].sent[0]).token === token,
        "the first frame is the auth frame with the token");

    const response = await fetch(base + "api/notices", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + apiKey },
      body: JSON.stringify({ to: { user: "browser-user" }, event: "browser.notice", data: { n: 1 } }),
    });
    check(response.status === 202, "REST publish accepted: " + response.status);
    await page.waitForFunction(() => window.events.some((e) => e.event === "browser.notice"), null, WAIT);
    const notice = await page.evaluate(() => window.events.find((e) => e.event === "browser.notice"));
    check(notice.data.n === 1, "onNotice got the notice with its data");

    // A binary payload: sent as base64 over REST, handed to the application as a Uint8Array.
    await publishRest({ to: { user: "browser-user" }, event: "browser.bytes", data_b64: "AAH/gA==" });
    await page.waitForFunction(() => window.events.some((e) => e.event === "browser.bytes"), null, WAIT);
    const bytes = await page.evaluate(() => window.events.find((e) => e.event === "browser.bytes"));
    check(bytes.bytesType === "Uint8Array" && bytes.bytes.join() === "0,1,255,128",
        "a notice of bytes reaches onNotice as notice.bytes, a Uint8Array: " + JSON.stringify(bytes));

    // Only a connection's first frame is its welcome: a later one (which a server never sends) changes nothing.
    const sessionBefore = await page.evaluate(() => window.herald.sessionId);
    await page.evaluate(() => {
      window.herald.receive(JSON.stringify({ type: "welcome", session: "forged.1", user: "mallory" }), false);
      window.herald.receive(JSON.stringify([{ type: "pong" }, { type: "welcome", session: "forged.2" }]), true);
    });
    check(await page.evaluate(() => window.herald.sessionId) === sessionBefore,
        "a welcome that is not the first frame does not change the session id");
    check((await statuses(page)).filter((s) => s.status === "open").length === 1, "nor reports a new connection");

    // Channels: subscribe, notices from REST and from the client's own publish, presence, refusals, join and leave.
    await page.evaluate(() => window.herald.subscribe("probe:chat", window.recording("probe:chat")));
    await until(page, "subscribed", "probe:chat", 1);
    await publishRest({ to: { channel: "probe:chat" }, event: "room.news", data: { n: 2 } });
    await until(page, "channel", "probe:chat", 1);
    check((await recorded(page, "channel", "probe:chat"))[0].event === "room.news",
        "a channel notice reaches the channel's onNotice");
    check(!(await page.evaluate(() => window.events.some((e) => e.kind === "notice" && e.event === "room.news"))),
        "and not the connection's onNotice");
    const id = await page.evaluate(() => window.herald.publish("probe:chat", "chat.message", { text: "hi" }));
    await until(page, "channel", "probe:chat", 2);
    const mine = (await recorded(page, "channel", "probe:chat"))[1];
    check(mine.id === id && mine.from === "browser-user" && mine.data.text === "hi",
        "publish resolves to the id of the notice the subscribers get, from the server-set user");
    const who = await page.evaluate(() => window.herald.presence("probe:chat"));
    check(JSON.stringify(who.users) === '["browser-user"]' && who.sessions === 1 && who.userCount === 1,
        "presence resolves to the channel's users and counts: " + JSON.stringify(who));
    const refusedPublish = await page.evaluate(() => window.herald.publish("probe:bob-speaks", "e", 1)
        .then(() => "published", (e) => e.code));
    check(refusedPublish === "forbidden", "a refused publish rejects with its code: " + refusedPublish);
    await page.evaluate(() => window.herald.subscribe("secret:plans", window.recording("secret:plans")));
    await until(page, "error", "secret:plans", 1);
    check((await recorded(page, "error", "secret:plans"))[0].code === "forbidden", "a refused subscribe calls onError");

    await page.evaluate(() => window.herald.subscribe("probe:jl-room", window.recording("probe:jl-room")));
    await until(page, "subscribed", "probe:jl-room", 1);
    const friend = await browser.newPage();
    await friend.goto(base + "herald-test.html#token=" + encodeURIComponent(friendToken));
    await friend.waitForFunction(() => window.events.some((e) => e.status === "open"), null, WAIT);
    await friend.evaluate(() => window.herald.subscribe("probe:jl-room", window.recording("probe:jl-room")));
    await until(page, "join", "probe:jl-room", 2); // its own join first, as every subscriber's
    check((await recorded(page, "join", "probe:jl-room")).map((e) => e.user).join() === "browser-user,browser-friend",
        "onJoin names who joined");
    await friend.evaluate(() => window.herald.unsubscribe("probe:jl-room"));
    await until(page, "leave", "probe:jl-room", 1);
    check((await recorded(page, "leave", "probe:jl-room"))[0].user === "browser-friend", "onLeave names who left");
    await friend.close();

    // A dropped connection: herald.js reconnects after a backoff, fetching the token again, and gets a new session.
    await page.evaluate(() => window.herald.socket.close(4000, "test drop"));
    await page.waitForFunction(() => window.events.filter((e) => e.status === "open").length === 2, null, WAIT);
    const opens = (await statuses(page)).filter((s) => s.status === "open");
    check(opens[1].session !== opens[0].session, "reconnected with a new session: " + opens[1].session);
    check(await page.evaluate(() => window.tokenCalls) === 2, "the token function ran again for the reconnect");
    check((await statuses(page)).some((s) => s.status === "waiting"), "it waited (backoff) before reconnecting");
    check(sockets.length === 2 && JSON.parse(sockets[1].sent[0]).type === "auth", "the new connection authenticated first");

    // Every subscription comes back by itself after the reconnect; a refused one is not asked for again.
    await until(page, "subscribed", "probe:chat", 2);
    await publishRest({ to: { channel: "probe:chat" }, event: "after.reconnect" });
    await page.waitForFunction(() => window.events.some((e) => e.kind === "channel" && e.event === "after.reconnect"),
        null, WAIT);
    check(true, "a channel notice reaches the page after the reconnect");
    check(!sockets[1].sent.some((f) => f.includes("secret:plans")), "a refused subscription is not asked again");
    await page.evaluate(() => window.herald.unsubscribe("probe:chat"));
    await page.waitForFunction(() => window.herald.channels.size === 1, null, WAIT);
    // The server has carried the unsubscribe out once presence shows it (it leaves locally first).
    for (let tries = 0; ; tries++) {
      const answer = await fetch(base + "api/presence?channel=probe%3Achat", {
        headers: { Authorization: "Bearer " + apiKey } });
      if ((await answer.json()).sessions === 0) {
        break;
      }
      check(tries < 100, "the unsubscribe is carried out within 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await publishRest({ to: { channel: "probe:chat" }, event: "after.unsubscribe" });
    await publishRest({ to: { user: "browser-user" }, event: "marker" });
    await page.waitForFunction(() => window.events.some((e) => e.event === "marker"), null, WAIT);
    check(!(await page.evaluate(() => window.events.some((e) => e.event === "after.unsubscribe"))),
        "nothing of a channel after unsubscribe");

    // No notice lost: what is sent while the client is away, for its user and its channels, comes after it
    // reconnects (resuming from its positions), in order and once; so it does after a page reload.
    await page.evaluate(() => window.herald.subscribe("probe:resume", window.recording("probe:resume")));
    await until(page, "subscribed", "probe:resume", 1);
    await publishRest({ to: { channel: "probe:resume" }, event: "resume.first" });
    await until(page, "channel", "probe:resume", 1);
    await page.evaluate(() => window.herald.close());
    for (let i = 0; i < 5; i++) {
      await publishRest({ to: { user: "browser-user" }, event: "away.user." + i });
      await publishRest({ to: { channel: "probe:resume" }, event: "away.channel." + i });
    }
    await page.evaluate(() => window.herald.connect());
    await until(page, "channel", "probe:resume", 6);
    await page.waitForFunction(() => window.events.filter((e) => e.kind === "notice" && e.event.startsWith("away.user."))
        .length === 5, null, WAIT);
    const away = await page.evaluate(() => window.events.filter((e) => e.kind === "notice" && e.event.startsWith("away.")));
    check(away.map((e) => e.event).join() === [0, 1, 2, 3, 4].map((i) => "away.user." + i).join(),
        "the user's notices sent while away arrive after the reconnect, in order, once");
    check((await recorded(page, "channel", "probe:resume")).map((e) => e.event).join()
        === ["resume.first"].concat([0, 1, 2, 3, 4].map((i) => "away.channel." + i)).join(),
        "and so do the channel's, the one it had not again");
    const resumedWith = sockets[sockets.length - 1].sent.map((f) => JSON.parse(f));
    check(resumedWith[0].since && resumedWith[0].since.offset > 0, "the auth frame resumed from the user's position");
    check(resumedWith.some((f) => f.type === "subscribe" && f.channel === "probe:resume" && f.since),
        "the subscribe resumed from the channel's position");
    const last = away[4].offset;
    const epoch = await page.evaluate(() => window.herald.positions.user.epoch);
    await page.evaluate(([e, o]) => window.herald.receive(JSON.stringify({ type: "notice", id: "dup", event: "dup",
        data: null, ts: 1, offset: o, epoch: e })), [epoch, last]);
    check(!(await page.evaluate(() => window.events.some((e) => e.event === "dup"))), "a notice it had is dropped");

    await page.evaluate(() => window.herald.close());
    await publishRest({ to: { user: "browser-user" }, event: "during.reload" });
    await page.reload();
    await page.waitForFunction(() => window.events.some((e) => e.event === "during.reload"), null, WAIT);
    check(!(await page.evaluate(() => window.events.some((e) => (e.event || "").startsWith("away.")))),
        "after a page reload it resumes from the position it kept: only what it missed comes");

    // A position the server cannot replay from (here: of an epoch that is not the stream's) is said, not hidden.
    await page.evaluate(() => {
      window.herald.close();
      sessionStorage.setItem("herald.positions", JSON.stringify({ owner: "browser-user",
          user: { epoch: "gone", offset: 3 }, channels: {} }));
    });
    await page.reload();
    await page.waitForFunction(() => window.events.some((e) => e.kind === "gap"), null, WAIT);
    const gap = await page.evaluate(() => window.events.find((e) => e.kind === "gap"));
    check(gap.stream === "user" && gap.epoch === epoch, "onGap tells the application, with the stream's position");

    // Inbox: a device with no position, connecting with inbox: true, gets what came while the user was away.
    await publishRest({ to: { user: "browser-friend" }, event: "inbox.one" });
    await publishRest({ to: { user: "browser-friend" }, event: "inbox.two" });
    const device = await browser.newPage();
    await device.goto(base + "herald-test.html#inbox=1&token=" + encodeURIComponent(friendToken));
    try {
      await device.waitForFunction(() => window.events.filter((e) => e.kind === "notice").length === 2, null, WAIT);
    } catch (e) {
      throw new Error("the inbox device saw " + JSON.stringify(await device.evaluate(() => window.events)));
    }
    const opened = (await statuses(device)).find((s) => s.status === "open");
    check(opened.unread === 2, "the welcome of an inbox connection says how many are unread: " + opened.unread);
    const inbox = await device.evaluate(() => window.events.filter((e) => e.kind === "notice"));
    check(inbox.map((e) => e.event).join() === "inbox.one,inbox.two", "and they follow it, in order");
    const cursor = await device.evaluate((o) => window.herald.ack(o), inbox[1].offset);
    check(cursor === inbox[1].offset, "ack resolves to the read cursor: " + cursor);
    const past = await device.evaluate(() => window.herald.ack(1000000).then(() => "acked", (e) => e.code));
    check(past === "bad_offset", "an ack past the stream's end rejects with bad_offset: " + past);
    await device.close();

    // A fixed token that the server refuses: closed with 4401 and no retry.
    const refused = await browser.newPage();
    await refused.goto(base + "herald-test.html#fixed=not-a-jwt");
    await refused.waitForFunction(() => window.events.some((e) => e.status === "stopped"), null, WAIT);
    const closedWith = (await statuses(refused)).find((s) => s.status === "closed");
    check(closedWith && closedWith.code === 4401 && closedWith.reason.includes("not a JWT"),
        "a refused fixed token closes with 4401 for its token: " + JSON.stringify(closedWith));
    await refused.waitForTimeout(1500);
    check((await statuses(refused)).filter((s) => s.status === "connecting").length === 1, "and is not retried");
  } finally {
    await browser.close();
  }
}

const deadline = setTimeout(() => {
  console.error("not done within 90 s");
  process.exit(2);
}, 90000);
main().then(() => {
  clearTimeout(deadline);
  console.log("all herald.js checks passed");
}, (e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
