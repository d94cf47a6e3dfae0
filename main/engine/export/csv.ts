// Minimal RFC 4180 CSV: an incremental parser (quoted fields may hold commas, quotes and newlines)
// usable from sync and streaming code, and cell quoting for writing.

export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

export class CsvParser {
  private row: string[] = [];
  private cell = '';
  private quoted = false;
  private afterQuote = false;
  private pendingCr = false;
  private any = false;

  /** Feeds text; returns the records completed by it. */
  push(text: string): string[][] {
    const out: string[][] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (this.quoted) {
        if (ch === '"') {
          this.quoted = false;
          this.afterQuote = true;
        } else this.cell += ch;
        continue;
      }
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') continue;
      }
      if (ch === '"') {
        if (this.afterQuote) this.cell += '"'; // "" inside a quoted field
        this.quoted = true;
        this.afterQuote = false;
        this.any = true;
        continue;
      }
      this.afterQuote = false;
      if (ch === ',') {
        this.row.push(this.cell);
        this.cell = '';
        this.any = true;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') this.pendingCr = true;
        this.row.push(this.cell);
        if (this.any) out.push(this.row);
        this.row = [];
        this.cell = '';
        this.any = false;
      } else {
        this.cell += ch;
        this.any = true;
      }
    }
    return out;
  }

  /** The last record when the text did not end with a newline. */
  end(): string[][] {
    if (!this.any) return [];
    this.row.push(this.cell);
    const last = this.row;
    this.row = [];
    this.cell = '';
    this.any = false;
    return [last];
  }
}

/** Parses CSV text arriving in chunks; yields one array of cells per record. */
export async function* parseCsv(chunks: AsyncIterable<string | Buffer>): AsyncIterable<string[]> {
  const parser = new CsvParser();
  for await (const raw of chunks) yield* parser.push(typeof raw === 'string' ? raw : raw.toString('utf8'));
  yield* parser.end();
}
