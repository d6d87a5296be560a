// The offline responder's reply: the answer to the question asked (an objection answer only when the objection is
// there, then the best passage), a greeting back, the lead form for a visitor asking for a person (word that one
// is coming when the agent hands over to people), never the previous reply again word for word, and once per
// conversation a line saying what is answering.
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

/** `again`: say it with a lead-in (and "not found" in its second wording), so as not to repeat the last reply. */
function compose(grounding: Grounding, p: OfflinePhrases, best: string | undefined, again: boolean): string {
  const intent = readIntent(grounding.question, grounding.language, grounding.agentName);
  const wording = again ? 1 : 0;
  const parts: string[] = [];
  if (intent.greeting) parts.push(p.greeting[wording]);
  if (grounding.handoff === 'outside_hours') {
    // Nobody is there now: say so plainly, with the hours, and offer the lead form.
    parts.push(p.teamOffline.replace('{hours}', grounding.teamHours ?? ''));
    if (grounding.firstReply !== false) parts.push(p.offlineNote);
    return parts.join('\n\n');
  }
  if (grounding.handoff === 'requested' || grounding.handoff === 'rule') {
    // A person is on the way: no passage, no next question, only that (unasked for: without "of course").
    parts.push(p.handoffRequested[grounding.handoff === 'rule' ? 1 : wording]);
    if (grounding.firstReply !== false) parts.push(p.offlineNote);
    return parts.join('\n\n');
  }
  if (intent.thanks) parts.push(p.welcome[wording]);
  const objection = intent.contactRequest ? undefined : grounding.objections[0];
  const passage = intent.contactRequest || intent.smallTalkOnly ? undefined : best;
  // A reply to the agent's qualification question is thanked, not looked up.
  const answered = grounding.answeredQualification === true && !intent.contactRequest;
  const body = answered
    ? [p.noted]
    : [objection?.answer, passage].filter((part): part is string => Boolean(part));
  if (body.length > 0) parts.push(...(again && !answered ? [p.again, ...body] : body));
  if (intent.contactRequest) parts.push(p.contactOffer[wording]);
  else if (body.length === 0 && !intent.smallTalkOnly) parts.push(p.notFound[wording]);
  if (!intent.contactRequest)
    parts.push(
      grounding.qualificationQuestion ?? nextStep(grounding, p, intent.thanks && intent.smallTalkOnly, again),
    );
  if (grounding.firstReply !== false) parts.push(p.offlineNote);
  return parts.join('\n\n');
}

/**
 * The question that moves the conversation on: the stage's (follow-up after thanks); a plain "ok" said twice gets
 * the other of the stage's and the follow-up question, so that even small talk is not answered twice alike.
 */
function nextStep(grounding: Grounding, p: OfflinePhrases, afterThanks: boolean, again: boolean): string {
  const stage = afterThanks ? 'follow_up' : (grounding.script?.stage ?? grounding.stage ?? 'opening');
  const other = stage === 'follow_up' ? 'opening' : 'follow_up';
  return (again ? p.nextStep[other] : undefined) ?? p.nextStep[stage] ?? p.nextStep.opening!;
}

/** The whole answer the offline responder gives for this grounding. */
export function offlineAnswer(grounding: Grounding): string {
  const p = offlinePhrases(grounding.language, speakerGender(grounding.agentName, grounding.persona));
  const passages = [...new Set(grounding.knowledge.map(passageText).filter(Boolean))];
  // The previous reply again would be the plain answer: the same with a lead-in instead (the next passage is
  // often off the question). The two differ, so one of them is always new.
  const plain = compose(grounding, p, passages[0], false);
  return same(plain, grounding.previousReply ?? '') ? compose(grounding, p, passages[0], true) : plain;
}
