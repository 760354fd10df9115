// Export: ask for a zip of your data, wait while it is built (the page polls, and the
// `export.ready` notification also says when), then download it.
import type { AccountExport } from '../../../../src/shared/api.js';
import { useExport } from '../../settings/use-export.js';
import { FormOutcome, SettingsSection } from './section.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function ExportData({ userId }: { userId: string }) {
  const { state, request } = useExport(userId);
  const busy = state.status === 'requesting' || state.status === 'pending';

  return (
    <SettingsSection
      id="export"
      title="Export your data"
      lead="A zip of your profile, photos with their captions, comments, follows, likes and notifications. One export an hour."
    >
      <div class="settings__export" data-testid="export-status" data-status={state.status}>
        {state.status === 'pending' && (
          <p class="settings__processing" role="status">
            <span class="spinner" aria-hidden="true" />
            {state.slow ? 'Still being prepared. You will get a notification when it is ready.' : 'Preparing your export…'}
          </p>
        )}
        {state.status === 'ready' && <ReadyLink exp={state.exp} />}
        {state.status === 'failed' && (
          <>
            <FormOutcome failure={state.failure} />
            {state.exp && <ReadyLink exp={state.exp} />}
          </>
        )}
        <div class="settings__actions settings__actions--start">
          <button type="button" class="btn btn--ghost" onClick={() => void request()} disabled={busy} data-testid="export-request">
            {state.status === 'requesting' ? 'Asking…' : state.status === 'ready' ? 'Make a new export' : 'Export my data'}
          </button>
        </div>
      </div>
    </SettingsSection>
  );
}

function ReadyLink({ exp }: { exp: AccountExport }) {
  return (
    <p class="settings__success" role="status">
      Your export is ready.{' '}
      <a href={exp.url} download data-testid="export-download">
        Download the zip
      </a>{' '}
      <span class="muted">(until {dateFormat.format(new Date(exp.expiresAt))})</span>
    </p>
  );
}
