// The danger zone: deleting the account, behind a dialog that says what goes and asks for the
// password. Afterwards the visitor is signed out, on the latest photos, with a notice.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PublicUser } from '../../../../src/shared/api.js';
import { plural } from '../../photos/format.js';
import { deleteAccount, fetchOwnProfile } from '../../settings/settings-api.js';
import { signedOutTo } from '../../settings/sign-out.js';
import { useSubmit } from '../../settings/use-submit.js';
import { Modal } from '../modal.js';
import { showFarewell } from './farewell.js';
import { FieldError, FormOutcome, SettingsSection } from './section.js';

export function DeleteAccount({ user }: { user: PublicUser }) {
  const [open, setOpen] = useState(false);
  return (
    <SettingsSection id="delete" title="Delete account" danger lead="Deleting your account removes your photos and everything else you made here. It cannot be undone.">
      <div class="settings__actions settings__actions--start">
        <button type="button" class="btn btn--danger-solid" onClick={() => setOpen(true)} data-testid="delete-account">
          Delete my account…
        </button>
      </div>
      {open && <DeleteDialog user={user} onClose={() => setOpen(false)} />}
    </SettingsSection>
  );
}

function DeleteDialog({ user, onClose }: { user: PublicUser; onClose(): void }) {
  const [password, setPassword] = useState('');
  const [photos, setPhotos] = useState<number | null>(null);
  const submit = useSubmit();

  useEffect(() => {
    let current = true;
    fetchOwnProfile(user.username).then(
      (p) => current && setPhotos(p.counts.photos),
      // Without the count the dialog still says what goes, just not how many.
      () => {},
    );
    return () => {
      current = false;
    };
  }, [user.username]);

  const wrongPassword = submit.failure?.code === 'WRONG_PASSWORD' ? 'That is not your password.' : null;
  const close = () => {
    if (!submit.busy) onClose();
  };
  const onSubmit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (password === '') return;
    void submit.run(async () => {
      await deleteAccount(password);
      signedOutTo('/');
      showFarewell('Your account has been deleted. Thank you for the photos.');
      return null;
    });
  };

  return (
    <Modal label="Delete your account" onClose={close} class="modal--settings" testId="delete-dialog">
      <form class="form settings__dialog" onSubmit={onSubmit} noValidate aria-busy={submit.busy}>
        <h2>Delete your account?</h2>
        <p>This cannot be undone. Deleting @{user.username} removes, for everyone:</p>
        <ul class="settings__goes" data-testid="delete-what-goes">
          <li>{photos === null ? 'your photos' : photos === 0 ? 'your photos (you have none yet)' : `your ${plural(photos, 'photo')}`}</li>
          <li>your comments, likes and follows</li>
          <li>your notifications</li>
        </ul>
        <p>
          Your chat messages stay, shown as from a deleted user. Your username cannot be taken by anyone for 30 days.
        </p>
        <label class="field">
          <span class="field__label">Your password</span>
          <input
            type="password"
            name="password"
            value={password}
            onInput={(e) => {
              setPassword(e.currentTarget.value);
              submit.reset();
            }}
            autoComplete="current-password"
            aria-invalid={wrongPassword !== null}
            aria-describedby={wrongPassword ? 'delete-password-error' : undefined}
            disabled={submit.busy}
            data-testid="delete-password"
          />
          <FieldError id="delete-password-error" message={wrongPassword} code={wrongPassword ? 'WRONG_PASSWORD' : undefined} />
        </label>
        <FormOutcome failure={wrongPassword ? null : submit.failure} />
        <div class="settings__actions">
          <button type="button" class="btn btn--ghost" onClick={close} disabled={submit.busy}>
            Cancel
          </button>
          <button type="submit" class="btn btn--danger-solid" disabled={submit.busy || password === ''} data-testid="delete-confirm">
            {submit.busy ? 'Deleting…' : 'Delete my account'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
