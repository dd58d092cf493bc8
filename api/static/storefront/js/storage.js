// What the browser keeps between visits (localStorage), read without any library so the early album
// query (prefetch.js) can use it before the rest of the store has loaded.

export const KEYS = { territory: "tg.territory", session: "tg.session", basket: "tg.basket" };

export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // private mode or a full storage: the store still works for this visit
  }
}

function guessTerritory() {
  const region = (navigator.language || "").split("-")[1];
  return region && /^[A-Z]{2}$/.test(region) ? region : "US";
}

export function storedTerritory() {
  return load(KEYS.territory, null) || guessTerritory();
}

/** The demo session, while its token lasts. */
export function storedSession() {
  const found = load(KEYS.session, null);
  return found && found.expiresAt > Date.now() ? found : null;
}
