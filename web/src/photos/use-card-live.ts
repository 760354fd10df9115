// Live like and comment counts on wall cards.
//
// Why this module: a wall's stream (latest, city:…, home…) says when photos appear and go, not when
// they are liked or commented; those events are on each photo's own stream, photo:<id>. Watching
// every card of a long wall would cost a subscription per photo, and the server allows a socket a
// burst of 40 subscribe/unsubscribe requests, then 5 per second (STREAM_REQUESTS in
// src/realtime/socket-server.ts), shared with the page's other streams. So only cards on screen
// are watched, at most MAX_WATCHED at once, with our own requests paced under the server's rate
// (a fast scroll past a hundred cards must not exhaust the budget), and a card stops being watched
// when it leaves the screen.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Photo } from '../../../src/shared/api.js';
import { isEvent } from '../lib/events.js';
import { live } from '../lib/live.js';
import { fetchPhoto, photoStream } from './photos-api.js';

const MAX_WATCHED = 24;
/** Our share of the server's budget: a burst of 20, then 4 requests a second. */
const BURST = 20;
const REFILL_MS = 250;
/** Visibility settles this long before anything is (un)subscribed: a card scrolled past is skipped. */
const SETTLE_MS = 200;
/**
 * Counts a card got longer ago than this may be stale by the time it is watched: ask for fresh
 * ones. Younger ones are trusted: asking on every subscription would cost a request per card of
 * every wall shown, to cover the fraction of a second between the wall's fetch and the subscription.
 */
const FRESH_MS = 10_000;

export interface CardCounts {
  likes: number;
  comments: number;
}

interface Card {
  photoId: string;
  /** When the counts the card shows were current (its photo came from HTTP or a stream). */
  countsAt: number;
  visibleSince: number | null;
  onCounts(counts: Partial<CardCounts>): void;
}

const cards = new Map<Element, Card>();
/** photo id -> the live subscription's cleanup. */
const watched = new Map<string, () => void>();
/** Photos the server would not let us watch (gone, or not visible to this viewer): not asked again. */
const refused = new Set<string>();
let observer: IntersectionObserver | null = null;
let tokens = BURST;
let tokensAt = Date.now();
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * The card's likes and comments, live while it is on screen. Counts from the photo (a wall
 * refetch, a like in the lightbox) replace live ones whenever they change, and the other way round.
 */
export function useCardLive<E extends Element>(photo: Photo): { ref: { current: E | null }; counts: CardCounts } {
  const ref = useRef<E>(null);
  const [counts, setCounts] = useState<CardCounts>({ likes: photo.likes, comments: photo.comments });
  const card = useRef<Card | null>(null);

  useEffect(() => {
    const { likes, comments } = photo;
    setCounts((c) => (c.likes === likes && c.comments === comments ? c : { likes, comments }));
    if (card.current) card.current.countsAt = Date.now();
  }, [photo.likes, photo.comments]);

  const ready = photo.status === 'ready';
  useEffect(() => {
    const el = ref.current;
    if (!el || !ready || typeof IntersectionObserver === 'undefined') return;
    const entry: Card = {
      photoId: photo.id,
      countsAt: Date.now(),
      visibleSince: null,
      onCounts: (change) => setCounts((c) => ({ ...c, ...change })),
    };
    card.current = entry;
    cards.set(el, entry);
    observer ??= new IntersectionObserver(onIntersect);
    observer.observe(el);
    return () => {
      observer?.unobserve(el);
      cards.delete(el);
      card.current = null;
      schedule(0);
    };
  }, [photo.id, ready]);

  return { ref, counts };
}

function onIntersect(entries: IntersectionObserverEntry[]): void {
  const now = Date.now();
  for (const e of entries) {
    const card = cards.get(e.target);
    if (card) card.visibleSince = e.isIntersecting ? (card.visibleSince ?? now) : null;
  }
  schedule(SETTLE_MS);
}

function schedule(delayMs: number): void {
  clearTimeout(timer);
  timer = setTimeout(reconcile, delayMs);
}

/** Unwatches what left the screen, then watches what is on it (longest there first), within the budget. */
function reconcile(): void {
  const wanted = wantedPhotos();
  for (const id of [...watched.keys()]) {
    if (wanted.has(id)) continue;
    if (!spend()) return schedule(REFILL_MS);
    watched.get(id)!();
    watched.delete(id);
  }
  for (const id of wanted) {
    if (watched.has(id)) continue;
    if (!spend()) return schedule(REFILL_MS);
    watched.set(id, watch(id));
  }
}

function wantedPhotos(): Set<string> {
  const visible = [...cards.values()].filter((c) => c.visibleSince !== null && !refused.has(c.photoId));
  // Keep what is watched already, so a crowded screen does not swap subscriptions back and forth.
  visible.sort((a, b) => Number(watched.has(b.photoId)) - Number(watched.has(a.photoId)) || a.visibleSince! - b.visibleSince!);
  const wanted = new Set<string>();
  for (const c of visible) {
    if (wanted.size === MAX_WATCHED) break;
    wanted.add(c.photoId);
  }
  return wanted;
}

/** Takes one request from our budget (a token bucket), or says to wait. */
function spend(): boolean {
  const now = Date.now();
  tokens = Math.min(BURST, tokens + (now - tokensAt) / REFILL_MS);
  tokensAt = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

function watch(photoId: string): () => void {
  const tell = (change: Partial<CardCounts>) => {
    for (const c of cards.values()) if (c.photoId === photoId) c.onCounts(change);
  };
  return live.subscribe(photoStream(photoId), {
    onEvent(env) {
      if (isEvent(env, 'photo.liked') && env.data.id === photoId) tell({ likes: env.data.likes });
      else if (isEvent(env, 'comment.created') && env.data.comment.photoId === photoId) tell({ comments: env.data.comments });
      else if (isEvent(env, 'comment.deleted') && env.data.photoId === photoId) tell({ comments: env.data.comments });
    },
    onReset() {
      // Events before this subscription (or in a gap) are not replayed: the counts may have moved.
      const now = Date.now();
      const stale = [...cards.values()].some((c) => c.photoId === photoId && now - c.countsAt > FRESH_MS);
      if (!stale) return;
      fetchPhoto(photoId).then(
        (p) => watched.has(photoId) && tell({ likes: p.likes, comments: p.comments }),
        () => {}, // gone or unreachable: the wall's own stream and refetch deal with that
      );
    },
    onError(err) {
      // Refused: too many requests after all (try again in a while), or the photo is gone.
      watched.get(photoId)?.();
      watched.delete(photoId);
      if (err.code === 'RATE_LIMITED') schedule(2_000);
      else refused.add(photoId);
    },
  });
}
