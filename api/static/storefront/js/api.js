// The only way the store talks to tunegraph: the public GraphQL endpoint, as any partner would.
// Anonymous reads go by GET (HTTP caches may keep them); a customer's reads and every mutation by POST.

const ENDPOINT = "/graphql";

export class ApiError extends Error {
  constructor(message, code, errors = []) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.errors = errors;
  }
}

async function send(query, variables, token, mutation, signal) {
  const accept = { Accept: "application/json" };
  if (!token && !mutation) {
    const params = new URLSearchParams({ query, variables: JSON.stringify(variables) });
    return fetch(`${ENDPOINT}?${params}`, { headers: accept, signal });
  }
  const headers = { ...accept, "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(ENDPOINT, { method: "POST", headers, body: JSON.stringify({ query, variables }), signal });
}

/** The `data` of a GraphQL answer; an ApiError (with the first error's `extensions.code`) otherwise. */
export async function gql(query, variables = {}, { token = null, mutation = false, signal } = {}) {
  let response;
  try {
    response = await send(query, variables, token, mutation, signal);
  } catch (failed) {
    if (failed.name === "AbortError") throw failed;
    throw new ApiError("The store cannot be reached. Check your connection and try again.", "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The store answered HTTP ${response.status}; try again in a moment.`, "HTTP");
  }
  if (body.errors && body.errors.length) {
    const code = body.errors[0].extensions?.code ?? "INTERNAL";
    throw new ApiError(body.errors.map((e) => e.message).join(" "), code, body.errors);
  }
  return body.data;
}
