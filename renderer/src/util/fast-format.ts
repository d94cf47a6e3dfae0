// The same text as shared/format's formatCount, from one cached formatter: `toLocaleString` builds a
// new formatter on every call, which shows up in profiles when many rows update each second.

const COUNT = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return COUNT.format(n);
}
