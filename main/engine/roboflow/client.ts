// The Roboflow client: workspace resolution plus the two APIs, each in its own file.

import { RoboflowHttp, type HttpOptions } from './http';
import { StagingApi } from './staging';
import { ProcessingApi } from './processing';

export class RoboflowClient {
  readonly staging: StagingApi;
  readonly processing: ProcessingApi;

  constructor(
    readonly http: RoboflowHttp,
    readonly workspace: string,
  ) {
    this.staging = new StagingApi(http, workspace);
    this.processing = new ProcessingApi(http, workspace);
  }

  /** Resolves the workspace the key belongs to (GET /), which also proves the key works. */
  static async connect(opts: HttpOptions, signal?: AbortSignal): Promise<RoboflowClient> {
    const http = new RoboflowHttp(opts);
    const workspace = await resolveWorkspace(http, signal);
    return new RoboflowClient(http, workspace);
  }
}

export async function resolveWorkspace(http: RoboflowHttp, signal?: AbortSignal): Promise<string> {
  const body = await http.json<{ workspace?: unknown }>('resolve workspace', 'GET', '/', { signal });
  if (typeof body.workspace !== 'string' || !body.workspace) {
    throw new Error('The service did not say which workspace this API key belongs to.');
  }
  return body.workspace;
}
