// One settings form's request state: busy while it is out, then either what went well or the
// server's error with its code, so a form can put a known error (WRONG_PASSWORD) on its field.
import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../lib/api.js';

export interface Failure {
  code: string;
  message: string;
}

export interface Submit {
  busy: boolean;
  failure: Failure | null;
  /** The success message of the last run; cleared when the next run starts. */
  success: string | null;
  /** Runs `request` unless one is out; what it resolves to is the success message. */
  run(request: () => Promise<string | null>): Promise<void>;
  /** Forgets the last outcome (the user edits the form again). */
  reset(): void;
  /** A failure found before sending (a mismatched confirmation). */
  fail(failure: Failure): void;
}

export function toFailure(err: unknown): Failure {
  return { code: err instanceof ApiError ? err.code : 'ERROR', message: errorMessage(err) };
}

export function useSubmit(): Submit {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const reset = () => {
    setFailure(null);
    setSuccess(null);
  };
  const run = async (request: () => Promise<string | null>) => {
    if (busy) return;
    setBusy(true);
    reset();
    try {
      setSuccess(await request());
    } catch (err) {
      setFailure(toFailure(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, failure, success, run, reset, fail: setFailure };
}
