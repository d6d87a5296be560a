// The chat engine: a turn is prepared (visitor's message committed, knowledge retrieved, prompt built),
// then the reply is streamed from the provider, leads captured through the tool, and the reply stored
// as far as it got, whatever happens to the client or the upstream.
import {
  type ChatAction,
  type ChatEvent,
  type ChatRequest,
  type ChatSuggestion,
  type Lead,
  type ScriptStage,
  SUGGESTIONS_VERSION,
} from '@closer/contract';
import type { Statement } from '../db/pipeline.ts';
import type { TenantClaims } from '../db/tenant.ts';
import { withTenant, withTenantsAtOnce } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { Env } from '../env.ts';
import { messageCreatedStatement } from '../events/chat.ts';
import { asksOfflineHandoff, offlineHandoff } from '../handoff/offline.ts';
import { handoffOnUnansweredReplies, withRuleNote } from '../handoff/rules.ts';
import { leaveContactSuggestion } from '../handoff/unanswered.ts';
import { ApiError, databaseUnavailable } from '../http/errors.ts';
import { isKnowledgeGap, recordGapStatement } from '../knowledge/gaps.ts';
import type { ChatAgent } from '../llm/agentModel.ts';
import { UpstreamError } from '../llm/errors.ts';
import type { Grounding, LlmMessage, LlmProvider, LlmToolCall } from '../llm/types.ts';
import { assemblePrompt } from '../prompt/assemble.ts';
import { qualificationSection } from '../prompt/qualification.ts';
import { estimateTokens } from '../prompt/tokens.ts';
import {
  qualificationForTurn,
  qualificationWrites,
  type TurnQualification,
} from '../qualification/gather.ts';
import { withdrawQuestion } from '../qualification/record.ts';
import { groundingFor, type MatchedObjection, type StageScript } from '../retrieval/retrieve.ts';
import type { QuestionEmbedding } from '../retrieval/semantic.ts';
import { withIdleTimeout } from './idle.ts';
import type { ModelReplyClaim } from './modelCeilings.ts';
import { ReplyText, replyCharLimit } from './replyText.ts';
import { scriptedReply } from './scripted.ts';
import { replySuggestions } from './suggestions.ts';
import {
  type ChatTool,
  offeredTools,
  runToolCall,
  type ToolCallContext,
  toolDefinitions,
} from './tools/index.ts';
import {
  countTurn,
  finishReplyStatement,
  firstTurn,
  newVisitorToken,
  type OpenedTurn,
  openTurn,
  type TurnInput,
  turnRateLimits,
} from './turn.ts';

export interface ChatTimings {
  /** Idle time before a `: ping` comment (15 s). */
  pingMs: number;
  /** Time without an upstream event before the reply is ended with an error (60 s). */
  idleTimeoutMs: number;
  /** Time allowed before the model's first event, separate from the idle timeout (20 s). */
  firstTokenTimeoutMs: number;
}

export interface PreparedTurn extends GroundedPrompt {
  agent: ChatAgent;
  turn: OpenedTurn;
  /** The tools offered to the model in this turn (see tools/index.ts). */
  tools: ChatTool[];
  /** The visitor's time zone from the request (null: not sent). */
  timeZone: string | null;
  /** A suggestion's action sent with the message (a scripted reply answers it, see scripted.ts). */
  action: ChatAction | undefined;
  /** The qualification question's key the reply is to end with (tool-less replies); withdrawn if it does not. */
  qualificationAsked?: string;
}

const MAX_TOOL_ROUNDS = 2;

const HELD_PROMPT: GroundedPrompt = {
  messages: [],
  grounding: { agentName: '', language: 'en', knowledge: [], objections: [], script: null, question: '' },
  objections: [],
  script: null,
  knowledgeGap: false,
};

export interface GroundedPrompt {
  messages: LlmMessage[];
  grounding: Grounding;
  objections: MatchedObjection[];
  script: StageScript | null;
  /** Retrieval found nothing relevant for the visitor's question: recorded as a knowledge gap with the reply. */
  knowledgeGap: boolean;
}

/** Retrieval and prompt assembly for one message, given the conversation so far. */
export async function groundedPrompt(
  tx: Queryable,
  agent: ChatAgent,
  conversation: {
    history: { role: 'user' | 'assistant'; content: string }[];
    message: string;
    stage: ScriptStage;
    hasLead: boolean;
    tools: boolean;
    extraInstructions?: string;
    /** The turn's qualification (null or absent: the agent's plan is off). */
    qualification?: TurnQualification | null;
    /** The message's embedding, asked for before the transaction began (see embedQuestion). */
    question?: Promise<QuestionEmbedding | null> | QuestionEmbedding | null;
  },
): Promise<GroundedPrompt> {
  const previousReply = conversation.history.findLast((m) => m.role === 'assistant')?.content;
  const { passages: knowledge, objections, script } = await groundingFor(tx, agent, conversation);
  const qualification = conversation.qualification ?? null;
  const prompt = assemblePrompt({
    agent,
    history: conversation.history,
    message: conversation.message,
    knowledge,
    objections,
    script,
    leadCaptured: conversation.hasLead,
    toolsOffered: conversation.tools,
    ...(qualification ? { qualification: qualificationPrompt(qualification, conversation.tools) } : {}),
    ...(conversation.extraInstructions ? { extraInstructions: conversation.extraInstructions } : {}),
  });
  return {
    messages: prompt.messages,
    grounding: {
      agentName: agent.name,
      language: agent.language,
      knowledge: prompt.knowledge.map((k) => ({ title: k.title, content: k.content })),
      objections: objections.map((o) => ({ objection: o.objection, answer: o.answer })),
      script: script ? { stage: script.stage, content: script.content } : null,
      stage: conversation.stage,
      question: conversation.message,
      persona: agent.persona,
      firstReply: previousReply === undefined,
      ...(previousReply === undefined ? {} : { previousReply }),
      ...(qualification?.question ? { qualificationQuestion: qualification.question } : {}),
      ...(qualification?.answeredQuestion ? { answeredQualification: true } : {}),
    },
    objections,
    script,
    // A visitor answering the agent's question asked nothing the knowledge could miss.
    knowledgeGap:
      !qualification?.answeredQuestion &&
      isKnowledgeGap(
        { passages: knowledge.length, objections: objections.length },
        { text: conversation.message, language: agent.language, agentName: agent.name },
      ),
  };
}

/**
 * Asks for the question's embedding (a paid call to the embedding provider). prepareTurn calls it only once the
 * turn is admitted — the conversation found, the per-minute limits with room — so a refused message spends nothing.
 */
export type AskQuestionEmbedding = () => Promise<QuestionEmbedding | null>;

/**
 * Commits the visitor's message and gathers what the reply needs, in one transaction (one pool connection: this
 * is the part before the first token). The per-minute limits are counted last, with COMMIT written right behind
 * them where the driver pipelines, so their hot rows are locked only while the server runs the end of the turn.
 * A new conversation's turn that has nothing to read before its last statements is sent whole (startsAtOnce).
 * Throws ApiError (rate limit, 404, …).
 */
export async function prepareTurn(
  db: Database,
  claims: TenantClaims,
  input: Omit<TurnInput, 'agent'>,
  provider: LlmProvider,
  agent: ChatAgent,
  question?: AskQuestionEmbedding,
): Promise<PreparedTurn> {
  const newConversation = input.request.conversationId ? null : { id: crypto.randomUUID() };
  const turnInput: TurnInput = {
    ...input,
    agent,
    ...(newConversation ? { newToken: newVisitorToken(), newConversationId: newConversation.id } : {}),
  };
  return withTenant(db, claims, (tx) =>
    newConversation && startsAtOnce(turnInput, provider)
      ? firstTurnAtOnce(tx, turnInput, newConversation.id, provider, question)
      : turnStepByStep(tx, turnInput, provider, question),
  );
}

/**
 * A turn writes nothing after retrieval, so its count and COMMIT can go right behind it, when no person is asked
 * for (the offline responder's recognised request, the unanswered-replies rule) and qualification writes nothing.
 * A new conversation's turn then reads nothing it must wait for at all (startsAtOnce).
 */
function endsWithRetrieval(input: TurnInput, provider: LlmProvider): boolean {
  const { agent } = input;
  if (asksOfflineHandoff({ agent, provider, message: input.request.message })) return false;
  const plan = agent.qualificationPlan;
  if (qualificationWrites({ ...(plan ? { plan } : {}), toolsOffered: provider.name !== 'offline' }))
    return false;
  return !(agent.handoff.enabled && agent.handoff.afterUnansweredReplies !== null);
}

const startsAtOnce = (input: TurnInput, provider: LlmProvider) =>
  input.request.conversationId === undefined && endsWithRetrieval(input, provider);

/**
 * Retrieval and prompt, then the turn's count with COMMIT: issued together where the driver pipelines (the first
 * failure is the cause), one after the other elsewhere. `ground` must issue its statements before it awaits.
 */
async function groundThenCount(
  tx: Queryable,
  ground: () => Promise<GroundedPrompt>,
  count: () => Promise<void>,
): Promise<GroundedPrompt> {
  const grounded = ground();
  grounded.catch(() => {}); // awaited below, before the count: its failure comes first
  if (!tx.pipelines) await grounded;
  const counted = count();
  counted.catch(() => {});
  const prompt = await grounded;
  await counted;
  return prompt;
}

/**
 * A new conversation's turn sent whole where the driver pipelines: its writes, retrieval, the per-minute count and
 * COMMIT are issued before any answer is awaited (one round trip; with semantic search, the question's embedding is
 * asked for once the writes and the limits' first look are answered, and awaited before retrieval). Elsewhere the
 * same steps run one after another.
 */
async function firstTurnAtOnce(
  tx: Queryable,
  input: TurnInput,
  conversationId: string,
  provider: LlmProvider,
  question: AskQuestionEmbedding | undefined,
): Promise<PreparedTurn> {
  const { agent, request } = input;
  const toolsOffered = provider.name !== 'offline';
  // openTurn issues a new conversation's statements before it first awaits; on a driver that does not pipeline,
  // each step waits for the one before.
  const opened = openTurn(tx, input);
  opened.catch(() => {}); // awaited below, in the order the statements run: the first failure is the cause
  // The embedding is asked for once the limits' first look admitted the turn (opened), not before.
  const asked = question ? opened.then(question) : null;
  asked?.catch(() => {});
  if (!tx.pipelines) await opened;
  const qualification = await qualificationForTurn(tx, {
    agent,
    conversationId,
    message: request.message,
    history: [],
    toolsOffered,
    ...(agent.qualificationPlan ? { plan: agent.qualificationPlan } : {}),
    fresh: true,
  });
  const embedding = asked ? await asked : null;
  const grounded = groundThenCount(
    tx,
    () =>
      groundedPrompt(tx, agent, {
        ...firstTurn(),
        message: request.message,
        tools: toolsOffered,
        qualification,
        question: embedding,
      }),
    () => countTurn(tx, agent.orgId, { rateLimits: turnRateLimits(input, conversationId) }),
  );
  grounded.catch(() => {});
  const turn = await opened; // its failure (a full bucket among them) comes first
  const prompt = await grounded;
  const tools = offeredTools({ agent, provider: provider.name, qualification });
  return preparedTurn(input, { turn, tools, prompt, qualification });
}

/** Any other turn: each step waits for what the one before it read. */
async function turnStepByStep(
  tx: Queryable,
  input: TurnInput,
  provider: LlmProvider,
  question: AskQuestionEmbedding | undefined,
): Promise<PreparedTurn> {
  const { agent } = input;
  const turn = await openTurn(tx, input);
  if (turn.held) {
    // A person holds the conversation: nothing to retrieve, no model to ask.
    await countTurn(tx, agent.orgId, turn);
    // A button's action is for the agent too: while a person holds the conversation it is only a message.
    return {
      agent,
      turn,
      tools: [],
      ...HELD_PROMPT,
      timeZone: input.request.timeZone ?? null,
      action: undefined,
    };
  }
  // Admitted by the limits' first look: the embedding is asked for now, while the turn reads on.
  const embedded = question?.();
  embedded?.catch(() => {});
  const personAsked = await offlineHandoff(tx, { agent, provider, turn, message: input.request.message });
  const qualification = await qualificationForTurn(tx, {
    agent,
    conversationId: turn.conversationId,
    message: input.request.message,
    history: turn.history,
    toolsOffered: provider.name !== 'offline',
    ...(agent.qualificationPlan ? { plan: agent.qualificationPlan } : {}),
    fresh: turn.visitorToken !== undefined,
  });
  const tools = offeredTools({ agent, provider: provider.name, qualification });
  const embedding = embedded ? await embedded : null;
  const ground = () =>
    groundedPrompt(tx, agent, {
      history: turn.history,
      message: input.request.message,
      stage: turn.stage,
      hasLead: turn.hasLead,
      tools: provider.name !== 'offline',
      qualification,
      question: embedding,
    });
  if (endsWithRetrieval(input, provider)) {
    const prompt = await groundThenCount(tx, ground, () => countTurn(tx, agent.orgId, turn));
    return preparedTurn(input, { turn, tools, prompt, qualification });
  }
  const prompt = await ground();
  // The agent's rule: the Nth reply in a row without relevant knowledge hands over (handoff/rules.ts).
  const ruled = personAsked
    ? null
    : await handoffOnUnansweredReplies(tx, agent, turn.conversationId, {
        found: prompt.grounding.knowledge.length + prompt.objections.length > 0,
        gap: prompt.knowledgeGap && !input.request.action,
      });
  if (ruled && provider.name !== 'offline') prompt.messages = withRuleNote(prompt.messages, ruled);
  await countTurn(tx, agent.orgId, turn);
  const asked = personAsked ?? ruled;
  if (asked?.outcome === 'outside_hours')
    Object.assign(prompt.grounding, { handoff: 'outside_hours', teamHours: asked.hours });
  else if (asked) prompt.grounding.handoff = ruled ? 'rule' : 'requested';
  return preparedTurn(input, { turn, tools, prompt, qualification });
}

function preparedTurn(
  input: TurnInput,
  parts: {
    turn: OpenedTurn;
    tools: ChatTool[];
    prompt: GroundedPrompt;
    qualification: TurnQualification | null;
  },
): PreparedTurn {
  const { qualification } = parts;
  return {
    agent: input.agent,
    turn: parts.turn,
    tools: parts.tools,
    ...parts.prompt,
    timeZone: input.request.timeZone ?? null,
    action: input.request.action,
    ...(qualification?.question && qualification.state.pendingKey
      ? { qualificationAsked: qualification.state.pendingKey }
      : {}),
  };
}

function qualificationPrompt(qualification: TurnQualification, toolsOffered: boolean): string {
  return qualificationSection({
    open: qualification.open,
    known: qualification.state.answers,
    toolsOffered,
    question: qualification.question,
  });
}

export interface ReplyOutcome {
  content: string;
  complete: boolean;
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number };
  lead: Lead | null;
  error: ApiError | null;
  /** Quick replies offered after the reply (sent as a `suggestions` event before `done`). */
  suggestions: ChatSuggestion[];
}

/** What a reply runs with besides the prepared turn. */
export interface ReplyRun {
  db: Database;
  claims: TenantClaims;
  provider: LlmProvider;
  timings: ChatTimings;
  /** Named in every log line about this reply. */
  requestId: string;
  /** The client's address bucket (null: unknown), for the per-address lead limit of capture_lead. */
  clientAddress: string | null;
  /** The deployment's settings, for tools that need them (the booking provider's key). */
  env?: Env;
  /** The reply's spend claim: its tokens are added in the same database write that stores the reply. */
  spend?: Pick<ModelReplyClaim, 'settlement'>;
}

/** What the model produced, as far as it got. */
interface Relayed {
  reply: ReplyText;
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number } | null;
  lead: Lead | null;
  failure: unknown;
  suggestions: ChatSuggestion[];
}

/**
 * Streams the reply, emitting `start`, `delta`, `lead` and then `done` or `error`. Never throws: a failure
 * (upstream, database, anything) is logged with the request id, ends the stream with an `error` event, and
 * leaves the reply stored as far as it got, `interrupted`. A client that leaves (`signal`) aborts the upstream.
 */
export async function streamReply(
  run: ReplyRun,
  prepared: PreparedTurn,
  emit: (event: ChatEvent) => void,
  signal: AbortSignal,
): Promise<ReplyOutcome> {
  const { turn } = prepared;
  let outcome: ReplyOutcome = {
    content: '',
    complete: false,
    finishReason: 'interrupted',
    usage: { inputTokens: 0, outputTokens: 0 },
    lead: null,
    error: null,
    suggestions: [],
  };
  try {
    emit({
      type: 'start',
      data: {
        conversationId: turn.conversationId,
        messageId: turn.replyId,
        ...(turn.visitorToken ? { visitorToken: turn.visitorToken } : {}),
      },
    });
    const relayed = await relay(run, prepared, emit, signal);
    outcome = await settle(run, prepared, relayed, signal);
  } catch (failure) {
    outcome = { ...outcome, error: replyError(run, failure) };
  }
  if (outcome.error) {
    const retryAfter = outcome.error.headers['retry-after'];
    emit({
      type: 'error',
      data: {
        code: outcome.error.code,
        message: outcome.error.message,
        ...(retryAfter ? { retryAfter: Number(retryAfter) } : {}),
      },
    });
  } else if (outcome.complete) {
    const offered =
      prepared.grounding.handoff === 'outside_hours'
        ? [leaveContactSuggestion(prepared.agent.language)]
        : outcome.suggestions;
    const suggestions = replySuggestions(prepared.agent, turn.stage, offered);
    if (suggestions.length > 0) {
      emit({ type: 'suggestions', data: { version: SUGGESTIONS_VERSION, suggestions } });
    }
    emit({
      type: 'done',
      data: { messageId: turn.replyId, finishReason: outcome.finishReason, usage: outcome.usage },
    });
  }
  return outcome;
}

/** Calls the model (again after each round of tool calls) and relays its text; failures are returned. */
async function relay(
  run: ReplyRun,
  prepared: PreparedTurn,
  emit: (event: ChatEvent) => void,
  signal: AbortSignal,
): Promise<Relayed> {
  const { agent } = prepared;
  const upstream = new AbortController();
  const abortUpstream = () => upstream.abort();
  signal.addEventListener('abort', abortUpstream, { once: true });
  const relayed: Relayed = {
    reply: new ReplyText(replyCharLimit(agent.maxTokens)),
    finishReason: 'stop',
    usage: null,
    lead: null,
    failure: null,
    suggestions: [],
  };
  if (await answeredByScript(run, prepared, relayed, emit)) {
    signal.removeEventListener('abort', abortUpstream);
    return relayed;
  }
  let messages = prepared.messages;
  let tools = prepared.tools.length > 0 ? toolDefinitions(prepared.tools) : undefined;
  const timeouts = {
    firstEventMs: run.timings.firstTokenTimeoutMs,
    idleMs: run.timings.idleTimeoutMs,
  };
  try {
    for (let round = 0; ; round++) {
      const calls: LlmToolCall[] = [];
      let roundText = '';
      try {
        const events = run.provider.stream(
          {
            model: agent.model,
            messages,
            temperature: agent.temperature,
            maxTokens: agent.maxTokens,
            ...(tools ? { tools } : {}),
            grounding: prepared.grounding,
          },
          upstream.signal,
        );
        for await (const event of withIdleTimeout(events, timeouts, abortUpstream)) {
          if (event.type === 'text') {
            const piece = relayed.reply.append(event.text);
            roundText += piece;
            if (piece) emit({ type: 'delta', data: { text: piece } });
            if (relayed.reply.full) break;
          } else if (event.type === 'tool_call') {
            calls.push(event.call);
          } else if (event.type === 'usage') {
            // One round cannot read more than the context window nor write more than maxTokens: a wilder report
            // would spend the agent's ceilings on nothing.
            const before = relayed.usage ?? { inputTokens: 0, outputTokens: 0 };
            relayed.usage = {
              inputTokens: before.inputTokens + Math.min(event.inputTokens, agent.contextWindow),
              outputTokens: before.outputTokens + Math.min(event.outputTokens, agent.maxTokens),
            };
          } else if (event.type === 'finish') {
            relayed.finishReason = event.reason;
          }
        }
      } catch (failure) {
        // A model that refuses tools gets the question again without them, once, before any text went out.
        if (
          failure instanceof UpstreamError &&
          failure.toolsUnsupported &&
          tools &&
          relayed.reply.text === ''
        ) {
          tools = undefined;
          round--;
          continue;
        }
        throw failure;
      }
      if (relayed.reply.full) {
        // The ceiling of this agent's replies: what came is kept, like a model's own max_tokens stop.
        upstream.abort();
        relayed.finishReason = 'length';
        break;
      }
      if (signal.aborted || calls.length === 0 || round >= MAX_TOOL_ROUNDS) break;
      const results: LlmMessage[] = [];
      for (const call of calls) results.push(await runTool(run, prepared, call, relayed, emit));
      messages = [...messages, { role: 'assistant', content: roundText, toolCalls: calls }, ...results];
    }
  } catch (failure) {
    if (!signal.aborted) relayed.failure = failure;
  } finally {
    signal.removeEventListener('abort', abortUpstream);
    // Whatever ended the reply (a failure mid-stream included), the upstream request is over: free it.
    upstream.abort();
  }
  return relayed;
}

/** What a tool (or a scripted reply) gets of the turn. */
function toolContext(
  run: ReplyRun,
  prepared: PreparedTurn,
  emit: (event: ChatEvent) => void,
): ToolCallContext {
  return {
    db: run.db,
    claims: run.claims,
    agent: prepared.agent,
    turn: prepared.turn,
    clientAddress: run.clientAddress,
    timeZone: prepared.timeZone,
    env: run.env ?? {},
    emit,
    logFailure: (what: string, failure: unknown) => logFailure(run, what, failure),
  };
}

/** A reply the server writes itself (scripted.ts) instead of the model; true when it answered the turn. */
async function answeredByScript(
  run: ReplyRun,
  prepared: PreparedTurn,
  relayed: Relayed,
  emit: (event: ChatEvent) => void,
): Promise<boolean> {
  try {
    const scripted = await scriptedReply(toolContext(run, prepared, emit), {
      message: prepared.grounding.question,
      action: prepared.action,
      provider: run.provider.name,
    });
    if (!scripted) return false;
    // The scripted reply replaces the one that would have asked the qualification question: ask it later.
    const asked = prepared.qualificationAsked;
    if (asked) {
      // Best effort: the visitor's booking is made either way; at worst the question is not asked again.
      await withTenant(run.db, run.claims, (tx) =>
        withdrawQuestion(tx, prepared.turn.conversationId, asked),
      ).catch((failure) => logFailure(run, 'qualification question withdrawal', failure));
    }
    // A button's text ("Book Tue 10:00") is not a question the knowledge failed to answer.
    prepared.knowledgeGap = false;
    const piece = relayed.reply.append(scripted.text);
    if (piece) emit({ type: 'delta', data: { text: piece } });
    relayed.suggestions = scripted.suggestions;
    relayed.usage = { inputTokens: 0, outputTokens: 0 };
    if (scripted.lead) relayed.lead = scripted.lead;
  } catch (failure) {
    relayed.failure = failure;
  }
  return true;
}

/** Runs one tool call; the result tells the model the truth, a failed save included. */
async function runTool(
  run: ReplyRun,
  prepared: PreparedTurn,
  call: LlmToolCall,
  relayed: Relayed,
  emit: (event: ChatEvent) => void,
): Promise<LlmMessage> {
  const result = await runToolCall(prepared.tools, toolContext(run, prepared, emit), call);
  if (result.lead) relayed.lead = result.lead;
  if (result.suggestions) relayed.suggestions = result.suggestions;
  return { role: 'tool', toolCallId: call.id, content: result.content };
}

/** Decides how the reply ended and stores it; a store that fails is logged and becomes the error. */
async function settle(
  run: ReplyRun,
  prepared: PreparedTurn,
  relayed: Relayed,
  signal: AbortSignal,
): Promise<ReplyOutcome> {
  const content = relayed.reply.text;
  let error = relayed.failure === null ? null : replyError(run, relayed.failure);
  if (!error && !signal.aborted && !relayed.reply.visible) {
    // Only reasoning, or nothing at all: the visitor's question would sit unanswered.
    error = replyError(run, new UpstreamError('the model sent no visible text', { status: 200 }));
  }
  let complete = !signal.aborted && error === null;
  const finishReason = complete ? relayed.finishReason : 'interrupted';
  // Without a usage report (offline, or cut short) the figures are estimates.
  const usage = relayed.usage ?? {
    inputTokens: prepared.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0),
    outputTokens: content ? estimateTokens(content) : 0,
  };
  // The tokens are added in a transaction of their own (its failure is logged, the reply stays stored), sent with
  // the reply's in one write.
  const spent = run.spend?.settlement(usage);
  const [stored, added] = withTenantsAtOnce(run.db, [
    {
      claims: run.claims,
      statements: replyStatements(prepared, { content, complete, finishReason, usage }),
    },
    ...(spent ? [spent] : []),
  ]);
  const counted = added?.catch((failure: unknown) => logFailure(run, 'add tokens', failure));
  try {
    // Stored whatever happened to the client: this write is not tied to its signal.
    await stored;
  } catch (failure) {
    // The reply's row stays as openTurn left it: empty and interrupted.
    error ??= replyError(run, failure);
    complete = false;
  }
  await counted; // answered in the same round trip
  return {
    content,
    complete,
    finishReason: complete ? finishReason : 'interrupted',
    usage,
    lead: relayed.lead,
    error,
    suggestions: relayed.suggestions,
  };
}

/** The reply's row as it ended, the knowledge gap it revealed, and its event. */
function replyStatements(
  prepared: PreparedTurn,
  reply: Pick<ReplyOutcome, 'content' | 'complete' | 'finishReason' | 'usage'>,
): Statement[] {
  const { agent, turn } = prepared;
  const { content, complete, finishReason, usage } = reply;
  return [
    finishReplyStatement({
      replyId: turn.replyId,
      content,
      complete,
      finishReason,
      model: agent.model,
      usage,
      usedObjectionIds: prepared.objections.map((o) => o.id),
      usedScriptIds: prepared.script ? [prepared.script.id] : [],
    }),
    ...(prepared.knowledgeGap
      ? [
          recordGapStatement({
            orgId: agent.orgId,
            agentId: agent.id,
            conversationId: turn.conversationId,
            question: prepared.grounding.question,
            language: agent.language,
          }),
        ]
      : []),
    messageCreatedStatement(agent.orgId, {
      id: turn.replyId,
      conversationId: turn.conversationId,
      role: 'assistant',
      content,
      status: complete ? 'complete' : 'interrupted',
      finishReason,
      model: agent.model,
      usage,
      createdAt: new Date().toISOString(),
    }),
  ];
}

/** The client's view of a failure; the cause goes to the log with the request id. */
function replyError(run: ReplyRun, failure: unknown): ApiError {
  logFailure(run, 'chat reply', failure);
  if (failure instanceof UpstreamError) {
    // Timeouts and a reply with no text are raised here, not by the observed provider: name the request too.
    failure.requestId ??= run.requestId;
    return failure.toApiError();
  }
  if (isDatabaseUnavailable(failure)) return databaseUnavailable();
  if (failure instanceof ApiError) return failure;
  return new ApiError('internal', `The reply failed (request ${run.requestId})`);
}

function logFailure(run: ReplyRun, where: string, failure: unknown): void {
  console.error(
    JSON.stringify({
      level: failure instanceof UpstreamError ? 'warn' : 'error',
      where,
      requestId: run.requestId,
      error: String(failure),
      ...(failure instanceof UpstreamError ? {} : { stack: (failure as Error)?.stack }),
    }),
  );
}

export type { ChatRequest };
