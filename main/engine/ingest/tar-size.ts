// The exact byte size of a tar archive as tar-stream writes it, known before the first byte is
// produced, so the PUT can carry an exact Content-Length. Per member: a 512-byte ustar header (or,
// when the name is not ASCII or longer than 100 bytes, a PAX header block + its padded records + the
// ustar header), then the data padded to 512; the archive ends with two zero blocks (1024 bytes).

const BLOCK = 512;

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** True when tar-stream can store the name in a plain ustar header (members sit at the archive root). */
export function fitsUstar(name: string): boolean {
  return /^[\x00-\x7f]*$/.test(name) && name.length <= 100 && !name.includes('/');
}

/** Length of one PAX record `"<len> <key>=<value>\n"`, where len counts itself (as tar-stream computes it). */
export function paxRecordLength(key: string, value: string): number {
  const len = Buffer.byteLength(` ${key}=${value}\n`);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= Math.pow(10, digits)) digits++;
  return len + digits;
}

/** Bytes one member adds to the archive. */
export function tarMemberSize(name: string, size: number): number {
  const header = fitsUstar(name) ? BLOCK : BLOCK + padded(paxRecordLength('path', name)) + BLOCK;
  return header + padded(size);
}

export const TAR_END = 2 * BLOCK;

export function tarSize(members: Iterable<{ batchName: string; size: number }>): number {
  let total = TAR_END;
  for (const m of members) total += tarMemberSize(m.batchName, m.size);
  return total;
}
