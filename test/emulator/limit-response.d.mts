import type { ServerResponse } from 'node:http';

export type LimitAction = 'reset' | 'end' | 'stall';

/** Cuts the response after `afterBytes` body bytes: a reset, a short clean end, or a stall then a drop after `ms`. */
export declare function limitResponseAs(res: ServerResponse, afterBytes: number, action: LimitAction, ms: number): void;
