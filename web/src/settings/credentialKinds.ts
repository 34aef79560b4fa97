/**
 * The credential kinds the server accepts and the values each must have (the server's `CredentialKinds.Required`;
 * it checks them again). Extra values are free-form.
 */
export const credentialKinds: { kind: string; label: string; required: string[]; secret: (field: string) => boolean }[] = [
  { kind: 'openai', label: 'OpenAI-compatible', required: ['baseUrl'], secret: isSecretField },
  { kind: 'smtp', label: 'Email (SMTP)', required: ['host', 'from'], secret: isSecretField },
  { kind: 'whatsapp', label: 'WhatsApp', required: ['accessToken', 'phoneNumberId'], secret: isSecretField },
  { kind: 'voice', label: 'Voice calls', required: ['baseUrl'], secret: isSecretField },
  { kind: 'crm', label: 'CRM', required: ['baseUrl'], secret: isSecretField },
  { kind: 'botcore', label: 'BotCore', required: ['baseUrl'], secret: isSecretField },
  { kind: 'http', label: 'HTTP', required: [], secret: isSecretField },
];

export function kindLabel(kind: string): string {
  return credentialKinds.find((k) => k.kind === kind)?.label ?? kind;
}

/** Fields that hold secrets are typed into password inputs; addresses and ids stay readable while typing. */
export function isSecretField(field: string): boolean {
  return /key|token|secret|password|pass$|auth/i.test(field);
}

export const credentialNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export interface ValueRow {
  name: string;
  value: string;
}

/** The rows a form starts with for a kind: its required fields, empty (a replace never shows the old values). */
export function rowsFor(kind: string, keepNames: string[] = []): ValueRow[] {
  const required = credentialKinds.find((k) => k.kind === kind)?.required ?? [];
  const names = [...required, ...keepNames.filter((n) => !required.includes(n))];
  return names.length > 0 ? names.map((name) => ({ name, value: '' })) : [{ name: '', value: '' }];
}

export interface CredentialFormErrors {
  name?: string;
  values?: string;
  fields: Record<number, string>;
}

/**
 * Checks a credential form before it is sent: a replace deletes the old credential first, so what the server would
 * refuse must be caught here. Returns null when the form is fine.
 */
export function validateCredential(name: string, kind: string, rows: ValueRow[]): CredentialFormErrors | null {
  const errors: CredentialFormErrors = { fields: {} };
  if (!credentialNamePattern.test(name)) errors.name = "1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit.";
  const required = credentialKinds.find((k) => k.kind === kind)?.required ?? [];
  const filled = rows.filter((r) => r.name.trim() || r.value);
  if (filled.length === 0) errors.values = 'Add at least one value.';
  if (filled.length > 32) errors.values = 'At most 32 values.';
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const n = r.name.trim();
    if (!n && !r.value) return;
    if (!n) errors.fields[i] = 'Name this value.';
    else if (n.length > 100) errors.fields[i] = 'Value names are at most 100 characters.';
    else if (seen.has(n)) errors.fields[i] = `“${n}” is given twice.`;
    else if (required.includes(n) && !r.value.trim()) errors.fields[i] = `Required for ${kindLabel(kind)} credentials.`;
    else if (r.value.length > 16_000) errors.fields[i] = 'At most 16,000 characters.';
    seen.add(n);
  });
  for (const req of required) {
    if (!seen.has(req)) errors.values = `${kindLabel(kind)} credentials need “${req}”.`;
  }
  return errors.name || errors.values || Object.keys(errors.fields).length > 0 ? errors : null;
}

/** The request's `values` object from the form rows (blank rows dropped). */
export function valuesObject(rows: ValueRow[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const r of rows) if (r.name.trim()) values[r.name.trim()] = r.value;
  return values;
}
