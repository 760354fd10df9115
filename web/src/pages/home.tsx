import type { PublicUser } from '../../../src/shared/api.js';
import { Link } from '../components/link.js';
import { PhotoGrid } from '../components/photos/photo-grid.js';
import { PageHead } from '../components/walls/page-head.js';
import { homeFeed } from '../photos/photos-api.js';
import { useFeed } from '../photos/use-feed.js';

/** Your photos and those of the people you follow. */
export function HomePage({ user }: { user: PublicUser }) {
  const feed = useFeed(`home:${user.id}`, homeFeed, () => true);
  return (
    <main class="page">
      <PageHead title="Home" lead="Your photos and those of the people you follow." />
      <PhotoGrid
        feed={feed}
        user={user}
        label="Home feed"
        empty={
          <p>
            Nothing here yet. Follow people from the <Link href="/">latest wall</Link>, or upload a photo of your own.
          </p>
        }
      />
    </main>
  );
}
