// Wording shared by the photo pages: places, times, counts and badges.
import type { CityRef } from '../../../src/shared/api.js';

const countryNames = (() => {
  try {
    return new Intl.DisplayNames(undefined, { type: 'region' });
  } catch {
    return null;
  }
})();

export function countryName(code: string): string {
  try {
    return countryNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "Paris, France". */
export function cityLabel(city: CityRef): string {
  return `${city.name}, ${countryName(city.country)}`;
}

export function cityHref(slug: string): string {
  return `/cities/${encodeURIComponent(slug)}`;
}

export function userHref(username: string): string {
  return `/u/${encodeURIComponent(username)}`;
}

export function photoHref(id: string): string {
  return `/p/${encodeURIComponent(id)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function badgeLabel(milestone: number): string {
  return milestone === 1 ? 'First photo' : `${milestone.toLocaleString()} photos`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "5 min. ago", "yesterday"; dates older than a week in full. */
export function timeAgo(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(s / 3600), 'hour');
  if (abs < 7 * 86_400) return relative.format(Math.round(s / 86_400), 'day');
  return full.format(t);
}

export function fullTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : full.format(t);
}
