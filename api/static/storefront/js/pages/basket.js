// The basket and checkout: one `purchase` per order, its idempotency key kept until the basket changes,
// so a double click or a retry after a lost answer never buys twice.
import { useRef, useState } from "preact/hooks";
import { ApiError, gql } from "../api.js";
import { country, formatName, money, totals } from "../format.js";
import { html } from "../html.js";
import { link } from "../router.js";
import { emptyBasket, getState, removeFromBasket, signOut, territoryOf, useStore } from "../state.js";
import { announce, Heading } from "../ui.js";
import { StorePicks } from "./recommendations.js";

const PURCHASE = `mutation Checkout($input: PurchaseInput!) {
  purchase(input: $input) {
    __typename
    ... on Purchase {
      id purchasedAt territory total { amount currency }
      lines { kind format price { amount currency } track { id title album { id title } } }
    }
    ... on PurchaseRejected { code message itemId }
  }
}`;

/** What to tell the customer for each PurchaseRejected code, naming the item at fault. */
export function rejection(result, items, territory) {
  const item = items.find((i) => i.id === result.itemId);
  const what = item ? `“${item.title}” (${formatName(item.format)})` : "An item in your basket";
  switch (result.code) {
    case "NOT_FOUND":
      return `${what} is no longer in the catalogue. Remove it from your basket to buy the rest.`;
    case "NOT_LICENSED_IN_TERRITORY":
      return `${what} is not on sale in ${country(territory)}, your account's country. Remove it to buy the rest.`;
    case "FORMAT_UNAVAILABLE":
      return `${what} is no longer sold in that format. Remove it and choose another format on its album page.`;
    case "ALREADY_OWNED":
      return `You already own ${what.replace(/^An item/, "an item")}. It is in your library; remove it from your basket.`;
    case "INVALID_INPUT":
      return `This order could not be placed: ${result.message} Please check your basket.`;
    default:
      return `This order was refused (${result.code}): ${result.message}`;
  }
}

function Receipt({ purchase }) {
  return html`<section class="receipt" aria-labelledby="receipt-title">
    <h2 id="receipt-title">Thank you for your order</h2>
    <ul class="lines">${purchase.lines.map((l) => html`<li key=${l.track.id + l.format}>
      <span>${l.track.title} <span class="sub">${l.track.album.title} · ${formatName(l.format)}
        ${l.kind !== "PURCHASE" ? ` · ${l.kind === "UPGRADE" ? "upgrade" : "album completion"}` : ""}</span></span>
      <span>${money(l.price)}</span>
    </li>`)}</ul>
    <p class="total">Total paid: <strong>${money(purchase.total)}</strong></p>
    <p><a class="button" href=${link("library")}>Go to your library to download</a></p>
  </section>`;
}

export function BasketPage() {
  const store = useStore();
  const { items } = store.basket;
  const territory = territoryOf(store);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false); // a second click arrives before the re-render that disables the button
  const [problem, setProblem] = useState(null);
  const [receipt, setReceipt] = useState(null);

  const checkout = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    const { basket, session } = getState();
    setBusy(true);
    setProblem(null);
    const input = { items: basket.items.map((i) => ({ id: i.id, format: i.format })), territory: session.country,
      idempotencyKey: basket.key };
    try {
      const { purchase } = await gql(PURCHASE, { input }, { token: session.token, mutation: true });
      if (purchase.__typename === "Purchase") {
        emptyBasket();
        setReceipt(purchase);
        announce("Order placed. Thank you!");
      } else {
        setProblem({ code: purchase.code, text: rejection(purchase, basket.items, session.country), itemId: purchase.itemId });
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === "UNAUTHENTICATED") signOut();
      setProblem({ code: error.code, text: error.code === "UNAUTHENTICATED"
        ? "Your sign-in has expired. Please sign in again; your basket is kept." : error.message });
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return html`<div class="basket">
    <${Heading}>Your basket<//>
    ${receipt && html`<${Receipt} purchase=${receipt} />`}
    ${problem && html`<div class="problem" role="alert" data-code=${problem.code}><p>${problem.text}</p></div>`}
    ${items.length === 0 ? (!receipt && html`<p>Your basket is empty. <a href="#/">Find some music</a>.</p>`) : html`
      <ul class="lines">${items.map((i) => html`<li key=${i.id + i.format}
          class=${problem?.itemId === i.id ? "at-fault" : ""}>
        <span><a href=${link("album", i.albumId)}>${i.title}</a>
          <span class="sub">${i.kind === "Album" ? "Whole album" : i.albumTitle} · ${formatName(i.format)}</span></span>
        <span class="line-end">${money(i.price)}
          <button type="button" class="link-button" aria-label=${`Remove ${i.title} (${formatName(i.format)})`}
            onClick=${() => removeFromBasket(i.id, i.format)}>Remove</button></span>
      </li>`)}</ul>
      <p class="total"><span>Total: <strong>${totals(items.map((i) => i.price)).map(money).join(" + ")}</strong></span>
        <span class="sub">Prices in ${country(territory)}; upgrades and album completions are charged only the difference.</span></p>
      ${store.session
        ? html`<button type="button" class="buy big" onClick=${checkout} disabled=${busy} aria-disabled=${busy}>
            ${busy ? "Placing your order…" : "Buy now"}</button>`
        : html`<p><a class="button" href=${link("signin", null, { next: "basket" })}>Sign in to check out</a></p>`}
    `}
    <${StorePicks} key=${receipt ? receipt.id : "before"} store=${store} territory=${territory} />
  </div>`;
}
