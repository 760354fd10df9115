// One entry of the moderation queue: what was reported (as it is now), who posted it and whether
// they are suspended, who reported it and why, the earlier reports and actions, and the actions.
// All user text is JSX text, never HTML.
import type { ComponentChildren } from 'preact';
import { DELETED_USERNAME, type PublicUser } from '../../../../src/shared/api.js';
import type { ModerationItem, ModerationResult, ReportedContent } from '../../../../src/shared/community.js';
import { fullTime, photoHref, timeAgo, userHref } from '../../photos/format.js';
import { ACTION_NAMES, TARGET_NAMES, reasonLabel, untilLabel } from '../../moderation/format.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { ItemActions } from './item-actions.js';

export function QueueItem({ item, onDone }: { item: ModerationItem; onDone(result: ModerationResult): void }) {
  const { report, content } = item;
  return (
    <li class="mod-item" data-testid="moderation-item" data-report={report.id} data-target={`${content.type}:${content.id}`}>
      <div class="mod-item__content">
        {content.thumb && !content.gone && <img class="mod-item__thumb" src={content.thumb} alt="" loading="lazy" />}
        <div class="mod-item__what">
          <p class="mod-item__kind">
            <span class="mod-tag">{TARGET_NAMES[content.type]}</span>
            {content.gone ? <span class="mod-tag mod-tag--gone">gone</span> : <ContentLink content={content} />}
          </p>
          {content.gone ? (
            <p class="muted">It was deleted or removed since it was reported.</p>
          ) : (
            <p class="mod-item__text" data-testid="moderation-text">
              {content.text || <span class="muted">{content.type === 'user' ? 'No bio.' : 'No text.'}</span>}
            </p>
          )}
        </div>
      </div>
      <dl class="mod-item__facts">
        <dt>Posted by</dt>
        <dd>
          <Person user={content.author} />
          {item.suspended && (
            <span class="mod-tag mod-tag--bad" data-testid="moderation-suspended">
              suspended {untilLabel(item.suspendedUntil)}
            </span>
          )}
        </dd>
        <dt>Reported by</dt>
        <dd>
          <Person user={report.reporter} />
          <time class="muted" dateTime={report.createdAt} title={fullTime(report.createdAt)}>
            {timeAgo(report.createdAt)}
          </time>
        </dd>
        <dt>Reason</dt>
        <dd data-testid="moderation-reason">
          <strong>{reasonLabel(report.reason)}</strong>
          {report.note && <span class="mod-item__note">“{report.note}”</span>}
        </dd>
      </dl>
      {item.earlier.length > 0 && (
        <History title={`Earlier reports of this ${TARGET_NAMES[content.type]}`} count={item.earlier.length}>
          {item.earlier.map((r) => (
            <li key={r.id}>
              {reasonLabel(r.reason)} · {r.status} · <span title={fullTime(r.createdAt)}>{timeAgo(r.createdAt)}</span>
              {r.note && <span class="mod-item__note">“{r.note}”</span>}
            </li>
          ))}
        </History>
      )}
      {item.actions.length > 0 && (
        <History title="Earlier actions about the author" count={item.actions.length}>
          {item.actions.map((a) => (
            <li key={a.id}>
              {a.actor ? `@${a.actor.username}` : 'The operator'} {ACTION_NAMES[a.action]}
              {a.target && a.action !== 'suspend' && a.action !== 'unsuspend' && a.action !== 'role' ? ` a ${TARGET_NAMES[a.target.type]}` : ''}
              {a.action === 'suspend' ? ` ${untilLabel(a.until)}` : ''} · <span title={fullTime(a.createdAt)}>{timeAgo(a.createdAt)}</span>
              {a.reason && <span class="mod-item__note">“{a.reason}”</span>}
            </li>
          ))}
        </History>
      )}
      <ItemActions item={item} onDone={onDone} />
    </li>
  );
}

function ContentLink({ content }: { content: ReportedContent }) {
  const href =
    content.type === 'photo'
      ? photoHref(content.id)
      : content.type === 'comment' && content.context
        ? photoHref(content.context)
        : content.type === 'message' && content.context
          ? `/chat/${content.context}`
          : content.type === 'user' && content.author
            ? userHref(content.author.username)
            : null;
  if (!href) return null;
  const label = content.type === 'comment' ? 'on this photo' : content.type === 'message' ? `in #${content.context}` : 'open';
  return (
    <Link href={href} class="mod-item__open">
      {label}
    </Link>
  );
}

export function Person({ user }: { user: PublicUser | null }) {
  if (!user || user.username === DELETED_USERNAME) return <span class="muted">a deleted account</span>;
  return (
    <Link href={userHref(user.username)} class="mod-person">
      <Avatar user={user} size="xs" />
      <span class="mod-person__name">{user.displayName}</span>
      <span class="muted">@{user.username}</span>
    </Link>
  );
}

function History({ title, count, children }: { title: string; count: number; children: ComponentChildren }) {
  return (
    <details class="mod-item__history">
      <summary>
        {title} <span class="count">{count}</span>
      </summary>
      <ul>{children}</ul>
    </details>
  );
}
