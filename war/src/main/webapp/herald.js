/*
 * Herald browser client. Connects to /herald/ws, reconnects with exponential backoff and jitter, checks the
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
 * The token is sent as the first frame, {"type":"auth","token":...}; with no token (the page's own login
 * session authenticates the upgrade request instead) nothing is sent.
 *
 * Close codes that stop reconnecting: 4403 (origin not allowed), and 4401 (token refused) when the token
 * is a fixed string; with a token function, 4401 reconnects with a freshly fetched token. Any other close
 * (network, 1013 try later, 4429 too slow, 4408 idle, 1001 server restart) reconnects after a backoff.
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
      }, options);
      this.attempt = 0;
      this.stopped = false;
      this.socket = null;
      this.sessionId = null;
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
      const socket = new WebSocket(this.options.url);
      this.socket = socket;
      socket.onopen = () => {
        if (token) {
          socket.send(JSON.stringify({ type: "auth", token: token }));
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
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i];
        if (f === null || typeof f !== "object") {
          continue;
        }
        switch (f.type) {
          case "notice":
            try {
              this.options.onNotice(f);
            } catch (e) {
              console.error("Herald: onNotice failed", e);
            }
            break;
          case "welcome":
            if (!first || i !== 0) {
              console.warn("Herald: ignored a welcome that is not the connection's first frame");
              break;
            }
            this.sessionId = f.session;
            this.attempt = 0;
            this.options.onStatus("open", f);
            break;
          case "pong":
            clearTimeout(this.pongTimer);
            break;
          case "error":
            console.warn("Herald: server says", f.code, f.message);
            break;
          default:
            break;
        }
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

  function defaultUrl() {
    if (typeof location === "undefined") {
      return "ws://localhost:8080/herald/ws";
    }
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/herald/ws";
  }

  global.HeraldClient = HeraldClient;
})(typeof window !== "undefined" ? window : globalThis);
