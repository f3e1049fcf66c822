'use strict';
// The anchor's hub for bench_sync_anchor.py: CouchDB's replication protocol as
// express-pouchdb serves it, over plain HTTP on 127.0.0.1, databases in memory (memdown: no
// native code to build, and no durable write, so its rate is an upper bound beside a hub
// that syncs to disk). Prints "listening PORT" once it accepts connections.
// Usage: node couch_hub.js PORT   (0 asks the kernel for a free port)
const express = require('express');
const expressPouchdb = require('express-pouchdb');
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('couch_hub: PORT must be 0..65535\n');
  process.exit(2);
}
// One in-memory database per name; express-pouchdb keeps its own config in memory too.
const MemoryPouchDB = PouchDB.defaults({ adapter: 'memory' });
const app = express();
app.use('/', expressPouchdb(MemoryPouchDB, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening ' + server.address().port + '\n');
});
server.on('error', (err) => {
  process.stderr.write('couch_hub: ' + err.message + '\n');
  process.exit(1);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
