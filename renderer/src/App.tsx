// The console's frame: first run until a profile exists, then the rail, the current screen, and the
// item panel beside the queue or history.

import { useDeferredValue } from 'react';
import { DropOverlay } from './components/DropOverlay';
import { ErrorView } from './components/ErrorView';
import { Notices } from './components/Notices';
import { Rail } from './components/Rail';
import { ItemPanel } from './detail/ItemPanel';
import { FirstRun } from './screens/FirstRun';
import { HistoryScreen } from './screens/HistoryScreen';
import { QueueScreen } from './screens/QueueScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { WatchesScreen } from './screens/WatchesScreen';
import { useAfterPaint } from './util/use-after-paint';
import { useApp } from './store/store-context';

export function App() {
  const boot = useApp((s) => s.boot);
  const bootError = useApp((s) => s.bootError);
  const init = useApp((s) => s.init);
  const hasProfile = useApp((s) => s.profiles.some((p) => p.active));
  const firstRun = useApp((s) => s.firstRun);
  const route = useApp((s) => s.route);
  const panelOpen = useApp((s) => s.selectedId != null);
  // Opening the panel renders it in a background render after the click, whose own task then only
  // marks the row selected: the panel's first render, and the narrower list that makes every visible
  // row lay out again, together with the click made a 50-70 ms task. Closing is immediate.
  const panelReady = useDeferredValue(panelOpen);
  // The narrower list then follows a painted frame later: until it does, the panel lies over the
  // list's right-hand columns at its final size. Laying out the panel and every visible row again
  // in one frame still took 35-41 ms of CPU (traced; a 50-65 ms task on a busy machine); apart,
  // neither frame takes more than ~27 ms.
  const listNarrowed = useAfterPaint(panelReady);

  if (boot === 'error' && bootError) {
    return (
      <main className="boot">
        <h1>Batch Desk could not start</h1>
        <ErrorView error={bootError} onRetry={() => void init()} />
      </main>
    );
  }
  if (boot !== 'ready') {
    return (
      <main className="boot" aria-busy="true">
        <p className="loading">Starting Batch Desk…</p>
      </main>
    );
  }
  if (firstRun || !hasProfile) {
    return (
      <>
        <FirstRun />
        <Notices />
      </>
    );
  }
  const withPanel = panelOpen && panelReady && (route === 'queue' || route === 'history');
  return (
    <div className={`shell${withPanel ? (listNarrowed ? ' shell-with-panel' : ' shell-panel-over') : ''}`}>
      <Rail />
      <main className="content">
        {route === 'queue' ? <QueueScreen /> : route === 'history' ? <HistoryScreen /> : route === 'watches' ? <WatchesScreen /> : <SettingsScreen />}
      </main>
      {withPanel ? <ItemPanel /> : null}
      <DropOverlay />
      <Notices />
    </div>
  );
}
