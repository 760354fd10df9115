// A data export's life on the settings page: requested (pending), then ready with a download link,
// or failed. Readiness comes from whichever is first: the `export.ready` notification on the user
// stream, or a bounded poll of GET /api/me/exports (which also says when the job gave up).
// The last export is remembered per user in localStorage, so a reload still shows its link.
import { useEffect, useState } from 'preact/hooks';
import type { AccountExport } from '../../../src/shared/api.js';
import { isEvent } from '../lib/events.js';
import { exportStatus, requestExport } from './settings-api.js';
import { toFailure, type Failure } from './use-submit.js';
import { useUserStream } from './use-user-stream.js';

export const POLL_MS = 3_000;
/** About two minutes of polling; after that the notification still says when it is ready. */
export const POLL_LIMIT = 40;

const EXPORT_FAILED: Failure = { code: 'EXPORT_FAILED', message: 'The export could not be made. Try again later.' };

export type ExportState =
  | { status: 'idle' }
  | { status: 'requesting' }
  | { status: 'pending'; exp: AccountExport; slow: boolean }
  | { status: 'ready'; exp: AccountExport }
  /** `exp`: the last export, still downloadable when the new request was refused. */
  | { status: 'failed'; failure: Failure; exp?: AccountExport };

export interface ExportControl {
  state: ExportState;
  request(): Promise<void>;
}

export function useExport(userId: string): ExportControl {
  const storeKey = `strobe:export:${userId}`;
  const [state, setState] = useState<ExportState>(() => {
    const exp = remembered(storeKey);
    if (!exp) return { status: 'idle' };
    return exp.status === 'ready' ? { status: 'ready', exp } : { status: 'pending', exp, slow: false };
  });
  const pendingId = state.status === 'pending' ? state.exp.id : null;

  const becameReady = (id: string, url?: string) =>
    setState((s) => {
      if (s.status !== 'pending' || s.exp.id !== id) return s;
      const exp = { ...s.exp, status: 'ready' as const, url: url ?? s.exp.url };
      remember(storeKey, exp);
      return { status: 'ready', exp };
    });

  useUserStream({
    onEvent(env) {
      if (isEvent(env, 'notification') && env.data.type === 'export.ready' && env.data.export) {
        becameReady(env.data.export.id, env.data.export.url);
      }
    },
  });

  const failed = (id: string) =>
    setState((s) => (s.status === 'pending' && s.exp.id === id ? { status: 'failed', failure: EXPORT_FAILED } : s));

  // The poll: one status read every few seconds while pending, at most POLL_LIMIT of them.
  useEffect(() => {
    if (state.status !== 'pending') return;
    const { id, url } = state.exp;
    let polls = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const status = await exportStatus(id);
      if (stopped) return;
      if (status === 'ready') return becameReady(id, url);
      if (status === 'failed' || status === 'gone') return failed(id);
      if (stopped) return;
      if (++polls >= POLL_LIMIT) return setState((s) => (s.status === 'pending' && s.exp.id === id ? { ...s, slow: true } : s));
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // Restarts only for another export, not when `slow` flips.
  }, [pendingId]);

  const request = async () => {
    if (state.status === 'requesting') return;
    const previous = state.status === 'ready' ? state.exp : undefined;
    setState({ status: 'requesting' });
    try {
      const exp = await requestExport();
      remember(storeKey, exp);
      if (exp.status === 'failed') setState({ status: 'failed', failure: EXPORT_FAILED });
      else setState(exp.status === 'ready' ? { status: 'ready', exp } : { status: 'pending', exp, slow: false });
    } catch (err) {
      setState({ status: 'failed', failure: toFailure(err), exp: previous });
    }
  };

  return { state, request };
}

function remember(key: string, exp: AccountExport): void {
  try {
    localStorage.setItem(key, JSON.stringify(exp));
  } catch {
    // Private mode or full storage: the link just will not survive a reload.
  }
}

/** The last export asked for, unless it has expired (or storage holds something else). */
function remembered(key: string): AccountExport | null {
  try {
    const exp = JSON.parse(localStorage.getItem(key) ?? 'null') as AccountExport | null;
    if (!exp || typeof exp.id !== 'string' || typeof exp.url !== 'string' || !exp.url.startsWith('/api/me/exports/')) return null;
    if (exp.status === 'failed' || Date.parse(exp.expiresAt) <= Date.now()) return null;
    return exp;
  } catch {
    return null;
  }
}
