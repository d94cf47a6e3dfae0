// Data Staging API (roboflow-api.md section 3). Filled in by the ingest work.
import type { RoboflowHttp } from './http';

export class StagingApi {
  constructor(
    readonly http: RoboflowHttp,
    readonly workspace: string,
  ) {}

  /** `/data-staging/v1/external/{workspace}` + rest */
  path(rest: string): string {
    return `/data-staging/v1/external/${encodeURIComponent(this.workspace)}${rest}`;
  }
}
