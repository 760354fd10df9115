// City autocomplete on /api/cities?q= (prefix match, biggest first), as an ARIA combobox:
// arrows move through the suggestions, Enter picks, Escape closes.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { City, CityRef } from '../../../../src/shared/api.js';
import { errorMessage } from '../../lib/api.js';
import { cityLabel, plural } from '../../photos/format.js';
import { searchCities } from '../../photos/photos-api.js';

interface Props {
  id: string;
  label: string;
  value: CityRef | null;
  onChange(city: City | null): void;
  placeholder?: string;
  /** Show the chosen city in the box (a form field) or clear it after picking (a jump-to box). */
  keepValue?: boolean;
}

const DEBOUNCE_MS = 150;

export function CityPicker({ id, label, value, onChange, placeholder = 'Search cities…', keepValue = true }: Props) {
  const [text, setText] = useState(value && keepValue ? cityLabel(value) : '');
  const [items, setItems] = useState<City[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const [noMatch, setNoMatch] = useState(false);

  // A city picked (or set by the owner) shows in the box; clearing it must not wipe what is typed.
  useEffect(() => {
    if (value && keepValue) setText(cityLabel(value));
  }, [value?.slug, keepValue]);

  useEffect(() => {
    const q = text.trim();
    if (!open || !q || (value && keepValue && text === cityLabel(value))) {
      setItems([]);
      setNoMatch(false);
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      searchCities(q.toLowerCase(), ctl.signal)
        .then((found) => {
          setItems(found);
          setActive(found.length ? 0 : -1);
          setNoMatch(found.length === 0);
          setError(null);
        })
        .catch((err: unknown) => !ctl.signal.aborted && setError(errorMessage(err)));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [text, open]);

  const pick = (city: City) => {
    onChange(city);
    setText(keepValue ? cityLabel(city) : '');
    setOpen(false);
    setItems([]);
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (items.length) setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length);
    } else if (e.key === 'Enter' && open && items[active]) {
      e.preventDefault();
      pick(items[active]);
    } else if (e.key === 'Escape' && open) {
      // Close the list, not the dialog around it.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const listId = `${id}-list`;
  const showList = open && items.length > 0;
  return (
    <div class="picker">
      <label class="field__label" for={id}>
        {label}
      </label>
      <div class="picker__box">
        <input
          id={id}
          type="search"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={showList}
          aria-controls={listId}
          aria-activedescendant={showList && active >= 0 ? `${listId}-${active}` : undefined}
          autoComplete="off"
          spellcheck={false}
          placeholder={placeholder}
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setOpen(true);
            if (value && keepValue) onChange(null);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
          data-testid={`${id}-input`}
        />
        {value && keepValue && (
          <button
            type="button"
            class="picker__clear"
            aria-label="Clear city"
            onClick={() => {
              onChange(null);
              setText('');
            }}
          >
            ✕
          </button>
        )}
      </div>
      <ul id={listId} role="listbox" class="picker__list" hidden={!showList} aria-label={`${label} suggestions`}>
        {items.map((c, i) => (
          <li
            key={c.slug}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            class="picker__option"
            // mousedown, not click: a click would come after the input's blur closed the list.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(c);
            }}
            data-testid="city-option"
          >
            <span>{cityLabel(c)}</span>
            <span class="muted">{plural(c.photos, 'photo')}</span>
          </li>
        ))}
      </ul>
      {open && noMatch && <span class="field__hint">No city starts with “{text.trim()}”.</span>}
      {error && <span class="field__hint field__hint--bad">{error}</span>}
    </div>
  );
}
