// Shared pieces: the query hook, covers, album cards, messages and the status announcer.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "./api.js";
import { html } from "./html.js";
import { take } from "./prefetch.js";
import { link } from "./router.js";

/** Runs a query whenever its variables (or the token) change: {data, error, loading, reload}. */
export function useQuery(query, variables, { token = null, skip = false } = {}) {
  const key = JSON.stringify([variables, token]);
  const [result, setResult] = useState({ loading: !skip, key: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (skip) return undefined;
    const aborter = new AbortController();
    setResult((r) => ({ loading: true, key, data: r.key === key ? r.data : undefined }));
    (take(query, key) || gql(query, variables, { token, signal: aborter.signal })).then(
      (data) => setResult({ data, key, loading: false }),
      (error) => error.name !== "AbortError" && setResult({ error, key, loading: false }),
    );
    return () => aborter.abort();
  }, [key, skip, round]);
  return { ...result, reload: () => setRound((n) => n + 1) };
}

/** The smallest of an album's covers at least `size` pixels wide, and a srcset of them all. */
export function Cover({ artwork, title, size = 300, eager = false }) {
  if (!artwork || !artwork.length) return html`<div class="cover cover-none" role="img" aria-label=${`No cover for ${title}`}></div>`;
  const pick = artwork.find((a) => a.width >= size) || artwork[artwork.length - 1];
  const srcset = artwork.map((a) => `${a.url} ${a.width}w`).join(", ");
  return html`<img class="cover" src=${pick.url} srcset=${srcset} sizes=${`${size}px`} width=${size} height=${size}
    alt=${`Cover of ${title}`} loading=${eager ? "eager" : "lazy"} decoding="async" />`;
}

export function AlbumCard({ album, note = null }) {
  return html`<li class="card">
    <a href=${link("album", album.id)} class="card-link">
      <${Cover} artwork=${album.artwork} title=${album.title} size=${300} />
      <span class="card-title">${album.title}</span>
    </a>
    <a class="card-sub" href=${link("artist", album.artist.id)}>${album.artist.name}</a>
    ${note && html`<span class="card-note">${note}</span>`}
  </li>`;
}

export function AlbumGrid({ albums, label }) {
  return html`<ul class="grid" aria-label=${label}>${albums.map((a) => html`<${AlbumCard} key=${a.id} album=${a} />`)}</ul>`;
}

export function Problem({ error, retry = null }) {
  return html`<div class="problem" role="alert">
    <p>${error.message}</p>
    ${retry && html`<button type="button" onClick=${retry}>Try again</button>`}
  </div>`;
}

export function Loading({ what }) {
  return html`<p class="loading" role="status">Loading ${what}…</p>`;
}

const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);

/**
 * The page's heading, focused after a navigation so keyboard and screen-reader users start there; never
 * while someone is typing in a field (the search box, say) as the page arrives.
 */
export function Heading({ children, focus = true }) {
  const ref = useRef(null);
  useEffect(() => {
    const typing = TYPING.has(document.activeElement?.tagName);
    if (focus && ref.current && document.body.dataset.navigated && !typing) ref.current.focus();
  }, []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

let announcer = null;

/** Says something to screen readers (and shows it briefly): "Added … to the basket". */
export function announce(message) {
  announcer = announcer || document.getElementById("announcer");
  if (!announcer) return;
  announcer.textContent = "";
  requestAnimationFrame(() => {
    announcer.textContent = message;
  });
}
