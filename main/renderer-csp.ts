// The Content-Security-Policy of the operator console, one policy for both ways it is served:
// the desktop app's app:// protocol and the web host. Scripts only from the app itself; no
// frames, plugins, form posts or foreign connections.

export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
