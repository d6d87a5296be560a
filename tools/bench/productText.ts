// Deterministic product text for the retrieval bench: a home-energy and appliances catalogue written from
// sentence templates, with made-up product names (a long tail of rare words, as real catalogues have) and a
// seeded generator, so every run and every database loads the same words.

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = (text: string) => text.trim().split(/\s+/);

const SYLLABLES = words(
  'sol vo ra lux ter en gri do max nova kel tri zen aro vel qua ori pul sta fen mar lio bri cor',
);
const CATEGORIES = words(`inverter battery panel charger heatpump boiler thermostat meter controller
  cable mount optimiser monitor generator ventilator dehumidifier radiator cooktop dishwasher dryer`);
const ADJECTIVES = words(`compact quiet efficient rugged modular smart hybrid premium affordable durable
  weatherproof lightweight portable certified reliable flexible scalable silent robust sleek`);
const PARTS = words(`inverter cells casing fan display firmware wiring brackets valve compressor pump
  sensor fuse relay gasket filter hinge connector terminal enclosure`);
const SERVICES = words(`installation maintenance inspection commissioning delivery recycling monitoring
  cleaning calibration survey permitting financing support training`);
const CITIES = words(`Austin Denver Phoenix Tucson Sacramento Portland Boise Reno Albuquerque Dallas Houston
  Orlando Tampa Atlanta Raleigh Richmond Boston Newark Madison Omaha Fresno Oakland Spokane Tulsa`);
const BRANDS = words(
  'Enphase Tesla SolarEdge Fronius Daikin Bosch Victron Growatt Huawei Panasonic Mitsubishi',
);
const ROOMS = words('attic garage basement kitchen loft shed utility porch rooftop hallway');
const FEATURES = words(`shading dampness limited space old wiring a flat roof a steep roof three phases
  a small budget pets children`);
const REASONS = words('savings resilience comfort quietness warranty aesthetics simplicity independence');

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const int = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/** A made-up product name such as "Solvora" (2–3 syllables: some 15,000 of them). */
export function productName(random: () => number): string {
  const name = Array.from({ length: int(random, 2, 3) }, () => pick(random, SYLLABLES)).join('');
  return name[0]!.toUpperCase() + name.slice(1);
}

const SENTENCES: ((r: () => number, product: string) => string)[] = [
  (r, p) =>
    `${p} is our ${pick(r, ADJECTIVES)} ${pick(r, CATEGORIES)} for homes that need ${pick(r, REASONS)}.`,
  (r) =>
    `It comes with a ${int(r, 2, 25)}-year warranty covering the ${pick(r, PARTS)} and the ${pick(r, PARTS)}.`,
  (r) =>
    `${cap(pick(r, SERVICES))} takes ${int(r, 1, 14)} days and includes ${pick(r, SERVICES)} at no extra cost.`,
  (r) => `Prices start at $${int(r, 3, 90) * 250} before the federal tax credit and local rebates.`,
  (r) => `Financing is available from ${int(r, 3, 9)}.${int(r, 0, 99)}% APR over ${int(r, 5, 25)} years.`,
  (r, p) =>
    `The ${pick(r, PARTS)} of the ${p} is rated at ${int(r, 2, 900)} watts and works with ${pick(r, BRANDS)} equipment.`,
  (r) =>
    `Customers in ${pick(r, CITIES)} usually choose the ${pick(r, ADJECTIVES)} option for ${pick(r, REASONS)}.`,
  (r) =>
    `Delivery to ${pick(r, CITIES)} takes ${int(r, 2, 12)} business days; ${pick(r, SERVICES)} is free over $${int(r, 10, 60) * 100}.`,
  (r) => `Ask about our ${pick(r, SERVICES)} plan if your ${pick(r, ROOMS)} has ${pick(r, FEATURES)}.`,
  (r, p) => `${p} weighs ${int(r, 2, 80)} kg and measures ${int(r, 20, 200)} by ${int(r, 20, 200)} cm.`,
  (r) => `Our technicians replace a faulty ${pick(r, PARTS)} within ${int(r, 1, 10)} days of your call.`,
  (r, p) => `The ${p} app shows ${pick(r, ['daily', 'hourly', 'monthly'])} production, usage and savings.`,
];

function cap(text: string): string {
  return text[0]!.toUpperCase() + text.slice(1);
}

/** One knowledge item: a title and `chunks` chunk texts, each starting with the title (as chunkKnowledge does). */
export function productItem(random: () => number, chunks: number): { title: string; chunks: string[] } {
  const product = productName(random);
  const title = `${product} ${pick(random, CATEGORIES)}`;
  return {
    title,
    chunks: Array.from({ length: chunks }, () => {
      const sentences = Array.from({ length: int(random, 6, 9) }, () =>
        pick(random, SENTENCES)(random, product),
      );
      return `${title}\n${sentences.join(' ')}`;
    }),
  };
}

/** The visitor messages the bench times, by kind. */
export function benchMessages(random: () => number, products: readonly string[]) {
  const product = () => pick(random, products);
  const misspell = (word: string) => {
    const i = int(random, 1, word.length - 2);
    return random() < 0.5
      ? word.slice(0, i) + word.slice(i + 1)
      : word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  };
  return {
    sentence: Array.from(
      { length: 40 },
      (_, i) =>
        [
          `How much does the ${product()} cost with installation in ${pick(random, CITIES)}?`,
          `What warranty do you give on the ${pick(random, PARTS)} of a ${pick(random, CATEGORIES)}?`,
          `Is financing available for a ${pick(random, ADJECTIVES)} ${pick(random, CATEGORIES)}?`,
          `Can you deliver the ${product()} to ${pick(random, CITIES)} next week?`,
        ][i % 4]!,
    ),
    'one word': Array.from({ length: 40 }, (_, i) =>
      i % 2 ? product() : pick(random, [...CATEGORIES, ...SERVICES, 'warranty', 'price', 'delivery']),
    ),
    misspelt: Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? misspell(product().toLowerCase())
        : `${misspell(pick(random, SERVICES))} ${misspell(pick(random, ['options', 'warranty', 'prices']))}`,
    ),
    greeting: Array.from({ length: 40 }, () =>
      pick(random, [
        'hi',
        'hello there',
        'ok thanks',
        'привет',
        'спасибо',
        'Good morning!',
        'thank you very much',
        'hey!',
      ]),
    ),
  };
}
