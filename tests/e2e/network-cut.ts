import net from "node:net";

/**
 * A TCP relay in front of the Worker whose link can be cut, for pages that must be proved to work
 * with no network. Playwright's `setOffline` does not reach requests a service worker lets through
 * to the network (Chromium's emulation stops at the controlled page), so a page served by its
 * service worker would still talk to the Worker; a cut relay fails every request, whoever sends it.
 */
export interface CuttableLink {
  /** The origin pages open instead of the Worker's. */
  url: string;
  /** Drops open connections and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function cuttableLink(target: string): Promise<CuttableLink> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  let up = true;
  const track = (s: net.Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); };
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(Number(to.port), to.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the relay has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() { up = true; },
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
