// The album page's query, in a module of its own so the early fetch (prefetch.js) sends the very same text.
import { OFFER } from "../fragments.js";

export const ALBUM = `query AlbumPage($id: ID!, $t: String!) {
  album(id: $id) {
    id title releaseDate durationMs trackCount explicit copyright viewerOwnership
    artist { id name }
    label { name }
    genres { id name }
    artwork { url width }
    offers(territory: $t) { ...OfferFields }
    tracks {
      id title durationMs discNumber trackNumber explicit previewUrl viewerFormats
      offers(territory: $t) { ...OfferFields }
    }
  }
}
${OFFER}`;
