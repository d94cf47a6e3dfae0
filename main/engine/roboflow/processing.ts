// Batch Processing API (roboflow-api.md section 5). Responses are parsed tolerantly: unknown fields
// are ignored, missing optional ones get the defaults the official client uses.

import { ApiError, type RoboflowHttp } from './http';
import { arrayOf, asRecord, optionalString, optionalTimestamp, requiredString, tokenOf } from './parse';

export interface JobMetadata {
  jobId: string;
  name: string;
  jobDefinition: Record<string, unknown>;
  currentStage: string | null;
  plannedStages: string[];
  error: boolean;
  isTerminal: boolean;
  /** Object, string or null as the service sends it. */
  lastNotification: unknown;
  createdAt?: string;
  lastUpdate?: string;
  restartParametersOverride: Record<string, unknown>[];
}

export interface JobStage {
  processingStageId: string;
  processingStageName: string;
  tasksNumber: number;
  outputBatches: string[];
  startTimestamp?: string;
  notification: unknown;
  statusType: string;
  lastEventTimestamp?: string;
}

export interface JobTask {
  taskId: string;
  notification: unknown;
  statusType: string;
  /** 0..1, null when the task has not started. */
  progress: number | null;
  eventTimestamp?: string;
}

export interface JobLog {
  createdAt: string;
  processingStageId: string | null;
  taskId: string | null;
  severity: 'info' | 'warning' | 'error';
  reportingModule: string;
  logType: string;
  payload: Record<string, unknown>;
}

export interface JobPage<T> {
  items: T[];
  nextPageToken: string | null;
}

/** The restart body of 5.7; send only when at least one override is given. */
export type RestartBody = Record<string, unknown>;

export class ProcessingApi {
  constructor(
    readonly http: RoboflowHttp,
    readonly workspace: string,
  ) {}

  /** `/batch-processing/v1/external/{workspace}` + rest */
  path(rest: string): string {
    return `/batch-processing/v1/external/${encodeURIComponent(this.workspace)}${rest}`;
  }

  private jobPath(jobId: string, rest = ''): string {
    return this.path(`/jobs/${encodeURIComponent(jobId)}${rest}`);
  }

  /**
   * Creates (or, for the same id and body, idempotently re-creates) a job. A retry after a lost
   * answer re-sends the same id and body, so it can never start a second job.
   */
  async createJob(jobId: string, body: Record<string, unknown>, name?: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.json('start job', 'POST', this.jobPath(jobId), { query: { name: name || undefined }, body, signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        throw new ApiError(`A job with id ${jobId} already exists with different settings: choose another job id (--job-id), or leave it out for a new one.`, 'conflict', 'start job', 409, false, err.body);
      }
      throw err;
    }
  }

  async getJob(jobId: string, signal?: AbortSignal): Promise<JobMetadata> {
    const body = await this.http.json<Record<string, unknown>>('get job', 'GET', this.jobPath(jobId), { signal });
    return parseJob(body.job ?? body);
  }

  async listJobs(q: { pageSize?: number; nextPageToken?: string | null; signal?: AbortSignal } = {}): Promise<JobPage<JobMetadata>> {
    const body = await this.http.json<Record<string, unknown>>('list jobs', 'GET', this.path('/jobs'), {
      query: { pageSize: q.pageSize, nextPageToken: q.nextPageToken ?? undefined },
      signal: q.signal,
    });
    return { items: arrayOf(body.jobs).map(parseJob), nextPageToken: tokenOf(body.nextPageToken) };
  }

  async stages(jobId: string, signal?: AbortSignal): Promise<JobStage[]> {
    const body = await this.http.json<Record<string, unknown>>('list job stages', 'GET', this.jobPath(jobId, '/stages'), { signal });
    return arrayOf(body.stages).map(parseStage);
  }

  /** Every task of a stage, all pages. */
  async tasks(jobId: string, stageId: string, signal?: AbortSignal): Promise<JobTask[]> {
    const out: JobTask[] = [];
    let token: string | null = null;
    do {
      const body: Record<string, unknown> = await this.http.json<Record<string, unknown>>(
        'list stage tasks',
        'GET',
        this.jobPath(jobId, `/stages/${encodeURIComponent(stageId)}/tasks`),
        { query: { nextPageToken: token ?? undefined }, signal },
      );
      for (const t of arrayOf(body.tasks)) out.push(parseTask(t));
      token = tokenOf(body.nextPageToken);
    } while (token);
    return out;
  }

  async abort(jobId: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return asRecord(await this.http.json<unknown>('abort job', 'POST', this.jobPath(jobId, '/abort'), { signal }));
  }

  /**
   * Restart; `body` undefined sends no body at all (5.7). Sent once: a repeat after a lost answer
   * would run the job, paid, a second time, so the caller settles a lost answer (restart-job.ts).
   */
  async restart(jobId: string, body: RestartBody | undefined, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return asRecord(await this.http.json<unknown>('restart job', 'POST', this.jobPath(jobId, '/restart'), { body, signal, retry: false }));
  }

  /** Job logs, all pages, optionally of one severity. */
  async logs(jobId: string, opts: { severity?: 'info' | 'warning' | 'error'; limit?: number; signal?: AbortSignal } = {}): Promise<JobLog[]> {
    const out: JobLog[] = [];
    let token: string | null = null;
    do {
      const body: Record<string, unknown> = await this.http.json<Record<string, unknown>>('fetch job logs', 'GET', this.jobPath(jobId, '/logs'), {
        query: { severity: opts.severity, nextPageToken: token ?? undefined },
        signal: opts.signal,
      });
      for (const l of arrayOf(body.logs)) out.push(parseLog(l));
      token = tokenOf(body.nextPageToken);
    } while (token && (opts.limit === undefined || out.length < opts.limit));
    return opts.limit === undefined ? out : out.slice(0, opts.limit);
  }
}

// ---- reading the service's answers ----






function parseJob(v: unknown): JobMetadata {
  const j = asRecord(v);
  const jobId = requiredString(j.jobId, 'jobId');
  return {
    jobId,
    name: optionalString(j.name) ?? jobId,
    jobDefinition: asRecord(j.jobDefinition),
    currentStage: optionalString(j.currentStage) ?? null,
    plannedStages: arrayOf(j.plannedStages).filter((s): s is string => typeof s === 'string'),
    error: j.error === true,
    isTerminal: j.isTerminal === true,
    lastNotification: j.lastNotification ?? null,
    createdAt: optionalTimestamp(j.createdAt),
    lastUpdate: optionalTimestamp(j.lastUpdate),
    restartParametersOverride: arrayOf(j.restartParametersOverride).map(asRecord),
  };
}

function parseStage(v: unknown): JobStage {
  const s = asRecord(v);
  const tasksNumber = Number(s.tasksNumber);
  return {
    processingStageId: requiredString(s.processingStageId, 'processingStageId'),
    processingStageName: optionalString(s.processingStageName) ?? '',
    // The official client divides by it; never let a 0 through.
    tasksNumber: Number.isFinite(tasksNumber) && tasksNumber > 0 ? Math.floor(tasksNumber) : 1,
    outputBatches: arrayOf(s.outputBatches).filter((b): b is string => typeof b === 'string'),
    startTimestamp: optionalTimestamp(s.startTimestamp),
    notification: s.notification ?? null,
    statusType: optionalString(s.statusType) ?? 'info',
    lastEventTimestamp: optionalTimestamp(s.lastEventTimestamp),
  };
}

function parseTask(v: unknown): JobTask {
  const t = asRecord(v);
  const p = typeof t.progress === 'number' && Number.isFinite(t.progress) ? Math.min(1, Math.max(0, t.progress)) : null;
  return {
    taskId: requiredString(t.taskId, 'taskId'),
    notification: t.notification ?? null,
    statusType: optionalString(t.statusType) ?? 'info',
    progress: p,
    eventTimestamp: optionalTimestamp(t.eventTimestamp),
  };
}

function parseLog(v: unknown): JobLog {
  const l = asRecord(v);
  const sev = optionalString(l.severity);
  return {
    createdAt: optionalTimestamp(l.createdAt) ?? '',
    processingStageId: optionalString(l.processingStageId) ?? null,
    taskId: optionalString(l.taskId) ?? null,
    severity: sev === 'error' || sev === 'warning' ? sev : 'info',
    reportingModule: optionalString(l.reportingModule) ?? '',
    logType: optionalString(l.logType) ?? '',
    payload: asRecord(l.payload),
  };
}

/** A notification (object or string) as one readable sentence. */
export function notificationText(n: unknown): string {
  if (n === null || n === undefined) return '';
  if (typeof n === 'string') return n;
  const o = asRecord(n);
  const msg = optionalString(o.message) ?? optionalString(o.reason) ?? optionalString(o.type);
  return msg ?? JSON.stringify(n);
}
