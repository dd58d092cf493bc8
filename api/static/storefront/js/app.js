// The storefront shell: header (search, country, basket, account), the routed page, the footer.
import { render } from "preact";
import { useEffect } from "preact/hooks";
import { country, TERRITORIES } from "./format.js";
import { html } from "./html.js";
import { stop } from "./player.js";
import { link, useRoute } from "./router.js";
import { Search } from "./search.js";
import { setTerritory, signOut, territoryOf, useStore } from "./state.js";
import { Heading } from "./ui.js";
import { AlbumPage } from "./pages/album.js";
import { ArtistPage } from "./pages/artist.js";
import { BasketPage } from "./pages/basket.js";
import { GenrePage } from "./pages/genre.js";
import { HomePage } from "./pages/home.js";
import { LibraryPage } from "./pages/library.js";
import { demoLogin, SignInPage } from "./pages/signin.js";

const PAGES = { home: HomePage, album: AlbumPage, artist: ArtistPage, genre: GenrePage, basket: BasketPage,
  signin: SignInPage, library: LibraryPage };

function TerritoryPicker({ store }) {
  const current = territoryOf(store);
  if (store.session) {
    return html`<p class="territory" title="Prices and purchases follow your account's country">
      <span class="sub">Country</span> ${country(current)}</p>`;
  }
  const codes = TERRITORIES.includes(current) ? TERRITORIES : [...TERRITORIES, current];
  return html`<div class="territory">
    <label for="territory">Country</label>
    <select id="territory" value=${current} onChange=${(e) => setTerritory(e.currentTarget.value)}>
      ${codes.map((c) => html`<option value=${c} key=${c}>${country(c)}</option>`)}
    </select>
  </div>`;
}

function Header({ store }) {
  const count = store.basket.items.length;
  return html`<header class="top">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>
      Skip to content</a>
    <a class="brand" href="#/">tunegraph <span>records</span></a>
    <${Search} />
    <nav aria-label="Account" class="account">
      <${TerritoryPicker} store=${store} />
      <a href=${link("basket")} class="basket-link">Basket <span class="badge" aria-label=${`${count} items`}>${count}</span></a>
      ${store.session
        ? html`<a href=${link("library")}>Library</a>
            <span class="who">Customer ${store.session.customer}</span>
            <button type="button" class="link-button" onClick=${() => signOut()}>Sign out</button>`
        : html`<a href=${link("signin")}>Sign in${demoLogin() ? " (demo)" : ""}</a>`}
    </nav>
  </header>`;
}

function App() {
  const store = useStore();
  const route = useRoute();
  const Page = PAGES[route.name];
  useEffect(() => stop(), [route]);
  return html`
    <${Header} store=${store} />
    <main id="main" tabindex="-1">
      ${Page ? html`<${Page} key=${`${route.name}/${route.id}`} id=${route.id} query=${route.query} />`
        : html`<${Heading}>Page not found<//><p><a href="#/">Back to the store</a></p>`}
    </main>
    <footer class="bottom">
      <p>A demo store on the tunegraph GraphQL API: every page uses only the public API
        (<a href="/graphql">GraphiQL</a>, <a href="/docs/getting-started.md">getting started</a>).
        ${demoLogin() && " Sign-in here is a demo; a production store uses its own identity provider."}</p>
    </footer>
    <div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the "Loading the store…" placeholder: render() adds to what is there
render(html`<${App} />`, root);
