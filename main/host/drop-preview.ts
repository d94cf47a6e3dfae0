// The quick count behind the drop overlay ("3 folders · 12,408 images · 1.9 GB"). Bounded: it stops
// after ~2 s or 200,000 entries and says the figures are lower bounds (`partial`).

import fs from 'node:fs/promises';
import path from 'node:path';
import type { DropPreview } from '../../shared/domain';
import { isSystemFile, mediaKindOf } from '../../shared/media';

export interface PreviewLimits {
  maxEntries: number;
  maxMs: number;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = { maxEntries: 200_000, maxMs: 2_000 };

export async function previewDrop(paths: string[], limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS): Promise<DropPreview> {
  const out: DropPreview = { folders: 0, files: 0, images: 0, videos: 0, bytes: 0, partial: false };
  const deadline = Date.now() + limits.maxMs;
  let entries = 0;
  const exhausted = () => {
    if (entries >= limits.maxEntries || Date.now() > deadline) out.partial = true;
    return out.partial;
  };
  const countFile = (name: string, size: number) => {
    const kind = mediaKindOf(name);
    if (kind === 'other') return;
    out.files++;
    out.bytes += size;
    if (kind === 'image') out.images++;
    else out.videos++;
  };

  // Breadth-first with an explicit queue: no recursion depth, stops cleanly at the bound.
  const queue: string[] = [];
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) {
      out.folders++;
      queue.push(p);
    } else if (st.isFile()) countFile(path.basename(p), st.size);
  }
  while (queue.length > 0 && !exhausted()) {
    const dir = queue.shift()!;
    const dirents = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const d of dirents) {
      entries++;
      if (exhausted()) break;
      if (isSystemFile(d.name)) continue;
      const full = path.join(dir, d.name);
      if (d.isDirectory()) queue.push(full);
      else if (d.isFile() && mediaKindOf(d.name) !== 'other') {
        const st = await fs.stat(full).catch(() => undefined);
        if (st) countFile(d.name, st.size);
      }
    }
  }
  return out;
}
