// The catalogue of streams a client may subscribe to. Each feature registers its own kinds, with
// the authorization check that runs on every subscription and optional join/leave hooks.
import { AppError, errors } from '../errors.js';
import type { Viewer } from '../features/accounts/viewer.js';
import type { AppSocket } from './types.js';

export interface ResolvedStream {
  publicName: string;
  /** The bus stream: per-viewer streams (`home`, `user`) map to `home:<id>` and `user:<id>`. */
  busName: string;
}

export interface StreamKind {
  /** `latest` takes no argument; `chat:<room>` takes one. */
  takesArg: boolean;
  argPattern?: RegExp;
  /** Throws an AppError (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND) when the viewer may not watch. */
  authorize(viewer: Viewer | null, arg: string): Promise<string> | string;
  /** Called once per socket when it starts watching (not on a re-subscribe). */
  onJoined?(socket: AppSocket, arg: string): Promise<void>;
  /** Called once per socket when it stops watching: unsubscribe or disconnect. */
  onLeft?(socket: AppSocket, arg: string): Promise<void>;
}

export class StreamRegistry {
  private readonly kinds = new Map<string, StreamKind>();

  register(name: string, kind: StreamKind): void {
    if (this.kinds.has(name)) throw new Error(`stream kind ${name} registered twice`);
    this.kinds.set(name, kind);
  }

  /** Parses and authorizes a client's stream name. */
  async resolve(name: unknown, viewer: Viewer | null): Promise<{ stream: ResolvedStream; kind: StreamKind; arg: string }> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw errors.badRequest('`stream` must be a stream name.');
    }
    const colon = name.indexOf(':');
    const kindName = colon === -1 ? name : name.slice(0, colon);
    const arg = colon === -1 ? '' : name.slice(colon + 1);
    const kind = this.kinds.get(kindName);
    if (!kind || kind.takesArg !== (colon !== -1) || (kind.argPattern && !kind.argPattern.test(arg))) {
      throw new AppError('BAD_REQUEST', 400, `Unknown stream "${name.slice(0, 60)}".`);
    }
    const busName = await kind.authorize(viewer, arg);
    return { stream: { publicName: name, busName }, kind, arg };
  }

  /** The kind and argument of a stream this registry resolved earlier. */
  lookup(publicName: string): { kind: StreamKind; arg: string } | undefined {
    const colon = publicName.indexOf(':');
    const kind = this.kinds.get(colon === -1 ? publicName : publicName.slice(0, colon));
    return kind && { kind, arg: colon === -1 ? '' : publicName.slice(colon + 1) };
  }
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw errors.unauthenticated();
  return viewer;
}
