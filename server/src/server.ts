// Language server entry: only creates the connection (stdio, IPC or sockets, from the command line).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './startServer';

const connection = createConnection(ProposedFeatures.all);
startServer(connection);
connection.listen();
