// A user's picture wherever a user appears: their uploaded avatar, or a coloured initial whose hue
// comes from the username, so each person keeps their colour. Decorative: the name is always
// written beside it, so screen readers skip it.
import type { AvatarUrls } from '../../../src/shared/api.js';

type Size = 'xs' | 'sm' | 'md' | 'lg' | 'xl';

/** The 64 px picture is sharp up to 32 CSS px on a 2x screen; larger sizes take the 256 px one. */
const LARGE_FROM: ReadonlySet<Size> = new Set(['md', 'lg', 'xl']);

export interface AvatarUser {
  username: string;
  displayName?: string;
  avatar?: AvatarUrls | null;
}

export function Avatar({ user, size = 'md' }: { user: AvatarUser; size?: Size }) {
  if (user.avatar) {
    const src = LARGE_FROM.has(size) ? user.avatar.large : user.avatar.small;
    return <img class={`avatar avatar--${size} avatar--image`} src={src} alt="" aria-hidden="true" data-testid="avatar-image" loading="lazy" decoding="async" />;
  }
  let hash = 0;
  for (const ch of user.username) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  const initial = [...(user.displayName || user.username)][0]?.toUpperCase() ?? '?';
  return (
    <span class={`avatar avatar--${size}`} style={{ '--hue': String(hash % 360) }} aria-hidden="true">
      {initial}
    </span>
  );
}
