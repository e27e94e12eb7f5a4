import { describe, expect, test } from 'vitest';
import { adminChangeText, adminsMessage } from '../../../src/slack/views/admins.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const admin = (i: number) => ({ email: `admin${i}@example.com`, displayName: `Admin Number ${i}` });

describe('the admins list', () => {
  test('names every admin and explains how to change the list', () => {
    const message = adminsMessage([admin(1), admin(2)], '/apitoken');
    expect(validateBlockKit('message', message)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*Tokendesk admins* (2 admins)');
    expect(text).toContain('• Admin Number 1 (admin1@example.com)');
    expect(text).toContain('`/apitoken admins grant @person`');
    expect(text).toContain('The last admin cannot be removed.');
  });

  test('thousands of admins stay within a message’s limits and the rest are counted', () => {
    const message = adminsMessage(
      Array.from({ length: 6000 }, (_, i) => admin(i)),
      '/apitoken',
      'A notice',
    );
    expect(validateBlockKit('message', message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message.blocks)).toMatch(/…and \d+ more\./);
  });
});

describe('admin change texts', () => {
  test('say what changed, or that nothing did', () => {
    expect(adminChangeText('grant', admin(1), true)).toContain('is now a Tokendesk admin');
    expect(adminChangeText('grant', admin(1), false)).toContain('already a Tokendesk admin; nothing changed');
    expect(adminChangeText('revoke', admin(1), true)).toContain('no longer a Tokendesk admin');
    expect(adminChangeText('revoke', admin(1), false)).toContain('not a Tokendesk admin; nothing changed');
  });
});
