// The album page: cover, artist, tracks with previews, prices per format, buy buttons, "you may also like".
import { useEffect } from "preact/hooks";
import { duration, durationLabel, formatName, money } from "../format.js";
import { html } from "../html.js";
import { ALBUM } from "./album-query.js";
import { PreviewButton } from "../player.js";
import { link, markRendered } from "../router.js";
import { addToBasket, territoryOf, useStore } from "../state.js";
import { announce, Cover, Heading, Loading, Problem, useQuery } from "../ui.js";
import { YouMayAlsoLike } from "./recommendations.js";


function buy(item, format, price, kind, albumTitle) {
  addToBasket({ id: item.id, kind, title: item.title, albumId: kind === "Album" ? item.id : item.albumId,
    albumTitle, format, price });
  announce(`Added ${item.title} (${formatName(format)}) to the basket`);
}

function AlbumOffers({ album }) {
  if (!album.offers.length) return html`<p class="note">This album is not on sale in your country.</p>`;
  if (album.viewerOwnership === "FULL") {
    return html`<p class="owned">You own this album. <a href=${link("library")}>Download it from your library</a>.</p>`;
  }
  const completing = album.viewerOwnership === "PARTIAL";
  return html`<div class="offers" role="group" aria-label="Buy the whole album">
    ${completing && html`<p class="note">You own some of these tracks: buying the album charges only the rest.</p>`}
    ${album.offers.map((o) => html`<button type="button" class="buy" key=${o.format}
        onClick=${() => buy(album, o.format, o.price, "Album", album.title)}>
      ${completing ? "Complete album" : "Buy album"} · ${formatName(o.format)} · ${money(o.price)}
    </button>`)}
  </div>`;
}

function TrackBuy({ track, album }) {
  const owned = track.viewerFormats || [];
  const offers = track.offers.filter((o) => !owned.includes(o.format));
  return html`<div class="track-buy">
    ${owned.length ? html`<span class="owned-badge">Owned · ${owned.map(formatName).join(", ")}</span>` : null}
    ${offers.map((o) => html`<button type="button" class="buy small" key=${o.format}
        aria-label=${`${owned.length ? "Upgrade" : "Buy"} ${track.title}, ${formatName(o.format)}, ${money(o.price)}`}
        onClick=${() => buy({ ...track, albumId: album.id }, o.format, o.price, "Track", album.title)}>
      ${owned.length ? "Upgrade " : ""}${formatName(o.format).split(" ")[0]} ${money(o.price)}
    </button>`)}
  </div>`;
}

function Tracks({ album, highlight }) {
  const discs = new Set(album.tracks.map((t) => t.discNumber)).size;
  return html`<table class="tracks">
    <caption class="visually-hidden">Tracks of ${album.title}</caption>
    <thead><tr><th scope="col">#</th><th scope="col">Title</th><th scope="col">Time</th>
      <th scope="col"><span class="visually-hidden">Preview</span></th><th scope="col">Buy</th></tr></thead>
    <tbody>${album.tracks.map((t) => html`<tr key=${t.id} class=${t.id === highlight ? "highlight" : ""}
        id=${`track-${t.id}`}>
      <td class="num">${discs > 1 ? `${t.discNumber}.` : ""}${t.trackNumber}</td>
      <th scope="row" class="title">${t.title}${t.explicit ? html` <abbr class="explicit" title="Explicit">E</abbr>` : ""}</th>
      <td class="time"><span aria-label=${durationLabel(t.durationMs)}>${duration(t.durationMs)}</span></td>
      <td class="play"><${PreviewButton} track=${t} /></td>
      <td><${TrackBuy} track=${t} album=${album} /></td>
    </tr>`)}</tbody>
  </table>`;
}

export function AlbumPage({ id, query }) {
  const store = useStore();
  const territory = territoryOf(store);
  const token = store.session?.token ?? null;
  const { data, error, loading, reload } = useQuery(ALBUM, { id, t: territory }, { token });
  const album = data?.album;
  useEffect(() => {
    if (album) markRendered("album");
  }, [album?.id]);
  if (error) return html`<${Problem} error=${error} retry=${reload} />`;
  if (!data) return html`<${Loading} what="the album" />`;
  if (!album) return html`<${Heading}>Album not found<//><p>No album has this address. <a href="#/">Back to the store</a></p>`;
  const year = album.releaseDate ? album.releaseDate.slice(0, 4) : null;
  return html`<article class="album" aria-busy=${loading}>
    <div class="album-head">
      <${Cover} artwork=${album.artwork} title=${album.title} size=${300} eager=${true} />
      <div class="album-meta">
        <p class="kicker">Album</p>
        <${Heading}>${album.title}<//>
        <p class="by">by <a href=${link("artist", album.artist.id)}>${album.artist.name}</a></p>
        <p class="facts">
          ${[year, `${album.trackCount} tracks`, duration(album.durationMs), album.label?.name].filter(Boolean).join(" · ")}
        </p>
        ${album.genres.length ? html`<p class="genres">${album.genres.map((g) => html`<a class="chip" key=${g.id}
          href=${link("genre", g.id)}>${g.name}</a>`)}</p>` : null}
        <${AlbumOffers} album=${album} />
      </div>
    </div>
    <h2>Tracks</h2>
    <${Tracks} album=${album} highlight=${query.track} />
    ${album.copyright ? html`<p class="fine">${album.copyright}</p>` : null}
    <${YouMayAlsoLike} album=${album} territory=${territory} session=${store.session} />
  </article>`;
}
