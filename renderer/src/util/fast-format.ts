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

/**
 * The item panel's dates (`toLocaleString`; the job log's `toLocaleTimeString`): the first one
 * loads ICU's date and time zone data, a task of 20-23 ms (9-10 ms of CPU) in the first item
 * opening, traced; V8 then keeps the default formatters, so later dates cost nothing. Run in a
 * warm-up task of its own (warm-up.ts).
 */
export function warmUpDates(): void {
  new Date(0).toLocaleString();
  new Date(0).toLocaleTimeString(); // the job log's times
}

export function formatCount(n: number): string {
  count ??= new Intl.NumberFormat('en-US');
  return count.format(n);
}
