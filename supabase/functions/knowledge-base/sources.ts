// The organisation's knowledge-base sources (/knowledge-base/categories/:id/sources): the shared source routes,
// scoped to a category. What such a source reads becomes published articles of the category, which every agent
// drawing on the category retrieves.

import { notFound } from '../_shared/http/errors.ts';
import type { SourceRoutesScope } from '../_shared/knowledge/sources/routes.ts';

export const categorySources: SourceRoutesScope = {
  path: '/categories/:id/sources',
  what: 'Category',
  whose: "a knowledge-base category's",
  async find(tx, categoryId) {
    const [row] = await tx.query<{ org_id: string }>(
      'select org_id from public.knowledge_categories where id = $1',
      [categoryId],
    );
    if (!row) throw notFound('Category');
    return { orgId: row.org_id, owner: { categoryId } };
  },
};
