import { describe, expect, it } from 'vitest';
import { isSecretField, rowsFor, validateCredential, valuesObject } from './credentialKinds';

describe('credential forms', () => {
  it('start with the kind’s required fields, empty, keeping other field names of a replaced credential', () => {
    expect(rowsFor('smtp')).toEqual([{ name: 'host', value: '' }, { name: 'from', value: '' }]);
    expect(rowsFor('openai', ['baseUrl', 'apiKey'])).toEqual([{ name: 'baseUrl', value: '' }, { name: 'apiKey', value: '' }]);
    expect(rowsFor('http')).toEqual([{ name: '', value: '' }]);
  });

  it('accept a complete form and build its values without blank rows', () => {
    const rows = [{ name: 'baseUrl', value: 'https://api.example.com' }, { name: ' apiKey ', value: 'sk-1' }, { name: '', value: '' }];
    expect(validateCredential('openai-main', 'openai', rows)).toBeNull();
    expect(valuesObject(rows)).toEqual({ baseUrl: 'https://api.example.com', apiKey: 'sk-1' });
  });

  it('refuse what the server would refuse: a bad name, a missing required value, a duplicate, no values', () => {
    expect(validateCredential('-bad', 'http', [{ name: 'a', value: '1' }])?.name).toMatch(/letters, digits/);
    const missing = validateCredential('mail', 'smtp', [{ name: 'host', value: 'smtp.example.com' }, { name: 'from', value: ' ' }]);
    expect(missing?.fields[1]).toMatch(/Required/);
    const dup = validateCredential('x', 'http', [{ name: 'a', value: '1' }, { name: 'a', value: '2' }]);
    expect(dup?.fields[1]).toMatch(/given twice/);
    expect(validateCredential('x', 'http', [{ name: '', value: '' }])?.values).toMatch(/at least one/);
    expect(validateCredential('x', 'smtp', [{ name: 'other', value: '1' }])?.values).toMatch(/need “host”|need “from”/);
  });

  it('type secrets into password fields, addresses in the clear', () => {
    expect(['apiKey', 'accessToken', 'password', 'secret'].every(isSecretField)).toBe(true);
    expect(['baseUrl', 'host', 'from', 'phoneNumberId'].some(isSecretField)).toBe(false);
  });
});
