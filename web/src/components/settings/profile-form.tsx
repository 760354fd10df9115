// Display name and bio: PATCH /api/me, then the whole app (top bar, chat) shows the new values.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LIMITS, type PublicUser } from '../../../../src/shared/api.js';
import { updateCurrentUser } from '../../lib/session.js';
import { updateProfile } from '../../settings/settings-api.js';
import { textLength } from '../../settings/text-length.js';
import { useSubmit } from '../../settings/use-submit.js';
import { FieldError, FormOutcome, SettingsSection } from './section.js';

export function ProfileForm({ user }: { user: PublicUser }) {
  const [displayName, setDisplayName] = useState(user.displayName);
  const [bio, setBio] = useState(user.bio);
  const [touched, setTouched] = useState(false);
  const submit = useSubmit();
  useFollowUser(user, touched, setDisplayName, setBio);

  const nameLength = textLength(displayName.trim());
  const nameProblem =
    nameLength === 0 ? 'Enter a display name.' : nameLength > LIMITS.displayNameMax ? `At most ${LIMITS.displayNameMax} characters.` : null;
  const bioLeft = LIMITS.bioMax - textLength(bio);
  const bioProblem = bioLeft < 0 ? `At most ${LIMITS.bioMax} characters: remove ${-bioLeft}.` : null;
  const unchanged = displayName.trim() === user.displayName && bio === user.bio;

  const edit = (set: (v: string) => void) => (e: JSX.TargetedEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    set(e.currentTarget.value);
    setTouched(true);
    submit.reset();
  };

  const onSubmit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (nameProblem || bioProblem) return;
    void submit.run(async () => {
      const saved = await updateProfile({ displayName: displayName.trim(), bio });
      updateCurrentUser(saved);
      setDisplayName(saved.displayName);
      setBio(saved.bio);
      setTouched(false);
      return 'Profile saved.';
    });
  };

  return (
    <SettingsSection id="profile" title="Profile" lead="How you appear to others, next to your photos, comments and messages.">
      <form class="form settings__form" onSubmit={onSubmit} noValidate aria-busy={submit.busy}>
        <label class="field">
          <span class="field__label">Display name</span>
          <input
            name="displayName"
            value={displayName}
            onInput={edit(setDisplayName)}
            autoComplete="nickname"
            aria-invalid={touched && nameProblem !== null}
            aria-describedby={touched && nameProblem ? 'display-name-error' : 'display-name-hint'}
            disabled={submit.busy}
            data-testid="display-name"
          />
          <span id="display-name-hint" class="field__hint">
            1–{LIMITS.displayNameMax} characters. Your username, @{user.username}, stays the same.
          </span>
          <FieldError id="display-name-error" message={touched ? nameProblem : null} />
        </label>
        <label class="field">
          <span class="field__label">Bio</span>
          <textarea
            name="bio"
            rows={4}
            value={bio}
            onInput={edit(setBio)}
            placeholder="A few words about you (optional)"
            aria-invalid={bioProblem !== null}
            aria-describedby={bioProblem ? 'bio-count bio-error' : 'bio-count'}
            disabled={submit.busy}
            data-testid="bio"
          />
          <span id="bio-count" class={`field__hint settings__count${bioLeft < 30 ? ' field__hint--bad' : ''}`} aria-live="polite" data-testid="bio-count">
            {bioLeft} characters left
          </span>
          <FieldError id="bio-error" message={bioProblem} />
        </label>
        <FormOutcome success={submit.success} failure={submit.failure} />
        <div class="settings__actions">
          <button type="submit" class="btn" disabled={submit.busy || unchanged || nameProblem !== null || bioProblem !== null} data-testid="profile-save">
            {submit.busy ? 'Saving…' : 'Save profile'}
          </button>
        </div>
      </form>
    </SettingsSection>
  );
}

/** Until the user edits the form, it follows their profile as it changes elsewhere (another tab). */
function useFollowUser(user: PublicUser, touched: boolean, setDisplayName: (v: string) => void, setBio: (v: string) => void): void {
  useEffect(() => {
    if (touched) return;
    setDisplayName(user.displayName);
    setBio(user.bio);
    // Only a change of the user's values should overwrite the fields, not the user typing.
  }, [user.displayName, user.bio]);
}
