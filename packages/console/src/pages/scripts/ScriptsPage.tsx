// An agent's sales scripts (by stage, in order) and its answers to objections: add, edit, delete.
import {
  type ObjectionAnswer,
  objectionAnswerCreate,
  type SalesScript,
  type ScriptStage,
  salesScriptCreate,
} from '@closer/contract';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { AgentSelect } from '../../ui/AgentSelect.tsx';
import { useAgents } from '../../ui/agentNames.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { Empty, ErrorState, Loaded, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';
import { useDeletion } from '../../ui/useDeletion.tsx';
import '../../ui/listPages.css';
import '../knowledge/knowledge.css';

const stages: ScriptStage[] = ['opening', 'discovery', 'presentation', 'closing', 'follow_up'];

export default function ScriptsPage() {
  const agents = useAgents();
  const [agentId, setAgentId] = useState('');
  const list = agents.data ?? [];
  const chosen = agentId || list[0]?.id || '';
  return (
    <>
      <PageHeader title={t('scripts.title')} />
      {agents.status === 'error' && !agents.data ? (
        <ErrorState error={agents.error} onRetry={agents.reload} />
      ) : agents.data && list.length === 0 ? (
        <Empty title={t('knowledge.noAgents')} />
      ) : (
        <>
          <AgentSelect agents={list} value={chosen} onChange={setAgentId} />
          {chosen && <Scripts key={`s-${chosen}`} agentId={chosen} />}
          {chosen && <Objections key={`o-${chosen}`} agentId={chosen} />}
        </>
      )}
    </>
  );
}

function Scripts({ agentId }: { agentId: string }) {
  const scripts = useLoad(async () => {
    const all: SalesScript[] = [];
    for await (const script of api().agents.scripts.list(agentId, { limit: 100 })) all.push(script);
    return all;
  }, [agentId, currentOrgId.value]);
  const [editing, setEditing] = useState<SalesScript | 'new' | null>(null);
  const deletion = useDeletion<SalesScript>({
    title: (script) => t('scripts.deleteScript', { name: script.name }),
    remove: (script) => api().agents.scripts.delete(agentId, script.id),
    onDeleted: () => scripts.reload(),
  });
  return (
    <section class="card" aria-labelledby="scripts-scripts">
      <h2 id="scripts-scripts">{t('scripts.scripts')}</h2>
      <p class="muted">{t('scripts.scriptsHint')}</p>
      <Loaded load={scripts}>
        {(all) =>
          all.length === 0 ? (
            <p class="muted">{t('scripts.noScripts')}</p>
          ) : (
            stages
              .filter((stage) => all.some((s) => s.stage === stage))
              .map((stage) => (
                <div key={stage}>
                  <h3>{t(`scripts.stage.${stage}`)}</h3>
                  <ul class="knowledge-list">
                    {all
                      .filter((s) => s.stage === stage)
                      .sort((a, b) => a.position - b.position)
                      .map((script) => (
                        <li key={script.id} class="knowledge-item">
                          <strong>{script.name}</strong>
                          <p class="knowledge-content">{script.content}</p>
                          <div class="actions">
                            <button type="button" class="button" onClick={() => setEditing(script)}>
                              {t('knowledge.edit')}
                              <span class="visually-hidden"> {script.name}</span>
                            </button>
                            <button
                              type="button"
                              class="button button-danger"
                              onClick={() => deletion.ask(script)}
                            >
                              {t('action.delete')}
                              <span class="visually-hidden"> {script.name}</span>
                            </button>
                          </div>
                        </li>
                      ))}
                  </ul>
                </div>
              ))
          )
        }
      </Loaded>
      <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
        {t('scripts.addScript')}
      </button>
      <Dialog
        open={editing !== null}
        title={typeof editing === 'object' && editing ? editing.name : t('scripts.addScript')}
        onClose={() => setEditing(null)}
      >
        <ScriptForm
          agentId={agentId}
          script={typeof editing === 'object' ? editing : null}
          onSaved={() => {
            setEditing(null);
            scripts.reload();
          }}
        />
      </Dialog>
      {deletion.dialog}
    </section>
  );
}

/** The form's buttons and whole-form error; fields are the caller's. */
function FormFooter({ failure, busy }: { failure: string | null; busy: boolean }) {
  return (
    <>
      <FormError message={failure} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('action.save')}
        </button>
      </div>
    </>
  );
}

/** Validates with `schema`, then saves; field errors (the contract's or the server's) go beside the fields. */
function useSave<S extends Parameters<typeof validate>[0]>(
  schema: S,
  save: (data: never) => Promise<unknown>,
) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (value: unknown, onSaved: () => void) => {
    setFailure(null);
    const checked = validate(schema, value);
    if (!checked.ok) {
      setErrors(checked.errors);
      return setFailure(t('form.fixFields'));
    }
    setErrors({});
    setBusy(true);
    try {
      await save(checked.data as never);
      toast(t('form.saved'));
      onSaved();
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return { errors, failure, busy, submit };
}

function ScriptForm({
  agentId,
  script,
  onSaved,
}: {
  agentId: string;
  script: SalesScript | null;
  onSaved: () => void;
}) {
  const [form, setForm] = useState({
    stage: script?.stage ?? ('opening' as ScriptStage),
    name: script?.name ?? '',
    content: script?.content ?? '',
    position: String(script?.position ?? 0),
  });
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const { errors, failure, busy, submit } = useSave(salesScriptCreate, (data: never) =>
    script
      ? api().agents.scripts.update(agentId, script.id, data)
      : api().agents.scripts.create(agentId, data),
  );
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit({ ...form, position: Number(form.position) }, onSaved);
      }}
    >
      <div class="grid-2">
        <Field label={t('scripts.stage')} error={errors.stage}>
          {(control) => (
            <select
              {...control}
              value={form.stage}
              onChange={(e) => set({ stage: e.currentTarget.value as ScriptStage })}
            >
              {stages.map((stage) => (
                <option key={stage} value={stage}>
                  {t(`scripts.stage.${stage}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('scripts.position')} error={errors.position}>
          {(control) => (
            <input
              {...control}
              type="number"
              min={0}
              max={1000}
              value={form.position}
              onInput={(e) => set({ position: e.currentTarget.value })}
            />
          )}
        </Field>
      </div>
      <Field label={t('scripts.name')} error={errors.name}>
        {(control) => (
          <input {...control} value={form.name} onInput={(e) => set({ name: e.currentTarget.value })} />
        )}
      </Field>
      <Field label={t('scripts.content')} error={errors.content}>
        {(control) => (
          <textarea
            {...control}
            rows={8}
            value={form.content}
            onInput={(e) => set({ content: e.currentTarget.value })}
          />
        )}
      </Field>
      <FormFooter failure={failure} busy={busy} />
    </form>
  );
}

function Objections({ agentId }: { agentId: string }) {
  const objections = useLoad(async () => {
    const all: ObjectionAnswer[] = [];
    for await (const answer of api().agents.objections.list(agentId, { limit: 100 })) all.push(answer);
    return all;
  }, [agentId, currentOrgId.value]);
  const [editing, setEditing] = useState<ObjectionAnswer | 'new' | null>(null);
  const deletion = useDeletion<ObjectionAnswer>({
    title: (answer) => t('scripts.deleteObjection', { name: answer.objection }),
    remove: (answer) => api().agents.objections.delete(agentId, answer.id),
    onDeleted: () => objections.reload(),
  });
  return (
    <section class="card" aria-labelledby="scripts-objections">
      <h2 id="scripts-objections">{t('scripts.objections')}</h2>
      <p class="muted">{t('scripts.objectionsHint')}</p>
      <Loaded load={objections}>
        {(all) =>
          all.length === 0 ? (
            <p class="muted">{t('scripts.noObjections')}</p>
          ) : (
            <ul class="knowledge-list">
              {all.map((answer) => (
                <li key={answer.id} class="knowledge-item">
                  <strong>{answer.objection}</strong>
                  {answer.keywords.length > 0 && (
                    <p class="muted">
                      {answer.keywords.map((word) => (
                        <span key={word} class="badge">
                          {word}
                        </span>
                      ))}
                    </p>
                  )}
                  <p class="knowledge-content">{answer.answer}</p>
                  <div class="actions">
                    <button type="button" class="button" onClick={() => setEditing(answer)}>
                      {t('knowledge.edit')}
                      <span class="visually-hidden"> {answer.objection}</span>
                    </button>
                    <button type="button" class="button button-danger" onClick={() => deletion.ask(answer)}>
                      {t('action.delete')}
                      <span class="visually-hidden"> {answer.objection}</span>
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
        {t('scripts.addObjection')}
      </button>
      <Dialog
        open={editing !== null}
        title={typeof editing === 'object' && editing ? editing.objection : t('scripts.addObjection')}
        onClose={() => setEditing(null)}
      >
        <ObjectionForm
          agentId={agentId}
          answer={typeof editing === 'object' ? editing : null}
          onSaved={() => {
            setEditing(null);
            objections.reload();
          }}
        />
      </Dialog>
      {deletion.dialog}
    </section>
  );
}

function ObjectionForm({
  agentId,
  answer,
  onSaved,
}: {
  agentId: string;
  answer: ObjectionAnswer | null;
  onSaved: () => void;
}) {
  const [form, setForm] = useState({
    objection: answer?.objection ?? '',
    keywords: answer?.keywords.join(', ') ?? '',
    answer: answer?.answer ?? '',
  });
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const { errors, failure, busy, submit } = useSave(objectionAnswerCreate, (data: never) =>
    answer
      ? api().agents.objections.update(agentId, answer.id, data)
      : api().agents.objections.create(agentId, data),
  );
  const keywords = form.keywords
    .split(',')
    .map((word) => word.trim())
    .filter(Boolean);
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit({ ...form, keywords }, onSaved);
      }}
    >
      <Field label={t('scripts.objection')} error={errors.objection}>
        {(control) => (
          <input
            {...control}
            value={form.objection}
            onInput={(e) => set({ objection: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field
        label={t('scripts.keywords')}
        hint={t('scripts.keywordsHint')}
        error={errors.keywords ?? Object.entries(errors).find(([path]) => path.startsWith('keywords.'))?.[1]}
      >
        {(control) => (
          <input
            {...control}
            value={form.keywords}
            onInput={(e) => set({ keywords: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field label={t('scripts.answer')} error={errors.answer}>
        {(control) => (
          <textarea
            {...control}
            rows={6}
            value={form.answer}
            onInput={(e) => set({ answer: e.currentTarget.value })}
          />
        )}
      </Field>
      <FormFooter failure={failure} busy={busy} />
    </form>
  );
}
