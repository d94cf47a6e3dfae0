// The renderer's cage: the app:// protocol serving dist/renderer with a strict CSP, no navigation,
// no new windows, no permissions but clipboard writes, no webviews.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol, shell, type Session, type WebContents } from 'electron';
import { RENDERER_CSP } from '../renderer-csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'batch-desk';
export const APP_ORIGIN_URL = `${APP_SCHEME}://${APP_HOST}/`;

/**
 * Must run before `app` is ready. `codeCache`: V8 keeps the renderer bundle's compiled code between
 * launches (by default only http(s) scripts get a code cache), so a launch after the first does not
 * compile React and the console again while the first screen renders.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves dist/renderer at app://batch-desk/, never a file outside it. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const full = path.resolve(rendererDir, rel);
    const inside = path.relative(rendererDir, full);
    if (inside.startsWith('..') || path.isAbsolute(inside)) return new Response('Not found', { status: 404 });
    const target = path.extname(rel) ? full : path.join(rendererDir, 'index.html');
    const res = await net.fetch(pathToFileURL(target).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', RENDERER_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

/** Is this URL our renderer (app:// in production, the dev server when one is configured)? */
export function isRendererUrl(raw: string, devServerUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  // Custom schemes have an opaque origin in the URL API: compare protocol and host, never prefixes.
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  if (devServerUrl) {
    try {
      return u.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/** No navigation, no window.open, no webviews. Links to http(s) open in the browser. */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The only way out to the browser: http(s) URLs, parsed, nothing else. */
export function openExternalSafely(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  void shell.openExternal(u.toString());
  return true;
}

/**
 * The one permission Batch Desk uses: `navigator.clipboard.writeText` (the Copy buttons) needs
 * `clipboard-sanitized-write`. Writing only: reading the clipboard stays denied.
 */
const ALLOWED_PERMISSION = 'clipboard-sanitized-write';

/**
 * Every permission denied (no camera, microphone, location, notifications-from-web…) except
 * clipboard writes from our own renderer's main frame. Both handlers answer alike: Chromium
 * consults the check handler for the async clipboard API, not only the request handler.
 */
export function restrictPermissions(session: Session, devServerUrl?: string): void {
  const allowed = (permission: string, url: string, isMainFrame: boolean) =>
    permission === ALLOWED_PERMISSION && isMainFrame && isRendererUrl(url, devServerUrl);
  session.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(allowed(permission, details.requestingUrl, details.isMainFrame)),
  );
  // `requestingOrigin` is the requesting frame's origin (e.g. `app://batch-desk/`).
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    allowed(permission, requestingOrigin, details.isMainFrame),
  );
}
