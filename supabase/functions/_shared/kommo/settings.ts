// Lead-sync settings checked against what the Kommo account has: the pipeline, a stage of it, a user, and text
// custom fields of the right entity for the field mapping. Every problem is reported with its field path.
import type { FieldIssue, KommoCatalog, KommoSettings, KommoSettingsUpdate } from '@closer/contract';
import { ApiError } from '../http/errors.ts';
import { settingsFromRow } from './connection.ts';

/** Kommo custom field types that take free text. */
const TEXT_FIELD_TYPES = new Set(['text', 'textarea', 'streetaddress']);

export function mergeSettings(current: unknown, patch: KommoSettingsUpdate): KommoSettings {
  const base = settingsFromRow(current);
  const { fieldMap, ...rest } = patch;
  return { ...base, ...rest, fieldMap: { ...base.fieldMap, ...fieldMap } } as KommoSettings;
}

export function checkSettings(settings: KommoSettings, catalog: KommoCatalog): void {
  const details: FieldIssue[] = [];
  const pipeline = catalog.pipelines.find((p) => p.id === settings.pipelineId);
  if (settings.pipelineId != null && !pipeline) {
    details.push({
      path: ['pipelineId'],
      message: 'is not a pipeline of this Kommo account (POST /kommo/sync to refresh)',
    });
  }
  if (settings.statusId != null && pipeline && !pipeline.statuses.some((s) => s.id === settings.statusId)) {
    details.push({ path: ['statusId'], message: `is not a stage of pipeline ${pipeline.name}` });
  }
  if (settings.responsibleUserId != null && !catalog.users.some((u) => u.id === settings.responsibleUserId)) {
    details.push({ path: ['responsibleUserId'], message: 'is not a user of this Kommo account' });
  }
  if (settings.handoffTaskUserId != null && !catalog.users.some((u) => u.id === settings.handoffTaskUserId)) {
    details.push({ path: ['handoffTaskUserId'], message: 'is not a user of this Kommo account' });
  }
  for (const [key, target] of Object.entries(settings.fieldMap)) {
    if (!target) continue;
    const field = catalog.customFields.find((f) => f.id === target.fieldId && f.entity === target.entity);
    if (!field) {
      details.push({
        path: ['fieldMap', key, 'fieldId'],
        message: `is not a custom field of the account's ${target.entity}s (POST /kommo/sync to refresh)`,
      });
    } else if (!TEXT_FIELD_TYPES.has(field.type)) {
      details.push({
        path: ['fieldMap', key, 'fieldId'],
        message: `is a ${field.type} field; ${key} needs a text field (text, textarea or streetaddress)`,
      });
    }
  }
  if (details.length)
    throw new ApiError('validation_failed', 'The Kommo settings are not valid', { details });
}
