export async function checkMain(_argv: string[]): Promise<number> {
  return 2;
}
