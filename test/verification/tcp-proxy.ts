/**
 * A TCP proxy in front of the test Postgres server that a test can cut and restore, to
 * see what the driver and the revocation feed do when the network goes away.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The upstream URL with host and port replaced by the proxy's. */
  url: string;
  /** Closes every open connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export const startTcpProxy = async (upstreamUrl: string): Promise<TcpProxy> => {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  let accepting = true;
  const server = net.createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const target = net.connect(Number(upstream.port || '5432'), upstream.hostname);
    sockets.add(client);
    sockets.add(target);
    const close = () => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.pipe(target);
    target.pipe(client);
    for (const socket of [client, target]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut: () => {
      accepting = false;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => {
      accepting = true;
    },
    close: async () => {
      accepting = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
