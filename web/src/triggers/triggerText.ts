/** How a trigger authenticates its callers, in words (the server's `TriggerAuth`). */
export function authLabel(auth: string): { label: string; hint: string } {
  switch (auth) {
    case 'none':
      return { label: 'No auth', hint: 'Anyone with the URL can start a run.' };
    case 'token':
      return { label: 'Token', hint: 'Callers send Authorization: Bearer <token> or X-Webhook-Token.' };
    case 'signature':
      return { label: 'Signed', hint: 'Standard Webhooks HMAC signature (webhook-id, webhook-timestamp, webhook-signature).' };
    case 'provider':
      return { label: 'Provider signature', hint: "Meta's X-Hub-Signature-256 with the deployment's app secret." };
    case 'inbound':
      return { label: 'Inbound token', hint: "The deployment's inbound token or signature." };
    case 'schedule':
      return { label: 'Server clock', hint: 'Fired by the server itself.' };
    default:
      return { label: auth, hint: '' };
  }
}

/** Only token and signature webhooks have a per-trigger secret to rotate. */
export function canRotate(auth: string): boolean {
  return auth === 'token' || auth === 'signature';
}

/** A delivery outcome's badge: what happened to the event. */
export function outcomeBadge(outcome: string): { label: string; tone: 'success' | 'info' | 'warning' | 'danger' | 'neutral' } {
  switch (outcome) {
    case 'accepted':
      return { label: 'Accepted', tone: 'success' };
    case 'filtered':
      return { label: 'Filtered', tone: 'info' };
    case 'duplicate':
      return { label: 'Duplicate', tone: 'warning' };
    case 'skipped':
      return { label: 'Skipped', tone: 'warning' };
    case 'refused':
      return { label: 'Refused', tone: 'danger' };
    default:
      return { label: outcome, tone: 'neutral' };
  }
}

export function badgeClassFor(tone: ReturnType<typeof outcomeBadge>['tone']): string {
  return tone === 'neutral' ? 'badge' : `badge badge-${tone}`;
}
