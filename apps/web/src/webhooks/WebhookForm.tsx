import { createWebhookBody, type eventTypeList, updateWebhookBody, type WebhookView } from '@app/schemas/webhook';
import { type FormEvent, useId, useMemo, useState } from 'react';
import type { z } from 'zod';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, SelectField, TextAreaField } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';

type EventTypes = z.infer<typeof eventTypeList>;
type Values = {
  url: string;
  description: string;
  /** The chosen event types, comma-separated ('*': all of them). */
  events: string;
  authMode: string;
  bearerToken: string;
  acknowledgeRisk: string;
};

export const emptyValues: Values = {
  url: 'https://',
  description: '',
  events: '',
  authMode: 'hmac_sha256',
  bearerToken: '',
  acknowledgeRisk: '',
};

export const valuesOf = (w: WebhookView): Values => ({
  url: w.url,
  description: w.description,
  events: w.events.join(','),
  authMode: w.authMode,
  bearerToken: '',
  acknowledgeRisk: '',
});

const AUTH_MODES = createWebhookBody.shape.authMode.unwrap().options;

const split = (s: string) => (s ? s.split(',') : []);

/**
 * Create or edit a subscription, checked with the API's own schema (createWebhookBody / updateWebhookBody)
 * plus its rule that ip_only needs the risk acknowledged. Editing sends the auth mode only when it changes
 * (a change makes new credentials, shown once by the caller).
 */
export function WebhookForm({
  original,
  submitLabel,
  onSubmit,
}: {
  /** The subscription being edited; none when creating. */
  original?: WebhookView;
  submitLabel: string;
  /** Sends the body; a refusal is thrown and shown beside its fields. */
  onSubmit: (body: Record<string, unknown>) => Promise<unknown>;
}) {
  const { t } = useI18n();
  const eventTypes = useApiQuery<EventTypes>('/api/v1/webhooks/event-types');
  const modeChanged = (v: Values) => !original || v.authMode !== original.authMode;

  const schema = useMemo(
    () =>
      (original ? updateWebhookBody : createWebhookBody).superRefine((b, ctx) => {
        if (b.authMode === 'ip_only' && b.acknowledgeRisk !== true) {
          ctx.addIssue({ code: 'custom', path: ['acknowledgeRisk'], message: t('webhooks.form.ackRequired') });
        }
      }),
    [original, t],
  );
  const toInput = (v: Values) => {
    const body: Record<string, unknown> = { url: v.url.trim(), events: split(v.events), description: v.description };
    if (modeChanged(v)) body.authMode = v.authMode;
    if (v.authMode === 'bearer' && v.bearerToken !== '') body.bearerToken = v.bearerToken;
    if (v.authMode === 'ip_only' && modeChanged(v)) body.acknowledgeRisk = v.acknowledgeRisk === 'true';
    return body;
  };
  const form = useZodForm(schema as z.ZodType, original ? valuesOf(original) : emptyValues, toInput);
  const [busy, setBusy] = useState(false);
  const ackId = useId();
  const ackErrorId = useId();
  const eventsErrorId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = form.validate();
    if (!body) return;
    setBusy(true);
    try {
      await onSubmit(body as Record<string, unknown>);
    } catch (err) {
      form.fromApi(err);
    } finally {
      setBusy(false);
    }
  };

  const chosen = new Set(split(form.values.events));
  const toggle = (type: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(type);
    else next.delete(type);
    form.set('events', type === '*' && on ? '*' : [...next].filter((x) => x !== '*' || type === '*').join(','));
  };
  const eventsError = Object.entries(form.errors).find(([k]) => k === 'events' || k.startsWith('events.'))?.[1];
  const mode = form.values.authMode;
  const plainHttp = form.values.url.trim().toLowerCase().startsWith('http:');

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="webhook-form">
      <Field label={t('webhooks.field.url')} type="url" hint={t('webhooks.form.urlHint')} {...form.field('url')} />
      {plainHttp && <p className="badge warn">{t('webhooks.warning.plainHttp')}</p>}
      <TextAreaField label={t('webhooks.field.description')} rows={2} {...form.field('description')} />

      <fieldset aria-describedby={eventsError ? eventsErrorId : undefined} aria-invalid={eventsError ? true : undefined}>
        <legend>{t('webhooks.field.events')}</legend>
        <QueryState query={eventTypes} loading={t('webhooks.form.loadingEvents')}>
          {(list) => (
            <ul className="webhook-events">
              <li>
                <label>
                  <input type="checkbox" checked={chosen.has('*')} onChange={(e) => toggle('*', e.target.checked)} />{' '}
                  {t('webhooks.form.allEvents')}
                </label>
              </li>
              {list.items.map((ev) => (
                <li key={ev.type}>
                  <label>
                    <input
                      type="checkbox"
                      checked={chosen.has('*') || chosen.has(ev.type)}
                      disabled={chosen.has('*')}
                      onChange={(e) => toggle(ev.type, e.target.checked)}
                    />{' '}
                    <code>{ev.type}</code> <span className="meta">{ev.description}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {eventsError && (
          <p id={eventsErrorId} className="field-error">
            {eventsError}
          </p>
        )}
      </fieldset>

      <SelectField
        label={t('webhooks.field.authMode')}
        options={AUTH_MODES.map((m) => ({ value: m, label: t(`webhooks.authMode.${m}`) }))}
        {...form.field('authMode')}
      />
      {original && modeChanged(form.values) && <p className="meta">{t('webhooks.form.modeChangeNote')}</p>}
      {mode === 'bearer' && (
        <>
          <p className="badge warn">{t('webhooks.warning.degraded')}</p>
          <Field
            label={t('webhooks.field.bearerToken')}
            hint={original && !modeChanged(form.values) ? t('webhooks.form.bearerReplaceHint') : t('webhooks.form.bearerHint')}
            autoComplete="off"
            spellCheck={false}
            {...form.field('bearerToken')}
          />
        </>
      )}
      {mode === 'ip_only' && (
        <div className="field">
          <p className="badge bad">{t('webhooks.warning.atRisk')}</p>
          {modeChanged(form.values) ? (
            <>
              <label htmlFor={ackId}>
                <input
                  id={ackId}
                  type="checkbox"
                  checked={form.values.acknowledgeRisk === 'true'}
                  aria-invalid={form.errors.acknowledgeRisk ? true : undefined}
                  aria-describedby={form.errors.acknowledgeRisk ? ackErrorId : undefined}
                  onChange={(e) => form.set('acknowledgeRisk', e.target.checked ? 'true' : '')}
                />{' '}
                {t('webhooks.form.acknowledge')}
              </label>
              {form.errors.acknowledgeRisk && (
                <p id={ackErrorId} className="field-error">
                  {form.errors.acknowledgeRisk}
                </p>
              )}
            </>
          ) : (
            <p className="meta">{t('webhooks.form.ackDone')}</p>
          )}
        </div>
      )}

      <FormError message={form.formError} />
      <div className="actions">
        <SaveButton pending={busy} aria-busy={busy || undefined} label={submitLabel} />
      </div>
    </form>
  );
}
