// Reciprocal-rank fusion, and how retrieval orders fused passages: latest message first, then the previous one.
import { reciprocalRankFusion } from '@closer/functions/_shared/retrieval/fusion.ts';
import { fusePassages, type RetrievedPassage } from '@closer/functions/_shared/retrieval/retrieve.ts';
import type { SemanticPassage } from '@closer/functions/_shared/retrieval/semantic.ts';
import { describe, expect, it } from 'vitest';

const lexical = (title: string, matched: 'latest' | 'previous' = 'latest'): RetrievedPassage => ({
  kind: 'knowledge',
  id: `id-${title}`,
  title,
  content: `${title} text`,
  score: 1,
  matched,
});
const semantic = (title: string, similarity = 0.8): SemanticPassage => ({
  kind: 'knowledge',
  id: `id-${title}`,
  title,
  content: `${title} text`,
  similarity,
});

describe('reciprocal-rank fusion', () => {
  it('scores Σ 1/(k + rank) and puts items in both lists first', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'd', 'a'],
      ],
      (x) => x,
    );
    expect(fused.map((f) => f.item)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0]).toEqual({ item: 'a', score: 1 / 61 + 1 / 63, ranks: [1, 3] });
    expect(fused[3]).toEqual({ item: 'd', score: 1 / 62, ranks: [undefined, 2] });
  });

  it('counts an item once per list, and keeps first-met order on ties', () => {
    const fused = reciprocalRankFusion([['x', 'x', 'y'], ['y']], (v) => v, 1);
    expect(fused.map((f) => [f.item, f.score])).toEqual([
      ['y', 1 / 4 + 1 / 2],
      ['x', 1 / 2],
    ]);
    expect(reciprocalRankFusion([['p'], ['q']], (v) => v).map((f) => f.item)).toEqual(['p', 'q']);
  });
});

describe('fused passages', () => {
  it('rank a passage found both ways above one found either way', () => {
    const fused = fusePassages(
      [lexical('Pricing'), lexical('Warranty')],
      [semantic('Financing'), semantic('Warranty')],
      5,
    );
    expect(fused.map((p) => p.title)).toEqual(['Warranty', 'Pricing', 'Financing']);
    expect(fused[0]).toMatchObject({ score: 1, similarity: 0.8, matched: 'latest' });
    expect(fused[2]).toMatchObject({ score: 0, similarity: 0.8, matched: 'latest' });
  });

  it('keep matches of the previous message after every match of the latest', () => {
    const fused = fusePassages(
      [lexical('Roof', 'previous'), lexical('Battery')],
      [semantic('Inverter'), semantic('Battery')],
      5,
    );
    expect(fused.map((p) => [p.title, p.matched])).toEqual([
      ['Battery', 'latest'],
      ['Inverter', 'latest'],
      ['Roof', 'previous'],
    ]);
  });

  it('count a previous-message passage as on topic when its meaning is near the latest message', () => {
    const fused = fusePassages([lexical('Roof', 'previous')], [semantic('Roof')], 5);
    expect(fused).toEqual([{ ...lexical('Roof'), similarity: 0.8 }]);
  });

  it('tell chunks of one item apart by their text, and stop at the limit', () => {
    const first = lexical('Manual');
    const second = { ...first, content: 'Manual, page two' };
    const fused = fusePassages([first, second], [{ ...semantic('Manual'), content: 'Manual, page two' }], 1);
    expect(fused).toEqual([{ ...second, similarity: 0.8 }]);
  });

  it('are the lexical passages unchanged when there is nothing semantic', () => {
    const alone = [lexical('A'), lexical('B'), lexical('C', 'previous')];
    expect(fusePassages(alone, [], 6)).toEqual(alone);
  });
});
