// The console's frame: first run until a profile exists, then the rail, the current screen, and the
// item panel beside the queue or history.

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
import { useApp } from './store/store-context';

export function App() {
  const boot = useApp((s) => s.boot);
  const bootError = useApp((s) => s.bootError);
  const init = useApp((s) => s.init);
  const hasProfile = useApp((s) => s.profiles.some((p) => p.active));
  const firstRun = useApp((s) => s.firstRun);
  const route = useApp((s) => s.route);
  const panelOpen = useApp((s) => s.selectedId != null);

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
  const withPanel = panelOpen && (route === 'queue' || route === 'history');
  return (
    <div className={`shell${withPanel ? ' shell-with-panel' : ''}`}>
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
