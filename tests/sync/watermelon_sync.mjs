// Two offline clients of the app, each a real WatermelonDB database (LokiJS adapter, in memory),
// syncing with the real `synchronize()` against the gateway at argv[2]. They edit offline, sync,
// meet a conflict (the server changes a record between a client's pull and push) and a lost push
// response, then converge. Prints one JSON report line; the Python test checks it and the server.
//
//   node tests/sync/watermelon_sync.mjs http://127.0.0.1:PORT/graphql
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'

const require = createRequire(import.meta.url)
const wmRoot = new URL('../../tools/node/node_modules/@nozbe/watermelondb/', import.meta.url).pathname
const { Database, Model, appSchema, tableSchema } = require(wmRoot)
const LokiJSAdapter = require(wmRoot + 'adapters/lokijs').default
const { synchronize } = require(wmRoot + 'sync')
const { field } = require(wmRoot + 'decorators')
const { schemaMigrations } = require(wmRoot + 'Schema/migrations')

const GRAPHQL_URL = process.argv[2]
assert.ok(GRAPHQL_URL, 'usage: watermelon_sync.mjs <gateway graphql url>')

// The one place requests get their headers: a push needs a token with projects:write and
// metrics:write, which the test passes in CHARTER_SYNC_TOKEN.
function requestHeaders() {
  const headers = { 'content-type': 'application/json' }
  if (process.env.CHARTER_SYNC_TOKEN) headers.authorization = `Bearer ${process.env.CHARTER_SYNC_TOKEN}`
  return headers
}

async function post(body) {
  const init = { method: 'POST', headers: requestHeaders(), body }
  try {
    return await fetch(GRAPHQL_URL, init)
  } catch (error) {
    // A kept-alive connection the server closed just as it was reused (the clients pause for
    // seconds while applying a first sync): sent again, as a phone would. Safe: a pull reads only,
    // and the same push twice applies once.
    if (error.cause?.code !== 'UND_ERR_SOCKET') throw error
    return fetch(GRAPHQL_URL, init)
  }
}

async function graphql(query, variables) {
  const response = await post(JSON.stringify({ query, variables }))
  const body = await response.json()
  if (body.errors) {
    const error = new Error(`${response.status} ${body.errors[0].message}`)
    error.code = body.errors[0].extensions?.code
    throw error
  }
  return body.data
}

// ---- the app's schema and models (same tables and columns as subgraphs/sync/collections.py) ----
const schema = appSchema({
  version: 1,
  tables: [
    tableSchema({ name: 'nations', columns: [
      { name: 'alpha3', type: 'string' }, { name: 'name', type: 'string' },
      { name: 'official_name', type: 'string' }, { name: 'group_name', type: 'string' },
      { name: 'un_region', type: 'string' }, { name: 'un_subregion', type: 'string' },
      { name: 'un_status', type: 'string' }, { name: 'capital', type: 'string', isOptional: true },
      { name: 'population', type: 'number', isOptional: true }, { name: 'gdp_usd', type: 'number', isOptional: true },
    ] }),
    tableSchema({ name: 'projects', columns: [
      { name: 'name', type: 'string' }, { name: 'sector', type: 'string' }, { name: 'status', type: 'string' },
      { name: 'budget_usd', type: 'number' }, { name: 'start_date', type: 'string' },
      { name: 'end_date', type: 'string', isOptional: true }, { name: 'progress', type: 'number' },
      { name: 'home_region', type: 'string' }, { name: 'nation_id', type: 'string', isIndexed: true },
    ] }),
    tableSchema({ name: 'metric_points', columns: [
      { name: 'project_id', type: 'string', isIndexed: true }, { name: 'kind', type: 'string' },
      { name: 'value', type: 'number' }, { name: 'measured_at', type: 'number' },
    ] }),
  ],
})

// Decorators without a transpiler: apply WatermelonDB's @field to each property by hand.
function fields(klass, names) {
  for (const name of names) {
    Object.defineProperty(klass.prototype, name, field(name)(klass.prototype, name, { initializer: undefined }))
  }
}
class Nation extends Model {}
Nation.table = 'nations'
fields(Nation, ['name', 'alpha3'])
class Project extends Model {}
Project.table = 'projects'
Project.associations = { nations: { type: 'belongs_to', key: 'nation_id' }, metric_points: { type: 'has_many', foreignKey: 'project_id' } }
fields(Project, ['name', 'sector', 'status', 'budget_usd', 'start_date', 'end_date', 'progress', 'home_region', 'nation_id'])
class MetricPoint extends Model {}
MetricPoint.table = 'metric_points'
MetricPoint.associations = { projects: { type: 'belongs_to', key: 'project_id' } }
fields(MetricPoint, ['project_id', 'kind', 'value', 'measured_at'])

function openClient(name) {
  // No migrations yet; declaring them lets sync send `migration` once the schema moves past 1.
  const adapter = new LokiJSAdapter({ schema, migrations: schemaMigrations({ migrations: [] }), dbName: name,
    useWebWorker: false, useIncrementalIndexedDB: true, extraLokiOptions: { autosave: false } })
  return { name, db: new Database({ adapter, modelClasses: [Nation, Project, MetricPoint] }), beforePush: null, pushes: 0, conflicts: 0 }
}

const PULL = `query($lastPulledAt: Float, $schemaVersion: Int!, $migration: JSON) {
  syncPull(lastPulledAt: $lastPulledAt, schemaVersion: $schemaVersion, migration: $migration) { changes timestamp } }`
const PUSH = `mutation($changes: JSON!, $lastPulledAt: Float!) {
  syncPush(changes: $changes, lastPulledAt: $lastPulledAt) { created updated deleted duplicate } }`

// What the app calls: synchronize(), and again after a CONFLICT (the protocol: pull, then push again).
async function sync(client) {
  for (let attempt = 1; ; attempt++) {
    try {
      await synchronize({
        database: client.db,
        migrationsEnabledAtVersion: 1,
        pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
          const data = await graphql(PULL, { lastPulledAt: lastPulledAt ?? null, schemaVersion, migration: migration ?? null })
          return data.syncPull
        },
        pushChanges: async ({ changes, lastPulledAt }) => {
          const hook = client.beforePush
          client.beforePush = null
          if (hook) await hook('before')
          await graphql(PUSH, { changes, lastPulledAt })
          client.pushes += 1
          if (hook) await hook('after')
        },
      })
      return
    } catch (error) {
      if (error.code !== 'CONFLICT' || attempt >= 3) throw error
      client.conflicts += 1
    }
  }
}

async function records(client, table) {
  const rows = await client.db.get(table).query().fetch()
  return rows.map((r) => r._raw)
}

async function find(client, table, id) {
  return client.db.get(table).find(id)
}

function canonical(raws) {
  return raws.map(({ _status, _changed, ...data }) => data).sort((a, b) => (a.id < b.id ? -1 : 1))
}

const report = { steps: [] }
const step = (what) => report.steps.push(what)

const a = openClient('client-a')
const b = openClient('client-b')
const T0 = Date.UTC(2026, 0, 15)

// 1. Both clients make their first sync.
const started = performance.now()
await sync(a)
report.firstSyncMs = Math.round(performance.now() - started)
await sync(b)
report.first = { nations: (await records(a, 'nations')).length, projects: (await records(a, 'projects')).length,
  points: (await records(a, 'metric_points')).length }
step('first sync')

// 2. A creates a project both will see, then both go offline.
let shared
await a.db.write(async () => {
  shared = await a.db.get('projects').create((p) => {
    Object.assign(p, { name: 'Shared clinic', sector: 'health', status: 'active', budget_usd: 250000,
      start_date: '2026-02-01', end_date: null, progress: 0.1, home_region: 'ams', nation_id: 'KE' })
  })
})
await sync(a)
await sync(b)
step('shared project synced')
report.shared = shared.id

// 3. Offline edits.
let aProject, doomed
await a.db.write(async () => {
  aProject = await a.db.get('projects').create((p) => {
    Object.assign(p, { name: 'Solar pumps', sector: 'energy', status: 'planned', budget_usd: 1200000,
      start_date: '2026-03-01', end_date: '2027-03-01', progress: 0, home_region: 'ams', nation_id: 'DE' })
  })
  for (let i = 0; i < 2; i++) {
    await a.db.get('metric_points').create((m) => {
      Object.assign(m, { project_id: aProject.id, kind: 'spend_usd', value: 1000 * (i + 1), measured_at: T0 + i * 86400000 })
    })
  }
  const seeded = await find(a, 'projects', 'prj-ams-001')
  await seeded.update((p) => { p.name = 'Renamed by A' })
  await (await find(a, 'projects', shared.id)).update((p) => { p.progress = 0.4 })
  await a.db.get('metric_points').create((m) => {
    Object.assign(m, { project_id: 'prj-ams-002', kind: 'beneficiaries', value: 42, measured_at: T0 })
  })
})
await b.db.write(async () => {
  doomed = await b.db.get('projects').create((p) => {
    Object.assign(p, { name: 'Short-lived', sector: 'water', status: 'planned', budget_usd: 5000,
      start_date: '2026-04-01', end_date: null, progress: 0, home_region: 'sin', nation_id: 'JP' })
  })
  await b.db.get('metric_points').create((m) => {
    Object.assign(m, { project_id: doomed.id, kind: 'progress', value: 0.2, measured_at: T0 })
  })
  await (await find(b, 'projects', shared.id)).update((p) => { p.status = 'paused' })
  await (await find(b, 'projects', 'prj-ams-003')).update((p) => { p.budget_usd = 7777777 })
})
step('offline edits')

// 4. A syncs, but its push response is lost: WatermelonDB keeps its changes unsynced.
a.beforePush = async (when) => { if (when === 'after') throw new Error('network: response lost') }
await assert.rejects(sync(a), /response lost/)
await sync(a) // pulls its own changes back, pushes them again: applied once
step('lost response, resynced')

// 5. B syncs; between its pull and its push someone changes the shared project on the server.
b.beforePush = async (when) => {
  if (when === 'before') {
    await graphql(`mutation($id: ID!) { updateProject(id: $id, input: {name: "Shared clinic (server)"}) { id } }`, { id: shared.id })
  }
}
await sync(b) // CONFLICT, then pull + push again
step('conflict resolved')

// 6. B deletes the project it created (and its point) before its pull echoes them back; A records
// a point on it offline meanwhile.
await sync(a)
await a.db.write(async () => {
  await a.db.get('metric_points').create((m) => {
    Object.assign(m, { project_id: doomed.id, kind: 'progress', value: 0.3, measured_at: T0 + 3600000 })
  })
})
await b.db.write(async () => {
  const points = await b.db.get('metric_points').query().fetch()
  for (const p of points.filter((m) => m.project_id === doomed.id)) await p.markAsDeleted()
  await (await find(b, 'projects', doomed.id)).markAsDeleted()
})
await sync(b)
await sync(a) // its point's project is gone: dropped, and a tombstone removes it locally
step('deletion with an orphaned offline point')

// 7. Everyone syncs until nothing is left to push; then both match the server exactly.
for (const client of [a, b, a, b]) await sync(client)
const server = (await graphql(PULL, { lastPulledAt: null, schemaVersion: 1, migration: null })).syncPull.changes
for (const table of ['nations', 'projects', 'metric_points']) {
  const want = canonical(server[table].created)
  for (const client of [a, b]) {
    const have = canonical(await records(client, table))
    assert.equal(have.length, want.length, `${client.name} ${table}: ${have.length} records, server ${want.length}`)
    assert.deepStrictEqual(have, want, `${client.name} ${table} differs from the server`)
  }
}
for (const client of [a, b]) {
  const pending = (await records(client, 'projects')).concat(await records(client, 'metric_points')).filter((r) => r._status !== 'synced')
  assert.equal(pending.length, 0, `${client.name} still has unsynced records`)
}
step('converged')

const mine = (table, pred) => canonical(server[table].created).filter(pred)
report.final = {
  projects: server.projects.created.length,
  points: server.metric_points.created.length,
  aProject: mine('projects', (p) => p.id === aProject.id),
  aProjectPoints: mine('metric_points', (m) => m.project_id === aProject.id).length,
  shared: mine('projects', (p) => p.id === shared.id)[0],
  seeded: { 'prj-ams-001': mine('projects', (p) => p.id === 'prj-ams-001')[0].name,
    'prj-ams-003': mine('projects', (p) => p.id === 'prj-ams-003')[0].budget_usd },
  beneficiaries: mine('metric_points', (m) => m.project_id === 'prj-ams-002' && m.kind === 'beneficiaries' && m.measured_at === T0).length,
  doomed: { id: doomed.id, projects: mine('projects', (p) => p.id === doomed.id).length,
    points: mine('metric_points', (m) => m.project_id === doomed.id).length },
}
report.clients = Object.fromEntries([a, b].map((c) => [c.name, { pushes: c.pushes, conflicts: c.conflicts }]))
console.log(JSON.stringify(report))
