// A fault's limit on a response: the body is cut after a number of bytes (reset, truncate, stall).
// Plain JavaScript, so the API server (server.ts) and the storage thread (storage-worker.mjs) share
// it; types in limit-response.d.mts.

/** Wraps res so that only `limit` body bytes go out, then `onLimit` runs (at least one byte is always withheld). */
function limitResponse(res, limit, onLimit) {
  let sent = 0;
  let hit = false;
  const write = res.write.bind(res);
  const socket = res.socket;
  let declared = null;
  const writeHead = res.writeHead.bind(res);
  res.writeHead = (...a) => {
    for (const h of a) {
      if (typeof h !== 'object' || h === null || Array.isArray(h)) continue;
      for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === 'content-length') declared = Number(v);
    }
    return writeHead(...a);
  };
  const effective = () => {
    const cl = declared ?? Number(res.getHeader('content-length'));
    return Number.isFinite(cl) ? Math.min(limit, cl - 1) : limit;
  };
  const trigger = (part) => {
    hit = true;
    if (effective() < 0) {
      onLimit(socket);
      return;
    }
    if (!res.headersSent) res.flushHeaders();
    if (part.length > 0) write(part, () => onLimit(socket));
    else socket.write(Buffer.alloc(0), () => onLimit(socket));
  };
  const toBuf = (chunk, enc) => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, typeof enc === 'string' ? enc : 'utf8'));
  res.write = (chunk, enc) => {
    if (hit) return false;
    const buf = toBuf(chunk, enc);
    const lim = effective();
    if (sent + buf.length > lim) {
      const part = buf.subarray(0, Math.max(0, lim - sent));
      sent += part.length;
      trigger(part);
      return false;
    }
    sent += buf.length;
    return write(buf);
  };
  res.end = (chunk, enc) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') res.write(toBuf(chunk, enc));
    if (!hit) trigger(Buffer.alloc(0));
    return res;
  };
}

/**
 * Cuts the response after `afterBytes` body bytes as a fault says: `reset` (a TCP reset), `end` (a
 * clean end, short of Content-Length) or `stall` (nothing more, then the connection dropped after `ms`).
 */
export function limitResponseAs(res, afterBytes, action, ms) {
  if (action === 'reset') limitResponse(res, afterBytes, (s) => s.resetAndDestroy());
  else if (action === 'end') limitResponse(res, afterBytes, (s) => s.end());
  else limitResponse(res, afterBytes, (s) => setTimeout(() => s.destroy(), ms));
}
