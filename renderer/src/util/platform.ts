// Marks the document with the platform family (`data-platform="linux" | "mac" | "windows"`) so the
// stylesheet can leave out font names that platform never has (see --mono in styles.css).

export function platformOf(nav: { platform?: string; userAgentData?: { platform?: string } } = navigator): 'linux' | 'mac' | 'windows' | 'other' {
  const name = (nav.userAgentData?.platform || nav.platform || '').toLowerCase();
  if (name.includes('win')) return 'windows';
  if (name.includes('mac')) return 'mac';
  // Android reports "Linux" too, and has none of the macOS or Windows faces either.
  if (name.includes('linux')) return 'linux';
  return 'other';
}

export function markPlatform(root: HTMLElement = document.documentElement): void {
  root.dataset.platform = platformOf();
}
