// Copies the pinned front-end libraries from node_modules into crm/static/vendor.
// The copies are build output: git ignores them, `make` recreates them.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "crm", "static", "vendor");
const files = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "@tabler/core/dist/css/tabler.min.css": "tabler/tabler.min.css",
  "@tabler/core/dist/js/tabler.min.js": "tabler/tabler.min.js",
  "echarts/dist/echarts.min.js": "echarts.min.js",
  "sortablejs/Sortable.min.js": "Sortable.min.js",
  "fullcalendar/index.global.min.js": "fullcalendar.min.js",
  "tom-select/dist/js/tom-select.complete.min.js": "tom-select/tom-select.complete.min.js",
  "tom-select/dist/css/tom-select.bootstrap5.min.css": "tom-select/tom-select.bootstrap5.min.css",
};

rmSync(target, { recursive: true, force: true });
for (const [source, dest] of Object.entries(files)) {
  const to = join(target, dest);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(root, "node_modules", source), to);
}
console.log(`assets: ${Object.keys(files).length} files in crm/static/vendor`);
