// The frame of each settings section, and the messages every settings form shows: a success
// (announced politely) or the server's error (announced at once), with its code for tests.
import type { ComponentChildren } from 'preact';
import type { Failure } from '../../settings/use-submit.js';

interface SectionProps {
  id: string;
  title: string;
  lead?: ComponentChildren;
  danger?: boolean;
  children: ComponentChildren;
}

export function SettingsSection({ id, title, lead, danger, children }: SectionProps) {
  return (
    <section class={`settings__section card${danger ? ' settings__section--danger' : ''}`} aria-labelledby={`${id}-title`} data-testid={`settings-${id}`}>
      <header class="settings__head">
        <h2 id={`${id}-title`} class="settings__title">
          {title}
        </h2>
        {lead && <p class="settings__lead muted">{lead}</p>}
      </header>
      {children}
    </section>
  );
}

/** What the last request of a form came to; nothing before the first. */
export function FormOutcome({ success, failure }: { success?: string | null; failure?: Failure | null }) {
  if (failure) {
    return (
      <div class="alert" role="alert" data-testid="form-error" data-code={failure.code}>
        <span class="alert__text">{failure.message}</span>
      </div>
    );
  }
  if (success) {
    return (
      <p class="settings__success" role="status" data-testid="form-success">
        {success}
      </p>
    );
  }
  return null;
}

/** An error about one field, under it; the field points here with aria-describedby. */
export function FieldError({ id, message, code }: { id: string; message: string | null; code?: string }) {
  if (!message) return null;
  return (
    <span id={id} class="field__error" role="alert" data-testid="field-error" data-code={code}>
      {message}
    </span>
  );
}
