// City slugs: stable, readable, unique. `paris-fr` for the biggest Paris in France; smaller
// namesakes in the same country get their region (`paris-us-tx`), and the id if that still clashes.
// The dataset is pinned, so the same input always yields the same slugs.

export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, ''); // one hyphen at most by now: the line above collapses runs
}

export interface SlugSource {
  id: number;
  name: string;
  country: string;
  region: string;
  population: number;
}

/** Slugs for a whole dataset, keyed by id. Bigger cities get the shorter slug. */
export function assignSlugs(cities: readonly SlugSource[]): Map<number, string> {
  const taken = new Set<string>();
  const slugs = new Map<number, string>();
  const byPopulation = [...cities].sort((a, b) => b.population - a.population || a.id - b.id);
  for (const c of byPopulation) {
    const base = slugify(c.name) || 'city';
    const country = slugify(c.country);
    const candidates = [`${base}-${country}`, `${base}-${country}-${slugify(c.region) || 'x'}`, `${base}-${country}-${c.id}`];
    const slug = candidates.find((s) => !taken.has(s))!;
    taken.add(slug);
    slugs.set(c.id, slug);
  }
  return slugs;
}
