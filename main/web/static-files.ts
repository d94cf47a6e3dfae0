// Serves the built renderer (dist/renderer) read-only, never outside its folder.

import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file under `root` for a URL path, or undefined when it escapes `root` or does not exist. */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = path.resolve(root, rel);
  const inside = path.relative(root, full);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  try {
    if (fs.statSync(full).isFile()) return full;
  } catch {
    // fall through
  }
  // Client-side routes (no extension) get the app shell.
  if (!path.extname(rel)) {
    const index = path.join(root, 'index.html');
    if (fs.existsSync(index)) return index;
  }
  return undefined;
}

export function sendFile(res: ServerResponse, file: string, head: boolean): void {
  const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const size = fs.statSync(file).size;
  res.writeHead(200, {
    'content-type': type,
    'content-length': size,
    'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
  });
  if (head) return void res.end();
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
