// Placeholder until this command is built; it says so and fails.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('xsmqtt: this command is not built yet\n');
  return 1;
}
