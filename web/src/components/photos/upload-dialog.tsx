// Upload: pick or drop a file, caption, optional city, then a real progress bar while the bytes
// go up. On the 202 the photo joins the user's own photos, so the walls show it as processing
// at once. The server judges everything but the size (no point sending 30 MB to hear "too big").
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS, type City, type Photo, type PublicUser } from '../../../../src/shared/api.js';
import { errorMessage } from '../../lib/api.js';
import { location, navigate } from '../../lib/router.js';
import { addOwnPhoto } from '../../photos/own-photos.js';
import { cityHref, userHref } from '../../photos/format.js';
import { startUpload, UploadAbortedError, type Upload } from '../../photos/upload.js';
import { Alert } from '../alert.js';
import { Modal } from '../modal.js';
import { CityPicker } from './city-picker.js';

const MAX_MB = LIMITS.uploadMaxBytes / 1024 / 1024;

export function UploadDialog({ user, onClose }: { user: PublicUser; onClose(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [caption, setCaption] = useState('');
  const [city, setCity] = useState<City | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const upload = useRef<Upload | null>(null);
  const preview = usePreview(file);
  const remaining = LIMITS.captionMax - caption.length;
  const uploading = progress !== null;

  // Leaving (Escape, backdrop, unmount) while bytes are going up cancels the upload.
  useEffect(() => () => upload.current?.abort(), []);

  const choose = (f: File | undefined) => {
    if (!f) return;
    setError(f.size > LIMITS.uploadMaxBytes ? `That file is ${(f.size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_MB} MB.` : null);
    setFile(f);
  };

  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (uploading) return;
    if (!file) return setError('Choose a photo first.');
    if (file.size > LIMITS.uploadMaxBytes) return;
    setError(null);
    setProgress(0);
    const current = startUpload({ file, caption, city: city?.slug ?? '' }, setProgress);
    upload.current = current;
    try {
      const photo = await current.done;
      upload.current = null;
      addOwnPhoto(photo);
      onClose();
      goWhereItShows(photo, user);
    } catch (err) {
      upload.current = null;
      setProgress(null);
      if (!(err instanceof UploadAbortedError)) setError(errorMessage(err));
    }
  };

  const onDrop = (e: JSX.TargetedDragEvent<HTMLLabelElement>) => {
    e.preventDefault();
    setDragging(false);
    if (!uploading) choose(e.dataTransfer?.files[0]);
  };

  const percent = Math.round((progress ?? 0) * 100);
  return (
    <Modal label="Upload a photo" onClose={onClose} class="modal--upload" testId="upload-dialog">
      <form class="upload form" onSubmit={submit} noValidate aria-busy={uploading}>
        <header class="upload__head">
          <h2>Upload a photo</h2>
          <button type="button" class="btn btn--small btn--ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <label
          class={`drop${dragging ? ' drop--over' : ''}${preview ? ' drop--filled' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <input
            type="file"
            accept="image/*"
            class="visually-hidden"
            aria-label="Photo file"
            disabled={uploading}
            onChange={(e) => choose(e.currentTarget.files?.[0])}
            data-testid="upload-file"
          />
          {preview ? (
            <img src={preview} alt="Preview of the chosen photo" class="drop__preview" />
          ) : (
            <span class="drop__hint">
              <strong>Choose a photo</strong> or drop it here
              <span class="muted">JPEG, PNG, WebP, AVIF or GIF, up to {MAX_MB} MB</span>
            </span>
          )}
        </label>
        {file && <span class="muted upload__file">{file.name}</span>}
        <label class="field">
          <span class="field__label">Caption</span>
          <textarea
            rows={3}
            value={caption}
            maxLength={LIMITS.captionMax}
            placeholder="Say something about it (optional)"
            disabled={uploading}
            onInput={(e) => setCaption(e.currentTarget.value)}
            aria-describedby="caption-count"
            data-testid="upload-caption"
          />
          <span id="caption-count" class={`field__hint upload__count${remaining < 50 ? ' field__hint--bad' : ''}`} aria-live="polite">
            {remaining} characters left
          </span>
        </label>
        <CityPicker id="upload-city" label="City (optional)" value={city} onChange={setCity} />
        {uploading && (
          <div class="upload__progress">
            <progress max={100} value={percent} aria-label="Upload progress" data-testid="upload-progress" />
            <span class="muted" aria-live="polite">
              {percent < 100 ? `Uploading… ${percent}%` : 'Uploaded, finishing…'}
            </span>
          </div>
        )}
        {error && <Alert>{error}</Alert>}
        <div class="upload__actions">
          {uploading ? (
            <button type="button" class="btn btn--ghost" onClick={() => upload.current?.abort()}>
              Cancel upload
            </button>
          ) : (
            <button type="button" class="btn btn--ghost" onClick={onClose}>
              Cancel
            </button>
          )}
          <button type="submit" class="btn" disabled={uploading || !file || file.size > LIMITS.uploadMaxBytes} data-testid="upload-submit">
            {uploading ? 'Uploading…' : 'Share'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function usePreview(file: File | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setUrl(null);
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  return url;
}

/** Stays on a wall that shows the new photo; from anywhere else, goes to the user's profile. */
function goWhereItShows(photo: Photo, user: PublicUser): void {
  const { path } = location.get();
  const shows = path === '/' || path === '/home' || path === userHref(user.username) || (photo.city && path === cityHref(photo.city.slug));
  if (!shows) navigate(userHref(user.username));
}
