// One preview player for the whole store: starting a preview stops the one playing.
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";

const audio = new Audio();
audio.preload = "none";
let current = { trackId: null, playing: false, failed: null };
const listeners = new Set();

function set(patch) {
  current = { ...current, ...patch };
  for (const listener of listeners) listener(current);
}

audio.addEventListener("playing", () => set({ playing: true }));
audio.addEventListener("pause", () => set({ playing: false }));
audio.addEventListener("ended", () => set({ playing: false }));
audio.addEventListener("error", () => set({ playing: false, failed: current.trackId }));

export function toggle(track) {
  if (current.trackId === track.id && !audio.paused) {
    audio.pause();
    return;
  }
  if (current.trackId !== track.id) {
    audio.src = track.previewUrl;
    set({ trackId: track.id, failed: null });
  }
  audio.play().catch(() => set({ playing: false }));
}

export function stop() {
  audio.pause();
}

/** The test and the page read the player through here: which track, and whether it is playing. */
export function playerState() {
  return { ...current, currentTime: audio.currentTime, paused: audio.paused };
}
window.tgPlayer = playerState;

export function PreviewButton({ track }) {
  const [state, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    return () => listeners.delete(setState);
  }, []);
  const mine = state.trackId === track.id;
  const playing = mine && state.playing;
  const label = `${playing ? "Pause" : "Play"} preview of ${track.title}`;
  return html`<button type="button" class=${`preview${playing ? " playing" : ""}`} aria-pressed=${playing}
      aria-label=${label} title=${label} onClick=${() => toggle(track)}>
    <span aria-hidden="true">${playing ? "❚❚" : "▶"}</span>
    ${mine && state.failed === track.id ? html`<span class="preview-failed">No preview</span>` : null}
  </button>`;
}
