import { type FormEvent, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/errors.ts';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field } from '../ui/Field.tsx';
import { ListPage, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { ApiProblem } from './ApiProblem.tsx';
import { type E0501Import, E0501Result } from './E0501Result.tsx';

/** Upload an E0501 file (XML or the platform CSV, UTF-8 or Big5) and see every entry's verdict. */
function E0501Upload() {
  const { t } = useI18n();
  const headingId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const [problem, setProblem] = useState<unknown>(null);
  const [result, setResult] = useState<E0501Import | null>(null);
  const upload = useApiMutation(
    (api, f: File) => {
      const body = new FormData();
      body.set('file', f, f.name);
      return api.post<E0501Import>('/api/v1/tracks/e0501', body);
    },
    ['/api/v1/tracks'],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!file) {
      setFileError(t('tracks.e0501.chooseFile'));
      return;
    }
    setFileError(undefined);
    setResult(null);
    upload.mutate(file, {
      onSuccess: (r) => {
        setResult(r);
        setFile(null);
        if (inputRef.current) inputRef.current.value = '';
      },
      onError: (err) => {
        setProblem(err);
        if (err instanceof ApiError) setFileError(err.fieldErrors().file);
      },
    });
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('tracks.e0501.upload')}</h2>
      <p className="meta">{t('tracks.e0501.uploadHint')}</p>
      <form onSubmit={submit} noValidate className="narrow-form">
        <Field
          label={t('tracks.e0501.file')}
          name="file"
          type="file"
          accept=".xml,.csv,.txt,application/xml,text/xml,text/csv"
          inputRef={inputRef}
          error={fileError}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setFileError(undefined);
          }}
        />
        {problem ? <ApiProblem error={problem} title={t('tracks.e0501.failed')} /> : null}
        <div className="actions">
          <button type="submit" className="primary" disabled={upload.isPending} aria-busy={upload.isPending || undefined}>
            {upload.isPending ? t('tracks.e0501.uploading') : t('tracks.e0501.submit')}
          </button>
        </div>
      </form>
      {result && (
        <section aria-labelledby={`${headingId}-result`}>
          <h3 id={`${headingId}-result`}>{t('tracks.e0501.result')}</h3>
          <E0501Result view={result} headingLevel={4} />
          <p>
            <Link to={`/tracks/e0501/${result.id}`}>{t('tracks.e0501.permalink')}</Link>
          </p>
        </section>
      )}
    </section>
  );
}

/** GET /api/v1/tracks/e0501 has no filter: only its cursor is held in the URL. */
const HISTORY_FILTERS = [] as const;

type E0501ImportPage = { items: E0501Import[]; nextCursor?: string | null };

/** Earlier imports, newest first, a page at a time (the API's default of 50), without their entries. */
function E0501History() {
  const { t, format } = useI18n();
  const n = format.number;
  const params = useListParams(HISTORY_FILTERS);
  const list = useApiQuery<E0501ImportPage>('/api/v1/tracks/e0501', params.query);
  return (
    <section aria-labelledby="e0501-history">
      <h2 id="e0501-history">{t('tracks.e0501.history')}</h2>
      <QueryState query={list} loading={t('tracks.e0501.historyLoading')}>
        {(data) => (
          <ListPage list={params} page={data} empty={t('tracks.e0501.noHistory')}>
            <table>
              <caption>{t('tracks.e0501.history')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('tracks.e0501.importedAt')}</th>
                  <th scope="col">{t('tracks.e0501.filename')}</th>
                  <th scope="col">{t('tracks.e0501.format')}</th>
                  <th scope="col">{t('tracks.e0501.total')}</th>
                  <th scope="col">{t('tracks.e0501.accepted')}</th>
                  <th scope="col">{t('tracks.e0501.duplicate')}</th>
                  <th scope="col">{t('tracks.e0501.rejected')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((x) => (
                  <tr key={x.id}>
                    <td>
                      <Time value={x.createdAt} />
                    </td>
                    <th scope="row">
                      <Link to={`/tracks/e0501/${x.id}`}>{x.filename}</Link>
                    </th>
                    <td>{x.format.toUpperCase()}</td>
                    <td>{n(x.total)}</td>
                    <td>{n(x.accepted)}</td>
                    <td>{n(x.duplicate)}</td>
                    <td>{x.rejected > 0 ? <span className="badge bad">{n(x.rejected)}</span> : n(x.rejected)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </section>
  );
}

export function E0501Page() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('tracks.e0501.title')}</h1>
      <E0501Upload />
      <E0501History />
    </>
  );
}

/** One earlier import with every entry's verdict. */
export function E0501ImportPage() {
  const { t } = useI18n();
  const { id = '' } = useParams();
  const view = useApiQuery<E0501Import>(`/api/v1/tracks/e0501/${id}`);
  return (
    <>
      <h1>{t('tracks.e0501.detailTitle')}</h1>
      <p>
        <Link to="/tracks/e0501">{t('tracks.e0501.backToImports')}</Link>
      </p>
      <QueryState query={view} loading={t('tracks.e0501.detailLoading')}>
        {(data) => <E0501Result view={data} />}
      </QueryState>
    </>
  );
}
