// A genre's albums, a page at a time through the connection's cursors (forward and back).
import { ALBUM_CARD } from "../fragments.js";
import { html } from "../html.js";
import { link } from "../router.js";
import { AlbumGrid, Heading, Loading, Problem, useQuery } from "../ui.js";

const PAGE_SIZE = 24;
const GENRE = `query GenrePage($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  genre(id: $id) {
    id name
    albums(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { node { ...AlbumCard } }
    }
  }
}
${ALBUM_CARD}`;

export function GenrePage({ id, query }) {
  const backward = Boolean(query.before);
  const variables = backward ? { id, last: PAGE_SIZE, before: query.before } : { id, first: PAGE_SIZE, after: query.after ?? null };
  const { data, error, reload } = useQuery(GENRE, variables);
  if (error) return html`<${Problem} error=${error} retry=${reload} />`;
  if (!data) return html`<${Loading} what="the genre" />`;
  const genre = data.genre;
  if (!genre) return html`<${Heading}>Genre not found<//><p><a href="#/">Back to the store</a></p>`;
  const { pageInfo, totalCount, edges } = genre.albums;
  const hasPrevious = backward ? pageInfo.hasPreviousPage : Boolean(query.after);
  const hasNext = backward ? true : pageInfo.hasNextPage;
  return html`<div class="genre">
    <p class="kicker">Genre</p>
    <${Heading}>${genre.name}<//>
    <p class="note">${totalCount} albums</p>
    <${AlbumGrid} albums=${edges.map((e) => e.node)} label=${`${genre.name} albums`} />
    <nav class="pager" aria-label="Pages of albums">
      ${hasPrevious && pageInfo.startCursor ? html`<a rel="prev" href=${link("genre", id, { before: pageInfo.startCursor })}>← Previous page</a>` : html`<span></span>`}
      ${hasNext && pageInfo.endCursor ? html`<a rel="next" href=${link("genre", id, { after: pageInfo.endCursor })}>Next page →</a>` : null}
    </nav>
  </div>`;
}
