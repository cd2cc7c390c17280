// socket.io 4 + Redis adapter anchor server: Herald's benchmark target "socketio" (a copy of
// ../shared/anchors/socketio/server.mjs with rooms added for scenario C, the way socket.io applications add them).
// Usage: node server.mjs [port]   (env: PORT, HOST=127.0.0.1, REDIS_URL=redis://127.0.0.1:6390)
//
// - On connection: reads handshake.auth.user (or query.user) and joins room "user:<id>".
// - POST /api/notices  body: JSON array of {"to":{"user":"u17"}|{"all":true},"event":"notice","data":{...}}
//     -> io.to("user:"+id).emit(event, data)  or  io.emit(event, data)
// - Rooms: a client event ["join", "<room>"] joins room "room:<room>"; {"to":{"room":"<room>"}} in the body
//     -> io.to("room:"+room).emit(event, data). /api/stats counts the joins.
// - GET  /api/stats    -> {clients, rss, heapUsed, elDelayExcessMs:{p50,p99,max}}  (?reset=1 resets the loop-delay histogram; ?gc=1 runs a full GC first when started with --expose-gc)
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const port = Number(process.argv[2] || process.env.PORT || 3001);
const host = process.env.HOST || '127.0.0.1';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6390';

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();

let noticesAccepted = 0;
let postsAccepted = 0;
let joins = 0;

function send(res, code, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// `io` is assigned below; the handler only runs after startup.
let io;

const httpServer = http.createServer((req, res) => {
  const url = req.url || '/';
  if (req.method === 'POST' && url.startsWith('/api/notices')) {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 16 * 1024 * 1024) { req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      let list;
      try {
        list = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return send(res, 400, { error: 'bad json' });
      }
      if (!Array.isArray(list)) list = [list];
      let n = 0;
      for (const nt of list) {
        if (!nt || typeof nt !== 'object') continue;
        const event = typeof nt.event === 'string' ? nt.event : 'notice';
        const to = nt.to || {};
        if (to.all === true) {
          io.emit(event, nt.data);
          n++;
        } else if (to.user != null) {
          io.to('user:' + to.user).emit(event, nt.data);
          n++;
        } else if (to.room != null) {
          io.to('room:' + to.room).emit(event, nt.data);
          n++;
        }
      }
      noticesAccepted += n;
      postsAccepted++;
      send(res, 200, { accepted: n });
    });
    return;
  }
  if (req.method === 'GET' && url.startsWith('/api/stats')) {
    if (url.includes('gc=1') && typeof globalThis.gc === 'function') globalThis.gc();
    const mu = process.memoryUsage();
    // the histogram records whole timer intervals; subtract the 10 ms resolution to get the excess delay
    const ms = (x) => Math.max(0, Math.round((x / 1e6 - 10) * 1000) / 1000);
    const out = {
      port,
      pid: process.pid,
      clients: io ? io.engine.clientsCount : 0,
      rss: mu.rss,
      heapUsed: mu.heapUsed,
      noticesAccepted,
      postsAccepted,
      joins,
      elDelayExcessMs: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max) },
    };
    if (url.includes('reset=1')) eld.reset();
    return send(res, 200, out);
  }
  send(res, 404, { error: 'not found' });
});

const pubClient = createClient({ url: redisUrl });
const subClient = pubClient.duplicate();
pubClient.on('error', (e) => console.error('[redis pub]', e.message));
subClient.on('error', (e) => console.error('[redis sub]', e.message));
await Promise.all([pubClient.connect(), subClient.connect()]);

io = new Server(httpServer, {
  adapter: createAdapter(pubClient, subClient),
  // defaults otherwise (websocket + polling allowed, perMessageDeflate off, pingInterval 25s)
});

io.on('connection', (socket) => {
  const user = (socket.handshake.auth && socket.handshake.auth.user) || socket.handshake.query.user;
  if (user != null && user !== '') socket.join('user:' + user);
  socket.on('join', (room) => {
    if (typeof room === 'string' && room !== '') {
      socket.join('room:' + room);
      joins++;
    }
  });
});

httpServer.listen(port, host, () => {
  console.log(`listening ${host}:${port} pid=${process.pid} redis=${redisUrl}`);
});

const shutdown = () => {
  io.close();
  Promise.allSettled([pubClient.quit(), subClient.quit()]).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
