// Values the server made or knows (photo ids, usernames, rooms, cursors…), learned as the fuzzer
// goes. Generators pick "the i-th known photo id" rather than a literal, so generated inputs reach
// the code behind the existence checks, and the pick is resolved only when the request is sent.

export type PoolName =
  | 'photoId'
  | 'readyPhotoId'
  | 'commentId'
  | 'exportId'
  | 'username'
  | 'room'
  | 'citySlug'
  | 'cityPrefix'
  | 'queue'
  | 'mediaKey'
  | 'cursor'
  | 'credential'
  | 'offset';

/** "The i-th value of a pool", resolved at send time. */
export class Pick {
  constructor(
    readonly pool: PoolName,
    readonly i: number,
  ) {}

  toString(): string {
    return `<${this.pool}#${this.i}>`;
  }
}

/** A pick with a poison character added when it is resolved: `lobby\u0000`, `fz_ana\ud800`. */
export class Poisoned {
  constructor(
    readonly pick: Pick,
    readonly poison: string,
    readonly atEnd: boolean,
  ) {}

  toString(): string {
    return `<${this.pick.pool}#${this.pick.i}+${JSON.stringify(this.poison)}>`;
  }
}

const FALLBACK: Record<PoolName, unknown> = {
  photoId: '1',
  readyPhotoId: '1',
  commentId: '1',
  exportId: '1',
  username: 'nobody_here',
  room: 'lobby',
  citySlug: 'paris-fr',
  cityPrefix: 'par',
  queue: 'notify',
  mediaKey: `${'0'.repeat(64)}.webp`,
  cursor: '',
  credential: { username: 'nobody_here', password: 'not-a-password' },
  offset: '0-0',
};

const MAX_PER_POOL = 300;

export class Pools {
  private readonly pools = new Map<PoolName, unknown[]>();
  private readonly seen = new Map<PoolName, Set<string>>();

  add(pool: PoolName, value: unknown): void {
    const key = JSON.stringify(value);
    let seen = this.seen.get(pool);
    if (!seen) this.seen.set(pool, (seen = new Set()));
    if (seen.has(key)) return;
    seen.add(key);
    let list = this.pools.get(pool);
    if (!list) this.pools.set(pool, (list = []));
    list.push(value);
    // Bounded: the oldest learned values go first, the seeded ones (at the front) are kept.
    if (list.length > MAX_PER_POOL) list.splice(20, 1);
  }

  /** The i-th value; a negative i counts from the newest (-1 is the last one learned). */
  get(pool: PoolName, i: number): unknown {
    const list = this.pools.get(pool);
    if (!list || list.length === 0) return FALLBACK[pool];
    return i < 0 ? list[list.length - 1 - ((-i - 1) % list.length)] : list[i % list.length];
  }

  /** Forgets a value (a photo that was deleted). */
  remove(pool: PoolName, value: unknown): void {
    const key = JSON.stringify(value);
    const list = this.pools.get(pool);
    if (!list || !this.seen.get(pool)?.delete(key)) return;
    const at = list.findIndex((v) => JSON.stringify(v) === key);
    if (at !== -1) list.splice(at, 1);
  }

  size(pool: PoolName): number {
    return this.pools.get(pool)?.length ?? 0;
  }

  all(pool: PoolName): readonly unknown[] {
    return this.pools.get(pool) ?? [];
  }
}

/** Replaces every Pick in a value (deeply) with what its pool holds now. */
export function resolve(value: unknown, pools: Pools): unknown {
  if (value instanceof Pick) return pools.get(value.pool, value.i);
  if (value instanceof Poisoned) {
    const base = pools.get(value.pick.pool, value.pick.i);
    const text = typeof base === 'string' ? base : JSON.stringify(base);
    return value.atEnd ? text + value.poison : value.poison + text;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, pools));
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a generated `__proto__` key must stay a key, not become the prototype.
      Object.defineProperty(out, k, { value: resolve(v, pools), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Which pool holds good values for a field or parameter of this name (in a route with this path). */
export function poolFor(name: string, path = ''): PoolName | undefined {
  switch (name) {
    case 'id':
      return path.includes('/comments/') ? 'commentId' : path.includes('/exports/') ? 'exportId' : 'photoId';
    case 'username':
      return 'username';
    case 'room':
    case 'name':
      return 'room';
    case 'slug':
    case 'city':
      return 'citySlug';
    case 'q':
      return 'cityPrefix';
    case 'queue':
      return 'queue';
    case 'key':
      return 'mediaKey';
    case 'before':
    case 'after':
      return 'cursor';
    default:
      return undefined;
  }
}
