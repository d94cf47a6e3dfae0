// The same text as shared/format's formatCount, from one cached formatter: `toLocaleString` builds a
// new formatter on every call, which shows up in profiles when many rows update each second.
//
// The first Intl object a renderer process makes initializes ICU's locale data (30-70 ms here, once
// per process). Made at this module's top level, that ran inside the one task that evaluated the
// whole bundle; the entry points run warmUpFormatters() in a task of its own (warm-up.ts) before
// the console starts instead, and formatCount makes the formatter itself if nobody did.

let count: Intl.NumberFormat | undefined;

export function warmUpFormatters(): void {
  count ??= new Intl.NumberFormat('en-US');
}

export function formatCount(n: number): string {
  count ??= new Intl.NumberFormat('en-US');
  return count.format(n);
}
