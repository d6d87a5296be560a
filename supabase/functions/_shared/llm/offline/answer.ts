// The offline responder's reply: the answer to the question asked (an objection answer only when the objection is
// there, then the best passage), a greeting back, the lead form for a visitor asking for a person, never the
// previous reply again word for word, and once per conversation a line saying what is answering.
import { readIntent } from '../../retrieval/intent.ts';
import type { Grounding } from '../types.ts';
import { speakerGender } from './gender.ts';
import { type OfflinePhrases, offlinePhrases } from './phrases.ts';

/** A passage as the visitor should read it: without its title repeated on the first line. */
function passageText(passage: { title: string; content: string }): string {
  const content = passage.content.trim();
  const [first, ...rest] = content.split('\n');
  return first?.trim() === passage.title.trim() && rest.length > 0 ? rest.join('\n').trim() : content;
}

const same = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

interface Variant {
  /** Which passage to give (0: the best). */
  passage: number;
  /** Say again what was said, with a lead-in. */
  again: boolean;
}

function compose(grounding: Grounding, p: OfflinePhrases, passages: string[], variant: Variant): string {
  const intent = readIntent(grounding.question, grounding.language, grounding.agentName);
  const parts: string[] = [];
  if (intent.greeting) parts.push(p.greeting);
  if (intent.thanks) parts.push(p.welcome);
  const objection = intent.contactRequest ? undefined : grounding.objections[0];
  const passage = intent.contactRequest || intent.smallTalkOnly ? undefined : passages[variant.passage];
  const body = [objection?.answer, passage].filter((part): part is string => Boolean(part));
  if (body.length > 0) parts.push(...(variant.again ? [p.again, ...body] : body));
  if (intent.contactRequest) parts.push(p.contactOffer);
  else if (body.length === 0 && !intent.smallTalkOnly) parts.push(p.notFound[variant.again ? 1 : 0]);
  const stage =
    intent.thanks && intent.smallTalkOnly ? 'follow_up' : (grounding.script?.stage ?? grounding.stage);
  const next = stage && !intent.contactRequest ? p.nextStep[stage] : undefined;
  if (next) parts.push(next);
  if (grounding.firstReply !== false) parts.push(p.offlineNote);
  return parts.join('\n\n');
}

/** The whole answer the offline responder gives for this grounding. */
export function offlineAnswer(grounding: Grounding): string {
  const p = offlinePhrases(grounding.language, speakerGender(grounding.agentName, grounding.persona));
  const passages = [...new Set(grounding.knowledge.map(passageText).filter(Boolean))];
  const previous = grounding.previousReply ?? '';
  // The best passage, else the next ones, else the best again with a lead-in: never the previous reply verbatim.
  const variants: Variant[] = [
    { passage: 0, again: false },
    ...passages.slice(1).map((_, i) => ({ passage: i + 1, again: false })),
    { passage: 0, again: true },
  ];
  let answer = '';
  for (const variant of variants) {
    answer = compose(grounding, p, passages, variant);
    if (!same(answer, previous)) return answer;
  }
  return answer;
}
