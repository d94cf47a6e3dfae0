// Every failure that leaves the host becomes an AppError: a stable code and one plain sentence with
// the next step. Never a stack trace, never the key (everything passes through `redact`).

import type { AppError, ErrorCode } from '../../shared/result';
import { toAppError } from '../engine/pipeline/engine';
import { ApiError } from '../engine/roboflow/http';
import { redact } from '../engine/secrets';
import { KeychainUnavailableError } from '../engine/keychain/os-keychain';
import { ValidationError } from './checks';

/** A failure raised by a handler on purpose, with the operator's sentence. */
export class HostError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'The service refused the key (401). Check it in Settings › Profiles.',
  'no-profile': 'No API key is set up yet. Add one in Settings › Profiles.',
};

export function toHostError(err: unknown): AppError {
  let out: AppError;
  if (err instanceof HostError) out = { code: err.code, message: err.message, detail: err.detail };
  else if (err instanceof ValidationError) out = { code: 'invalid-argument', message: err.message };
  else if (err instanceof KeychainUnavailableError) out = { code: 'keychain-unavailable', message: err.message, detail: err.detail };
  else if (err instanceof ApiError) {
    out = { code: err.code, message: err.message, detail: err.body, retryable: err.retryable };
    // The engine's own wording for a refused key names the operation; the operator needs the fix.
    if (err.code === 'unauthorized' && err.operation !== 'check key') out = { ...out, message: NEXT_STEP.unauthorized!, detail: err.message };
  } else {
    out = toAppError(err);
    if (out.code === 'internal') out = { code: 'internal', message: `Something went wrong: ${out.message}`, detail: undefined };
  }
  return {
    code: out.code,
    message: redact(out.message),
    ...(out.detail ? { detail: redact(out.detail).slice(0, 2000) } : {}),
    ...(out.retryable !== undefined ? { retryable: out.retryable } : {}),
  };
}
