import { useState } from 'preact/hooks';
import type { PublicUser } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { logout } from '../lib/session.js';
import { userHref } from '../photos/format.js';
import { ConnStatus } from './conn-status.js';
import { PlusIcon } from './icons.js';
import { Link } from './link.js';
import { NotificationBell } from './notifications/notification-bell.js';
import { UploadDialog } from './photos/upload-dialog.js';

export interface NavItem {
  href: string;
  label: string;
  /** Highlighted while the path starts with this (or is exactly this, with `exact`). */
  section: string;
  exact?: boolean;
  members?: boolean;
  /** Shown to admins only. */
  admins?: boolean;
}

export function TopBar({ user, nav, path }: { user: PublicUser | null; nav: NavItem[]; path: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState(false);
  const onLogout = async () => {
    setBusy(true);
    setError(null);
    try {
      await logout();
      navigate('/login', { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const items = nav.filter((item) => (!item.members || user) && (!item.admins || user?.isAdmin));
  return (
    <header class="topbar">
      <Link href="/" class="brand" aria-label="Strobe home">
        <span class="brand__mark" aria-hidden="true" />
        <span class="brand__name">Strobe</span>
      </Link>
      <nav class="topbar__nav" aria-label="Main">
        {items.map((item) => (
          <Link
            key={item.href}
            href={item.href}
            class="topbar__link"
            aria-current={(item.exact ? path === item.section : path.startsWith(item.section)) ? 'page' : undefined}
          >
            {item.label}
          </Link>
        ))}
      </nav>
      <div class="topbar__right">
        <ConnStatus />
        {user ? (
          <>
            <button type="button" class="btn btn--small topbar__upload" onClick={() => setUploading(true)} data-testid="upload-open">
              <PlusIcon size={16} />
              <span class="topbar__upload-label">Upload</span>
            </button>
            <NotificationBell key={user.id} />
            <Link href={userHref(user.username)} class="topbar__user" data-testid="current-user" title={`Signed in as ${user.username}: your profile`}>
              {user.username}
            </Link>
            <button type="button" class="btn btn--small btn--ghost" onClick={onLogout} disabled={busy} data-testid="logout">
              Log out
            </button>
          </>
        ) : (
          <>
            <Link href="/login" class="btn btn--small btn--ghost">
              Log in
            </Link>
            <Link href="/register" class="btn btn--small">
              Sign up
            </Link>
          </>
        )}
      </div>
      {error && (
        <div class="topbar__error" role="alert">
          {error}
        </div>
      )}
      {user && uploading && <UploadDialog user={user} onClose={() => setUploading(false)} />}
    </header>
  );
}
