// Node half of bench/run.py: boots Pyodide from dist/site, runs the Python benchmark through
// foc_web and the same operations directly (Node's Web Crypto, hash-wasm), prints one JSON line.
// Usage: node bench/node_platform.mjs <site dir>/  < {"python": "...", "js": "..."}
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const site = process.argv[2];
const { python, js } = JSON.parse(readFileSync(0, "utf8"));
const { loadPyodide } = await import(pathToFileURL(site + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: site });
await pyodide.loadPackage(["foc-web"], { messageCallback: () => {} });
const ours = await pyodide.runPythonAsync(python);
const direct = await new Function("HASH_WASM_URL", `return (async () => { ${js} })();`)(
  pathToFileURL(site + "hash-wasm/index.esm.min.js").href,
);
console.log(JSON.stringify({ ours, direct }));
