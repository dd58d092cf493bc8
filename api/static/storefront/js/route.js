// Parsing hash routes (#/album/<id>?track=…), with no library, for the router and the early album query.

export function parse(hash = location.hash) {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const [name = "", ...rest] = path.split("/").filter(Boolean);
  return { name: name || "home", id: rest[0] ? decodeURIComponent(rest[0]) : null,
    query: Object.fromEntries(new URLSearchParams(search)) };
}
