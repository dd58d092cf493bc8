// Money, durations, formats and countries as people read them. Amounts stay decimal strings: never floats.

const FORMATS = {
  MP3_320: "MP3 320 kbit/s",
  AAC_256: "AAC 256 kbit/s",
  FLAC_16_44: "FLAC 16-bit/44.1 kHz",
  FLAC_24_96: "FLAC 24-bit/96 kHz",
  MPEG4_VIDEO: "MPEG-4 video",
};

/** Countries offered in the selector (a customer's own country is always used once signed in). */
export const TERRITORIES = ["AR", "AU", "AT", "BE", "BR", "CA", "CL", "CZ", "DK", "FI", "FR", "DE", "HU", "IN",
  "IE", "IT", "JP", "NL", "NO", "PL", "PT", "ES", "SE", "CH", "GB", "US"];

const regions = new Intl.DisplayNames(["en"], { type: "region" });

export function country(code) {
  try {
    return regions.of(code) || code;
  } catch {
    return code;
  }
}

export function formatName(format) {
  return FORMATS[format] || format.replace(/_/g, " ");
}

export function money({ amount, currency }) {
  try {
    // Intl formats the decimal string exactly (no float arithmetic here)
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

export function duration(ms) {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function durationLabel(ms) {
  const seconds = Math.round(ms / 1000);
  const m = Math.floor(seconds / 60);
  return m ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

function scaled(amount, digits) {
  const [whole, fraction = ""] = amount.replace(/^-/, "").split(".");
  const value = BigInt(whole + fraction.padEnd(digits, "0"));
  return amount.startsWith("-") ? -value : value;
}

/** The exact sum of decimal amounts per currency: [{amount, currency}], one per currency. */
export function totals(prices) {
  const byCurrency = new Map();
  for (const p of prices) byCurrency.set(p.currency, [...(byCurrency.get(p.currency) || []), p.amount]);
  return [...byCurrency].map(([currency, amounts]) => {
    const digits = Math.max(...amounts.map((a) => (a.split(".")[1] || "").length));
    const sum = amounts.reduce((acc, a) => acc + scaled(a, digits), 0n);
    const text = (sum < 0n ? -sum : sum).toString().padStart(digits + 1, "0");
    const amount = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
    return { amount: sum < 0n ? `-${amount}` : amount, currency };
  });
}
