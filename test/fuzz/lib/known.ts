// Findings in code this suite may not change (files other people own), each with the input that
// shows it and the fix. A known finding does not fail a run, but every run prints it (and the
// fixed-seed tests report it as a TODO) until its fix lands and the entry is deleted. A run that no
// longer sees an entry says so, so that stale entries do not linger.
import type { Violation } from './contract.js';

export interface KnownFinding {
  id: string;
  /** Which fuzz targets show it. */
  target: 'http' | 'socket' | 'both';
  /** Which violations this entry explains. Match narrowly: a new bug must never hide behind it. */
  matches(v: Violation, input: string): boolean;
  why: string;
  fix: string;
}

// Every finding so far is fixed; their inputs are replayed on every run (regressions.ts). The nine
// entries that stood here (Fastify's and Node's own error shapes, engine.io's, a Range 416, an
// unchecked chat-rooms cursor, NUL and lone surrogates in clientIds and in PGlite parameters) were
// fixed in src/http/framework-errors.ts, socket-server.ts, web.ts, chat, comments and pglite.ts.
export const KNOWN_FINDINGS: KnownFinding[] = [];
