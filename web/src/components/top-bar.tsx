import type { ComponentType } from 'preact';
import { useState } from 'preact/hooks';
import type { PublicUser } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { logout } from '../lib/session.js';
import { userHref } from '../photos/format.js';
import { Avatar } from './avatar.js';
import { ConnStatus } from './conn-status.js';
import { PlusIcon } from './icons.js';
import { Link } from './link.js';
import { NotificationBell } from './notifications/notification-bell.js';
import { UploadDialog } from './photos/upload-dialog.js';
import { SearchBox } from './search/search-box.js';

export interface NavItem {
  href: string;
  label: string;
  /** Highlighted while the path starts with this (or is exactly this, with `exact`). */
  section: string;
  exact?: boolean;
  members?: boolean;
  /** Shown to admins only. */
  admins?: boolean;
  /** Shown to admins and moderators only. */
  staff?: boolean;
  /** Shown after the label (an unread count); mounted only while the item is. */
  Badge?: ComponentType;
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
  const items = nav.filter((item) => (!item.members || user) && (!item.admins || user?.isAdmin) && (!item.staff || user?.isAdmin || user?.isModerator));
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
            {item.Badge && <item.Badge />}
          </Link>
        ))}
      </nav>
      <div class="topbar__right">
        <SearchBox />
        <ConnStatus />
        {user ? (
          <>
            <button type="button" class="btn btn--small topbar__upload" onClick={() => setUploading(true)} data-testid="upload-open">
              <PlusIcon size={16} />
              <span class="topbar__upload-label">Upload</span>
            </button>
            <NotificationBell key={user.id} />
            <UserMenu user={user} path={path} />
            <button type="button" class="btn btn--small btn--ghost topbar__logout" onClick={onLogout} disabled={busy} data-testid="logout" title="Log out">
              <LogoutIcon />
              <span class="topbar__logout-label">Log out</span>
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

/**
 * Who is signed in: their picture and name, both leading to their profile, and their settings.
 * Two links, so that the name (which narrow screens hide) is the link's whole text.
 */
function UserMenu({ user, path }: { user: PublicUser; path: string }) {
  const href = userHref(user.username);
  const name = user.displayName || user.username;
  return (
    <>
      <span class="topbar__user">
        <Link href={href} class="topbar__avatar" aria-label="Your profile">
          <Avatar user={user} size="sm" />
        </Link>
        <Link href={href} class="topbar__name" data-testid="current-user" title={`Signed in as @${user.username}: your profile`}>
          {name}
        </Link>
      </span>
      <Link
        href="/settings"
        class="btn btn--small btn--ghost topbar__settings"
        title="Settings"
        aria-current={path === '/settings' ? 'page' : undefined}
        data-testid="settings-link"
      >
        <GearIcon />
        <span class="visually-hidden">Settings</span>
      </Link>
    </>
  );
}

/** A door with an arrow leaving it; the button around it carries the name. */
function LogoutIcon() {
  return (
    <svg class="icon" width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
      <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4" />
      <polyline points="16 17 21 12 16 7" />
      <line x1="21" y1="12" x2="9" y2="12" />
    </svg>
  );
}

/** Drawn like the icons in icons.tsx; the link around it carries the name. */
function GearIcon() {
  return (
    <svg class="icon" width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="3" />
      <path d="M19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06A1.65 1.65 0 0 0 4.68 15a1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06A1.65 1.65 0 0 0 9 4.68a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06A1.65 1.65 0 0 0 19.4 9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z" />
    </svg>
  );
}
