import pg from 'pg';
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/fpx' }); await c.connect();
const [{ id }] = (await c.query(`select id from users where username='bench_viewer'`)).rows;
const SQL = process.argv[2]!;
const r = await c.query('explain (analyze, buffers) ' + SQL, [[id], [26]]); console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
const t0 = performance.now(); for (let i = 0; i < 1000; i++) await c.query(SQL, [[id], [26]]); console.log('ms/q', (performance.now()-t0)/1000);
await c.end();
