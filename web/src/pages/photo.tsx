// A photo on its own page: where notifications and shared links lead.
import { useEffect, useState } from 'preact/hooks';
import type { Photo, PublicUser } from '../../../src/shared/api.js';
import { Alert } from '../components/alert.js';
import { Link } from '../components/link.js';
import { PhotoDetail } from '../components/photos/photo-detail.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { updateOwnPhoto } from '../photos/own-photos.js';
import { fetchPhoto } from '../photos/photos-api.js';

type Load = { status: 'loading' } | { status: 'ok'; photo: Photo } | { status: 'missing' } | { status: 'error'; message: string };

export function PhotoPage({ id, user }: { id: string; user: PublicUser | null }) {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let closed = false;
    fetchPhoto(id).then(
      (photo) => !closed && setLoad({ status: 'ok', photo }),
      (err: unknown) =>
        !closed && setLoad(err instanceof ApiError && err.status === 404 ? { status: 'missing' } : { status: 'error', message: errorMessage(err) }),
    );
    return () => {
      closed = true;
    };
  }, [id, attempt]);

  if (load.status === 'missing') {
    return (
      <main class="empty-page">
        <h1>Photo not found</h1>
        <p>
          It may have been deleted. <Link href="/">See the latest photos</Link>
        </p>
      </main>
    );
  }
  return (
    <main class="page page--photo">
      {load.status === 'error' && <Alert onRetry={() => setAttempt((n) => n + 1)}>{load.message}</Alert>}
      {load.status === 'loading' && <div class="detail detail--loading" aria-busy="true" />}
      {load.status === 'ok' && (
        <div class="card photo-page">
          <PhotoDetail
            photo={load.photo}
            user={user}
            onChange={(photo) => {
              setLoad({ status: 'ok', photo });
              updateOwnPhoto(photo);
            }}
            onDeleted={() => navigate('/', { replace: true })}
          />
        </div>
      )}
    </main>
  );
}
