// Node half of bench/run.py: boots Pyodide from dist/site, defines the direct operations (Node's Web
// Crypto, hash-wasm) as globalThis.focDirect, runs the Python benchmark, prints its JSON result.
// Usage: node bench/node_platform.mjs <site dir>/  < {"python": "...", "js": "..."}
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const site = process.argv[2];
const { python, js } = JSON.parse(readFileSync(0, "utf8"));
const { loadPyodide } = await import(pathToFileURL(site + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: site });
await pyodide.loadPackage(["foc-web"], { messageCallback: () => {} });
await new Function("HASH_WASM_URL", `return (async () => { ${js} })();`)(
  pathToFileURL(site + "hash-wasm/index.esm.min.js").href,
);
console.log(await pyodide.runPythonAsync(python));
