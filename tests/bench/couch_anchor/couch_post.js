'use strict';
// The anchor's post for bench_sync_anchor.py: a PouchDB database in memory that the bench
// fills with the generated reports and replicates one way to the anchor's hub, as a PouchDB
// app would push a village's cases. Commands, one a line on standard input, each answered by
// one line of JSON on standard output:
//   load FILE   adds the reports of FILE (one JSON object a line) as new documents
//   push        replicates every change the hub lacks to REMOTE_URL and waits until done
//   sync        the same both ways (PouchDB.sync: push, and pull what the post lacks)
// Each push opens its own connections (a fresh keep-alive agent, destroyed at the end), as
// each `sae-node sync` is a process of its own: Node 18 and 20 differ in their default agent.
// Usage: node couch_post.js REMOTE_URL
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const readline = require('readline');
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const remoteUrl = process.argv[2];
if (!remoteUrl || !/^http:\/\/127\.0\.0\.1:\d+\/[a-z][a-z0-9_]*$/.test(remoteUrl)) {
  process.stderr.write('couch_post: REMOTE_URL must be http://127.0.0.1:PORT/dbname\n');
  process.exit(2);
}
const local = new PouchDB('post', { adapter: 'memory' });

async function load(file) {
  const docs = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')
    .map((line) => Object.assign({ _id: crypto.randomUUID(), type: 'case' }, JSON.parse(line)));
  const results = await local.bulkDocs(docs);
  const failed = results.filter((r) => !r.ok).length;
  if (failed) throw new Error(failed + ' documents refused by the local database');
  return { docs: docs.length };
}

function written(result) {
  if (result.push) return written(result.push) + written(result.pull);
  if (result.status !== 'complete' || result.doc_write_failures)
    throw new Error('replication ' + result.status + ', ' + result.doc_write_failures +
      ' write failures');
  return result.docs_written;
}

async function replicate(bothWays) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  const remote = new PouchDB(remoteUrl, {
    fetch: (url, opts) => PouchDB.fetch(url, Object.assign({}, opts, { agent })),
  });
  const started = process.hrtime.bigint();
  try {
    const result = await (bothWays ? PouchDB.sync : PouchDB.replicate)(local, remote);
    return { docs_written: written(result),
      ms: Number(process.hrtime.bigint() - started) / 1e6 };
  } finally {
    await remote.close();
    agent.destroy();
  }
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const [command, arg] = line.split(' ', 2);
    let answer;
    try {
      if (command === 'load') answer = await load(arg);
      else if (command === 'push') answer = await replicate(false);
      else if (command === 'sync') answer = await replicate(true);
      else throw new Error('unknown command ' + JSON.stringify(command));
    } catch (err) {
      answer = { error: err.message };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  });
});
lines.on('close', () => queue.then(() => process.exit(0)));
