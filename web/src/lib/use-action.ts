// The state of a request a button starts: whether it is out, and why the last one failed.
import { useState } from 'preact/hooks';
import { errorMessage } from './api.js';

export interface Action {
  busy: boolean;
  /** The message of the last failure; cleared when the next run starts. */
  error: string | null;
  /** Runs `request` unless one is already out (a double click must not send twice). */
  run(request: () => Promise<void>): Promise<void>;
}

export interface ActionOptions {
  /**
   * Stay busy after a success. For a request that removes its own button (a delete): until the
   * page drops it, the button must not offer to send again.
   */
  busyAfterSuccess?: boolean;
}

export function useAction({ busyAfterSuccess = false }: ActionOptions = {}): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (request: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await request();
      if (!busyAfterSuccess) setBusy(false);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return { busy, error, run };
}
