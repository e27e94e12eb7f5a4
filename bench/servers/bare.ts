/** Baseline: a bare node:http server answering a constant JSON body. */
import { createServer } from 'node:http';

const body = JSON.stringify({ user: { id: 'u', email: 'e@example.com', name: 'n' } });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
