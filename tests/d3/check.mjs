// Reads a node-link JSON file as a d3 force layout does and prints what d3 holds.
// Usage: node check.mjs NODE_MODULES_DIR graphe.json
// forceLink(...).id(d => d.id) throws « node not found » for a link whose source or
// target names no node; after initialisation each link's source and target are nodes.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [modules, file] = process.argv.slice(2);
const d3 = await import(pathToFileURL(join(modules, "d3-force", "src", "index.js")).href);
const data = JSON.parse(readFileSync(file, "utf8"));
const nodes = data.nodes;
const links = data.links;
const simulation = d3.forceSimulation(nodes)
  .force("link", d3.forceLink(links).id((d) => d.id))
  .force("charge", d3.forceManyBody())
  .stop();
simulation.tick(1);
const resolved = links.filter((l) => typeof l.source === "object" && typeof l.target === "object");
const finite = nodes.filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y));
console.log(JSON.stringify({
  nodes: nodes.length, links: links.length, resolved: resolved.length, placed: finite.length,
  pairs: resolved.slice(0, 3).map((l) => [l.source.id, l.target.id, l.key]),
}));
