import type { SellerView, SiteView } from '@app/schemas/seller';
import { useQueries } from '@tanstack/react-query';
import { apiKey, useApiQuery } from '../api/hooks.ts';
import { useServices } from '../app/services.tsx';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';

type Items<T> = { items: T[] };

/** The sellers in the caller's scope (for pickers and names). */
export const useSellers = () => useApiQuery<Items<SellerView>>('/api/v1/sellers');

/** The sites of every seller named, fetched once each (shared with the pickers' cache): id → site. */
export function useSiteIndex(sellerIds: readonly string[]) {
  const { api } = useServices();
  const unique = [...new Set(sellerIds)].sort();
  const results = useQueries({
    queries: unique.map((id) => {
      const path = `/api/v1/sellers/${id}/sites`;
      return {
        queryKey: apiKey(path),
        queryFn: ({ signal }: { signal: AbortSignal }) => api.get<Items<SiteView>>(path, { signal }),
      };
    }),
  });
  const map = new Map<string, SiteView>();
  for (const r of results) for (const s of r.data?.items ?? []) map.set(s.id, s);
  return map;
}

/**
 * A seller select and, once a seller is chosen, its site select. `empty` is the label of the "none chosen"
 * choice (all, in a filter; a prompt, in a form). `activeOnly` leaves out disabled sites (a device cannot be
 * placed at one).
 */
export function SitePicker({
  sellerId,
  siteId,
  onSeller,
  onSite,
  empty,
  siteError,
  activeOnly = false,
}: {
  sellerId: string;
  siteId: string;
  onSeller: (id: string) => void;
  onSite: (id: string) => void;
  empty: string;
  siteError?: string | undefined;
  activeOnly?: boolean;
}) {
  const { t } = useI18n();
  const sellers = useSellers();
  const sites = useApiQuery<Items<SiteView>>(sellerId ? `/api/v1/sellers/${sellerId}/sites` : null);
  const siteOptions = (sites.data?.items ?? []).filter((s) => !activeOnly || s.status === 'active' || s.id === siteId);
  const sellerMissing = sellerId && sellers.data && !sellers.data.items.some((s) => s.id === sellerId);
  const siteMissing = siteId && sites.data && !sites.data.items.some((s) => s.id === siteId);
  return (
    <>
      <SelectField
        name="sellerId"
        label={t('devices.field.seller')}
        value={sellerId}
        onChange={(e) => onSeller(e.target.value)}
        hint={
          sellers.isPending ? t('devices.places.loadingSellers') : sellers.isError ? t('devices.places.sellersError') : undefined
        }
        options={[
          { value: '', label: empty },
          ...(sellers.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.ban})` })),
          ...(sellerMissing ? [{ value: sellerId, label: sellerId }] : []),
        ]}
      />
      <SelectField
        name="siteId"
        label={t('devices.field.site')}
        value={siteId}
        onChange={(e) => onSite(e.target.value)}
        disabled={!sellerId}
        error={siteError}
        hint={
          !sellerId
            ? t('devices.places.chooseSellerFirst')
            : sites.isPending
              ? t('devices.places.loadingSites')
              : sites.isError
                ? t('devices.places.sitesError')
                : undefined
        }
        options={[
          { value: '', label: empty },
          ...siteOptions.map((s) => ({
            value: s.id,
            label:
              s.status === 'active' ? `${s.name} (${s.code})` : t('devices.places.siteDisabled', { name: s.name, code: s.code }),
          })),
          ...(siteMissing ? [{ value: siteId, label: siteId }] : []),
        ]}
      />
    </>
  );
}
