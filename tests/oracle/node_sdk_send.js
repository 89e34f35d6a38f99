// Sends calls with Segment's own Node SDK (@segment/analytics-node) to a local Tracking API.
// Usage: node node_sdk_send.js HOST WRITE_KEY CALLS_JSON
//   CALLS_JSON: [{"method": "track" | "identify", "args": {...}}, ...]
const { Analytics } = require('@segment/analytics-node')

async function main () {
  const [host, writeKey, callsJson] = process.argv.slice(2)
  const analytics = new Analytics({ writeKey, host, maxEventsInBatch: 10, flushInterval: 200 })
  const errors = []
  analytics.on('error', (error) => errors.push(String(error && (error.reason || error))))
  for (const call of JSON.parse(callsJson)) {
    analytics[call.method](call.args)
  }
  await analytics.closeAndFlush({ timeout: 10000 })
  if (errors.length) {
    console.error(errors.join('\n'))
    process.exit(1)
  }
}

main().catch((error) => { console.error(error); process.exit(1) })
