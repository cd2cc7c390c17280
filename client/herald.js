/*
 * Herald browser client, dependency-free. A classic script (defines window.HeraldClient; served at /herald/herald.js),
 * an ES module through herald.mjs (import { HeraldClient } from "/herald/herald.mjs"), and CommonJS; types in
 * herald.d.ts. Connects to /herald/ws, reconnects with exponential backoff and jitter, checks the
 * connection with its own pings, and hands each notice to your callback.
 *
 *   const herald = new HeraldClient({
 *     url: "wss://example.com/herald/ws",          // default: this page's origin + /herald/ws
 *     token: async () => (await fetch("/my/token")).text(),  // a string, or a function returning one
 *     onNotice: (notice) => console.log(notice.event, notice.data),
 *     onStatus: (status, detail) => console.log(status, detail),  // connecting, open, closed, stopped
 *   });
 *   herald.connect();
 *
 * Channels (each subscription is restored after every reconnect):
 *
 *   const lobby = herald.subscribe("room:lobby", {
 *     onNotice: (notice) => show(notice.from, notice.data),   // the channel's notices (default: options.onNotice)
 *     onJoin: (user) => ..., onLeave: (user) => ...,          // where the channel announces them
 *     onSubscribed: () => ...,                                // after each (re)subscription
 *     onError: (error) => ...,                                // {code: "forbidden" | "bad_channel" | ..., message}
 *   });
 *   await herald.publish("room:lobby", "chat.message", { text: "hi" });   // resolves to the notice id
 *   await herald.presence("room:lobby");   // {users, userCount, sessions, next}
 *   herald.unsubscribe("room:lobby");      // or lobby.unsubscribe()
 *
 * publish and presence reject with {code, message} when refused, or with code "disconnected" when the connection
 * is not open or closes before the answer.
 *
 * No notice lost: the client keeps its place in each stream (its user's, each channel's: the epoch and offset of
 * the last notice it handed on), in sessionStorage so that a page reload keeps it too, and resumes from it after
 * every reconnect, to any node. The server replays what was missed, in order; a notice already handed on is
 * dropped by its offset. When the server cannot replay it all (the history is older than its retention, or was
 * lost), options.onGap(stream, detail) is called (stream: "user" or the channel's name) and the client goes on
 * from the server's current position. Options: storage (default sessionStorage; null keeps positions in memory
 * only), storageKey (default "herald.positions").
 *
 * A notice with a binary payload carries it base64-encoded in "data_b64"; herald.js hands it to onNotice as
 * notice.bytes, a Uint8Array.
 *
 * Inbox: with inbox: true, a connection that holds no position of its user's stream (a first login on this
 * device) is replayed the user's unread notices; the "open" status's detail carries "unread", their count.
 * herald.ack(offset) marks the user's notices read up to offset (pass a notice's offset when the application
 * has shown it), for every device; it resolves to the read cursor then.
 *
 * The token is sent as the first frame, {"type":"auth","token":...}; with no token (the page's own login
 * session authenticates the upgrade request instead) nothing is sent.
 *
 * Close codes that stop reconnecting: 4403 (origin not allowed), and 4401 (token refused) when the token
 * is a fixed string; with a token function, 4401 reconnects with a freshly fetched token. Any other close
 * (network, 1013 try later, 4429 too slow, 4408 idle, 4430 too many sessions of the user, 1001 server restart)
 * reconnects after a backoff.
 */
(function (global) {
  "use strict";

  const STOP_CODES = new Set([4403]);

  class HeraldClient {
    constructor(options) {
      this.options = Object.assign({
        url: defaultUrl(),
        minDelay: 500,
        maxDelay: 30000,
        pingInterval: 25000,
        pongTimeout: 10000,
        onNotice: () => {},
        onStatus: () => {},
        onGap: () => {},
        storage: defaultStorage(),
        storageKey: "herald.positions",
      }, options);
      this.positions = this.loadPositions(); // {user: {epoch, offset}, channels: {name: {epoch, offset}}}
      this.attempt = 0;
      this.stopped = false;
      this.socket = null;
      this.sessionId = null;
      this.channels = new Map(); // channel -> its handlers, kept across reconnects
      this.pending = new Map();  // ref -> {resolve, reject} of a publish or presence waiting for its answer
      this.subscribing = new Map(); // ref -> channel of a subscribe waiting for its answer
      this.refs = 0;
    }

    subscribe(channel, handlers) {
      this.channels.set(channel, Object.assign({}, handlers));
      this.sendSubscribe(channel);
      return { channel: channel, unsubscribe: () => this.unsubscribe(channel) };
    }

    unsubscribe(channel) {
      delete this.positions.channels[channel];
      this.savePositions();
      if (this.channels.delete(channel)) {
        this.sendIfOpen({ type: "unsubscribe", channel: channel });
      }
    }

    publish(channel, event, data) {
      return this.ask({ type: "publish", channel: channel, event: event, data: data === undefined ? null : data })
          .then((answer) => answer.id);
    }

    ack(offset) {
      const frame = { type: "ack", offset: offset };
      if (this.positions.user) {
        frame.epoch = this.positions.user.epoch;
      }
      return this.ask(frame).then((answer) => answer.offset);
    }

    presence(channel, after) {
      const frame = { type: "presence", channel: channel };
      if (after) {
        frame.after = after;
      }
      return this.ask(frame).then((answer) => ({ users: answer.users, userCount: answer.userCount,
          sessions: answer.sessions, next: answer.next }));
    }

    // Sends a frame with a ref of its own; the answer that carries it back settles the promise.
    ask(frame) {
      return new Promise((resolve, reject) => {
        if (!this.isOpen()) {
          reject({ code: "disconnected", message: "not connected" });
          return;
        }
        const ref = "r" + (++this.refs);
        this.pending.set(ref, { resolve: resolve, reject: reject });
        frame.ref = ref;
        this.socket.send(JSON.stringify(frame));
      });
    }

    isOpen() {
      return this.socket !== null && this.socket.readyState === WebSocket.OPEN && this.sessionId !== null;
    }

    // A subscribe's ref names its channel, so that a refusal of it is told apart from one of a publish.
    sendSubscribe(channel) {
      if (this.isOpen()) {
        const ref = "s" + (++this.refs);
        this.subscribing.set(ref, channel);
        const frame = { type: "subscribe", channel: channel, ref: ref };
        const since = this.positions.channels[channel];
        if (since) {
          frame.since = { epoch: since.epoch, offset: since.offset };
        }
        this.socket.send(JSON.stringify(frame));
      }
    }

    loadPositions() {
      try {
        const saved = this.options.storage && JSON.parse(this.options.storage.getItem(this.options.storageKey));
        if (saved && typeof saved === "object" && saved.channels && typeof saved.channels === "object") {
          return saved;
        }
      } catch (e) {
        // unreadable: start without positions
      }
      return { owner: null, user: null, channels: {} };
    }

    savePositions() {
      if (!this.options.storage) {
        return;
      }
      try {
        this.options.storage.setItem(this.options.storageKey, JSON.stringify(this.positions));
      } catch (e) {
        // storage full or refused: positions stay in memory
      }
    }

    // The answer to a resume (welcome, subscribed): where the stream stands, and whether what was missed follows.
    placed(stream, frame, held) {
      if (typeof frame.epoch !== "string" || typeof frame.offset !== "number") {
        return held; // the server keeps no history of this stream
      }
      if (frame.recovered === true && held && held.epoch === frame.epoch) {
        return held; // the replay follows: each notice moves the position on
      }
      if (typeof frame.unread === "number" && frame.recovered === undefined) {
        // An inbox: the unread notices follow, the newest of them up to the stream's end.
        return { epoch: frame.epoch, offset: Math.max(0, frame.offset - frame.unread) };
      }
      if (frame.recovered === false && held) {
        const detail = { epoch: frame.epoch, offset: frame.offset, had: held };
        this.call((s) => this.options.onGap(s, detail), stream, "onGap");
      }
      return { epoch: frame.epoch, offset: frame.offset };
    }

    // Whether a kept notice is new to this client, moving its stream's position on if so; others always are.
    // An urgent notice may come ahead of earlier ones: it is remembered in the position's "ahead" list, and the
    // offset moves on only with the others, so that the earlier ones are not taken for copies.
    fresh(f) {
      if (typeof f.offset !== "number" || typeof f.epoch !== "string") {
        return true;
      }
      const held = f.channel === undefined ? this.positions.user : this.positions.channels[f.channel];
      const same = held && held.epoch === f.epoch;
      if (same && (f.offset <= held.offset || (held.ahead || []).indexOf(f.offset) >= 0)) {
        return false;
      }
      let now;
      if (f.urgent === true && same) {
        now = { epoch: held.epoch, offset: held.offset, ahead: (held.ahead || []).concat([f.offset]).slice(-100) };
      } else {
        const ahead = same ? (held.ahead || []).filter((o) => o > f.offset) : [];
        now = ahead.length ? { epoch: f.epoch, offset: f.offset, ahead: ahead } : { epoch: f.epoch, offset: f.offset };
      }
      if (f.channel === undefined) {
        this.positions.user = now;
      } else if (this.channels.has(f.channel)) {
        this.positions.channels[f.channel] = now;
      }
      this.dirty = true;
      return true;
    }

    sendIfOpen(frame) {
      if (this.isOpen()) {
        this.socket.send(JSON.stringify(frame));
      }
    }

    failPending(why) {
      const waiting = Array.from(this.pending.values());
      this.pending.clear();
      waiting.forEach((p) => p.reject({ code: "disconnected", message: why }));
    }

    channelHandler(channel, name) {
      const handlers = channel === undefined ? undefined : this.channels.get(channel);
      return handlers && handlers[name];
    }

    call(fn, arg, what) {
      if (!fn) {
        return;
      }
      try {
        fn(arg);
      } catch (e) {
        console.error("Herald: " + what + " failed", e);
      }
    }

    connect() {
      this.stopped = false;
      this.open();
    }

    close() {
      this.stopped = true;
      clearTimeout(this.retryTimer);
      this.stopPings();
      if (this.socket) {
        this.socket.close(1000, "bye");
      }
      this.options.onStatus("stopped");
    }

    async open() {
      this.options.onStatus("connecting", { attempt: this.attempt });
      let token;
      try {
        token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
      } catch (e) {
        this.scheduleRetry("token fetch failed: " + e);
        return;
      }
      if (this.stopped) {
        return;
      }
      // The token goes in the first frame, not in the URL, where proxies' and servers' access logs would keep it.
      // Without one (the upgrade request is authenticated), the position to resume from goes in the URL.
      const since = this.positions.user;
      let url = this.options.url;
      if (!token && since) {
        url += (url.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(since.epoch + ":" + since.offset);
      } else if (!token && this.options.inbox) {
        url += (url.indexOf("?") < 0 ? "?" : "&") + "inbox=true";
      }
      const socket = new WebSocket(url);
      this.socket = socket;
      socket.onopen = () => {
        if (token) {
          const auth = { type: "auth", token: token };
          if (since) {
            auth.since = { epoch: since.epoch, offset: since.offset };
          } else if (this.options.inbox) {
            auth.inbox = true;
          }
          socket.send(JSON.stringify(auth));
        }
        this.startPings(socket);
      };
      let first = true;
      socket.onmessage = (event) => {
        this.receive(event.data, first);
        first = false;
      };
      socket.onclose = (event) => {
        this.stopPings();
        if (this.socket !== socket) {
          return;
        }
        this.socket = null;
        this.sessionId = null;
        this.failPending("closed " + event.code);
        this.subscribing.clear();
        this.options.onStatus("closed", { code: event.code, reason: event.reason });
        if (this.stopped) {
          return;
        }
        if (STOP_CODES.has(event.code) || (event.code === 4401 && typeof this.options.token !== "function")) {
          this.options.onStatus("stopped", { code: event.code, reason: event.reason });
          return;
        }
        this.scheduleRetry(event.reason || "closed " + event.code);
      };
    }

    // A connection's welcome is its first frame; a "welcome" anywhere else is not the server's and is ignored.
    receive(text, first) {
      let frame;
      try {
        frame = JSON.parse(text);
      } catch (e) {
        console.warn("Herald: unreadable frame", e);
        return;
      }
      const frames = Array.isArray(frame) ? frame : [frame];
      this.dirty = false;
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i];
        if (f === null || typeof f !== "object") {
          continue;
        }
        switch (f.type) {
          case "notice":
            if (typeof f.data_b64 === "string") {
              f.bytes = decodeBase64(f.data_b64);
            }
            if (this.fresh(f)) {
              this.call(this.channelHandler(f.channel, "onNotice") || this.options.onNotice, f, "onNotice");
            }
            break;
          case "subscribed":
            this.subscribing.delete(f.ref);
            if (this.channels.has(f.channel)) {
              this.positions.channels[f.channel] = this.placed(f.channel, f, this.positions.channels[f.channel]);
              this.dirty = true;
            }
            this.call(this.channelHandler(f.channel, "onSubscribed"), f.channel, "onSubscribed");
            break;
          case "join":
            this.call(this.channelHandler(f.channel, "onJoin"), f.user, "onJoin");
            break;
          case "leave":
            this.call(this.channelHandler(f.channel, "onLeave"), f.user, "onLeave");
            break;
          case "published":
          case "presence":
          case "acked":
            if (this.pending.has(f.ref)) {
              const p = this.pending.get(f.ref);
              this.pending.delete(f.ref);
              p.resolve(f);
            }
            break;
          case "welcome":
            if (!first || i !== 0) {
              console.warn("Herald: ignored a welcome that is not the connection's first frame");
              break;
            }
            this.sessionId = f.session;
            this.attempt = 0;
            if (this.positions.owner !== f.user) {
              this.positions = { owner: f.user, user: null, channels: {} }; // another user's places are not ours
            }
            this.positions.user = this.placed("user", f, this.positions.user);
            this.dirty = true;
            this.options.onStatus("open", f);
            this.channels.forEach((handlers, channel) => this.sendSubscribe(channel));
            break;
          case "pong":
            clearTimeout(this.pongTimer);
            break;
          case "error":
            if (this.pending.has(f.ref)) {
              const p = this.pending.get(f.ref);
              this.pending.delete(f.ref);
              p.reject({ code: f.code, message: f.message });
            } else if (this.subscribing.has(f.ref)) {
              // Refused for good (forbidden, bad_channel, limit): not asked again at the next reconnect;
              // "unavailable" (Redis down) is.
              const channel = this.subscribing.get(f.ref);
              this.subscribing.delete(f.ref);
              const handlers = this.channels.get(channel);
              if (f.code !== "unavailable") {
                this.channels.delete(channel);
              }
              this.call(handlers && handlers.onError, { code: f.code, message: f.message }, "onError");
            } else if (this.channelHandler(f.channel, "onError")) {
              this.call(this.channelHandler(f.channel, "onError"), { code: f.code, message: f.message }, "onError");
            } else {
              console.warn("Herald: server says", f.code, f.channel || "", f.message);
            }
            break;
          default:
            break;
        }
      }
      if (this.dirty) {
        this.savePositions();
      }
    }

    startPings(socket) {
      this.stopPings();
      this.pingTimer = setInterval(() => {
        if (socket.readyState !== WebSocket.OPEN) {
          return;
        }
        socket.send('{"type":"ping"}');
        clearTimeout(this.pongTimer);
        this.pongTimer = setTimeout(() => socket.close(4000, "no pong"), this.options.pongTimeout);
      }, this.options.pingInterval);
    }

    stopPings() {
      clearInterval(this.pingTimer);
      clearTimeout(this.pongTimer);
    }

    scheduleRetry(why) {
      const ceiling = Math.min(this.options.maxDelay, this.options.minDelay * Math.pow(2, this.attempt));
      const delay = ceiling / 2 + Math.random() * ceiling / 2;
      this.attempt++;
      this.options.onStatus("waiting", { delay: Math.round(delay), why: why });
      this.retryTimer = setTimeout(() => this.open(), delay);
    }
  }

  // A notice's binary payload ("data_b64") as the bytes it stands for.
  function decodeBase64(text) {
    try {
      const chars = atob(text);
      const bytes = new Uint8Array(chars.length);
      for (let i = 0; i < chars.length; i++) {
        bytes[i] = chars.charCodeAt(i);
      }
      return bytes;
    } catch (e) {
      return null;
    }
  }

  function defaultStorage() {
    try {
      return typeof sessionStorage !== "undefined" ? sessionStorage : null;
    } catch (e) {
      return null; // storage refused (a sandboxed frame)
    }
  }

  function defaultUrl() {
    if (typeof location === "undefined") {
      return "ws://localhost:8080/herald/ws";
    }
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/herald/ws";
  }

  global.HeraldClient = HeraldClient;
  if (typeof module === "object" && module && module.exports) {
    module.exports = { HeraldClient }; // CommonJS (node's test runner, bundlers)
  }
})(typeof window !== "undefined" ? window : globalThis);
