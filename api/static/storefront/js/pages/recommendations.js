// "You may also like": the customer's recommendations (with what they bought that led there) when signed in,
// else what buyers of this album also bought, else picks from the seeds in the basket.
import { ALBUM_CARD } from "../fragments.js";
import { html } from "../html.js";
import { link } from "../router.js";
import { Cover, useQuery } from "../ui.js";

const MINE = `query Mine($t: String!) {
  viewer { recommendations(first: 8, territory: $t) {
    track { id title album { ...AlbumCard } }
    because { id title }
  } }
}
${ALBUM_CARD}`;
const ALSO_BOUGHT = `query AlsoBought($id: ID!, $t: String!) {
  album(id: $id) { id alsoBought(first: 8, territory: $t) { ...AlbumCard } }
}
${ALBUM_CARD}`;
const SEEDED = `query Seeded($seeds: [ID!]!, $t: String!) {
  recommend(seeds: $seeds, first: 8, territory: $t) {
    track { id title album { ...AlbumCard } }
    because { id title }
  }
}
${ALBUM_CARD}`;

function reason(because, verb) {
  if (!because.length) return "Popular where you are";
  const names = because.slice(0, 2).map((t) => `“${t.title}”`).join(" and ");
  return `Because you ${verb} ${names}${because.length > 2 ? ` and ${because.length - 2} more` : ""}`;
}

function TrackPicks({ picks, verb }) {
  return html`<ul class="grid picks" aria-label="Recommended tracks">${picks.map((r) => html`<li class="card" key=${r.track.id}>
    <a href=${link("album", r.track.album.id, { track: r.track.id })} class="card-link">
      <${Cover} artwork=${r.track.album.artwork} title=${r.track.album.title} size=${300} />
      <span class="card-title">${r.track.title}</span>
    </a>
    <a class="card-sub" href=${link("artist", r.track.album.artist.id)}>${r.track.album.artist.name}</a>
    <span class="card-note because">${reason(r.because, verb)}</span>
  </li>`)}</ul>`;
}

function Panel({ title, children }) {
  return html`<section class="also" aria-labelledby="also-title" data-testid="also">
    <h2 id="also-title">${title}</h2>${children}
  </section>`;
}

function ForCustomer({ territory, token }) {
  const { data, error } = useQuery(MINE, { t: territory }, { token });
  if (error) return html`<${Panel} title="You may also like"><p class="note">${error.message}</p><//>`;
  const picks = data?.viewer?.recommendations;
  if (!picks) return html`<${Panel} title="You may also like"><p class="loading">Finding music for you…</p><//>`;
  return html`<${Panel} title="You may also like">
    ${picks.length ? html`<${TrackPicks} picks=${picks} verb="bought" />` : html`<p class="note">Nothing to suggest yet.</p>`}
  <//>`;
}

function ForVisitor({ album, territory }) {
  const { data, error } = useQuery(ALSO_BOUGHT, { id: album.id, t: territory });
  if (error) return html`<${Panel} title="You may also like"><p class="note">${error.message}</p><//>`;
  const albums = data?.album?.alsoBought;
  if (!albums) return html`<${Panel} title="You may also like"><p class="loading">Finding similar albums…</p><//>`;
  if (!albums.length) return null;
  return html`<${Panel} title="You may also like">
    <p class="because">Customers who bought “${album.title}” also bought</p>
    <ul class="grid picks" aria-label="Albums also bought">${albums.map((a) => html`<li class="card" key=${a.id}>
      <a href=${link("album", a.id)} class="card-link">
        <${Cover} artwork=${a.artwork} title=${a.title} size=${300} /><span class="card-title">${a.title}</span>
      </a>
      <a class="card-sub" href=${link("artist", a.artist.id)}>${a.artist.name}</a>
    </li>`)}</ul>
  <//>`;
}

export function YouMayAlsoLike({ album, territory, session }) {
  return session
    ? html`<${ForCustomer} territory=${territory} token=${session.token} />`
    : html`<${ForVisitor} album=${album} territory=${territory} />`;
}

/** On pages without an album: the customer's picks, or for a visitor picks seeded by the basket. */
export function StorePicks({ store, territory }) {
  return store.session
    ? html`<${ForCustomer} territory=${territory} token=${store.session.token} />`
    : html`<${BasketPicks} seeds=${store.basket.items.map((i) => i.id)} territory=${territory} />`;
}

function BasketPicks({ seeds, territory }) {
  const { data } = useQuery(SEEDED, { seeds, t: territory }, { skip: !seeds.length });
  const picks = data?.recommend;
  if (!seeds.length || !picks || !picks.length) return null;
  return html`<${Panel} title="You may also like"><${TrackPicks} picks=${picks} verb="chose" /><//>`;
}
