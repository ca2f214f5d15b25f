// BullMQ side of bench/run_reminder_bench.sh: schedules N delayed jobs the
// way bench/reminder_bench.cc schedules reminders (same ids, same fire
// times, a payload of about 100 bytes), with Queue.addBulk, a deterministic
// jobId, `delay` and removeOnComplete.
//
//   node load.js --redis=127.0.0.1:6379 --n=200000 --window_ms=10000 \
//       --start_in_ms=5000 --fire_file=FILE [--t0_ms=…] [--queue=rem] [--chunk=1000]
//
// Prints "load_ms=… load_rate=… t0_ms=… end_ms=… slack_ms=…" like the C++
// driver; writes "id fire_ms" per job to --fire_file.
'use strict';

const fs = require('fs');
const { Queue } = require('bullmq');

function args() {
  const a = {
    redis: '127.0.0.1:6379', n: 200000, window_ms: 10000, start_in_ms: 5000, t0_ms: 0,
    fire_file: '', queue: 'rem', chunk: 1000, parallel: 4,
  };
  for (const arg of process.argv.slice(2)) {
    const m = /^--([a-z0-9_]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in a)) throw new Error(`unknown argument ${arg}`);
    a[m[1]] = typeof a[m[1]] === 'number' ? Number(m[2]) : m[2];
  }
  if (!a.fire_file) throw new Error('--fire_file is required');
  return a;
}

function pad(i) { return String(i).padStart(8, '0'); }

async function main() {
  const a = args();
  const [host, port] = a.redis.split(':');
  const queue = new Queue(a.queue, { connection: { host, port: Number(port) } });
  await queue.waitUntilReady();
  const start = Date.now();
  const t0 = a.t0_ms > 0 ? a.t0_ms : start + a.start_in_ms;
  const fd = fs.openSync(a.fire_file, 'w');
  let next = 0;
  let bytes = 0;
  // `parallel` addBulk calls in flight at once, each of `chunk` jobs.
  async function lane() {
    while (next < a.n) {
      const from = next;
      const to = Math.min(a.n, from + a.chunk);
      next = to;
      const jobs = [];
      let lines = '';
      const now = Date.now();
      for (let i = from; i < to; ++i) {
        const fire = t0 + Math.floor((a.window_ms * i) / a.n);
        const id = `task/t${pad(i)}/2027-01-15/before-7d`;
        const data = { task: `tasks/t${pad(i)}`, rule: 'before-7d', due: '2027-01-15', fire,
          unit: `units/u${i % 97}`, gen: 'g1' };
        bytes += JSON.stringify(data).length;
        // timestamp + delay is the job's due time (getDelayedScore.lua).
        jobs.push({ name: 'r', data,
          opts: { jobId: id, timestamp: now, delay: Math.max(0, fire - now),
            removeOnComplete: true } });
        lines += `${id} ${fire}\n`;
      }
      fs.writeSync(fd, lines);
      await queue.addBulk(jobs);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, a.parallel) }, lane));
  fs.closeSync(fd);
  const end = Date.now();
  const seconds = Math.max(1, end - start) / 1000;
  console.log(`load_ms=${end - start} load_rate=${Math.round(a.n / seconds)} t0_ms=${t0} ` +
    `end_ms=${end} slack_ms=${t0 - end} payload_bytes=${Math.round(bytes / a.n)}`);
  await queue.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
