// An embedder that needs no model and no network: feature hashing of words, word stems and character trigrams
// into a fixed-length, L2-normalised vector. Deterministic (the same text always gives the same vector, on every
// runtime), so CI, the retrieval evaluation and offline demos get real vectors, stored and searched by pgvector
// exactly as a model's would be. It captures shared words, endings and misspellings ("pricng" ~ "pricing"), not
// meaning: synonyms and translations need a real model (docs/knowledge.md, "Semantic search").
import type { Embedder, EmbedOptions } from './embedder.ts';

/** The vector length: the same as gte-small's, so both use one HNSW index. */
export const HASHED_NGRAMS_DIMENSIONS = 384;

/** Words that carry no topic in the two demo languages: they would make every question look alike. */
const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for with from as is are was were be been am do does did have has ' +
    'had i you he she it we they me my your our their this that these those what which who how when where why ' +
    'can could would should will shall may might not no yes please thanks hi hello hey ' +
    'и в во на с со к ко по за из у о об от до а но или не ни да нет же ли бы это то как что кто где когда ' +
    'я ты он она оно мы вы они мне меня вас вам нас мой ваш наш есть был была были будет можно ' +
    'привет здравствуйте спасибо пожалуйста'
  ).split(' '),
);

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`, starting from `seed`. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The features of a text with their weights: words (1), their first five letters (0.6), trigrams (0.25 each). */
export function hashedFeatures(text: string): Map<string, number> {
  const features = new Map<string, number>();
  const add = (feature: string, weight: number) =>
    features.set(feature, (features.get(feature) ?? 0) + weight);
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .replaceAll('ё', 'е')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    if (STOP_WORDS.has(word)) continue;
    add(`w:${word}`, 1);
    if (word.length > 5) add(`s:${word.slice(0, 5)}`, 0.6);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 0.25);
  }
  return features;
}

/**
 * The offline embedder (`EMBEDDING_PROVIDER=hashed`). Each feature lands in one of `dimensions` buckets with a
 * hashed sign (so collisions cancel out on average); repeated features grow with the square root of their count.
 * A text with no features (only stop words or punctuation) gets one fixed direction of its own.
 */
export class HashedNgramEmbedder implements Embedder {
  readonly provider = 'hashed' as const;
  readonly model: string;
  readonly dimensions: number;
  readonly minSimilarity: number;

  /**
   * @param dimensions vector length. @default 384
   * @param minSimilarity cosine similarity that counts as a match. @default 0.35
   */
  constructor(options: { dimensions?: number; minSimilarity?: number } = {}) {
    this.dimensions = options.dimensions ?? HASHED_NGRAMS_DIMENSIONS;
    this.minSimilarity = options.minSimilarity ?? 0.35;
    this.model = `closer-hashed-ngrams-v1@${this.dimensions}`;
  }

  embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    const features = hashedFeatures(text);
    if (features.size === 0) features.set('∅', 1);
    for (const [feature, weight] of features) {
      const bucket = fnv1a(feature) % this.dimensions;
      const sign = fnv1a(feature, 0x9e3779b9) & 1 ? -1 : 1;
      vector[bucket]! += sign * Math.sqrt(weight);
    }
    let norm = Math.hypot(...vector);
    if (norm === 0) {
      // Every feature cancelled out: fall back to the empty text's direction.
      vector[fnv1a('∅') % this.dimensions] = 1;
      norm = 1;
    }
    return vector.map((value) => value / norm);
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    options.signal?.throwIfAborted();
    return texts.map((text) => this.embedOne(text));
  }
}
