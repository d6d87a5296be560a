// What the organisation's admins must act on (messages used up, a failed payment, an ended subscription), on
// the billing tab and above the dashboard. Nothing shows where billing is off or for plain members.
import type { BillingWarning } from '@closer/contract';
import { api, currentOrgId } from '../../api.ts';
import { currentOrganization } from '../../organizations.ts';
import { useLoad } from '../../ui/states.tsx';

export function BillingWarnings({ warnings }: { warnings: BillingWarning[] }) {
  return (
    <>
      {warnings.map((warning) => (
        <p key={warning.code} class="form-error" role="alert">
          {warning.message}
        </p>
      ))}
    </>
  );
}

/** The warnings for the dashboard: read for owners and admins; a failure (billing off) shows nothing. */
export function DashboardBillingWarnings() {
  const role = currentOrganization.value?.role ?? 'member';
  const admin = role === 'owner' || role === 'admin';
  const load = useLoad(
    () =>
      admin
        ? api()
            .billing.usage()
            .then((usage) => usage.warnings)
        : Promise.resolve([]),
    [currentOrgId.value, admin],
  );
  return load.status === 'ready' && load.data.length > 0 ? (
    <div class="card">
      <BillingWarnings warnings={load.data} />
    </div>
  ) : null;
}
