/** Where to go after signing in: the page that sent us to /login, if it is one of ours. */
export function nextPath(search: string, fallback = '/chat/lobby'): string {
  const next = new URLSearchParams(search).get('next');
  // Only same-site paths: `//evil.example` and `/\evil` would leave the site.
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}
