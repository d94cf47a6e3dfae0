// Every IPC handler is registered through ONE wrapper that checks the sender synchronously (the
// frame may be gone after an await): a known window, its main frame, our renderer's URL. Only then
// does the host see the arguments, which it validates in turn.

import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { INVOKE_CHANNELS, type EventChannel } from '../../shared/contract';
import type { Result } from '../../shared/result';
import type { Host } from '../host/host';
import type { Logger } from '../engine/log';
import { isRendererUrl } from './security';

/** The webContents ids of our own windows. */
export class TrustedSenders {
  private readonly ids = new Set<number>();
  private readonly contents = new Map<number, WebContents>();

  add(wc: WebContents): void {
    const id = wc.id;
    this.ids.add(id);
    this.contents.set(id, wc);
    wc.once('destroyed', () => {
      this.ids.delete(id);
      this.contents.delete(id);
    });
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  all(): WebContents[] {
    return [...this.contents.values()];
  }
}

/** Why the sender is refused, or null when it is our renderer's main frame. Synchronous on purpose. */
export function senderProblem(event: IpcMainInvokeEvent, trusted: TrustedSenders, devServerUrl?: string): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (!trusted.has(event.sender.id)) return 'the sender is not a Batch Desk window';
  if (frame.parent !== null) return 'the sender is not the main frame';
  if (!isRendererUrl(frame.url, devServerUrl)) return 'the sender is not the Batch Desk page';
  return null;
}

export function registerIpcHandlers(host: Host, trusted: TrustedSenders, log: Logger, devServerUrl?: string): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, args: unknown): Promise<Result<unknown>> | Result<unknown> => {
      const problem = senderProblem(event, trusted, devServerUrl);
      if (problem) {
        log.warn('ipc refused', { channel, reason: problem });
        return { ok: false, error: { code: 'unauthorized', message: `Refused: ${problem}.` } };
      }
      return host.invoke(channel, args);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Host events go to every trusted window that is still alive. */
export function forwardEvents(host: Host, trusted: TrustedSenders): () => void {
  return host.subscribe((event: EventChannel, payload) => {
    for (const wc of trusted.all()) if (!wc.isDestroyed()) wc.send(event, payload);
  });
}
