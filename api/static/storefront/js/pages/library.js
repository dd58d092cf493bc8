// The library: what the customer owns, grouped by album, a download button per owned format and upgrades.
import { useState } from "preact/hooks";
import { gql } from "../api.js";
import { ALBUM_CARD, OFFER } from "../fragments.js";
import { formatName, money } from "../format.js";
import { html } from "../html.js";
import { link } from "../router.js";
import { addToBasket, territoryOf, useStore } from "../state.js";
import { announce, Cover, Heading, Loading, Problem, useQuery } from "../ui.js";

const LIBRARY = `query Library($after: String, $t: String!) {
  viewer { id library(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      formats { format purchasedAt }
      track { id title trackNumber discNumber album { ...AlbumCard } offers(territory: $t) { ...OfferFields } }
    } }
  } }
}
${ALBUM_CARD}
${OFFER}`;
const DOWNLOAD = `mutation Download($track: ID!, $format: Format!) { download(track: $track, format: $format) { url expiresAt } }`;

function byAlbum(edges) {
  const albums = new Map();
  for (const { node } of edges) {
    const album = node.track.album;
    if (!albums.has(album.id)) albums.set(album.id, { album, items: [] });
    albums.get(album.id).items.push(node);
  }
  for (const group of albums.values()) {
    group.items.sort((a, b) => a.track.discNumber - b.track.discNumber || a.track.trackNumber - b.track.trackNumber);
  }
  return [...albums.values()];
}

function DownloadButton({ track, format, token }) {
  const [state, setState] = useState({ busy: false, url: null, error: null });
  const fetchLink = async () => {
    setState({ busy: true, url: null, error: null });
    try {
      const { download } = await gql(DOWNLOAD, { track: track.id, format }, { token, mutation: true });
      setState({ busy: false, url: download.url, error: null });
      const anchor = document.createElement("a");
      anchor.href = download.url;
      anchor.download = "";
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
    } catch (error) {
      setState({ busy: false, url: null, error: error.message });
    }
  };
  return html`<span class="download">
    <button type="button" class="small" onClick=${fetchLink} disabled=${state.busy}
      aria-label=${`Download ${track.title}, ${formatName(format)}`}>⬇ ${formatName(format)}</button>
    ${state.url && html`<a class="download-link" href=${state.url} download="">link (15 min)</a>`}
    ${state.error && html`<span class="problem" role="alert">${state.error}</span>`}
  </span>`;
}

function Item({ item, album, token }) {
  const owned = item.formats.map((f) => f.format);
  const upgrades = item.track.offers.filter((o) => !owned.includes(o.format));
  return html`<li class="owned-track">
    <span class="owned-title">${item.track.trackNumber}. ${item.track.title}</span>
    <span class="owned-actions">
      ${owned.map((f) => html`<${DownloadButton} key=${f} track=${item.track} format=${f} token=${token} />`)}
      ${upgrades.map((o) => html`<button type="button" class="small upgrade" key=${o.format}
          aria-label=${`Upgrade ${item.track.title} to ${formatName(o.format)}, paying the difference`}
          onClick=${() => { addToBasket({ id: item.track.id, kind: "Track", title: item.track.title, albumId: album.id,
            albumTitle: album.title, format: o.format, price: o.price, upgrade: true });
            announce(`Upgrade of ${item.track.title} added to the basket`); }}>
        Upgrade to ${formatName(o.format)} (pay the difference, up to ${money(o.price)})</button>`)}
    </span>
  </li>`;
}

export function LibraryPage({ query }) {
  const store = useStore();
  const session = store.session;
  const { data, error, reload } = useQuery(LIBRARY, { after: query.after ?? null, t: territoryOf(store) },
    { token: session?.token, skip: !session });
  if (!session) {
    return html`<div><${Heading}>Your library<//><p><a href=${link("signin", null, { next: "library" })}>Sign in</a> to see
      and download what you bought.</p></div>`;
  }
  if (error) return html`<${Problem} error=${error} retry=${reload} />`;
  if (!data) return html`<${Loading} what="your library" />`;
  const { edges, totalCount, pageInfo } = data.viewer.library;
  return html`<div class="library">
    <${Heading}>Your library<//>
    <p class="note">${totalCount} tracks. Download links last 15 minutes; ask again whenever you like.</p>
    ${edges.length === 0 && html`<p>Nothing here yet. <a href="#/">Find some music</a>.</p>`}
    ${byAlbum(edges).map(({ album, items }) => html`<section class="owned-album" key=${album.id}
        aria-labelledby=${`owned-${album.id}`}>
      <${Cover} artwork=${album.artwork} title=${album.title} size=${100} />
      <div>
        <h2 id=${`owned-${album.id}`}><a href=${link("album", album.id)}>${album.title}</a></h2>
        <p class="sub">${album.artist.name}</p>
        <ul class="owned-tracks">${items.map((i) => html`<${Item} key=${i.track.id} item=${i} album=${album}
          token=${session.token} />`)}</ul>
      </div>
    </section>`)}
    ${pageInfo.hasNextPage && html`<nav class="pager" aria-label="Library pages">
      <a rel="next" href=${link("library", null, { after: pageInfo.endCursor })}>More →</a></nav>`}
  </div>`;
}
