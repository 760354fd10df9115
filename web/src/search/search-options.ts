// The answer to a search as the combobox lists it: one flat list of options (the arrow keys move
// through all of them, across groups), each knowing its group and where it leads.
import type { City, PublicUser, SearchResults, Tag } from '../../../src/shared/api.js';
import { cityHref, userHref } from '../photos/format.js';
import { tagHref } from './search-api.js';

export type SearchOption =
  | { kind: 'user'; key: string; href: string; user: PublicUser }
  | { kind: 'tag'; key: string; href: string; tag: Tag }
  | { kind: 'city'; key: string; href: string; city: City };

export type GroupKind = SearchOption['kind'];

export const GROUP_LABELS: Record<GroupKind, string> = { user: 'People', tag: 'Tags', city: 'Cities' };

export interface OptionGroup {
  kind: GroupKind;
  label: string;
  /** The group's options, each with its index in the flat list. */
  options: { option: SearchOption; index: number }[];
}

export function toOptions(results: SearchResults | null): SearchOption[] {
  if (!results) return [];
  return [
    ...results.users.map((user): SearchOption => ({ kind: 'user', key: `u:${user.id}`, href: userHref(user.username), user })),
    ...results.tags.map((tag): SearchOption => ({ kind: 'tag', key: `t:${tag.name}`, href: tagHref(tag.name), tag })),
    ...results.cities.map((city): SearchOption => ({ kind: 'city', key: `c:${city.slug}`, href: cityHref(city.slug), city })),
  ];
}

/** The non-empty groups, in the order People, Tags, Cities (the order of `toOptions`). */
export function groupOptions(options: SearchOption[]): OptionGroup[] {
  const groups: OptionGroup[] = [];
  options.forEach((option, index) => {
    let group = groups.at(-1);
    if (group?.kind !== option.kind) {
      group = { kind: option.kind, label: GROUP_LABELS[option.kind], options: [] };
      groups.push(group);
    }
    group.options.push({ option, index });
  });
  return groups;
}
