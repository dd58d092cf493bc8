// Search as you type: an ARIA 1.2 combobox over `search`, debounced, grouped by artists, albums and tracks.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "./api.js";
import { html } from "./html.js";
import { go, link } from "./router.js";

const DEBOUNCE_MS = 200;
const SEARCH = `query Search($q: String!) {
  search(query: $q, first: 15) {
    edges { node {
      __typename
      ... on Artist { id name }
      ... on Album { id title artist { name } }
      ... on Track { id title album { id title } artists { name } }
    } }
  }
}`;
const GROUPS = [["Artist", "Artists"], ["Album", "Albums"], ["Track", "Tracks"]];

function option(node) {
  if (node.__typename === "Artist") return { id: node.id, label: node.name, sub: "Artist", href: link("artist", node.id) };
  if (node.__typename === "Album") {
    return { id: node.id, label: node.title, sub: `Album by ${node.artist.name}`, href: link("album", node.id) };
  }
  const by = node.artists.map((a) => a.name).join(", ");
  return { id: node.id, label: node.title, sub: `Track on ${node.album.title}${by ? ` · ${by}` : ""}`,
    href: link("album", node.album.id, { track: node.id }) };
}

function grouped(edges) {
  return GROUPS.map(([type, label]) => ({
    label, options: edges.filter((e) => e.node.__typename === type).map((e) => option(e.node)),
  })).filter((g) => g.options.length);
}

export function Search() {
  const [text, setText] = useState("");
  const [groups, setGroups] = useState([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState("");
  const latest = useRef(0);
  const options = groups.flatMap((g) => g.options);

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setGroups([]);
      setStatus("");
      return undefined;
    }
    const aborter = new AbortController();
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      gql(SEARCH, { q }, { signal: aborter.signal }).then((data) => {
        if (ticket !== latest.current) return;
        const found = grouped(data.search.edges);
        setGroups(found);
        setActive(-1);
        setOpen(true);
        const count = found.reduce((n, g) => n + g.options.length, 0);
        setStatus(count ? `${count} results, use the arrow keys to choose` : `Nothing found for “${q}”`);
      }, (error) => error.name !== "AbortError" && setStatus(error.message));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      aborter.abort();
    };
  }, [text]);

  const input = useRef(null);
  const choose = (chosen) => {
    setOpen(false);
    setActive(-1);
    input.current.blur(); // the chosen page's heading takes focus
    go(chosen.href);
  };

  const onKeyDown = (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      setOpen(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (i + step + options.length + (i < 0 && step < 0 ? 1 : 0)) % options.length);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(options[active]);
    } else if (event.key === "Escape") {
      if (open) setOpen(false);
      else setText("");
      setActive(-1);
    }
  };

  const expanded = open && groups.length > 0;
  let index = -1;
  return html`<div class="search" role="search">
    <label for="search-input" class="visually-hidden">Search artists, albums and tracks</label>
    <input id="search-input" ref=${input} type="text" role="combobox" autocomplete="off" spellcheck=${false}
      placeholder="Search artists, albums, tracks" value=${text} aria-autocomplete="list"
      aria-expanded=${expanded} aria-controls="search-results"
      aria-activedescendant=${expanded && active >= 0 ? `search-option-${active}` : undefined}
      onInput=${(e) => { setText(e.currentTarget.value); setOpen(true); }} onKeyDown=${onKeyDown}
      onFocus=${() => groups.length && setOpen(true)} onBlur=${() => setTimeout(() => setOpen(false), 150)} />
    <div id="search-results" role="listbox" aria-label="Search results" class="search-results" hidden=${!expanded}>
      ${groups.map((g, gi) => html`<div role="group" aria-labelledby=${`search-group-${gi}`} key=${g.label}>
        <div role="presentation" class="search-group" id=${`search-group-${gi}`}>${g.label}</div>
        ${g.options.map((o) => {
          index += 1;
          const i = index;
          return html`<div role="option" id=${`search-option-${i}`} key=${o.id} aria-selected=${i === active}
              class=${i === active ? "option active" : "option"}
              onMouseDown=${(e) => e.preventDefault()} onClick=${() => choose(o)}>
            <span class="option-label">${o.label}</span><span class="option-sub">${o.sub}</span>
          </div>`;
        })}
      </div>`)}
    </div>
    <span class="visually-hidden" role="status" aria-live="polite">${status}</span>
  </div>`;
}
