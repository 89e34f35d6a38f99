// Segment's own FQL engine as a test oracle. Reads lines on stdin, each a JSON array of
// {"expression", "message"} cases, and answers each with one line: a JSON array of
// {"ast", "match"} (match is false where Segment's code throws, as it would not deliver).
const readline = require('readline')
const { parseFql, validate } = require('@segment/destination-subscriptions')

function judge ({ expression, message }) {
  const ast = parseFql(expression)
  let match
  try {
    match = validate(ast, message === undefined ? undefined : message)
  } catch (error) {
    match = false
  }
  return { ast: ast.error ? { error: String(ast.error.message) } : ast, match }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
lines.on('line', (line) => {
  if (line.trim() === '') return
  process.stdout.write(JSON.stringify(JSON.parse(line).map(judge)) + '\n')
})
