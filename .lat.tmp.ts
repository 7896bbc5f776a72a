import { fixedRate } from './bench/proxy/fixed-rate';
for (const [name, port] of process.argv.slice(2).map((s) => s.split('='))) {
  await fixedRate(`http://127.0.0.1:${port}/`, 2000, 1);
  const r = await fixedRate(`http://127.0.0.1:${port}/`, 2000, 5);
  console.log(name, 'p50', r.p50.toFixed(3), 'p90', r.p90.toFixed(3), 'p99', r.p99.toFixed(3), 'lag', r.maxLagMs.toFixed(1));
}
