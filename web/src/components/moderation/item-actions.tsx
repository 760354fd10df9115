// What a moderator can do about one queue entry: dismiss it, remove the content (with a reason its
// author is told), suspend the author (for a time or indefinitely) or lift their suspension. Each
// asks what it needs in place, then reports back what it did.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { DELETED_USERNAME } from '../../../../src/shared/api.js';
import type { ModerationItem, ModerationResult } from '../../../../src/shared/community.js';
import { useAction } from '../../lib/use-action.js';
import { DURATIONS, TARGET_NAMES } from '../../moderation/format.js';
import { dismissReport, liftSuspension, removeReported, suspendUser } from '../../moderation/moderation-api.js';
import { Alert } from '../alert.js';

const REASON_MAX = 500;

type Mode = 'idle' | 'remove' | 'suspend';

export function ItemActions({ item, onDone }: { item: ModerationItem; onDone(result: ModerationResult): void }) {
  const [mode, setMode] = useState<Mode>('idle');
  const { busy, error, run } = useAction();
  const { report, content } = item;
  const author = content.author && content.author.username !== DELETED_USERNAME ? content.author : null;
  const what = TARGET_NAMES[content.type];

  if (mode === 'remove') {
    return (
      <ReasonForm
        title={`Remove this ${what}? Its author is told why.`}
        submitLabel={`Remove ${what}`}
        busy={busy}
        error={error}
        onCancel={() => setMode('idle')}
        onSubmit={(reason) => void run(async () => onDone(await removeReported(report.id, reason)))}
        testId="remove-form"
      />
    );
  }
  if (mode === 'suspend' && author) {
    return (
      <ReasonForm
        title={`Suspend @${author.username}? They are signed out everywhere and what they posted is hidden until it ends.`}
        submitLabel={`Suspend @${author.username}`}
        busy={busy}
        error={error}
        withDuration
        onCancel={() => setMode('idle')}
        onSubmit={(reason, ms) =>
          void run(async () => onDone(await suspendUser(author.username, ms === null ? null : new Date(Date.now() + ms).toISOString(), reason, report.id)))
        }
        testId="suspend-form"
      />
    );
  }
  return (
    <div class="mod-actions" role="group" aria-label="Moderation actions">
      <button type="button" class="btn btn--small btn--ghost" disabled={busy} onClick={() => void run(async () => onDone(await dismissReport(report.id)))} data-testid="mod-dismiss">
        Dismiss
      </button>
      {content.type !== 'user' && !content.gone && (
        <button type="button" class="btn btn--small btn--ghost btn--danger" disabled={busy} onClick={() => setMode('remove')} data-testid="mod-remove">
          Remove {what}…
        </button>
      )}
      {author && !item.suspended && (
        <button type="button" class="btn btn--small btn--ghost btn--danger" disabled={busy} onClick={() => setMode('suspend')} data-testid="mod-suspend">
          Suspend @{author.username}…
        </button>
      )}
      {author && item.suspended && (
        <button type="button" class="btn btn--small btn--ghost" disabled={busy} onClick={() => void run(async () => onDone(await liftSuspension(author.username)))} data-testid="mod-lift">
          Lift suspension
        </button>
      )}
      {error && <Alert>{error}</Alert>}
    </div>
  );
}

interface ReasonFormProps {
  title: string;
  submitLabel: string;
  busy: boolean;
  error: string | null;
  withDuration?: boolean;
  onCancel(): void;
  /** `ms`: the suspension's length, null for indefinitely (only with `withDuration`). */
  onSubmit(reason: string, ms: number | null): void;
  testId: string;
}

/** A reason (required), and for a suspension how long; submitting an empty reason says so in place. */
export function ReasonForm({ title, submitLabel, busy, error, withDuration = false, onCancel, onSubmit, testId }: ReasonFormProps) {
  const [reason, setReason] = useState('');
  const [duration, setDuration] = useState(0);
  const [missing, setMissing] = useState(false);
  const submit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!reason.trim()) return setMissing(true);
    onSubmit(reason.trim(), DURATIONS[duration]!.ms);
  };
  return (
    <form class="mod-form form" onSubmit={submit} noValidate aria-busy={busy} data-testid={testId}>
      <p class="mod-form__title">{title}</p>
      {withDuration && (
        <label class="field">
          <span class="field__label">For how long</span>
          <select value={duration} onChange={(e) => setDuration(Number(e.currentTarget.value))} data-testid="suspend-duration">
            {DURATIONS.map((d, i) => (
              <option key={d.label} value={i}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="field">
        <span class="field__label">Reason</span>
        <textarea
          rows={2}
          maxLength={REASON_MAX}
          value={reason}
          autoFocus
          onInput={(e) => {
            setReason(e.currentTarget.value);
            setMissing(false);
          }}
          aria-invalid={missing}
          data-testid="mod-reason"
        />
        {missing && (
          <span class="field__hint field__hint--bad" role="alert">
            Say why: the reason is required.
          </span>
        )}
      </label>
      {error && <Alert>{error}</Alert>}
      <div class="confirm__buttons">
        <button type="submit" class="btn btn--small btn--danger-solid" disabled={busy} data-testid="mod-confirm">
          {busy ? 'Working…' : submitLabel}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
