import { type ImportView, uploadFields } from '@app/schemas/import';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '../api/errors.ts';
import { useApiMutation } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ApiProblem } from '../tracks/ApiProblem.tsx';
import { Field, SelectField } from '../ui/Field.tsx';
import { useZodForm } from '../ui/form.ts';

const EMPTY = { format: '', encoding: '' };

/** What the import page is told about the upload that led to it. */
export type UploadState = { sameFileImportedBefore?: boolean };

/**
 * Upload a file of invoices to issue in the background (CSV in UTF-8 or Big5, or JSON lines). The API answers
 * at once with the queued import; its page follows the progress.
 */
export function ImportUpload() {
  const { t } = useI18n();
  const can = useCan();
  const navigate = useNavigate();
  const form = useZodForm(uploadFields, EMPTY);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const [problem, setProblem] = useState<unknown>(null);
  const upload = useApiMutation(
    (api, v: { file: File; format?: string | undefined; encoding?: string | undefined }) => {
      const body = new FormData();
      body.set('file', v.file, v.file.name);
      if (v.format) body.set('format', v.format);
      if (v.encoding) body.set('encoding', v.encoding);
      return api.post<ImportView>('/api/v1/imports', body);
    },
    ['/api/v1/imports'],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const fields = form.validate();
    if (!file) setFileError(t('imports.upload.chooseFile'));
    if (!fields || !file) return;
    upload.mutate(
      { file, ...fields },
      {
        onSuccess: (r) => {
          const state: UploadState = { sameFileImportedBefore: r.sameFileImportedBefore === true };
          navigate(`/imports/${r.id}`, { state });
        },
        onError: (err) => {
          const byField = err instanceof ApiError ? err.fieldErrors() : {};
          setFileError(byField.file);
          if (byField.format || byField.encoding) form.fromApi(err);
          setProblem(err);
        },
      },
    );
  };

  return (
    <section aria-labelledby="import-upload-title" className="import-upload">
      <h1 id="import-upload-title">{t('imports.upload.title')}</h1>
      <p>
        <Link to="/imports">{t('imports.backToList')}</Link>
      </p>
      <div className="card">
        <p>{t('imports.upload.intro')}</p>
        {!can('invoice.issue') && <p className="badge warn">{t('imports.upload.needsIssue')}</p>}
        <form onSubmit={submit} noValidate className="narrow-form">
          <Field
            label={t('imports.upload.file')}
            name="file"
            type="file"
            accept=".csv,.txt,.jsonl,.ndjson,.json,text/csv,application/json"
            error={fileError}
            hint={t('imports.upload.fileHint')}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setFileError(undefined);
            }}
          />
          <SelectField
            label={t('imports.upload.format')}
            options={[
              { value: '', label: t('imports.upload.auto') },
              { value: 'csv', label: 'CSV' },
              { value: 'jsonl', label: t('imports.format.jsonl') },
            ]}
            hint={t('imports.upload.formatHint')}
            {...form.field('format')}
          />
          <SelectField
            label={t('imports.upload.encoding')}
            options={[
              { value: '', label: t('imports.upload.auto') },
              { value: 'utf8', label: t('imports.encoding.utf8') },
              { value: 'big5', label: t('imports.encoding.big5') },
            ]}
            hint={t('imports.upload.encodingHint')}
            {...form.field('encoding')}
          />
          {problem ? <ApiProblem error={problem} title={t('imports.upload.failed')} /> : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={upload.isPending} aria-busy={upload.isPending || undefined}>
              {upload.isPending ? t('imports.upload.uploading') : t('imports.upload.submit')}
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}
