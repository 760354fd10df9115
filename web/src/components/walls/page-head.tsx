import type { ComponentChildren } from 'preact';

/** The title row of a wall page; `aside` sits on the right (a picker, a button). */
export function PageHead({ title, lead, aside }: { title: ComponentChildren; lead?: ComponentChildren; aside?: ComponentChildren }) {
  return (
    <header class="page__head">
      <div class="page__titles">
        <h1 class="page__title">{title}</h1>
        {lead && <p class="page__lead muted">{lead}</p>}
      </div>
      {aside && <div class="page__aside">{aside}</div>}
    </header>
  );
}
