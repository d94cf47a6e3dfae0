import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Wraps res so that only `limit` body bytes go out, then `onLimit` runs (at least one byte is always withheld). */
export declare function limitResponse(res: ServerResponse, limit: number, onLimit: (socket: Socket) => void): void;
