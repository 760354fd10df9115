// The search box in the top bar: people, tags and cities as you type, as an ARIA combobox whose
// listbox groups the options. The arrows move through every option across the groups (wrapping),
// Enter opens the active one (or the first), Escape closes the list and a second Escape clears
// the box, "/" comes here from anywhere. On narrow screens it folds into a button that opens it.
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { navigate } from '../../lib/router.js';
import { useStore } from '../../lib/store.js';
import { SEARCH_MAX } from '../../search/search-api.js';
import { SearchModel } from '../../search/search-model.js';
import { groupOptions, toOptions, type SearchOption } from '../../search/search-options.js';
import { SearchIcon } from './search-icon.js';
import { SearchOptionItem } from './search-option.js';
import { useSlashShortcut } from './use-slash-shortcut.js';

const ID = 'site-search';
const LIST_ID = `${ID}-list`;
const optionId = (index: number) => `${LIST_ID}-${index}`;

export function SearchBox() {
  const model = useMemo(() => new SearchModel(), []);
  useEffect(() => () => model.dispose(), [model]);
  const state = useStore(model.store);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  // Only matters on narrow screens, where the box is folded into a button until opened.
  const [expanded, setExpanded] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);

  const options = useMemo(() => toOptions(state.results), [state.results]);
  const groups = useMemo(() => groupOptions(options), [options]);
  // A new answer is a new list: nothing in it is active until the arrows say so.
  useEffect(() => setActive(-1), [state.results]);
  useEffect(() => {
    if (active >= 0) document.getElementById(optionId(active))?.scrollIntoView({ block: 'nearest' });
  }, [active]);
  // Folded, the input is not displayed and cannot take focus until the unfolding render is done;
  // a layout effect runs before keys typed next are handled.
  useLayoutEffect(() => {
    if (focusRequest > 0) input.current?.focus();
  }, [focusRequest]);

  const focusBox = () => {
    input.current?.focus();
    setExpanded(true);
    setFocusRequest((n) => n + 1);
  };
  useSlashShortcut(focusBox);

  const setQuery = (value: string) => {
    setText(value);
    model.setQuery(value);
    setOpen(true);
  };

  const answered = !state.loading && state.resultsFor === state.query;
  const noResults = answered && state.results !== null && options.length === 0;
  const message = state.error ?? (noResults ? `No results for “${state.query}”` : state.loading && options.length === 0 ? 'Searching…' : null);
  const showPopup = open && state.query !== '' && (options.length > 0 || message !== null);
  const activeOption = showPopup ? options[active] : undefined;
  const announcement = !open || !state.query ? '' : (state.error ?? (answered ? (options.length ? `${options.length} results` : 'No results') : ''));

  /** Leaves the box after an option was opened: empty, closed, folded. */
  const done = () => {
    setText('');
    model.setQuery('');
    setOpen(false);
    setExpanded(false);
    input.current?.blur();
  };
  const choose = (option: SearchOption) => {
    navigate(option.href);
    done();
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLInputElement>) => {
    if (e.isComposing) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      const n = options.length;
      if (n === 0) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i < 0 ? (step > 0 ? 0 : n - 1) : (i + step + n) % n));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const option = options[active] ?? options[0];
      if (!showPopup) setOpen(true);
      else if (option) choose(option);
    } else if (e.key === 'Escape') {
      // Also keeps Chrome from clearing a search input on the first Escape.
      e.preventDefault();
      if (showPopup) setOpen(false);
      else if (text) setQuery('');
      else {
        setExpanded(false);
        e.currentTarget.blur();
      }
    }
  };

  const onFocusOut = (e: FocusEvent) => {
    if (root.current?.contains(e.relatedTarget as Node | null)) return;
    // Folded again even with text in it (kept for when it is reopened): unfolded, it covers the bar.
    setOpen(false);
    setExpanded(false);
  };

  return (
    <div class={`search${expanded ? ' search--expanded' : ''}`} role="search" ref={root} onFocusOut={onFocusOut} data-testid="search">
      <button
        type="button"
        class="search__toggle btn btn--small btn--ghost"
        aria-label="Open search"
        aria-expanded={expanded}
        aria-controls={ID}
        onClick={focusBox}
        data-testid="search-toggle"
      >
        <SearchIcon />
      </button>
      <div class="search__field">
        <label class="visually-hidden" for={ID}>
          Search
        </label>
        <SearchIcon class="search__icon" size={16} />
        <input
          ref={input}
          id={ID}
          type="search"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={showPopup}
          aria-controls={LIST_ID}
          aria-activedescendant={activeOption ? optionId(active) : undefined}
          aria-keyshortcuts="/"
          autoComplete="off"
          spellcheck={false}
          enterKeyHint="go"
          maxLength={SEARCH_MAX}
          placeholder="Search"
          title="Search people, #tags and cities"
          value={text}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onFocus={() => setOpen(true)}
          onKeyDown={onKeyDown}
          data-testid="search-input"
        />
        <kbd class="search__kbd" aria-hidden="true">
          /
        </kbd>
      </div>
      <div class="search__popup" hidden={!showPopup} data-testid="search-popup">
        <div role="listbox" id={LIST_ID} aria-label="Search results" class="search__list" hidden={options.length === 0}>
          {groups.map((group) => (
            <div key={group.kind} role="group" aria-labelledby={`${LIST_ID}-${group.kind}`} class="search__group">
              <div id={`${LIST_ID}-${group.kind}`} class="search__group-label">
                {group.label}
              </div>
              {group.options.map(({ option, index }) => (
                <SearchOptionItem
                  key={option.key}
                  option={option}
                  id={optionId(index)}
                  active={index === active}
                  onHover={() => setActive(index)}
                  onChosen={done}
                />
              ))}
            </div>
          ))}
        </div>
        {message && (
          <p class={`search__message${state.error ? ' search__message--bad' : ''}`} data-testid="search-message">
            {message}
          </p>
        )}
      </div>
      <div class="visually-hidden" role="status">
        {announcement}
      </div>
    </div>
  );
}
