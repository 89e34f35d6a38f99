// Segment's own FQL engine as a test oracle: reads a JSON array of
// {"expression", "message"} cases on stdin, writes a JSON array of
// {"ast", "match"} (match is false where Segment's code throws, as it would not deliver).
const { parseFql, validate } = require('@segment/destination-subscriptions')

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => { input += chunk })
process.stdin.on('end', () => {
  const cases = JSON.parse(input)
  const results = cases.map(({ expression, message }) => {
    const ast = parseFql(expression)
    let match
    try {
      match = validate(ast, message === undefined ? undefined : message)
    } catch (error) {
      match = false
    }
    const shown = ast.error ? { error: String(ast.error.message) } : ast
    return { ast: shown, match }
  })
  process.stdout.write(JSON.stringify(results))
})
