// A static host for a built site under a sub-path (as a project page is served), recording every
// request; its folder can be swapped for another build. For the offline tests.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

export interface StaticHost {
  url: string;
  requests: string[];
  /** Serve another build from now on. */
  serve(dir: string): void;
  close(): Promise<void>;
}

export async function staticHost(dir: string, prefix = '/sub/path/'): Promise<StaticHost> {
  let root = dir;
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (!path.startsWith(prefix)) return void res.writeHead(404).end('outside the site');
    let rel = normalize(path.slice(prefix.length));
    if (rel === '.' || rel === '') rel = 'index.html';
    if (rel.startsWith('..')) return void res.writeHead(403).end();
    try {
      const body = await readFile(join(root, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, 'localhost', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}${prefix}`,
    requests,
    serve: (d) => void (root = d),
    close: () => new Promise((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}
