// Status item texts for the language server's states; no vscode import so it is unit-testable.

export type ServerState = 'starting' | 'running' | 'stopped';

export function idleStatusText(state: ServerState): { text: string; tooltip: string; error: boolean } {
  switch (state) {
    case 'starting':
      return { text: '$(loading~spin) Green ML', tooltip: 'Green ML: starting the language server…', error: false };
    case 'running':
      return { text: '$(zap) Green ML', tooltip: 'Green ML: analysing Python training scripts.', error: false };
    case 'stopped':
      return {
        text: '$(error) Green ML',
        tooltip: 'Green ML: the language server stopped. See the **Green ML** output channel. [Restart](command:greenml.restartServer)',
        error: true,
      };
  }
}
