// One hashtag's wall, live, like a city's: its count, its photos, and the new ones as they arrive
// on `tag:<tag>`. A tag is stored lower case and NFC, and the stream only takes it spelt that way,
// so /tags/Sunset moves to /tags/sunset; a link that is no tag at all gets a clear message.
import { useLayoutEffect, useState } from 'preact/hooks';
import type { PublicUser, Tag } from '../../../src/shared/api.js';
import { normalizeTag, parseTags, TAG_LIMITS } from '../../../src/features/tags/tags.text.js';
import { Alert } from '../components/alert.js';
import { Link } from '../components/link.js';
import { PhotoGrid } from '../components/photos/photo-grid.js';
import { PageHead } from '../components/walls/page-head.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { navigate } from '../lib/router.js';
import { plural } from '../photos/format.js';
import { useFeed } from '../photos/use-feed.js';
import { fetchTag, tagFeed, tagHref } from '../search/search-api.js';

export function TagPage({ tag, user }: { tag: string; user: PublicUser | null }) {
  const name = normalizeTag(tag);
  if (name === null) return <NotATag tag={tag} reason={null} />;
  if (name !== tag) return <MoveTo href={tagHref(name)} />;
  return <TagWall tag={name} user={user} />;
}

function TagWall({ tag, user }: { tag: string; user: PublicUser | null }) {
  const [info, setInfo] = useState<Tag | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refused, setRefused] = useState<string | null>(null);

  const feed = useFeed(`tag:${tag}`, () => tagFeed(tag), (p) => parseTags(p.caption).includes(tag), {
    onReset() {
      fetchTag(tag).then(
        (t) => {
          setInfo(t);
          setError(null);
        },
        (err: unknown) => (err instanceof ApiError && err.status === 400 ? setRefused(err.message) : setError(errorMessage(err))),
      );
    },
    onEvent(env) {
      const delta = isEvent(env, 'photo.ready') ? 1 : isEvent(env, 'photo.deleted') ? -1 : 0;
      if (delta) setInfo((t) => t && { ...t, photos: Math.max(0, t.photos + delta) });
    },
  });

  if (refused !== null) return <NotATag tag={tag} reason={refused} />;
  return (
    <main class="page" data-testid="tag-wall" data-tag={tag}>
      <PageHead title={`#${tag}`} lead={info ? plural(info.photos, 'photo') : ' '} />
      {error && <Alert onRetry={feed.reload}>{error}</Alert>}
      <PhotoGrid
        feed={feed}
        user={user}
        label={`Photos tagged #${tag}`}
        empty={
          <p data-testid="tag-empty">
            No photos with #{tag} yet. They will show up here the moment someone shares one.
          </p>
        }
      />
    </main>
  );
}

/** `reason`: the server's words, when it refused a tag this page took for one. */
function NotATag({ tag, reason }: { tag: string; reason: string | null }) {
  return (
    <main class="page" data-testid="tag-invalid">
      <PageHead
        title="Not a hashtag"
        lead={
          <>
            “{tag}” cannot be a tag: {reason ?? `a tag is 1 to ${TAG_LIMITS.maxLength} letters, digits or underscores, like #sunset.`}{' '}
            <Link href="/">Back to the latest photos</Link>
          </>
        }
      />
    </main>
  );
}

function MoveTo({ href }: { href: string }) {
  useLayoutEffect(() => navigate(href, { replace: true }), [href]);
  return null;
}
