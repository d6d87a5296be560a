// What Closer reads from Kommo's API answers, as schemas: an answer that does not fit (an id that is null,
// missing, fractional, negative or past 2^53) is an upstream error, never taken as a success.
import * as z from 'zod/mini';

/** A Kommo entity id (lead, contact, pipeline, stage, user, field, account): a positive safe integer. */
export const kommoId = z.int().check(z.positive());

/** Kommo's text, where only a string is used (anything else reads as absent, not as a broken answer). */
const optionalText = z.catch(z.optional(z.string()), undefined);

const contactRef = z.looseObject({ id: kommoId, is_main: z.catch(z.optional(z.boolean()), undefined) });

/** `POST /api/v4/leads/complex`: one entry per lead sent, each with its id and its contact's. */
export const createdLeadsAnswer = z
  .array(z.looseObject({ id: kommoId, contact_id: z.optional(z.nullable(kommoId)) }))
  .check(z.minLength(1));

/** `PATCH /api/v4/leads/{id}`, `/contacts/{id}`: the entity's id. */
export const updatedAnswer = z.looseObject({ id: kommoId });

/** `GET /api/v4/leads/{id}?with=contacts`. */
export const leadAnswer = z.looseObject({
  id: kommoId,
  responsible_user_id: z.catch(z.optional(z.nullable(kommoId)), undefined),
  _embedded: z.optional(z.looseObject({ contacts: z.optional(z.array(contactRef)) })),
});

/** `GET /api/v4/leads?query=…&with=contacts`. */
export const leadsPage = z.looseObject({
  _embedded: z.optional(
    z.looseObject({
      leads: z.optional(
        z.array(
          z.looseObject({
            id: kommoId,
            name: z.string(),
            _embedded: z.optional(z.looseObject({ contacts: z.optional(z.array(contactRef)) })),
          }),
        ),
      ),
    }),
  ),
});

/** `GET /api/v4/tasks?…`: only the texts are read (a task's marker). */
export const tasksPage = z.looseObject({
  _embedded: z.optional(z.looseObject({ tasks: z.optional(z.array(z.looseObject({ text: optionalText }))) })),
});

/** `GET /api/v4/leads/{id}/notes?…`: only the texts are read (a note's marker). */
export const notesPage = z.looseObject({
  _embedded: z.optional(
    z.looseObject({
      notes: z.optional(
        z.array(
          z.looseObject({ params: z.catch(z.optional(z.looseObject({ text: optionalText })), undefined) }),
        ),
      ),
    }),
  ),
});

/** `GET /api/v4/leads/pipelines`, with each pipeline's stages. */
export const pipelinesAnswer = z.looseObject({
  _embedded: z.optional(
    z.looseObject({
      pipelines: z.optional(
        z.array(
          z.looseObject({
            id: kommoId,
            name: z.string(),
            is_main: z.catch(z.optional(z.boolean()), undefined),
            _embedded: z.optional(
              z.looseObject({
                statuses: z.optional(
                  z.array(z.looseObject({ id: kommoId, name: z.string(), sort: z.catch(z.number(), 0) })),
                ),
              }),
            ),
          }),
        ),
      ),
    }),
  ),
});

/** One page of a list Kommo pages (`_embedded[key]`, `_links.next`), its items as `item` reads them. */
export const listPage = <T extends z.core.$ZodType>(key: string, item: T) =>
  z.looseObject({
    _embedded: z.optional(z.looseObject({ [key]: z.optional(z.array(item)) })),
    _links: z.catch(
      z.optional(z.looseObject({ next: z.optional(z.looseObject({ href: z.optional(z.string()) })) })),
      undefined,
    ),
  });

export const userItem = z.looseObject({
  id: kommoId,
  name: z.string(),
  email: z.catch(z.optional(z.nullable(z.string())), undefined),
});
export const customFieldItem = z.looseObject({ id: kommoId, name: z.string(), type: z.string() });

/** `GET /api/v4/account`. */
export const accountAnswer = z.looseObject({ id: kommoId });

/** The answer's fields that did not fit, for the error: `0.id, 0.contact_id`. */
export function misfits(error: z.core.$ZodError): string {
  const paths = error.issues.map((issue) => issue.path.map(String).join('.') || 'body');
  return [...new Set(paths)].slice(0, 5).join(', ');
}
