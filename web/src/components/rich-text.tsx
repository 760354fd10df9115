// User text with its @mentions and #tags as links. Every piece is a JSX text node (never HTML),
// so markup in a caption or a comment shows literally.
import { useMemo } from 'preact/hooks';
import { mentionHref, tagHref, tokenize } from '../lib/rich-text.js';
import { Link } from './link.js';

export function RichText({ text }: { text: string }) {
  const parts = useMemo(() => tokenize(text), [text]);
  return (
    <>
      {parts.map((part, i) =>
        part.kind === 'mention' ? (
          <Link key={i} href={mentionHref(part.username)} class="rich__mention" data-testid="mention">
            {part.text}
          </Link>
        ) : part.kind === 'tag' ? (
          <Link key={i} href={tagHref(part.tag)} class="rich__tag" data-testid="tag">
            {part.text}
          </Link>
        ) : (
          part.text
        ),
      )}
    </>
  );
}
