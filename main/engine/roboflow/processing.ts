// Batch Processing API (roboflow-api.md section 5). Filled in by the jobs work.
import type { RoboflowHttp } from './http';

export class ProcessingApi {
  constructor(
    readonly http: RoboflowHttp,
    readonly workspace: string,
  ) {}

  /** `/batch-processing/v1/external/{workspace}` + rest */
  path(rest: string): string {
    return `/batch-processing/v1/external/${encodeURIComponent(this.workspace)}${rest}`;
  }
}
