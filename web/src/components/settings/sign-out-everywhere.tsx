// Sign out everywhere: every session of the account ends, this one included, with their sockets.
import { useState } from 'preact/hooks';
import { logoutEverywhere } from '../../settings/settings-api.js';
import { signedOutTo } from '../../settings/sign-out.js';
import { useSubmit } from '../../settings/use-submit.js';
import { FormOutcome, SettingsSection } from './section.js';

export function SignOutEverywhere() {
  const [confirming, setConfirming] = useState(false);
  const submit = useSubmit();
  const go = () =>
    void submit.run(async () => {
      await logoutEverywhere();
      signedOutTo('/login');
      return null;
    });

  return (
    <SettingsSection id="sessions" title="Sign out everywhere" lead="Lost a phone, or used a shared computer? End every session of your account, this one included.">
      {confirming ? (
        <div class="confirm" role="group" aria-label="Confirm signing out everywhere">
          <span>Sign out on every device, this one included?</span>
          <div class="confirm__buttons">
            <button type="button" class="btn btn--small btn--danger-solid" onClick={go} disabled={submit.busy} data-testid="logout-all-confirm">
              {submit.busy ? 'Signing out…' : 'Sign out everywhere'}
            </button>
            <button type="button" class="btn btn--small btn--ghost" onClick={() => setConfirming(false)} disabled={submit.busy}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div class="settings__actions settings__actions--start">
          <button type="button" class="btn btn--ghost" onClick={() => setConfirming(true)} data-testid="logout-all">
            Sign out everywhere…
          </button>
        </div>
      )}
      <FormOutcome failure={submit.failure} />
    </SettingsSection>
  );
}
