// Roboflow's own API addresses, one per region: the Settings screen offers them, and they are the
// only addresses a key from the environment is sent to unless the environment names another.

export const REGIONS = [
  { id: 'us', label: 'United States', url: 'https://api.roboflow.com' },
  { id: 'eu', label: 'Europe', url: 'https://api.roboflow.eu' },
] as const;

/** Whether `url` (trailing slashes aside) is one of Roboflow's own API addresses. */
export function isRegionUrl(url: string): boolean {
  const bare = url.replace(/\/+$/, '');
  return REGIONS.some((r) => r.url === bare);
}
