// The bridge: `window.batchDesk` (BatchDeskApi). One function per invoke channel, each a closure
// over its fixed channel name; `subscribe` only for the contract's event channels, never handing the
// renderer the IpcRendererEvent; no generic invoke/send/on. Bundled into one CommonJS file because
// sandboxed preloads cannot require anything but `electron`.

import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type BatchDeskApi, type EventChannel } from '../shared/contract';

export function buildBridge(): BatchDeskApi {
  const api: Record<string, unknown> = {};
  for (const channel of INVOKE_CHANNELS) {
    api[channel] = (args: unknown) => ipcRenderer.invoke(channel, args ?? {});
  }
  api.subscribe = (event: EventChannel, listener: (payload: unknown) => void) => {
    if (!(EVENT_CHANNELS as readonly string[]).includes(event)) throw new Error(`Unknown event channel "${String(event)}".`);
    if (typeof listener !== 'function') throw new Error('subscribe needs a listener function.');
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  };
  api.pathsForDroppedFiles = (files: readonly unknown[]) => {
    const out: string[] = [];
    for (const f of Array.from(files ?? [])) {
      try {
        const p = webUtils.getPathForFile(f as File);
        if (p) out.push(p);
      } catch {
        // Not a File backed by disk (e.g. made in JS): nothing to add.
      }
    }
    return out;
  };
  return api as BatchDeskApi;
}

contextBridge.exposeInMainWorld('batchDesk', buildBridge());
