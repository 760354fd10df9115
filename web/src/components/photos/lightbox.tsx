// A photo over the wall it was opened from, with previous/next among that wall's ready photos, and
// its comments. Following a link in it (a profile, a mention, a tag) closes it.
import type { JSX } from 'preact';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import { Modal } from '../modal.js';
import { PhotoDetail } from './photo-detail.js';

interface Props {
  photos: Photo[];
  id: string;
  user: PublicUser | null;
  onNavigate(id: string): void;
  onClose(): void;
  onChange(photo: Photo): void;
  onDeleted(id: string): void;
}

export function Lightbox({ photos, id, user, onNavigate, onClose, onChange, onDeleted }: Props) {
  const ready = photos.filter((p) => p.status === 'ready');
  const index = ready.findIndex((p) => p.id === id);
  const current = ready[index];
  const prev = index > 0 ? ready[index - 1] : undefined;
  const next = index >= 0 ? ready[index + 1] : undefined;

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    // Arrows move the caret in the comment box, not between photos.
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
    if (e.key === 'ArrowLeft' && prev) onNavigate(prev.id);
    else if (e.key === 'ArrowRight' && next) onNavigate(next.id);
  };

  // A plain click on an in-app link has navigated by now (Link's own handler ran first); the page
  // behind may be the same one (a mention of the wall's owner), so the lightbox must get out of the
  // way. A click that opens a new tab leaves it open.
  const onClick = (e: JSX.TargetedMouseEvent<HTMLDivElement>) => {
    const link = e.target instanceof Element ? e.target.closest('a[href]') : null;
    if (link && e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey) onClose();
  };

  return (
    <Modal label="Photo" onClose={onClose} class="modal--lightbox" testId="lightbox">
      <div class="lightbox" onKeyDown={onKeyDown} onClick={onClick}>
        <button type="button" class="lightbox__close btn btn--small btn--ghost" onClick={onClose} aria-label="Close">
          ✕
        </button>
        {/* Gone from the wall while open (deleted elsewhere): say so rather than vanish. */}
        {current ? (
          <PhotoDetail
            key={current.id}
            photo={current}
            user={user}
            onChange={onChange}
            onDeleted={onDeleted}
            overlay={
              <>
                {prev && (
                  <button type="button" class="lightbox__nav lightbox__nav--prev" onClick={() => onNavigate(prev.id)} aria-label="Previous photo">
                    ‹
                  </button>
                )}
                {next && (
                  <button type="button" class="lightbox__nav lightbox__nav--next" onClick={() => onNavigate(next.id)} aria-label="Next photo">
                    ›
                  </button>
                )}
              </>
            }
          />
        ) : (
          <div class="lightbox__gone" role="status">
            <p>This photo was deleted.</p>
            <button type="button" class="btn btn--small" onClick={onClose}>
              Close
            </button>
          </div>
        )}
      </div>
    </Modal>
  );
}
