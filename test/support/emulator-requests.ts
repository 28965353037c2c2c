import { connect } from 'node:net';
import WebSocket from 'ws';
import { signParams } from '../../src/venues/server/request-auth.js';

/**
 * Sends `bytes` as they are on a fresh loopback connection and resolves to everything the server answered before it
 * closed the connection (or `waitMs` passed). For requests no HTTP client would send: "GET //", absolute-form targets,
 * broken request lines.
 */
export function rawExchange(port: number, bytes: string | Buffer, waitMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes);
  });
}

/** Returns `query` with Binance's HMAC-SHA256 `signature` appended. */
export function signedQuery(secret: string, query: string): string {
  return `${query}&signature=${signParams(secret, query)}`;
}

/** Opens a WebSocket on loopback and resolves when it is open, or rejects with the refusal. */
export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one text frame and resolves to the next frame the server sends back, parsed as JSON. */
export function askSocket(socket: WebSocket, text: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8'))));
    socket.once('close', () => reject(new Error('the server closed the WebSocket')));
    socket.send(text);
  });
}
