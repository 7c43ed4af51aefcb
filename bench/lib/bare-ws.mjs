// Baseline: a bare WebSocket relay (ws). A client that sends `{"agent":true}` first is an
// agent; every other frame is passed to the agents, as the least a chat relay can do.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const agents = new Set();
server.on('connection', (socket) => {
  socket.on('message', (raw) => {
    const text = raw.toString();
    if (text === '{"agent":true}') {
      agents.add(socket);
      socket.on('close', () => agents.delete(socket));
      return;
    }
    for (const agent of agents) agent.send(text);
  });
});
server.on('listening', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
