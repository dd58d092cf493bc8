// The artist page: discography, top tracks and related artists.
import { ALBUM_CARD } from "../fragments.js";
import { duration } from "../format.js";
import { html } from "../html.js";
import { PreviewButton } from "../player.js";
import { link } from "../router.js";
import { territoryOf, useStore } from "../state.js";
import { AlbumGrid, Heading, Loading, Problem, useQuery } from "../ui.js";

const ARTIST = `query ArtistPage($id: ID!, $t: String!) {
  artist(id: $id) {
    id name
    albums(first: 100, orderBy: {field: RELEASE_DATE, direction: DESC}) { totalCount edges { node { ...AlbumCard } } }
    topTracks(territory: $t, first: 5) { id title durationMs previewUrl album { id title } }
    related(first: 8) { id name }
  }
}
${ALBUM_CARD}`;

export function ArtistPage({ id }) {
  const territory = territoryOf(useStore());
  const { data, error, reload } = useQuery(ARTIST, { id, t: territory });
  if (error) return html`<${Problem} error=${error} retry=${reload} />`;
  if (!data) return html`<${Loading} what="the artist" />`;
  const artist = data.artist;
  if (!artist) return html`<${Heading}>Artist not found<//><p><a href="#/">Back to the store</a></p>`;
  return html`<div class="artist">
    <p class="kicker">Artist</p>
    <${Heading}>${artist.name}<//>
    ${artist.topTracks.length ? html`<section aria-labelledby="top-title">
      <h2 id="top-title">Top tracks</h2>
      <ol class="chart">${artist.topTracks.map((t, i) => html`<li key=${t.id}>
        <span class="rank" aria-hidden="true">${i + 1}</span><${PreviewButton} track=${t} />
        <span class="chart-text"><a href=${link("album", t.album.id, { track: t.id })}>${t.title}</a>
          <span class="chart-sub">${t.album.title} · ${duration(t.durationMs)}</span></span>
      </li>`)}</ol>
    </section>` : null}
    <section aria-labelledby="disco-title">
      <h2 id="disco-title">Discography <span class="count">(${artist.albums.totalCount})</span></h2>
      <${AlbumGrid} albums=${artist.albums.edges.map((e) => e.node)} label="Discography" />
    </section>
    ${artist.related.length ? html`<section aria-labelledby="related-title">
      <h2 id="related-title">Fans also like</h2>
      <ul class="chips">${artist.related.map((a) => html`<li key=${a.id}><a class="chip" href=${link("artist", a.id)}>${a.name}</a></li>`)}</ul>
    </section>` : null}
  </div>`;
}
