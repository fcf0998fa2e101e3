// Regenerates the bundled tracking data from the shared reference data (run by hand when it changes):
//   node server/data/generate.mjs <path-to-shared-data-dir>
// Sources (see THIRD_PARTY_NOTICES.md): CodeCarbon's cpu_power.csv (MIT) and global_energy_mix.json
// (Our World in Data, CC BY 4.0, as packaged by CodeCarbon).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = process.argv[2];
if (!src) {
  console.error('usage: node server/data/generate.mjs <shared/data dir>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));

const mix = JSON.parse(readFileSync(join(src, 'global_energy_mix.json'), 'utf8'));
const countries = {};
for (const [iso, c] of Object.entries(mix)) {
  if (typeof c.carbon_intensity !== 'number') continue;
  countries[iso] = { name: c.country_name, g: Math.round(c.carbon_intensity * 10) / 10, year: c.year };
}
writeFileSync(
  join(here, 'carbon_intensity.json'),
  JSON.stringify({
    source: 'Our World in Data, carbon_intensity_elec (lifecycle), as packaged by CodeCarbon global_energy_mix.json',
    licence: 'CC BY 4.0 (data), MIT (CodeCarbon packaging)',
    unit: 'gCO2e/kWh',
    world_average: { g: 475, source: 'IEA Global Energy & CO2 Status Report 2019, via CodeCarbon', year: 2019 },
    countries,
  }) + '\n',
);

const rows = readFileSync(join(src, 'cpu_power.csv'), 'utf8').split(/\r?\n/).slice(1);
const cpus = [];
for (const line of rows) {
  if (!line.trim()) continue;
  const i = line.lastIndexOf(',');
  const name = line.slice(0, i).replace(/^"|"$/g, '').trim();
  const tdp = Number(line.slice(i + 1));
  if (name && Number.isFinite(tdp) && tdp > 0) cpus.push([name, tdp]);
}
writeFileSync(
  join(here, 'cpu_tdp.json'),
  JSON.stringify({ source: 'CodeCarbon cpu_power.csv (Intel ARK, AMD product pages)', licence: 'MIT', unit: 'W', cpus }) + '\n',
);
console.log(`countries: ${Object.keys(countries).length}, cpus: ${cpus.length}`);
