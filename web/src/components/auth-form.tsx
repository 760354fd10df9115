// Shared by login and register. The hints mirror LIMITS, but nothing is blocked here:
// the server is the judge, and its error message is what the user reads.
import { useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { LIMITS } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { Alert } from './alert.js';

const usernameOk = new RegExp(LIMITS.usernamePattern);

interface Props {
  mode: 'login' | 'register';
  onSubmit(username: string, password: string): Promise<void>;
}

export function AuthForm({ mode, onSubmit }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const registering = mode === 'register';

  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(username, password);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  const nameBad = registering && username !== '' && !usernameOk.test(username);
  const passwordBad =
    registering && password !== '' && (password.length < LIMITS.passwordMin || password.length > LIMITS.passwordMax);

  return (
    <form class="form" onSubmit={submit} noValidate aria-busy={busy}>
      <label class="field">
        <span class="field__label">Username</span>
        <input
          name="username"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          autoComplete="username"
          autoCapitalize="none"
          autoCorrect="off"
          spellcheck={false}
          aria-invalid={nameBad}
          aria-describedby={registering ? 'username-hint' : undefined}
          required
        />
        {registering && (
          <span id="username-hint" class={`field__hint${nameBad ? ' field__hint--bad' : ''}`}>
            3–30 characters: lowercase letters, digits and _
          </span>
        )}
      </label>
      <label class="field">
        <span class="field__label">Password</span>
        <input
          name="password"
          type="password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          autoComplete={registering ? 'new-password' : 'current-password'}
          aria-invalid={passwordBad}
          aria-describedby={registering ? 'password-hint' : undefined}
          required
        />
        {registering && (
          <span id="password-hint" class={`field__hint${passwordBad ? ' field__hint--bad' : ''}`}>
            At least {LIMITS.passwordMin} characters
          </span>
        )}
      </label>
      {error && <Alert>{error}</Alert>}
      <button type="submit" class="btn btn--block" disabled={busy}>
        {busy ? (registering ? 'Creating account…' : 'Signing in…') : registering ? 'Create account' : 'Log in'}
      </button>
    </form>
  );
}
