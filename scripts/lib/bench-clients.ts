// The clients of `npm run bench`'s viewers section, each run as its own process so that their CPU is not the
// daemon's: `viewers URL TOKEN RUN_ID N` holds N subscribed sockets, `flood URL TOKEN` floods. Each prints
// {"ready":…} once connected, then one JSON line of counters per line it reads on stdin.
import { createInterface } from "node:readline";
import { WebSocket } from "ws";
import { PROTOCOL_VERSION } from "@orrery/protocol";

/** Hosts `n` viewer sockets subscribed to a run; prints {ready} once each has had metrics, then stats per stdin line. */
async function viewerHostChild(url: string, token: string, runId: string, n: number): Promise<void> {
  let frames = 0;
  let bytes = 0;
  let closed = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
      let live = false;
      ws.on("open", () => {
        ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, client: "bench-viewer" }));
        ws.send(JSON.stringify({ type: "subscribe", id: "s", runId }));
      });
      // Counted, not parsed: the viewers should cost their own process as little as possible.
      ws.on("message", (data: Buffer, isBinary) => {
        frames++;
        bytes += data.byteLength;
        if (!live && !isBinary && data.includes('"type":"metrics"')) {
          live = true;
          resolve();
        }
      });
      ws.on("error", reject);
      ws.on("close", () => void closed++);
    });
  const start = performance.now();
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, open));
  console.log(JSON.stringify({ ready: n, connectMs: performance.now() - start }));
  createInterface({ input: process.stdin }).on("line", () => console.log(JSON.stringify({ frames, bytes, closed })));
}

/** One client flooding the daemon with requests as fast as its socket drains; reconnects whenever it is closed. */
async function floodChild(url: string, token: string): Promise<void> {
  let sent = 0;
  let connections = 0;
  let refused = 0;
  createInterface({ input: process.stdin }).on("line", () => console.log(JSON.stringify({ sent, connections, refused })));
  console.log(JSON.stringify({ ready: 1 }));
  for (;;) {
    const ws = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
    ws.on("error", () => {});
    ws.on("unexpected-response", (req) => (refused++, req.destroy(), ws.emit("close")));
    await new Promise((r) => ws.once("open", r).once("close", r));
    if (ws.readyState !== WebSocket.OPEN) continue;
    connections++;
    ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, client: "bench-flooder" }));
    while (ws.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount < 1 << 20) for (let i = 0; i < 200; i++, sent++) ws.send(sent % 3 ? JSON.stringify({ type: "listRuns", id: `f${sent}` }) : "{junk");
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "viewers") await viewerHostChild(args[0]!, args[1]!, args[2]!, Number(args[3]));
else if (mode === "flood") await floodChild(args[0]!, args[1]!);
else throw new Error("usage: bench-clients.ts viewers URL TOKEN RUN_ID N | flood URL TOKEN");
