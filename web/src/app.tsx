// Router, layout and navigation. Adding a page is one entry in `routes` (and one in `nav`).
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect } from 'preact/hooks';
import type { PublicUser } from '../../src/shared/api.js';
import { Alert } from './components/alert.js';
import { AdminPage } from './pages/admin.js';
import { TopBar, type NavItem } from './components/top-bar.js';
import { ChatPage } from './pages/chat.js';
import { CitiesPage } from './pages/cities.js';
import { CityPage } from './pages/city.js';
import { HomePage } from './pages/home.js';
import { LatestPage } from './pages/latest.js';
import { LoginPage } from './pages/login.js';
import { ModerationPage } from './pages/moderation.js';
import { NotFoundPage } from './pages/not-found.js';
import { PhotoPage } from './pages/photo.js';
import { ProfilePage } from './pages/profile.js';
import { RegisterPage } from './pages/register.js';
import { SettingsPage } from './pages/settings.js';
import { TagPage } from './pages/tag.js';
import { MessagesPage } from './pages/messages.js';
import { DmUnreadBadge } from './components/dms/unread-badge.js';
import { matchPath, navigate, useLocation, type Params } from './lib/router.js';
import { loadSession, useSession } from './lib/session.js';

/** guest: only signed out (login, register); member: only signed in; any: both. */
type Access = 'any' | 'guest' | 'member';

interface Route {
  path: string;
  access: Access;
  title(params: Params): string;
  render(params: Params, user: PublicUser | null): JSX.Element;
}

const HOME_SIGNED_IN = '/chat/lobby';

const routes: Route[] = [
  { path: '/', access: 'any', title: () => 'Latest', render: (_p, user) => <LatestPage user={user} /> },
  { path: '/home', access: 'member', title: () => 'Home', render: (_p, user) => <HomePage key={user!.id} user={user!} /> },
  {
    path: '/u/:username',
    access: 'any',
    title: (p) => p.username!,
    render: (p, user) => <ProfilePage key={p.username} username={p.username!} user={user} />,
  },
  { path: '/cities', access: 'any', title: () => 'Cities', render: () => <CitiesPage /> },
  {
    path: '/cities/:slug',
    access: 'any',
    title: (p) => p.slug!,
    render: (p, user) => <CityPage key={p.slug} slug={p.slug!} user={user} />,
  },
  {
    path: '/tags/:tag',
    access: 'any',
    title: (p) => `#${p.tag}`,
    render: (p, user) => <TagPage key={p.tag} tag={p.tag!} user={user} />,
  },
  { path: '/settings', access: 'member', title: () => 'Settings', render: (_p, user) => <SettingsPage key={user!.id} user={user!} /> },
  { path: '/p/:id', access: 'any', title: () => 'Photo', render: (p, user) => <PhotoPage key={p.id} id={p.id!} user={user} /> },
  { path: '/login', access: 'guest', title: () => 'Log in', render: () => <LoginPage /> },
  { path: '/register', access: 'guest', title: () => 'Sign up', render: () => <RegisterPage /> },
  {
    path: '/chat/:room',
    access: 'member',
    title: (p) => `#${p.room}`,
    render: (p, user) => <ChatPage key={p.room} room={p.room!} user={user!} />,
  },
  { path: '/messages', access: 'member', title: () => 'Messages', render: (_p, user) => <MessagesPage key={user!.id} id={null} user={user!} /> },
  { path: '/messages/:id', access: 'member', title: () => 'Messages', render: (p, user) => <MessagesPage key={user!.id} id={p.id!} user={user!} /> },
  { path: '/admin', access: 'member', title: () => 'Operations', render: (_p, user) => <AdminPage key={user!.id} user={user!} /> },
  { path: '/moderation', access: 'member', title: () => 'Moderation', render: (_p, user) => <ModerationPage key={user!.id} user={user!} /> },
];

const redirects: Record<string, (user: PublicUser | null) => string> = {
  '/chat': () => HOME_SIGNED_IN,
};

const nav: NavItem[] = [
  { href: '/', label: 'Latest', section: '/', exact: true },
  { href: '/home', label: 'Home', section: '/home', members: true },
  { href: '/cities', label: 'Cities', section: '/cities' },
  { href: HOME_SIGNED_IN, label: 'Chat', section: '/chat', members: true },
  { href: '/messages', label: 'Messages', section: '/messages', members: true, Badge: DmUnreadBadge },
  { href: '/admin', label: 'Admin', section: '/admin', admins: true },
  { href: '/moderation', label: 'Moderation', section: '/moderation', staff: true },
];

type Resolved = { redirect: string } | { route: Route; params: Params } | { notFound: true };

function resolve(path: string, search: string, user: PublicUser | null): Resolved {
  const redirect = redirects[path];
  if (redirect) return { redirect: redirect(user) };
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.access === 'member' && !user) return { redirect: `/login?next=${encodeURIComponent(path + search)}` };
    if (route.access === 'guest' && user) return { redirect: HOME_SIGNED_IN };
    return { route, params };
  }
  return { notFound: true };
}

export function App() {
  const session = useSession();
  const { path, search } = useLocation();

  if (session.status === 'loading') return <div class="splash" aria-busy="true" />;
  const user = session.status === 'signed-in' ? session.user : null;
  const resolved = session.status === 'error' ? null : resolve(path, search, user);

  let page: JSX.Element;
  let title = 'Strobe';
  if (session.status === 'error') {
    page = (
      <main class="empty-page">
        <Alert onRetry={() => void loadSession()}>{session.message}</Alert>
      </main>
    );
  } else if (!resolved || 'redirect' in resolved) {
    page = <Redirect to={resolved ? resolved.redirect : '/'} />;
  } else if ('notFound' in resolved) {
    page = <NotFoundPage />;
    title = 'Not found';
  } else {
    page = resolved.route.render(resolved.params, user);
    title = resolved.route.title(resolved.params);
  }

  return (
    <div class="layout">
      <TopBar user={user} nav={nav} path={path} />
      <DocumentTitle title={title} />
      {page}
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  useLayoutEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function DocumentTitle({ title }: { title: string }) {
  useEffect(() => {
    document.title = title === 'Strobe' ? title : `${title} · Strobe`;
  }, [title]);
  return null;
}
