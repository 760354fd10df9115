// Change the password: the current one, the new one twice. The server signs out every other
// session; this one gets a fresh cookie, so the socket reconnects to pick it up.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { LIMITS } from '../../../../src/shared/api.js';
import { live } from '../../lib/live.js';
import { changePassword } from '../../settings/settings-api.js';
import { useSubmit } from '../../settings/use-submit.js';
import { FieldError, FormOutcome, SettingsSection } from './section.js';

export function PasswordForm({ username }: { username: string }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);
  const submit = useSubmit();

  const tooShort = password.length < LIMITS.passwordMin;
  const tooLong = password.length > LIMITS.passwordMax;
  const newProblem = tooShort
    ? `At least ${LIMITS.passwordMin} characters.`
    : tooLong
      ? `At most ${LIMITS.passwordMax} characters.`
      : password === current
        ? 'Choose a password different from the current one.'
        : null;
  const confirmProblem = confirm !== password ? 'The two new passwords differ.' : null;
  const currentProblem = checked && current === '' ? 'Enter your current password.' : null;
  // The server's verdict on the current password belongs on that field; anything else under the form.
  const wrongCurrent = submit.failure?.code === 'WRONG_PASSWORD' ? 'Your current password is wrong.' : null;
  const formFailure = wrongCurrent ? null : submit.failure;

  const edit = (set: (v: string) => void) => (e: JSX.TargetedEvent<HTMLInputElement>) => {
    set(e.currentTarget.value);
    submit.reset();
  };

  const onSubmit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setChecked(true);
    if (current === '' || newProblem || confirmProblem) return;
    void submit.run(async () => {
      await changePassword(current, password);
      setCurrent('');
      setPassword('');
      setConfirm('');
      setChecked(false);
      // The server ended the socket's old session along with every other one.
      live.restart();
      return 'Password changed. You were signed out on every other device; this one stays signed in.';
    });
  };

  const showNew = checked || password !== '';
  const showConfirm = checked || confirm !== '';
  return (
    <SettingsSection id="password" title="Password" lead="Changing it signs you out everywhere else.">
      <form class="form settings__form" onSubmit={onSubmit} noValidate aria-busy={submit.busy}>
        {/* Lets password managers tie the new password to the account. */}
        <input type="text" name="username" autoComplete="username" class="visually-hidden" tabIndex={-1} aria-hidden="true" readOnly value={username} />
        <label class="field">
          <span class="field__label">Current password</span>
          <input
            type="password"
            name="current"
            value={current}
            onInput={edit(setCurrent)}
            autoComplete="current-password"
            aria-invalid={Boolean(wrongCurrent ?? currentProblem)}
            aria-describedby={wrongCurrent ?? currentProblem ? 'current-password-error' : undefined}
            disabled={submit.busy}
            data-testid="current-password"
          />
          <FieldError id="current-password-error" message={wrongCurrent ?? currentProblem} code={wrongCurrent ? 'WRONG_PASSWORD' : undefined} />
        </label>
        <label class="field">
          <span class="field__label">New password</span>
          <input
            type="password"
            name="password"
            value={password}
            onInput={edit(setPassword)}
            autoComplete="new-password"
            aria-invalid={showNew && newProblem !== null}
            aria-describedby={showNew && newProblem ? 'new-password-error' : 'new-password-hint'}
            disabled={submit.busy}
            data-testid="new-password"
          />
          {showNew && newProblem ? (
            <FieldError id="new-password-error" message={newProblem} />
          ) : (
            <span id="new-password-hint" class="field__hint">
              At least {LIMITS.passwordMin} characters
            </span>
          )}
        </label>
        <label class="field">
          <span class="field__label">Confirm new password</span>
          <input
            type="password"
            name="confirm"
            value={confirm}
            onInput={edit(setConfirm)}
            autoComplete="new-password"
            aria-invalid={showConfirm && confirmProblem !== null}
            aria-describedby={showConfirm && confirmProblem ? 'confirm-password-error' : undefined}
            disabled={submit.busy}
            data-testid="confirm-password"
          />
          <FieldError id="confirm-password-error" message={showConfirm ? confirmProblem : null} />
        </label>
        <FormOutcome success={submit.success} failure={formFailure} />
        <div class="settings__actions">
          <button type="submit" class="btn" disabled={submit.busy} data-testid="password-save">
            {submit.busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </SettingsSection>
  );
}
