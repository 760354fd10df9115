import type { PublicUser } from '../../../src/shared/api.js';
import { Link } from '../components/link.js';
import { PhotoGrid } from '../components/photos/photo-grid.js';
import { PageHead } from '../components/walls/page-head.js';
import { latestFeed } from '../photos/photos-api.js';
import { useFeed } from '../photos/use-feed.js';

/** Everyone's photos as they become ready; works signed out. The user's own uploads show here too. */
export function LatestPage({ user }: { user: PublicUser | null }) {
  const feed = useFeed('latest', latestFeed, () => true);
  return (
    <main class="page">
      <PageHead title="Latest" lead="Every new photo, live, the moment it is ready." />
      <PhotoGrid
        feed={feed}
        user={user}
        label="Latest photos"
        empty={
          <p>
            No photos yet.{' '}
            {user ? 'Be the first: use Upload at the top.' : <><Link href="/register">Sign up</Link> and be the first to share one.</>}
          </p>
        }
      />
    </main>
  );
}
