// Session: what the app is (info), who it talks as (profiles), its settings, the current screen
// and the notices shown to the operator.

import type { StateCreator } from 'zustand';
import type { AppState, SessionSlice } from './types';
import type { BatchDeskApi } from '../../../shared/contract';

export function createSessionSlice(api: BatchDeskApi): StateCreator<AppState, [], [], SessionSlice> {
  let nextNoticeId = 1;
  return (set, get) => ({
    api,
    boot: 'idle',
    profiles: [],
    keychain: { available: true },
    route: 'queue',
    notices: [],
    firstRun: false,

    async init() {
      set({ boot: 'loading', bootError: undefined });
      const [info, profiles, settings] = await Promise.all([
        api['app:info']({}),
        api['profiles:list']({}),
        api['settings:get']({}),
      ]);
      const failed = [info, profiles, settings].find((r) => !r.ok);
      if (failed && !failed.ok) {
        set({ boot: 'error', bootError: failed.error });
        return;
      }
      set({
        info: info.ok ? info.value : undefined,
        profiles: profiles.ok ? profiles.value.profiles : [],
        keychain: profiles.ok ? profiles.value.keychain : { available: true },
        settings: settings.ok ? settings.value : undefined,
        boot: 'ready',
        firstRun: !(profiles.ok && profiles.value.profiles.some((p) => p.active)),
      });
      if (get().profiles.some((p) => p.active)) await loadWork(get);
    },

    finishFirstRun() {
      set({ firstRun: false, route: 'queue' });
    },

    navigate(route) {
      set({ route });
      if (route === 'history') void get().loadHistory();
      if (route === 'watches') void get().loadWatches();
    },

    async addProfile(input) {
      const result = await api['profiles:add'](input);
      if (result.ok) await afterProfileChange(set, get);
      return result;
    },

    async useDemo() {
      const result = await api['profiles:use-demo']({});
      if (result.ok) await afterProfileChange(set, get);
      return result;
    },

    async selectProfile(id) {
      const result = await api['profiles:select']({ id });
      if (result.ok) await afterProfileChange(set, get);
      else get().pushNotice({ level: 'error', message: result.error.message, error: result.error });
      return result;
    },

    async removeProfile(id) {
      const result = await api['profiles:remove']({ id });
      if (result.ok) await afterProfileChange(set, get);
      else get().pushNotice({ level: 'error', message: result.error.message, error: result.error });
      return result;
    },

    async saveSettings(patch) {
      const result = await api['settings:set'](patch);
      if (result.ok) set({ settings: result.value });
      return result;
    },

    pushNotice(notice) {
      const id = nextNoticeId++;
      // Keep the last few, each said once; an operator reads the newest, not a backlog.
      set((state) => ({
        notices: [...state.notices.filter((n) => n.message !== notice.message).slice(-3), { ...notice, id }],
      }));
    },

    dismissNotice(id) {
      set((state) => ({ notices: state.notices.filter((n) => n.id !== id) }));
    },
  });
}

async function afterProfileChange(
  set: (partial: Partial<AppState>) => void,
  get: () => AppState,
): Promise<void> {
  const listed = await get().api['profiles:list']({});
  if (listed.ok) set({ profiles: listed.value.profiles, keychain: listed.value.keychain });
  if (get().profiles.some((p) => p.active)) await loadWork(get);
}

async function loadWork(get: () => AppState): Promise<void> {
  await Promise.all([get().loadQueue(), get().loadWatches()]);
}
