// Home: new releases and bestsellers of the visitor's country, popular albums, genres to browse.
import { ALBUM_CARD } from "../fragments.js";
import { country, duration } from "../format.js";
import { html } from "../html.js";
import { PreviewButton } from "../player.js";
import { link, markRendered } from "../router.js";
import { territoryOf, useStore } from "../state.js";
import { useEffect } from "preact/hooks";
import { AlbumGrid, Heading, Loading, Problem, useQuery } from "../ui.js";
import { StorePicks } from "./recommendations.js";

const HOME = `query Home($t: String!) {
  newReleases(territory: $t, first: 12) { edges { node { ...AlbumCard } } }
  popular: albums(filter: {territory: $t}, orderBy: {field: POPULARITY, direction: DESC}, first: 12) {
    edges { node { ...AlbumCard } }
  }
  bestsellers(territory: $t, first: 10) {
    rank units
    track { id title durationMs previewUrl album { id title artist { id name } } }
  }
  genres { id name }
}
${ALBUM_CARD}`;

function Chart({ entries, territory }) {
  if (!entries.length) return html`<p class="note">No sales in ${country(territory)} yet.</p>`;
  return html`<ol class="chart">${entries.map((e) => html`<li key=${e.track.id}>
    <span class="rank" aria-hidden="true">${e.rank}</span>
    <${PreviewButton} track=${e.track} />
    <span class="chart-text">
      <a href=${link("album", e.track.album.id, { track: e.track.id })}>${e.track.title}</a>
      <span class="chart-sub"><a href=${link("artist", e.track.album.artist.id)}>${e.track.album.artist.name}</a>${" · "}${duration(e.track.durationMs)}</span>
    </span>
  </li>`)}</ol>`;
}

export function HomePage() {
  const store = useStore();
  const territory = territoryOf(store);
  const { data, error, reload } = useQuery(HOME, { t: territory });
  useEffect(() => {
    if (data) markRendered("home");
  }, [data]);
  if (error) return html`<${Problem} error=${error} retry=${reload} />`;
  if (!data) return html`<${Loading} what="the store" />`;
  const fresh = data.newReleases.edges.map((e) => e.node);
  return html`<div class="home">
    <${Heading}>Music for ${country(territory)}<//>
    <section aria-labelledby="new-title">
      <h2 id="new-title">New releases</h2>
      ${fresh.length ? html`<${AlbumGrid} albums=${fresh} label="New releases" />`
        : html`<p class="note">No new releases in ${country(territory)} right now.</p>`}
    </section>
    <div class="columns">
      <section aria-labelledby="chart-title" class="chart-box">
        <h2 id="chart-title">Bestsellers in ${country(territory)}</h2>
        <${Chart} entries=${data.bestsellers} territory=${territory} />
      </section>
      <section aria-labelledby="genres-title" class="genre-box">
        <h2 id="genres-title">Genres</h2>
        <ul class="chips">${data.genres.map((g) => html`<li key=${g.id}><a class="chip" href=${link("genre", g.id)}>${g.name}</a></li>`)}</ul>
      </section>
    </div>
    <section aria-labelledby="popular-title">
      <h2 id="popular-title">Popular albums</h2>
      <${AlbumGrid} albums=${data.popular.edges.map((e) => e.node)} label="Popular albums" />
    </section>
    <${StorePicks} store=${store} territory=${territory} />
  </div>`;
}
