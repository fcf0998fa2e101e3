// `greenml run`: placeholder until the tracking work lands (issue 3).
export async function runMain(_argv: string[]): Promise<number> {
  process.stderr.write('greenml run: not implemented yet\n');
  return 2;
}
