/**
 * The server side of a WebSocket (RFC 6455), just enough to play Slack's Socket Mode end:
 * the opening handshake, unmasked text frames out, masked frames in (text, ping, close).
 * Node has a WebSocket client (undici, used by @slack/socket-mode) but no server, and the
 * project has no WebSocket dependency; this is ~120 lines instead of one.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One server frame: FIN set, never masked (a client must reject masked server frames). */
const frame = (opcode: number, payload: Buffer): Buffer => {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 0x10000) {
    header = Buffer.alloc(4);
    header.writeUInt8(0x80 | opcode, 0);
    header.writeUInt8(126, 1);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(0x80 | opcode, 0);
    header.writeUInt8(127, 1);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
};

/** Emits `message` (the text of each complete message) and `close`. */
export class ServerWebSocket extends EventEmitter {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closing = false;
  open = true;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // HTTP server sockets allow half-open connections: a client that went away must be let go.
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.open = false;
      this.emit('close');
    });
    // A client that vanishes mid-frame is the client's problem, not the test process's.
    socket.on('error', () => undefined);
  }

  sendText(text: string): void {
    if (this.open) this.socket.write(frame(OPCODE.text, Buffer.from(text, 'utf8')));
  }

  /** Starts the closing handshake (or answers the client's) and ends the connection. */
  close(code = 1000): void {
    if (!this.open || this.closing) return;
    this.closing = true;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code, 0);
    this.socket.write(frame(OPCODE.close, body));
    this.socket.end();
  }

  /** Drops the TCP connection without a closing handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const buf = this.buffer;
      if (buf.length < 2) return;
      const fin = (buf[0]! & 0x80) !== 0;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let length = buf[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) return;
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      const maskLength = masked ? 4 : 0;
      if (buf.length < offset + maskLength + length) return;
      const mask = buf.subarray(offset, offset + maskLength);
      offset += maskLength;
      const payload = Buffer.from(buf.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i += 1) payload[i]! ^= mask[i % 4]!;
      this.buffer = buf.subarray(offset + length);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.binary:
      case OPCODE.continuation:
        this.fragments.push(payload);
        if (fin) {
          const message = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.emit('message', message);
        }
        return;
      case OPCODE.ping:
        this.socket.write(frame(OPCODE.pong, payload));
        return;
      case OPCODE.close:
        this.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
        return;
      default:
        return;
    }
  }
}

/** Completes the opening handshake of an HTTP upgrade request; undefined (and a 400) when it is not one. */
export const acceptWebSocket = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): ServerWebSocket | undefined => {
  const key = req.headers['sec-websocket-key'];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return undefined;
  }
  const accept = createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
      '',
      '',
    ].join('\r\n'),
  );
  const ws = new ServerWebSocket(socket);
  if (head.length > 0) socket.unshift(head);
  return ws;
};
