// Identifier rules of the service (roboflow-api.md 7.1), checked before any request is made.

export const BATCH_ID_MAX = 64;
export const JOB_ID_MAX = 20;
const ID_PATTERN = /^[a-z0-9_-]+$/;
export const WORKFLOW_ID_MAX = 256;
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9_./-]+$/;

/** Returns a readable reason when the id breaks the rules, or null when it is valid. */
export function batchIdProblem(id: string): string | null {
  return idProblem('Batch id', id, BATCH_ID_MAX);
}

export function jobIdProblem(id: string): string | null {
  return idProblem('Job id', id, JOB_ID_MAX);
}

/** Why main would refuse a (non-empty) workflow id, in the operator's words; null when it is fine. */
export function workflowIdProblem(id: string): string | null {
  if (/\s/.test(id)) return 'A workflow id has no spaces; copy it from the Workflow’s page.';
  if (!WORKFLOW_ID_PATTERN.test(id)) return 'A workflow id may contain only letters, digits, ".", "/", "-" and "_".';
  if (id.length > WORKFLOW_ID_MAX) return `A workflow id is at most ${WORKFLOW_ID_MAX} characters long.`;
  return null;
}

function idProblem(label: string, id: string, max: number): string | null {
  if (id.length === 0) return `${label} is empty.`;
  if (id.length > max) return `${label} is ${id.length} characters long; at most ${max} are allowed.`;
  if (!ID_PATTERN.test(id)) return `${label} may contain only lower-case letters, digits, "-" and "_".`;
  return null;
}

// Web Crypto is global in Node 20 and in browsers; shared/ is compiled without DOM or Node types.
function webCrypto(): { getRandomValues(array: Uint8Array): Uint8Array } {
  return (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random lower-case alphanumerics from the platform's CSPRNG (Web Crypto exists in Node 20 and browsers). */
export function randomSuffix(length: number): string {
  const bytes = new Uint8Array(length);
  webCrypto().getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** A job id as the official client makes them: `job-` + 12 random characters (16 in all). */
export function newJobId(): string {
  return `job-${randomSuffix(12)}`;
}

/** A readable id fragment from any label: accents dropped, lower case, runs of other characters as "-". */
export function idSlug(label: string, maxLength: number): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength);
}

/** Turns any label (a folder name, say) into a valid batch id, keeping it readable. */
export function batchIdFromLabel(label: string, suffix = randomSuffix(6)): string {
  const base = idSlug(label, BATCH_ID_MAX - suffix.length - 1);
  return `${base || 'batch'}-${suffix}`;
}
