// The album page's query, sent as soon as this small module graph has loaded: on a page opened at an
// album's address it runs while the rest of the store's modules are still loading.
import { gql } from "./api.js";
import { ALBUM } from "./pages/album-query.js";
import { parse } from "./route.js";
import { storedSession, storedTerritory } from "./storage.js";

let early = null;
const route = parse();
if (route.name === "album" && route.id) {
  const session = storedSession();
  const variables = { id: route.id, t: session ? session.country : storedTerritory() };
  const token = session ? session.token : null;
  early = { query: ALBUM, key: JSON.stringify([variables, token]), answer: gql(ALBUM, variables, { token }) };
  early.answer.catch(() => {}); // whoever takes it handles the failure
}

/** The early answer for this query and key (once), else null. */
export function take(query, key) {
  if (!early || early.query !== query || early.key !== key) return null;
  const { answer } = early;
  early = null;
  return answer;
}
