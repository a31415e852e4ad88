// Reads a server-sent-event stream in a test: feed it text as it arrives, take whole messages out.
export interface SseMessage {
  event: string;
  id?: string | undefined;
  data: string;
}

export function createSseParser(): { push(text: string): SseMessage[] } {
  let buffer = '';
  return {
    push(text) {
      buffer += text;
      const out: SseMessage[] = [];
      for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const m: SseMessage = { event: 'message', data: '' };
        let any = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const c = line.indexOf(':');
          const field = c === -1 ? line : line.slice(0, c);
          const value = c === -1 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (field === 'event') m.event = value;
          else if (field === 'id') m.id = value;
          else if (field === 'data') m.data += (m.data ? '\n' : '') + value;
          else continue;
          any = true;
        }
        if (any && (m.data !== '' || m.event !== 'message')) out.push(m);
      }
      return out;
    },
  };
}
