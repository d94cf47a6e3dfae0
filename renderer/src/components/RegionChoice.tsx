// Where the service is: one of Roboflow's regions or a custom address. Shared by first run and
// Settings, so both offer the same choice and check an address the same way.

import { REGIONS } from '../../../shared/regions';
import { Segmented } from './Segmented';

export type Region = (typeof REGIONS)[number]['id'] | 'custom';

/** The region an address belongs to (trailing slashes aside), or 'custom'. */
export function regionOf(apiUrl: string): Region {
  const bare = apiUrl.trim().replace(/\/+$/, '');
  return REGIONS.find((r) => r.url === bare)?.id ?? 'custom';
}

/** What main would refuse in an API address (main/host/checks.ts `httpUrl`), in plain words. */
export function apiUrlProblem(apiUrl: string): string | undefined {
  try {
    const url = new URL(apiUrl.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The API address starts with https://.';
    if (url.username || url.password) return 'Leave the user name and password out of the address; the key goes in Profiles.';
  } catch {
    return 'Enter a full address, like https://api.roboflow.com.';
  }
  return undefined;
}

const CHOICES: readonly { value: Region; label: string }[] = [...REGIONS.map((r) => ({ value: r.id, label: r.label })), { value: 'custom', label: 'Custom' }];

export function RegionChoice({ region, onChange }: { region: Region; onChange: (region: Region) => void }) {
  return <Segmented label="Region" options={CHOICES} value={region} onChange={onChange} />;
}

/** The address of a region; a custom one keeps what was typed, or starts from https://. */
export function urlForRegion(region: Region, current: string): string {
  if (region !== 'custom') return REGIONS.find((r) => r.id === region)!.url;
  return regionOf(current) === 'custom' ? current : 'https://';
}
