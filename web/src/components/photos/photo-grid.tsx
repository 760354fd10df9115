// The grid every wall shares: cards, "Load more", loading/empty/error states, and the lightbox.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import type { FeedView } from '../../photos/use-feed.js';
import { Alert } from '../alert.js';
import { Lightbox } from './lightbox.js';
import { PhotoCard } from './photo-card.js';

interface Props {
  feed: FeedView;
  user: PublicUser | null;
  /** Shown when the wall is loaded and empty. */
  empty: ComponentChildren;
  label: string;
}

export function PhotoGrid({ feed, user, empty, label }: Props) {
  const { state, photos, model } = feed;
  const [openId, setOpenId] = useState<string | null>(null);
  const onRemoved = (id: string) => model.remove(id);
  const onChange = (photo: Photo) => model.update(photo);

  return (
    <section class="wall" aria-label={label} aria-busy={!state.loaded}>
      {state.error && <Alert onRetry={feed.reload}>{state.error}</Alert>}
      {!state.loaded && photos.length === 0 && <GridSkeleton />}
      {state.loaded && photos.length === 0 && !state.error && <div class="wall__empty">{empty}</div>}
      <ul class="grid" data-testid="photo-grid" aria-live="polite" aria-relevant="additions">
        {photos.map((p) => (
          <PhotoCard key={p.id} photo={p} onOpen={setOpenId} onRemoved={onRemoved} />
        ))}
      </ul>
      {state.next && (
        <div class="wall__more">
          <button type="button" class="btn btn--ghost" onClick={feed.loadMore} disabled={state.loadingMore} data-testid="load-more">
            {state.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      {openId && (
        <Lightbox
          photos={photos}
          id={openId}
          user={user}
          onNavigate={setOpenId}
          onClose={() => setOpenId(null)}
          onChange={onChange}
          onDeleted={(id) => {
            onRemoved(id);
            setOpenId(null);
          }}
        />
      )}
    </section>
  );
}

function GridSkeleton() {
  return (
    <ul class="grid grid--skeleton" aria-hidden="true">
      {Array.from({ length: 8 }, (_, i) => (
        <li key={i} class="photo-card photo-card--skeleton">
          <div class="photo-img photo-img--square" />
        </li>
      ))}
    </ul>
  );
}
