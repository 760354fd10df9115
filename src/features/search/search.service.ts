// One search box: users (by username or display name), tags and cities whose name starts with what
// was typed, at most 10 of each, each answered by a prefix range of one index (never a scan of photos or users).
import { errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import type { SearchResults } from '../../shared/api.js';
import type { Viewer } from '../accounts/viewer.js';
import type { HiddenAuthors } from '../blocks/visibility.js';
import type { CitiesService } from '../cities/cities.service.js';
import { searchTags } from '../tags/tags.repo.js';
import { normalizeTag } from '../tags/tags.text.js';
import { searchUsers } from './search.repo.js';

export const SEARCH_LIMITS = { qMax: 100, perKind: 10 } as const;

/** What a username prefix can be: usernames are `[a-z0-9_]`, so anything else matches no one. */
const USERNAME_PREFIX = /^[a-z0-9_]{1,30}$/;

export class SearchService {
  constructor(private readonly deps: { db: Db; cities: CitiesService; hidden: HiddenAuthors }) {}

  /**
   * `q` is 1–100 characters (checked by the route). A leading `#` searches tags only and a leading
   * `@` users only; otherwise all three kinds. Matching is case-insensitive for users and tags
   * (both are stored lower case) and for cities. Users the viewer must not see (blocks either way,
   * suspensions) are left out.
   */
  async search(raw: string, viewer: Viewer | null): Promise<SearchResults> {
    const q = raw.trim();
    if (q.length === 0) throw errors.validation('`q` is 1 to 100 characters: type the start of a name, a #tag or a city.');
    // No name holds a NUL, and PostgreSQL refuses one in a text parameter.
    if (q.includes('\u0000')) return { users: [], tags: [], cities: [] };
    const only = q.startsWith('#') ? 'tags' : q.startsWith('@') ? 'users' : null;
    const bare = only ? q.slice(1) : q;
    const userPrefix = bare.toLowerCase();
    const tagPrefix = bare.length > 0 ? normalizeTag(bare) : null;
    const limit = SEARCH_LIMITS.perKind;
    const [users, tags, cities] = await Promise.all([
      (only ?? 'users') === 'users' && bare.length > 0 ? this.users(viewer, USERNAME_PREFIX.test(userPrefix) ? userPrefix : null, bare, limit) : [],
      (only ?? 'tags') === 'tags' && tagPrefix !== null ? searchTags(this.deps.db, tagPrefix, limit) : [],
      only === null ? this.deps.cities.search(q, limit) : [],
    ]);
    return { users, tags, cities };
  }

  private async users(viewer: Viewer | null, usernamePrefix: string | null, displayPrefix: string, limit: number) {
    const hidden = await this.deps.hidden.hiddenFor(viewer?.id ?? null);
    return searchUsers(this.deps.db, usernamePrefix, displayPrefix, limit, hidden);
  }
}
