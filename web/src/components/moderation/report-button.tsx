// "Report" on a photo, a comment, a chat message or a profile: opens the report dialog. Signed-out
// visitors and the author themselves see nothing (the server refuses those reports anyway).
import { useState } from 'preact/hooks';
import type { ReportTargetType } from '../../../../src/shared/community.js';
import { useSession } from '../../lib/session.js';
import { ReportDialog } from './report-dialog.js';

interface Props {
  target: { type: ReportTargetType; id: string };
  /** The button's accessible name and the dialog's title: "Report Ann's photo". */
  label: string;
  /** Who posted it (a user target is its own author): their own button is not shown. */
  authorId?: string;
  /** A small text link (comments, chat messages) rather than a button. */
  compact?: boolean;
}

export function ReportButton({ target, label, authorId, compact = false }: Props) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  if (session.status !== 'signed-in') return null;
  const mine = (authorId ?? (target.type === 'user' ? target.id : undefined)) === session.user.id;
  if (mine) return null;
  return (
    <>
      <button
        type="button"
        class={compact ? 'linklike report-link' : 'btn btn--small btn--ghost'}
        onClick={() => setOpen(true)}
        aria-label={label}
        title={label}
        data-testid="report-button"
        data-target={`${target.type}:${target.id}`}
      >
        Report
      </button>
      {open && <ReportDialog target={target} label={label} onClose={() => setOpen(false)} />}
    </>
  );
}
