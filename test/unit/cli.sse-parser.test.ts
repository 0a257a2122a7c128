import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from '../../main/cli/events.js';

function parse(chunks: string[]): { messages: SseMessage[]; parser: SseParser } {
  const messages: SseMessage[] = [];
  const parser = new SseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(chunk);
  return { messages, parser };
}

describe('SseParser', () => {
  it('parses id, event and data, ignoring comments and retry', () => {
    const { messages, parser } = parse([': ping\n\nretry: 2000\n\nid: 7\nevent: run:state\ndata: {"id":1}\n\n']);
    expect(messages).toEqual([{ id: '7', event: 'run:state', data: '{"id":1}' }]);
    expect(parser.lastEventId).toBe('7');
  });

  it('reassembles messages split anywhere across chunks, CRLF included', () => {
    const text =
      'id: 1\r\nevent: run:log\r\ndata: {"a":1}\r\n\r\nid: 2\r\nevent: run:progress\r\ndata: {"b":2}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const { messages } = parse([text.slice(0, cut), text.slice(cut)]);
      expect(messages, `cut at ${cut}`).toEqual([
        { id: '1', event: 'run:log', data: '{"a":1}' },
        { id: '2', event: 'run:progress', data: '{"b":2}' },
      ]);
    }
  });

  it('joins several data lines with a newline and defaults the event name to message', () => {
    const { messages } = parse(['data: one\ndata:two\n\n']);
    expect(messages).toEqual([{ id: null, event: 'message', data: 'one\ntwo' }]);
  });

  it('does not dispatch an unfinished message', () => {
    const { messages } = parse(['id: 3\nevent: run:state\ndata: {}\n']);
    expect(messages).toEqual([]);
  });

  it('remembers the last id even from a message without data', () => {
    const { messages, parser } = parse(['id: 9\n\n']);
    expect(messages).toEqual([]);
    expect(parser.lastEventId).toBe('9');
  });
});
