package fivechats.workerpool;

import fivechats.transport.ChatConnection;

/**
 * A connected client, as the pool's registry holds it.
 *
 * @param lane the fixed variant's serial lane for this connection; null in the naive and locked variants, whose
 *             workers write straight to the connection
 */
record Member(ChatConnection connection, Lane lane) {}
