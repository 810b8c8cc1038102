// A node:test reporter that writes one JSON line per top-level test: its file and duration. The
// runner (scripts/test.mjs) adds it beside the usual reporter and prints the slowest files at the
// end. Node 20 reports each file as one top-level test named by its path; Node 22 and later report
// the file's own top-level tests, each with the file, so the durations are summed per file.
export default async function* durations(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.nesting !== 0) continue;
    const file = data.file ?? data.name;
    const ms = data.details?.duration_ms ?? 0;
    yield `${JSON.stringify({ file, ms, failed: event.type === 'test:fail' })}\n`;
  }
}
