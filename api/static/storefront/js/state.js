// What the store remembers in the browser: the visitor's country, the demo session and the basket.
import { useEffect, useState } from "preact/hooks";
import { KEYS, load, save, storedSession, storedTerritory } from "./storage.js";

const listeners = new Set();

/** A random order key: crypto.randomUUID where the page is a secure context, else from getRandomValues. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

let state = {
  territory: storedTerritory(),
  session: storedSession(),
  basket: load(KEYS.basket, null) || { items: [], key: newKey() },
};

export function getState() {
  return state;
}

/** The country prices and purchases are in: the customer's own when signed in, else the chosen one. */
export function territoryOf(s = state) {
  return s.session ? s.session.country : s.territory;
}

function update(patch) {
  state = { ...state, ...patch };
  for (const [name, key] of Object.entries(KEYS)) if (name in patch) save(key, patch[name]);
  for (const listener of listeners) listener(state);
}

export function setTerritory(code) {
  update({ territory: code });
}

export function signIn(session) {
  update({ session });
}

export function signOut() {
  update({ session: null });
}

/** Same item in the same format once; a changed basket is a new order, so it gets a new idempotency key. */
export function addToBasket(item) {
  const items = state.basket.items.filter((i) => !(i.id === item.id && i.format === item.format));
  update({ basket: { items: [...items, item], key: newKey() } });
}

export function removeFromBasket(id, format) {
  const items = state.basket.items.filter((i) => !(i.id === id && i.format === format));
  update({ basket: { items, key: newKey() } });
}

export function emptyBasket() {
  update({ basket: { items: [], key: newKey() } });
}

/** The state, re-rendering the calling component whenever it changes. */
export function useStore() {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => listeners.delete(setCurrent);
  }, []);
  return current;
}

window.addEventListener("storage", (event) => {
  // another tab signed in or out, or changed the basket
  if (Object.values(KEYS).includes(event.key)) {
    state = { territory: load(KEYS.territory, state.territory), session: storedSession(),
      basket: load(KEYS.basket, state.basket) };
    for (const listener of listeners) listener(state);
  }
});
