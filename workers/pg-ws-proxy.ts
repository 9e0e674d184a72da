/**
 * A minimal WebSocket-to-TCP proxy in the shape Neon's serverless driver expects
 * (`ws://host:port/v1?address=pghost:pgport`), so edge code uses one Postgres driver everywhere.
 * It dials loopback addresses only: it is a development and test tool, never a production hop.
 */
import net from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface PgWsProxy {
  port: number;
  /** Drops every open connection and refuses new ones until `resume()`: a Postgres outage. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startPgWsProxy(port = 0): Promise<PgWsProxy> {
  const wss = new WebSocketServer({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  let paused = false;
  const open = new Set<{ ws: WebSocket; socket: net.Socket }>();

  wss.on("connection", (ws, req) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const address = url.searchParams.get("address") ?? "";
    const sep = address.lastIndexOf(":");
    const host = address.slice(0, sep);
    const pgPort = Number(address.slice(sep + 1));
    if (paused || !LOOPBACK.has(host) || !Number.isInteger(pgPort)) {
      ws.close(1011, paused ? "database unavailable" : "address not allowed");
      return;
    }
    const socket = net.connect({ host, port: pgPort });
    const pair = { ws, socket };
    open.add(pair);
    socket.setNoDelay(true);
    const pending: Buffer[] = [];
    let connected = false;
    socket.on("connect", () => {
      connected = true;
      for (const chunk of pending) socket.write(chunk);
      pending.length = 0;
    });
    ws.on("message", (data: Buffer) => (connected ? socket.write(data) : pending.push(data)));
    socket.on("data", (chunk) => ws.readyState === ws.OPEN && ws.send(chunk));
    const end = () => {
      open.delete(pair);
      socket.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
    };
    socket.on("close", end);
    socket.on("error", end);
    ws.on("close", end);
    ws.on("error", end);
  });

  const addr = wss.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  return {
    port: actualPort,
    pause() {
      paused = true;
      for (const { ws, socket } of open) {
        socket.destroy();
        ws.terminate();
      }
      open.clear();
    },
    resume() {
      paused = false;
    },
    close: () => new Promise<void>((resolve) => {
      for (const { ws, socket } of open) {
        socket.destroy();
        ws.terminate();
      }
      wss.close(() => resolve());
    }),
  };
}
