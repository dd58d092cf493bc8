// The demo sign-in: the dev server mints a customer token for a Chinook customer. A production store signs
// customers in with its own identity provider, which issues the same kind of token; tunegraph only checks it.
import { useState } from "preact/hooks";
import { ApiError, gql } from "../api.js";
import { country } from "../format.js";
import { html } from "../html.js";
import { go, link } from "../router.js";
import { signIn } from "../state.js";
import { Heading } from "../ui.js";

const VIEWER = `query Me { viewer { id country } }`;
const SESSION_MS = 55 * 60 * 1000; // the demo token lasts an hour

export const demoLogin = () => document.querySelector('meta[name="tunegraph-demo-login"]')?.content === "on";

async function mint(customer) {
  const response = await fetch("/demo/token", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ customer }) });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message || `The demo sign-in answered HTTP ${response.status}.`);
  return body.token;
}

export function DemoNotice() {
  return html`<p class="demo-notice"><strong>Demo sign-in.</strong> This store lets you act as one of the Chinook
    sample customers, with no password. A production storefront signs customers in through the store's own
    identity provider, which issues their tokens.</p>`;
}

export function SignInPage({ query }) {
  const [customer, setCustomer] = useState("1");
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!demoLogin()) {
    return html`<div class="signin"><${Heading}>Sign in<//>
      <p>Customers sign in through the store's identity provider. The demo sign-in is off on this server
      (start it with <code>TUNEGRAPH_DEMO_LOGIN=1</code> for development).</p></div>`;
  }
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const token = await mint(customer.trim());
      const { viewer } = await gql(VIEWER, {}, { token });
      signIn({ token, customerId: viewer.id, customer: customer.trim(), country: viewer.country,
        expiresAt: Date.now() + SESSION_MS });
      go(query.next ? link(query.next) : "#/");
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === "UNAUTHENTICATED"
        ? `There is no customer number ${customer.trim()}.` : error.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="signin">
    <${Heading}>Sign in<//>
    <${DemoNotice} />
    <form onSubmit=${submit} class="form">
      <label for="customer">Customer number <span class="sub">(Chinook customers are 1 to 59)</span></label>
      <input id="customer" name="customer" inputmode="numeric" autocomplete="off" required value=${customer}
        aria-invalid=${Boolean(problem)} aria-describedby=${problem ? "signin-problem" : undefined}
        onInput=${(e) => setCustomer(e.currentTarget.value)} />
      ${problem && html`<p id="signin-problem" class="problem" role="alert">${problem}</p>`}
      <button type="submit" class="buy" disabled=${busy}>${busy ? "Signing in…" : "Sign in (demo)"}</button>
    </form>
    <p class="sub">Prices and purchases follow your account's country once you are signed in
      (${country("US")}, ${country("GB")}, … as the customer's record says).</p>
  </div>`;
}
