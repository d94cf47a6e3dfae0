// Sentences the console says about counts, in the product's words.

import type { DropPreview } from '../../../shared/domain';
import { formatBytes } from '../../../shared/format';
import { formatCount } from './fast-format';

/** "3 folders · 12,408 images · 1.9 GB → new item" */
export function describePreview(p: DropPreview): string {
  const parts: string[] = [];
  if (p.folders > 0) parts.push(`${formatCount(p.folders)} ${p.folders === 1 ? 'folder' : 'folders'}`);
  parts.push(`${formatCount(p.images)}${p.partial ? '+' : ''} ${p.images === 1 ? 'image' : 'images'}`);
  if (p.videos > 0) parts.push(`${formatCount(p.videos)} ${p.videos === 1 ? 'video' : 'videos'}`);
  parts.push(`${formatBytes(p.bytes)}${p.partial ? '+' : ''}`);
  return `${parts.join(' · ')} → new item`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
