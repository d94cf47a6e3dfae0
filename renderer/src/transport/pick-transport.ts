// The renderer talks to main through whichever transport is present: the Electron preload bridge
// (`window.batchDesk`), or the web host that served this page.

import type { BatchDeskApi } from '../../../shared/contract';
import { createWebClient } from './web-client';

declare global {
  interface Window {
    batchDesk?: BatchDeskApi;
  }
}

export function pickTransport(win: Window = window): BatchDeskApi {
  if (win.batchDesk) return win.batchDesk;
  const token = new URL(win.location.href).searchParams.get('token');
  if (token) rememberToken(win, token);
  return createWebClient({ baseUrl: win.location.origin, token: token ?? recallToken(win) });
}

// The token stays in this tab's session storage so a reload without `?token=` keeps working,
// and is removed from the visible address so it is not shared by copy-paste.
function rememberToken(win: Window, token: string): void {
  try {
    win.sessionStorage.setItem('batch-desk-token', token);
    const url = new URL(win.location.href);
    url.searchParams.delete('token');
    win.history.replaceState(null, '', url.toString());
  } catch {
    // Storage can be disabled; the token in the URL still works for this load.
  }
}

function recallToken(win: Window): string | null {
  try {
    return win.sessionStorage.getItem('batch-desk-token');
  } catch {
    return null;
  }
}
