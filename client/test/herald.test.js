// Unit tests of herald.js with node's own test runner: node --test client/test/
// A fake WebSocket stands in for the server; timers and Math.random are mocked, so every wait is exact.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");

class FakeSocket {
  static OPEN = 1;
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeSocket.all.push(this);
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close(code, reason) {
    this.serverClose(code || 1000, reason || "");
  }
  // What the server does:
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen();
  }
  frame(f) {
    this.onmessage({ data: JSON.stringify(f) });
  }
  serverClose(code, reason = "") {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose({ code, reason });
  }
}
globalThis.WebSocket = FakeSocket;
const { HeraldClient } = require("../herald.js");

function memoryStorage() {
  const map = new Map();
  return { getItem: (k) => (map.has(k) ? map.get(k) : null), setItem: (k, v) => map.set(k, String(v)) };
}

// A client on the fake socket; yields to the microtasks that open() awaits (the token).
async function client(t, options = {}) {
  FakeSocket.all = [];
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  t.mock.method(Math, "random", () => 1); // jitter at its top: each wait is its ceiling
  const seen = { notices: [], statuses: [], gaps: [] };
  const c = new HeraldClient(Object.assign({
    url: "ws://test/herald/ws",
    token: "tok",
    storage: memoryStorage(),
    onNotice: (n) => seen.notices.push(n),
    onStatus: (s, d) => seen.statuses.push([s, d]),
    onGap: (s, d) => seen.gaps.push([s, d]),
  }, options));
  c.connect();
  await flush();
  return { c, seen };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function last() {
  return FakeSocket.all[FakeSocket.all.length - 1];
}

function welcome(socket, extra = {}) {
  socket.open();
  socket.frame(Object.assign({ type: "welcome", session: "s" + FakeSocket.all.length, user: "alice", epoch: "E",
    offset: 0 }, extra));
}

test("sends the token in the first frame, not the URL, and reports open on the welcome", async (t) => {
  const { seen } = await client(t);
  const socket = last();
  assert.equal(socket.url, "ws://test/herald/ws");
  welcome(socket);
  assert.deepEqual(socket.sent[0], { type: "auth", token: "tok" });
  assert.equal(seen.statuses.find(([s]) => s === "open")[1].session, "s1");
});

test("reconnects with a backoff that doubles up to maxDelay and starts again after a welcome", async (t) => {
  const { seen } = await client(t, { minDelay: 100, maxDelay: 400 });
  const waits = [];
  for (let i = 0; i < 4; i++) {
    last().serverClose(1006);
    const [, detail] = seen.statuses.filter(([s]) => s === "waiting").pop();
    waits.push(detail.delay);
    t.mock.timers.tick(detail.delay);
    await flush();
  }
  assert.deepEqual(waits, [100, 200, 400, 400]);
  assert.equal(FakeSocket.all.length, 5, "one connection per wait");
  welcome(last());
  last().serverClose(1001);
  assert.equal(seen.statuses.filter(([s]) => s === "waiting").pop()[1].delay, 100, "a welcome resets the backoff");
});

for (const code of [4403, 4401]) {
  test("stops for good on " + code + " with a fixed token", async (t) => {
    const { seen } = await client(t);
    welcome(last());
    last().serverClose(code);
    assert.equal(seen.statuses.pop()[0], "stopped");
    t.mock.timers.tick(60000);
    await flush();
    assert.equal(FakeSocket.all.length, 1, "no reconnect");
  });
}

test("fetches a new token and reconnects after 4401 when the token is a function", async (t) => {
  let calls = 0;
  const { seen } = await client(t, { token: async () => "t" + (++calls) });
  welcome(last());
  last().serverClose(4401);
  assert.equal(seen.statuses.pop()[0], "waiting");
  t.mock.timers.tick(30000);
  await flush();
  welcome(last());
  assert.equal(last().sent[0].token, "t2", "a fresh token for the new connection");
});

test("resumes its user stream from the last notice handed on and drops a copy by its offset", async (t) => {
  const { seen } = await client(t);
  welcome(last(), { epoch: "E", offset: 4 });
  last().frame({ type: "notice", id: "a", event: "x", offset: 5, epoch: "E" });
  last().frame([{ type: "notice", id: "b", event: "x", offset: 6, epoch: "E" },
    { type: "notice", id: "b", event: "x", offset: 6, epoch: "E" }]);
  assert.deepEqual(seen.notices.map((n) => n.id), ["a", "b"], "the copy is dropped");
  last().serverClose(1006);
  t.mock.timers.tick(30000);
  await flush();
  last().open();
  assert.deepEqual(last().sent[0], { type: "auth", token: "tok", since: { epoch: "E", offset: 6 } });
  last().frame({ type: "welcome", session: "s2", user: "alice", epoch: "E", offset: 7, recovered: true });
  last().frame({ type: "notice", id: "b", event: "x", offset: 6, epoch: "E" });
  last().frame({ type: "notice", id: "c", event: "x", offset: 7, epoch: "E" });
  assert.deepEqual(seen.notices.map((n) => n.id), ["a", "b", "c"], "the replay goes on from the position, once");
  assert.deepEqual(seen.gaps, []);
});

test("calls onGap when the server cannot replay what was missed, and goes on from its position", async (t) => {
  const { seen } = await client(t);
  welcome(last(), { epoch: "E", offset: 3 });
  last().serverClose(4409);
  t.mock.timers.tick(30000);
  await flush();
  last().open();
  last().frame({ type: "welcome", session: "s2", user: "alice", epoch: "F", offset: 10, recovered: false });
  assert.deepEqual(seen.gaps, [["user", { epoch: "F", offset: 10, had: { epoch: "E", offset: 3 } }]]);
  last().frame({ type: "notice", id: "n", event: "x", offset: 11, epoch: "F" });
  assert.equal(seen.notices.length, 1);
});

test("subscribes its channels again after a reconnect, each from its own position", async (t) => {
  const { c } = await client(t);
  const room = [];
  c.subscribe("room:a", { onNotice: (n) => room.push(n.id) });
  welcome(last());
  const sub = last().sent.find((f) => f.type === "subscribe");
  assert.equal(sub.channel, "room:a");
  last().frame({ type: "subscribed", channel: "room:a", ref: sub.ref, epoch: "C", offset: 2 });
  last().frame({ type: "notice", id: "r3", event: "x", channel: "room:a", offset: 3, epoch: "C" });
  last().serverClose(1006);
  t.mock.timers.tick(30000);
  await flush();
  welcome(last());
  const again = last().sent.find((f) => f.type === "subscribe");
  assert.deepEqual(again.since, { epoch: "C", offset: 3 });
  c.unsubscribe("room:a");
  assert.deepEqual(last().sent.pop(), { type: "unsubscribe", channel: "room:a" });
  last().serverClose(1006);
  t.mock.timers.tick(30000);
  await flush();
  welcome(last());
  assert.equal(last().sent.filter((f) => f.type === "subscribe").length, 0, "an unsubscribed channel stays so");
  assert.deepEqual(room, ["r3"]);
});

test("publish resolves to the notice id and rejects as disconnected when the connection closes first", async (t) => {
  const { c } = await client(t);
  welcome(last());
  const sent = c.publish("room:a", "chat", { text: "hi" });
  const frame = last().sent.pop();
  assert.equal(frame.type, "publish");
  last().frame({ type: "published", channel: "room:a", id: "n-1", ref: frame.ref });
  assert.equal(await sent, "n-1");
  const lost = c.publish("room:a", "chat", null);
  last().serverClose(1006);
  await assert.rejects(lost, (e) => e.code === "disconnected");
  await assert.rejects(c.publish("room:a", "chat", null), (e) => e.code === "disconnected");
});

test("ignores a welcome that is not the connection's first frame", async (t) => {
  const { c, seen } = await client(t);
  welcome(last());
  t.mock.method(console, "warn", () => {});
  last().frame({ type: "welcome", session: "forged", user: "mallory", epoch: "X", offset: 99 });
  assert.equal(c.sessionId, "s1");
  assert.equal(seen.statuses.filter(([s]) => s === "open").length, 1);
});

test("pings at its interval and closes a connection whose pong does not come in time", async (t) => {
  await client(t, { pingInterval: 1000, pongTimeout: 500 });
  const socket = last();
  welcome(socket);
  t.mock.timers.tick(1000);
  assert.deepEqual(socket.sent.pop(), { type: "ping" });
  socket.frame({ type: "pong" });
  t.mock.timers.tick(1000);
  assert.deepEqual(socket.sent.pop(), { type: "ping" });
  t.mock.timers.tick(500);
  assert.equal(socket.readyState, 3, "no pong: closed, to reconnect");
});
