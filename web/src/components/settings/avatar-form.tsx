// The profile picture: choose a file, see the square centre crop the server will make, upload it
// with real progress, then "Processing…" until the job's `profile.updated` (or `avatar.failed`)
// arrives on the user's own stream. Or remove the picture.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PublicUser } from '../../../../src/shared/api.js';
import { isEvent } from '../../lib/events.js';
import { updateCurrentUser } from '../../lib/session.js';
import { avatarFileProblem, AVATAR_MAX_MB } from '../../settings/avatar-file.js';
import { UploadAbortedError, uploadAvatar, type AvatarUpload } from '../../settings/avatar-upload.js';
import { fetchMe, removeAvatar } from '../../settings/settings-api.js';
import { useObjectUrl } from '../../settings/use-object-url.js';
import { toFailure, useSubmit, type Failure } from '../../settings/use-submit.js';
import { useUserStream } from '../../settings/use-user-stream.js';
import { Avatar } from '../avatar.js';
import { FieldError, FormOutcome, SettingsSection } from './section.js';

type Phase = 'idle' | 'uploading' | 'processing';

const avatarKey = (u: PublicUser): string | null => u.avatar?.large ?? null;

export function AvatarForm({ user }: { user: PublicUser }) {
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [unpreviewable, setUnpreviewable] = useState(false);
  const [phase, setPhaseState] = useState<Phase>('idle');
  const [progress, setProgress] = useState(0);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const remove = useSubmit();
  const preview = useObjectUrl(file);
  const input = useRef<HTMLInputElement>(null);
  const upload = useRef<AvatarUpload | null>(null);
  // Read by stream handlers and the upload's promise, which must see the phase of now, not of a render.
  const phaseNow = useRef<Phase>('idle');
  const avatarBefore = useRef<string | null>(null);

  const phaseOfNow = (): Phase => phaseNow.current;
  const setPhase = (p: Phase) => {
    phaseNow.current = p;
    setPhaseState(p);
  };
  const clearFile = () => {
    setFile(null);
    setUnpreviewable(false);
    if (input.current) input.current.value = '';
  };
  const finish = (updated: PublicUser) => {
    updateCurrentUser(updated);
    setPhase('idle');
    clearFile();
    setSuccess('Your new picture is in place.');
  };
  // The job is done when the avatar differs from before; after the 202, any new avatar is it
  // (the same picture uploaded again may keep its URL).
  const isTheNewAvatar = (u: PublicUser) =>
    u.avatar !== null && (phaseNow.current === 'processing' || avatarKey(u) !== avatarBefore.current);

  useEffect(() => () => upload.current?.abort(), []);

  useUserStream({
    onEvent(env) {
      const waiting = phaseNow.current !== 'idle';
      if (isEvent(env, 'profile.updated')) {
        if (waiting && isTheNewAvatar(env.data.user)) finish(env.data.user);
        else updateCurrentUser(env.data.user);
      } else if (isEvent(env, 'avatar.failed') && waiting) {
        upload.current = null;
        setPhase('idle');
        setFailure({ code: 'AVATAR_FAILED', message: env.data.reason });
      }
    },
    onReset() {
      // The event may have been missed while reconnecting: ask whether the picture changed.
      if (phaseNow.current !== 'processing') return;
      fetchMe().then(
        (me) => phaseNow.current === 'processing' && avatarKey(me) !== avatarBefore.current && finish(me),
        () => {},
      );
    },
  });

  const choose = (f: File | undefined) => {
    setFailure(null);
    setSuccess(null);
    setUnpreviewable(false);
    if (!f) return clearFile();
    setProblem(avatarFileProblem(f));
    setFile(f);
  };

  const onSubmit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!file || problem || phaseOfNow() !== 'idle') return;
    setFailure(null);
    setSuccess(null);
    setProgress(0);
    avatarBefore.current = avatarKey(user);
    setPhase('uploading');
    const current = uploadAvatar(file, setProgress);
    upload.current = current;
    try {
      await current.done;
      // The job may already have finished (its event beat the 202 here).
      if (upload.current === current && phaseOfNow() === 'uploading') setPhase('processing');
    } catch (err) {
      if (upload.current !== current) return;
      setPhase('idle');
      if (!(err instanceof UploadAbortedError)) setFailure(toFailure(err));
    } finally {
      if (upload.current === current) upload.current = null;
    }
  };

  const onRemove = () =>
    void remove.run(async () => {
      setFailure(null);
      setSuccess(null);
      updateCurrentUser(await removeAvatar());
      return 'Picture removed.';
    });

  const busy = phase !== 'idle' || remove.busy;
  const percent = Math.round(progress * 100);
  return (
    <SettingsSection id="avatar" title="Picture" lead={`A square picture beside your name everywhere. JPEG, PNG, WebP, AVIF or GIF, up to ${AVATAR_MAX_MB} MB.`}>
      <form class="settings__avatar" onSubmit={onSubmit} noValidate aria-busy={busy}>
        <div class="settings__avatar-now" data-testid="avatar-current">
          <Avatar user={user} size="xl" />
          <span class="muted">{user.avatar ? 'Your picture' : 'No picture yet'}</span>
        </div>
        {preview && !problem && (
          <figure class="crop" data-testid="avatar-crop">
            <div class="crop__shapes">
              <img class="crop__img crop__img--circle" src={preview} alt="Your new picture, as a circle" onError={() => setUnpreviewable(true)} data-testid="avatar-preview" />
              <img class="crop__img crop__img--square" src={preview} alt="Your new picture, small and square" />
            </div>
            <figcaption class="muted">
              {unpreviewable ? 'Your browser cannot show this file; the server will tell whether it can use it.' : 'The centre square of your picture is kept.'}
            </figcaption>
          </figure>
        )}
        <div class="settings__avatar-controls">
          <label class={`btn btn--ghost settings__file${busy ? ' settings__file--disabled' : ''}`}>
            {file ? 'Choose another picture' : 'Choose a picture'}
            <input
              ref={input}
              type="file"
              accept="image/*"
              class="visually-hidden"
              disabled={busy}
              aria-describedby={problem ? 'avatar-file-error' : undefined}
              onChange={(e) => choose(e.currentTarget.files?.[0])}
              data-testid="avatar-file"
            />
          </label>
          {file && <span class="muted settings__file-name">{file.name}</span>}
          <FieldError id="avatar-file-error" message={problem} code="CLIENT_CHECK" />
          {phase === 'uploading' && (
            <div class="upload__progress" data-testid="avatar-status" data-state="uploading">
              <progress max={100} value={percent} aria-label="Upload progress" data-testid="avatar-progress" />
              <span class="muted" aria-live="polite">
                {percent < 100 ? `Uploading… ${percent}%` : 'Uploaded, checking…'}
              </span>
            </div>
          )}
          {phase === 'processing' && (
            <p class="settings__processing" role="status" data-testid="avatar-status" data-state="processing">
              <span class="spinner" aria-hidden="true" /> Processing…
            </p>
          )}
          <FormOutcome success={success ?? remove.success} failure={failure ?? remove.failure} />
          <div class="settings__actions">
            {phase === 'uploading' ? (
              <button type="button" class="btn btn--ghost" onClick={() => upload.current?.abort()}>
                Cancel upload
              </button>
            ) : (
              user.avatar && (
                <button type="button" class="btn btn--ghost btn--danger" onClick={onRemove} disabled={busy} data-testid="avatar-remove">
                  {remove.busy ? 'Removing…' : 'Remove picture'}
                </button>
              )
            )}
            <button type="submit" class="btn" disabled={busy || !file || problem !== null} data-testid="avatar-save">
              {phase === 'uploading' ? 'Uploading…' : phase === 'processing' ? 'Processing…' : 'Save picture'}
            </button>
          </div>
        </div>
      </form>
    </SettingsSection>
  );
}
