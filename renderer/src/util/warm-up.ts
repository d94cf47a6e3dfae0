// What the page prepares before the console starts, each in a task of its own so none of them
// lands in the console's first render: ICU's locale data (the first Intl object, see
// fast-format.ts), its date and time zone data, then the fonts the screens use (font-warm-up.ts).
// main.tsx runs these; so does the dev preview the renderer benchmark loads, so both start the
// same way.

import { warmUpDates, warmUpFormatters } from './fast-format';
import { FONT_WARM_UP_GROUPS, warmUpFonts } from './font-warm-up';

export const WARM_UP_TASKS: { name: string; run: () => void }[] = [
  { name: 'formatters-warm-up', run: warmUpFormatters },
  { name: 'dates-warm-up', run: warmUpDates },
  ...FONT_WARM_UP_GROUPS.map((group) => ({ name: 'fonts-warm-up', run: () => warmUpFonts(group) })),
];
