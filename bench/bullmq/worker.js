// BullMQ side of bench/run_reminder_bench.sh: one Worker (concurrency 100 by
// default) whose processor appends "id attempt recv_ms\n" per job to --out
// with fs.writeSync on an O_APPEND descriptor (no buffering in the process,
// so a kill -9 loses nothing that was handled), like reminder_bench's sink.
//
//   node worker.js --redis=127.0.0.1:6379 --out=FILE [--concurrency=100]
//       [--lock_ms=30000] [--stalled_ms=30000] [--queue=rem]
//
// Stops on SIGTERM or SIGINT (Worker.close, which waits for jobs in hand).
'use strict';

const fs = require('fs');
const { Worker } = require('bullmq');

function args() {
  const a = {
    redis: '127.0.0.1:6379', out: '', concurrency: 100, lock_ms: 30000, stalled_ms: 30000,
    queue: 'rem',
  };
  for (const arg of process.argv.slice(2)) {
    const m = /^--([a-z0-9_]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in a)) throw new Error(`unknown argument ${arg}`);
    a[m[1]] = typeof a[m[1]] === 'number' ? Number(m[2]) : m[2];
  }
  if (!a.out) throw new Error('--out is required');
  return a;
}

const a = args();
const [host, port] = a.redis.split(':');
const fd = fs.openSync(a.out, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND,
  0o644);
let handled = 0;
const worker = new Worker(a.queue, async (job) => {
  fs.writeSync(fd, `${job.id} ${job.attemptsStarted} ${Date.now()}\n`);
  ++handled;
}, {
  connection: { host, port: Number(port), maxRetriesPerRequest: null },
  concurrency: a.concurrency,
  lockDuration: a.lock_ms,
  stalledInterval: a.stalled_ms,
});
worker.on('error', (e) => console.error('worker error:', e.message));

let closing = false;
async function stop() {
  if (closing) return;
  closing = true;
  await worker.close();
  fs.closeSync(fd);
  console.error(`worker: handled=${handled}`);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
