// Minimal RFC 4180 CSV: an incremental parser (quoted fields may hold commas, quotes and newlines)
// usable from sync and streaming code, and cell quoting for writing.

export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** First in a CSV meant for spreadsheets: without it Excel on Windows reads UTF-8 as its ANSI code page. */
export const CSV_BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV line for spreadsheets: a cell that Excel or LibreOffice would run as a formula gets a leading
 * `'` (OWASP "CSV injection"; file names come from whoever writes into a watched folder).
 */
export function spreadsheetLine(cells: readonly string[]): string {
  return csvLine(cells.map((c) => (FORMULA_START.test(c) ? `'${c}` : c)));
}

/** Undoes spreadsheetLine's prefix, for a reader that shows the values (a name that really began with `'=` loses its `'`). */
export function spreadsheetValue(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

export class CsvParser {
  private row: string[] = [];
  private cell = '';
  private quoted = false;
  private afterQuote = false;
  private pendingCr = false;
  private any = false;
  private started = false;

  /** Feeds text; returns the records completed by it. A byte order mark opening the text is skipped. */
  push(text: string): string[][] {
    const out: string[][] = [];
    let i = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith(CSV_BOM)) i = 1;
    }
    for (; i < text.length; i++) {
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
