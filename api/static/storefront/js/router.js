// Hash routes (#/album/<id>): the server serves one page at `/`, so every route is a link that works offline.
import { useEffect, useState } from "preact/hooks";
import { parse } from "./route.js";

export { parse };

export const NAVIGATED = "tg:navigate";

/** The hash link of a route: link("album", id), link("genre", id, {after}). */
export function link(name, id = null, query = null) {
  let path = `#/${name}`;
  if (id !== null) path += `/${encodeURIComponent(id)}`;
  const params = query && new URLSearchParams(Object.entries(query).filter(([, v]) => v != null));
  return params && params.toString() ? `${path}?${params}` : path;
}

export function go(href) {
  location.hash = href.replace(/^#/, "");
}

/** The current route; a navigation is marked in the Performance timeline (NAVIGATED). */
export function useRoute() {
  const [route, setRoute] = useState(() => ({ ...parse(), first: true }));
  useEffect(() => {
    const changed = () => {
      document.body.dataset.navigated = "1"; // from now on a page's heading takes focus when it renders
      performance.clearMarks(NAVIGATED);
      performance.mark(NAVIGATED);
      setRoute({ ...parse(), first: false });
    };
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

/**
 * Marks a page's first render with data: `tg:<page>-first-render` measures from the navigation that opened
 * it (a link followed in the store, or the page load itself).
 */
export function markRendered(page) {
  const name = `tg:${page}-first-render`;
  const start = performance.getEntriesByName(NAVIGATED, "mark").length ? NAVIGATED : undefined;
  performance.clearMeasures(name);
  performance.measure(name, start ? { start } : { start: 0 });
}
