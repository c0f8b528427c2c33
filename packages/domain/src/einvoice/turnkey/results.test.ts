import { describe, expect, it } from 'vitest';
import { turnkeyCodeText, turnkeyError, turnkeyOutcome } from './results.ts';

describe('turnkeyOutcome', () => {
  it('only C is accepted; E is rejected; P, G and I are on the way', () => {
    expect(['P', 'G', 'I', 'C', 'E', 'X', ' c ', 'E0201'].map(turnkeyOutcome)).toEqual([
      'in_flight',
      'in_flight',
      'in_flight',
      'accepted',
      'rejected',
      'unknown',
      'accepted',
      'rejected',
    ]);
  });
});

describe('turnkeyError', () => {
  it('takes the E-code named in the message, with the platform text in both languages', () => {
    expect(turnkeyError({ errorCode: '-007', messages: ['訊息存證失敗: E0201 訊息重複', null, ''] })).toEqual({
      code: 'E0201',
      zh: '訊息重複',
      en: 'Message is repeated.',
      detail: '訊息存證失敗: E0201 訊息重複',
    });
  });
  it('with -007 and no E-code, a 5/7/9xxx or 6xxxx code in the text; else ERRORCODE', () => {
    expect(turnkeyError({ errorCode: '-007', messages: ['platform answered 7003'] }).code).toBe('7003');
    expect(turnkeyError({ errorCode: 'C002', messages: ['操作失敗'] })).toMatchObject({ code: 'C002', zh: '操作失敗' });
    expect(turnkeyError({ errorCode: null, messages: [] })).toMatchObject({ code: 'UNKNOWN', zh: null });
  });
  it('knows every code of the MOF list', () => {
    expect(turnkeyCodeText('E0401')).toEqual({ zh: '此筆發票已退回', en: 'This invoice has been rejected.' });
    expect(turnkeyCodeText('NOPE')).toBeNull();
  });
});
