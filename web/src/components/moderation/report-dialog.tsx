// Why is this reported: one reason, an optional note, then a thank-you. A repeat report of the same
// thing is answered with the open one (200), which thanks the same way: the moderators have it.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReportReason, ReportTargetType } from '../../../../src/shared/community.js';
import { useAction } from '../../lib/use-action.js';
import { REASONS } from '../../moderation/format.js';
import { sendReport } from '../../moderation/moderation-api.js';
import { Alert } from '../alert.js';
import { Modal } from '../modal.js';

const NOTE_MAX = 1000;

interface Props {
  target: { type: ReportTargetType; id: string };
  label: string;
  onClose(): void;
}

export function ReportDialog({ target, label, onClose }: Props) {
  const [reason, setReason] = useState<ReportReason | null>(null);
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();
  const done = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (sent) done.current?.focus();
  }, [sent]);

  const submit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!reason) return setMissing(true);
    void run(async () => {
      await sendReport(target, reason, note.trim());
      setSent(true);
    });
  };

  return (
    <Modal label={label} onClose={onClose} class="modal--report" testId="report-dialog">
      {sent ? (
        <div class="report report--sent" role="status">
          <h2>Report sent</h2>
          <p data-testid="report-thanks">Thanks, the moderators will look at it.</p>
          <button ref={done} type="button" class="btn btn--small" onClick={onClose}>
            Close
          </button>
        </div>
      ) : (
        <form class="report form" onSubmit={submit} noValidate aria-busy={busy}>
          <header class="report__head">
            <h2>{label}</h2>
            <button type="button" class="btn btn--small btn--ghost" onClick={onClose} aria-label="Close">
              ✕
            </button>
          </header>
          <fieldset class="report__reasons" aria-describedby={missing ? 'report-missing' : undefined}>
            <legend class="field__label">What is wrong with it?</legend>
            {REASONS.map((r) => (
              <label key={r.value} class="report__reason">
                <input
                  type="radio"
                  name="reason"
                  value={r.value}
                  checked={reason === r.value}
                  onChange={() => {
                    setReason(r.value);
                    setMissing(false);
                  }}
                  data-testid={`report-reason-${r.value}`}
                />
                <span>
                  <strong>{r.label}</strong> <span class="muted">{r.hint}</span>
                </span>
              </label>
            ))}
            {missing && (
              <span id="report-missing" class="field__hint field__hint--bad" role="alert">
                Choose a reason.
              </span>
            )}
          </fieldset>
          <label class="field">
            <span class="field__label">Anything the moderators should know? (optional)</span>
            <textarea rows={3} maxLength={NOTE_MAX} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="report-note" />
            <span class="field__hint">{NOTE_MAX - note.length} characters left</span>
          </label>
          {error && <Alert>{error}</Alert>}
          <div class="report__buttons">
            <button type="submit" class="btn btn--small btn--danger-solid" disabled={busy} data-testid="report-submit">
              {busy ? 'Sending…' : 'Send report'}
            </button>
            <button type="button" class="btn btn--small btn--ghost" onClick={onClose} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
