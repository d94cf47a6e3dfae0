// The left rail: the four screens, and the active profile (workspace) at its foot.

import { useApp } from '../store/store-context';
import type { Route } from '../store/types';
import { formatCount } from '../util/fast-format';

const ROUTES: { route: Route; label: string }[] = [
  { route: 'queue', label: 'Queue' },
  { route: 'watches', label: 'Watches' },
  { route: 'history', label: 'History' },
  { route: 'settings', label: 'Settings' },
];

export function Rail() {
  const route = useApp((s) => s.route);
  const navigate = useApp((s) => s.navigate);
  const activeCount = useApp((s) => s.queueBusy);
  const profile = useApp((s) => s.profiles.find((p) => p.active));
  return (
    <nav className="rail" aria-label="Screens">
      <div className="rail-brand">
        <span className="rail-logo" aria-hidden="true" />
        Batch Desk
      </div>
      <ul>
        {ROUTES.map(({ route: r, label }) => (
          <li key={r}>
            <button type="button" className={`rail-link${route === r ? ' rail-active' : ''}`} aria-current={route === r ? 'page' : undefined} onClick={() => navigate(r)}>
              {label}
              {r === 'queue' && activeCount > 0 ? <span className="rail-count num">{formatCount(activeCount)}</span> : null}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="rail-profile" onClick={() => navigate('settings')} title="Profiles are in Settings">
        <span className="rail-profile-label">Workspace</span>
        <span className="rail-profile-name">{profile ? profile.workspace : 'No profile'}</span>
        {profile ? <span className="rail-profile-key mono">{profile.maskedKey}</span> : null}
      </button>
    </nav>
  );
}
