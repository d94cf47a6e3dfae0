// File kinds the official client discovers and sends (roboflow-api.md 7.3), matched case-insensitively.
// The service's own accepted types are undocumented: a type it refuses is reported per file.

export const IMAGE_EXTENSIONS = ['bmp', 'dib', 'jpeg', 'jpg', 'jpe', 'jp2', 'png', 'webp'] as const;
export const VIDEO_EXTENSIONS = [
  'mp4', 'm4a', 'm4p', 'm4b', 'm4r', 'm4v', 'avi', 'mov', 'mkv', 'flv', 'wmv', 'mpeg', 'mpg', '3gp', 'webm', 'ogg',
] as const;

/** Largest single image the service indexes (20 MiB). */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

const imageSet = new Set<string>(IMAGE_EXTENSIONS);
const videoSet = new Set<string>(VIDEO_EXTENSIONS);

export type MediaKind = 'image' | 'video' | 'other';

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot <= 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

export function mediaKindOf(fileName: string): MediaKind {
  const ext = extensionOf(fileName);
  if (imageSet.has(ext)) return 'image';
  if (videoSet.has(ext)) return 'video';
  return 'other';
}

/** Hidden and OS bookkeeping files that are never content. */
export function isSystemFile(fileName: string): boolean {
  return fileName.startsWith('.') || fileName === 'Thumbs.db' || fileName === 'desktop.ini' || fileName.startsWith('._');
}
