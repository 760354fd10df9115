// One result in the search list: a real link (middle-click and copy-link work) in the option role,
// which ARIA allows on <a href>. Focus stays in the box: the list is driven by aria-activedescendant.
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { countryName, plural } from '../../photos/format.js';
import type { SearchOption } from '../../search/search-options.js';

interface Props {
  option: SearchOption;
  id: string;
  active: boolean;
  onHover(): void;
  /** After the link navigated: the box closes. */
  onChosen(): void;
}

export function SearchOptionItem({ option, id, active, onHover, onChosen }: Props) {
  return (
    <Link
      href={option.href}
      id={id}
      role="option"
      aria-selected={active}
      tabIndex={-1}
      class="search__option"
      // Keep focus in the box, so its blur does not close the list before the click lands.
      onMouseDown={(e) => e.preventDefault()}
      onMouseMove={() => !active && onHover()}
      onClick={onChosen}
      data-testid="search-option"
      data-kind={option.kind}
    >
      <OptionBody option={option} />
    </Link>
  );
}

function OptionBody({ option }: { option: SearchOption }) {
  switch (option.kind) {
    case 'user': {
      const { user } = option;
      return (
        <>
          <Avatar user={user} size="xs" />
          <span class="search__name">{user.displayName || user.username}</span>
          <span class="search__meta">@{user.username}</span>
        </>
      );
    }
    case 'tag':
      return (
        <>
          <span class="search__name">#{option.tag.name}</span>
          <span class="search__meta">{plural(option.tag.photos, 'photo')}</span>
        </>
      );
    case 'city':
      return (
        <>
          <span class="search__name">{option.city.name}</span>
          <span class="search__meta">
            {countryName(option.city.country)} · {plural(option.city.photos, 'photo')}
          </span>
        </>
      );
  }
}
